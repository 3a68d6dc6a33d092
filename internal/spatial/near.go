package spatial

import (
	"math"
	"slices"

	"github.com/landrelease/landrelease/geo"
	"github.com/paulmach/orb"
)

// WGS 84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84B  = wgs84A * (1 - wgs84F)
	wgs84E2 = wgs84F * (2 - wgs84F)
	rad     = math.Pi / 180
)

// inverse returns the geodesic distance in metres between a and b (lon,
// lat degrees) on the WGS 84 ellipsoid, by Vincenty's inverse formula
// (1975). It agrees with Karney's algorithm to well under a millimetre for
// points that are not nearly antipodal, which hazard-area distances never
// are; if the iteration does not converge (only near-antipodal points) it
// falls back to a spherical distance.
func inverse(a, b orb.Point) float64 {
	if a == b {
		return 0
	}
	L := (b[0] - a[0]) * rad
	U1 := math.Atan((1 - wgs84F) * math.Tan(a[1]*rad))
	U2 := math.Atan((1 - wgs84F) * math.Tan(b[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	λ := L
	for iter := 0; iter < 200; iter++ {
		sinλ, cosλ := math.Sincos(λ)
		t1 := cosU2 * sinλ
		t2 := cosU1*sinU2 - sinU1*cosU2*cosλ
		sinσ := math.Sqrt(t1*t1 + t2*t2)
		if sinσ == 0 {
			return 0 // coincident points
		}
		cosσ := sinU1*sinU2 + cosU1*cosU2*cosλ
		σ := math.Atan2(sinσ, cosσ)
		sinα := cosU1 * cosU2 * sinλ / sinσ
		cos2α := 1 - sinα*sinα
		cos2σm := 0.0
		if cos2α != 0 {
			cos2σm = cosσ - 2*sinU1*sinU2/cos2α
		}
		C := wgs84F / 16 * cos2α * (4 + wgs84F*(4-3*cos2α))
		prev := λ
		λ = L + (1-C)*wgs84F*sinα*(σ+C*sinσ*(cos2σm+C*cosσ*(-1+2*cos2σm*cos2σm)))
		if math.Abs(λ-prev) < 1e-13 {
			u2 := cos2α * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
			A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
			B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
			Δσ := B * sinσ * (cos2σm + B/4*(cosσ*(-1+2*cos2σm*cos2σm)-
				B/6*cos2σm*(-3+4*sinσ*sinσ)*(-3+4*cos2σm*cos2σm)))
			return wgs84B * A * (σ - Δσ)
		}
	}
	// Near-antipodal: spherical fallback (never reached for hazard areas).
	φ1, φ2 := a[1]*rad, b[1]*rad
	sφ := math.Sin((φ2 - φ1) / 2)
	sλ := math.Sin(L / 2)
	h := sφ*sφ + math.Cos(φ1)*math.Cos(φ2)*sλ*sλ
	return 2 * 6371008.8 * math.Asin(math.Sqrt(math.Min(1, h)))
}

// plane is a local tangent plane at a point: x east and y north in metres,
// scaled by the prime-vertical and meridional radii of curvature there.
// Within a few kilometres of its centre it distorts lengths by a relative
// error of about d·tan|φ|/R (d the distance from the centre, R the Earth's
// radius): 1e-4 at 1 km and 22° N.
type plane struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree
}

func newPlane(p orb.Point) plane {
	s := math.Sin(p[1] * rad)
	w := math.Sqrt(1 - wgs84E2*s*s)
	N := wgs84A / w
	M := wgs84A * (1 - wgs84E2) / (w * w * w)
	return plane{lon0: p[0], lat0: p[1], kx: N * math.Cos(p[1]*rad) * rad, ky: M * rad}
}

func (pl plane) xy(q orb.Point) (x, y float64) {
	return (q[0] - pl.lon0) * pl.kx, (q[1] - pl.lat0) * pl.ky
}

// closest returns the parameter t in [0, 1] of the point of segment ab
// closest to the plane's centre, and that planar distance.
func (pl plane) closest(a, b orb.Point) (t, d float64) {
	ax, ay := pl.xy(a)
	bx, by := pl.xy(b)
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	if l2 > 0 {
		t = -(ax*dx + ay*dy) / l2
		t = min(1, max(0, t))
	}
	x, y := ax+t*dx, ay+t*dy
	return t, math.Hypot(x, y)
}

// distance returns the geodesic distance in metres from p to mp: 0 when mp
// covers p, else the distance to its nearest edge. See Snapshot.Near for
// the method. Edges whose planar distance exceeds limit are not measured;
// when every edge does, distance returns +Inf.
func distance(p orb.Point, mp orb.MultiPolygon, limit float64) float64 {
	if geo.Covers(mp, p) {
		return 0
	}
	pl := newPlane(p)
	best := math.Inf(1)
	// First pass: planar distances, to find the edges worth measuring.
	for _, poly := range mp {
		for _, r := range poly {
			n := len(r)
			for i := 0; i < n; i++ {
				_, d := pl.closest(r[i], r[(i+1)%n])
				best = min(best, d)
			}
		}
	}
	if best > limit {
		return math.Inf(1)
	}
	slack := planeSlack(best, p[1])
	exact := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			n := len(r)
			for i := 0; i < n; i++ {
				a, b := r[i], r[(i+1)%n]
				t, d := pl.closest(a, b)
				if d > best+slack {
					continue
				}
				q := orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])}
				exact = min(exact, inverse(p, q))
			}
		}
	}
	return exact
}

// planeSlack is the error allowed for the tangent plane's distance d at
// latitude lat when choosing edges to measure exactly: 1 % (two orders above
// the plane's distortion at a kilometre) plus three times the first-order
// distortion d·(1+tan|φ|)/R, which dominates beyond some tens of
// kilometres, plus 0.5 m.
func planeSlack(d, lat float64) float64 {
	return d*(0.01+3*d/6371008.8*(1+math.Abs(math.Tan(lat*rad)))) + 0.5
}

// Hit is an item with its geodesic distance in metres from the query point
// to its Remaining (0 inside).
type Hit struct {
	Item      *Item
	DistanceM float64
}

// Near returns the items whose Remaining lies within meters of p on the
// WGS 84 ellipsoid, nearest first (ties by ID).
//
// Method. The query is widened to a conservative lon/lat box (meters/110540
// degrees of latitude, the shortest degree of latitude being 110574 m;
// meters/(111319·cos φ) degrees of longitude at the box's extreme latitude
// φ, 111319 m being the shortest possible degree of longitude at the
// equator, N ≥ a), plus 1 % and 1e-7°, and the R-tree gives the candidates.
// For each candidate, the distance is 0 when its Remaining covers p (planar
// test, as geo.Covers). Otherwise every edge is projected on a tangent plane
// centred at p (east and north metres scaled by the radii of curvature N and
// M at p); the foot of the perpendicular from p, clamped to the edge, gives
// the closest point of each edge. The edges whose planar distance is within
// 1 % (+0.5 m, more at tens of kilometres: see planeSlack) of the smallest
// are measured exactly: the closest point is
// mapped back to lon/lat by linear interpolation along the edge and its
// distance from p taken on the ellipsoid by Vincenty's inverse formula.
//
// Error bound. Vincenty's inverse is accurate to about 0.1 mm. The plane's
// distortion (relative ~d·tan|φ|/R, 1e-4 at d = 1 km, 22° N) shifts the
// chosen foot along the edge by about d·1e-4, which changes the distance
// only to second order: d·(1e-4)²/2, under a micrometre. An edge is a
// straight line in lon/lat here; PostGIS geography follows the great circle
// instead, which departs from it by about L²·tan|φ|/(8R) for an edge of
// length L: 2 mm for L = 500 m and 5 mm for L = 800 m at 22°, 3 cm at
// L = 2 km. So for edges up to about 1 km and distances up to some
// kilometres at the latitudes of the register, the error stays under 1 cm.
// Whether p is inside is decided in the plane (as PostGIS geometry does),
// not on the sphere. Near does not handle the antimeridian or the poles.
func (s *Snapshot) Near(p orb.Point, meters float64, f Filter) []Hit {
	if meters < 0 || math.IsNaN(meters) {
		return nil
	}
	dlat := meters/110540*1.01 + 1e-7
	latMax := math.Min(89.999999, math.Abs(p[1])+dlat)
	dlon := meters/(111319*math.Cos(latMax*rad))*1.01 + 1e-7
	box := orb.Bound{Min: orb.Point{p[0] - dlon, p[1] - dlat}, Max: orb.Point{p[0] + dlon, p[1] + dlat}}
	var hits []Hit
	s.tree.Search(box.Min, box.Max, func(_, _ [2]float64, it *Item) bool {
		if !it.hasRem || !it.remBound.Intersects(box) || !f.match(it) {
			return true
		}
		// Planar limit with the same slack as for choosing edges, so no
		// edge within meters is lost to the plane's distortion.
		d := distance(p, it.Remaining, meters+planeSlack(meters, p[1]))
		if d <= meters {
			hits = append(hits, Hit{Item: it, DistanceM: d})
		}
		return true
	})
	slices.SortFunc(hits, func(a, b Hit) int {
		switch {
		case a.DistanceM < b.DistanceM:
			return -1
		case a.DistanceM > b.DistanceM:
			return 1
		}
		return byID(a.Item, b.Item)
	})
	return hits
}
