package demo

import (
	"math"

	"github.com/paulmach/orb"
)

// mPerDeg is the length of one degree of latitude on a sphere of the mean Earth radius. Longitude degrees
// are scaled by cos(lat) (a local equirectangular projection), which is close enough for sizing.
const mPerDeg = 6371008.8 * math.Pi / 180

func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

func lonScale(lat float64) float64 { return mPerDeg * math.Cos(lat*math.Pi/180) }

// boundaryDist returns the distance in metres from c to the nearest ring edge of mp, measured in the local
// projection around c. It returns early, with a value below stop, as soon as one edge is nearer than stop.
func boundaryDist(mp orb.MultiPolygon, c orb.Point, stop float64) float64 {
	kx, ky := lonScale(c[1]), mPerDeg
	best := math.Inf(1)
	stop2 := stop * stop
	for _, poly := range mp {
		for _, ring := range poly {
			if len(ring) < 2 {
				continue
			}
			ax, ay := (ring[0][0]-c[0])*kx, (ring[0][1]-c[1])*ky
			for _, b := range ring[1:] {
				bx, by := (b[0]-c[0])*kx, (b[1]-c[1])*ky
				if d2 := segDist2(ax, ay, bx, by); d2 < best {
					best = d2
					if best < stop2 {
						return math.Sqrt(best)
					}
				}
				ax, ay = bx, by
			}
		}
	}
	return math.Sqrt(best)
}

// segDist2 is the squared distance from the origin to the segment a-b.
func segDist2(ax, ay, bx, by float64) float64 {
	dx, dy := bx-ax, by-ay
	l2 := dx*dx + dy*dy
	t := 0.0
	if l2 > 0 {
		t = -(ax*dx + ay*dy) / l2
		t = max(0, min(1, t))
	}
	px, py := ax+t*dx, ay+t*dy
	return px*px + py*py
}

// cellDeg is the size of a cell of the overlap grid.
const cellDeg = 0.01

type cellKey struct{ x, y int32 }

type circle struct{ lon, lat, r float64 } // r in metres

// grid keeps the bounding circles of placed hazard areas. Lookups only, so map order never shows.
type grid struct {
	cells   map[cellKey][]int32
	circles []circle
}

func (g *grid) span(lon, lat, r float64) (x0, y0, x1, y1 int32) {
	dlat := r / mPerDeg
	dlon := 1.01 * r / lonScale(lat+math.Copysign(dlat, lat))
	return int32(math.Floor((lon - dlon) / cellDeg)), int32(math.Floor((lat - dlat) / cellDeg)),
		int32(math.Floor((lon + dlon) / cellDeg)), int32(math.Floor((lat + dlat) / cellDeg))
}

// free reports whether a circle of radius r metres around c stays more than gap metres from every circle.
func (g *grid) free(c orb.Point, r, gap float64) bool {
	x0, y0, x1, y1 := g.span(c[0], c[1], r+gap)
	kx := lonScale(c[1])
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			for _, i := range g.cells[cellKey{x, y}] {
				o := g.circles[i]
				dx := (o.lon - c[0]) * kx
				dy := (o.lat - c[1]) * mPerDeg
				if s := o.r + r + gap; dx*dx+dy*dy < s*s {
					return false
				}
			}
		}
	}
	return true
}

func (g *grid) add(c orb.Point, r float64) {
	i := int32(len(g.circles))
	g.circles = append(g.circles, circle{c[0], c[1], r})
	x0, y0, x1, y1 := g.span(c[0], c[1], r)
	for x := x0; x <= x1; x++ {
		for y := y0; y <= y1; y++ {
			k := cellKey{x, y}
			g.cells[k] = append(g.cells[k], i)
		}
	}
}

// contains reports whether p lies inside mp by the even-odd rule over every ring (holes included).
func contains(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		in := false
		for _, ring := range poly {
			n := len(ring)
			if n < 3 {
				continue
			}
			j := n - 1
			for i := range n {
				a, b := ring[i], ring[j]
				if (a[1] > p[1]) != (b[1] > p[1]) && p[0] < (b[0]-a[0])*(p[1]-a[1])/(b[1]-a[1])+a[0] {
					in = !in
				}
				j = i
			}
		}
		if in {
			return true
		}
	}
	return false
}
