package spatial_test

import (
	"math"

	"github.com/paulmach/orb"
)

// Independent references for TestAgainstBruteForce: written here from first principles, sharing no code with the
// index's predicates (predicates.go, near.go) or with geo.Covers, so that a fault in those cannot hide in its
// reference.

// refOnSegment reports whether p lies on segment ab (exactly: collinear and within its bounds).
func refOnSegment(p, a, b orb.Point) bool {
	cross := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
	return cross == 0 && math.Min(a[0], b[0]) <= p[0] && p[0] <= math.Max(a[0], b[0]) &&
		math.Min(a[1], b[1]) <= p[1] && p[1] <= math.Max(a[1], b[1])
}

// refInRing is the even-odd rule for p and ring r, with the boundary counted as inside.
func refInRing(p orb.Point, r orb.Ring) bool {
	in := false
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		a, b := r[j], r[i]
		if refOnSegment(p, a, b) {
			return true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < a[0]+(p[1]-a[1])*(b[0]-a[0])/(b[1]-a[1]) {
			in = !in
		}
	}
	return in
}

// refCovers reports whether mp covers p: inside (or on) a polygon's outer ring and not strictly inside one of
// its holes.
func refCovers(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if len(poly) == 0 || !refInRing(p, poly[0]) {
			continue
		}
		inHole := false
		for _, h := range poly[1:] {
			if refInRing(p, h) && !refOnRing(p, h) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

func refOnRing(p orb.Point, r orb.Ring) bool {
	for i, j := 0, len(r)-1; i < len(r); j, i = i, i+1 {
		if refOnSegment(p, r[j], r[i]) {
			return true
		}
	}
	return false
}

// refOrient is the sign of the turn a, b, c.
func refOrient(a, b, c orb.Point) int {
	v := (b[0]-a[0])*(c[1]-a[1]) - (b[1]-a[1])*(c[0]-a[0])
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// refSegmentsMeet reports whether segments ab and cd share a point (touching counts).
func refSegmentsMeet(a, b, c, d orb.Point) bool {
	o1, o2, o3, o4 := refOrient(a, b, c), refOrient(a, b, d), refOrient(c, d, a), refOrient(c, d, b)
	if o1 != o2 && o3 != o4 {
		return true
	}
	return (o1 == 0 && refOnSegment(c, a, b)) || (o2 == 0 && refOnSegment(d, a, b)) ||
		(o3 == 0 && refOnSegment(a, c, d)) || (o4 == 0 && refOnSegment(b, c, d))
}

// refIntersects reports whether areas a and b share a point: an edge of one meets an edge of the other, or one
// holds a vertex of the other.
func refIntersects(a, b orb.MultiPolygon) bool {
	if len(a) == 0 || len(b) == 0 || !refBoundsMeet(a.Bound(), b.Bound()) {
		return false
	}
	for _, pa := range a {
		for _, ra := range pa {
			for i, j := 0, len(ra)-1; i < len(ra); j, i = i, i+1 {
				for _, pb := range b {
					for _, rb := range pb {
						for k, l := 0, len(rb)-1; k < len(rb); l, k = k, k+1 {
							if refSegmentsMeet(ra[j], ra[i], rb[l], rb[k]) {
								return true
							}
						}
					}
				}
			}
		}
	}
	return refCovers(b, a[0][0][0]) || refCovers(a, b[0][0][0])
}

func refBoundsMeet(a, b orb.Bound) bool {
	return a.Min[0] <= b.Max[0] && b.Min[0] <= a.Max[0] && a.Min[1] <= b.Max[1] && b.Min[1] <= a.Max[1]
}

// refIntersectsBox reports whether area mp shares a point with rectangle box.
func refIntersectsBox(mp orb.MultiPolygon, box orb.Bound) bool {
	r := orb.Ring{box.Min, {box.Max[0], box.Min[1]}, box.Max, {box.Min[0], box.Max[1]}, box.Min}
	return refIntersects(mp, orb.MultiPolygon{{r}})
}

// refChord is the straight-line distance in metres between p and q on the WGS 84 ellipsoid (through its
// Earth-centred Cartesian coordinates). Over the few hundred metres Near is asked about, it differs from the
// geodesic by far less than a micrometre (L³/24R²), and it shares nothing with Vincenty's formula of near.go.
func refChord(p, q orb.Point) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	ecef := func(pt orb.Point) (x, y, z float64) {
		lon, lat := pt[0]*math.Pi/180, pt[1]*math.Pi/180
		n := a / math.Sqrt(1-e2*math.Sin(lat)*math.Sin(lat))
		return n * math.Cos(lat) * math.Cos(lon), n * math.Cos(lat) * math.Sin(lon), n * (1 - e2) * math.Sin(lat)
	}
	x1, y1, z1 := ecef(p)
	x2, y2, z2 := ecef(q)
	return math.Sqrt((x1-x2)*(x1-x2) + (y1-y2)*(y1-y2) + (z1-z2)*(z1-z2))
}
