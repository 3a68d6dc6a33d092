package spatial

import (
	"math"
	"math/big"

	"github.com/landrelease/landrelease/geo"
	"github.com/paulmach/orb"
)

// orient returns the sign of the orientation of c relative to the directed
// line a→b: +1 left (counter-clockwise), -1 right, 0 collinear. It is exact:
// a floating-point determinant is trusted only when it is clear of
// Shewchuk's error bound, otherwise it is recomputed in rational arithmetic.
func orient(a, b, c orb.Point) int {
	detl := (b[0] - a[0]) * (c[1] - a[1])
	detr := (b[1] - a[1]) * (c[0] - a[0])
	det := detl - detr
	bound := 3.3306690738754716e-16 * (math.Abs(detl) + math.Abs(detr))
	switch {
	case det > bound:
		return 1
	case -det > bound:
		return -1
	}
	return orientExact(a, b, c)
}

func orientExact(a, b, c orb.Point) int {
	r := func(x float64) *big.Rat { return new(big.Rat).SetFloat64(x) }
	sub := func(x, y float64) *big.Rat { return new(big.Rat).Sub(r(x), r(y)) }
	l := new(big.Rat).Mul(sub(b[0], a[0]), sub(c[1], a[1]))
	rr := new(big.Rat).Mul(sub(b[1], a[1]), sub(c[0], a[0]))
	return l.Cmp(rr)
}

// inBox reports whether c lies in the bounding box of a and b.
func inBox(a, b, c orb.Point) bool {
	return min(a[0], b[0]) <= c[0] && c[0] <= max(a[0], b[0]) &&
		min(a[1], b[1]) <= c[1] && c[1] <= max(a[1], b[1])
}

// segmentsIntersect reports whether the closed segments ab and cd share a
// point (crossing, touching, or collinear overlap). Exact.
func segmentsIntersect(a, b, c, d orb.Point) bool {
	// Cheap rejection on bounding boxes (exact comparisons).
	if max(a[0], b[0]) < min(c[0], d[0]) || max(c[0], d[0]) < min(a[0], b[0]) ||
		max(a[1], b[1]) < min(c[1], d[1]) || max(c[1], d[1]) < min(a[1], b[1]) {
		return false
	}
	o1 := orient(a, b, c)
	o2 := orient(a, b, d)
	if o1 != 0 && o1 == o2 {
		return false
	}
	o3 := orient(c, d, a)
	o4 := orient(c, d, b)
	if o3 != 0 && o3 == o4 {
		return false
	}
	if o1 != 0 && o2 != 0 && o3 != 0 && o4 != 0 {
		return true // proper crossing
	}
	return (o1 == 0 && inBox(a, b, c)) || (o2 == 0 && inBox(a, b, d)) ||
		(o3 == 0 && inBox(c, d, a)) || (o4 == 0 && inBox(c, d, b))
}

// shape is a MultiPolygon prepared for repeated intersection tests.
type shape struct {
	mp     orb.MultiPolygon
	bound  orb.Bound
	bounds []orb.Bound // per polygon
}

func newShape(mp orb.MultiPolygon) *shape {
	s := &shape{mp: mp, bound: boundOf(mp), bounds: make([]orb.Bound, len(mp))}
	for i, p := range mp {
		s.bounds[i] = boundOf(orb.MultiPolygon{p})
	}
	return s
}

// intersects reports whether s and mp share at least one point.
func (s *shape) intersects(mp orb.MultiPolygon) bool {
	for _, p := range mp {
		pb, ok := polygonBound(p)
		if !ok || !pb.Intersects(s.bound) {
			continue
		}
		for j, q := range s.mp {
			if len(q) == 0 || !pb.Intersects(s.bounds[j]) {
				continue
			}
			if polygonsIntersect(p, pb, q, s.bounds[j]) {
				return true
			}
		}
	}
	return false
}

func polygonBound(p orb.Polygon) (orb.Bound, bool) {
	if len(p) == 0 || len(p[0]) == 0 {
		return orb.Bound{}, false
	}
	return boundOf(orb.MultiPolygon{p}), true
}

// polygonsIntersect reports whether polygons p and q (with bounds pb and
// qb) share a point. Either a ring edge of one meets a ring edge of the
// other, or, if no boundaries meet, one polygon's whole ring lies inside the
// other, which testing one vertex of every ring finds (the intersection of
// two closed sets whose boundaries do not meet has an empty boundary
// otherwise, so it is empty).
func polygonsIntersect(p orb.Polygon, pb orb.Bound, q orb.Polygon, qb orb.Bound) bool {
	common := orb.Bound{
		Min: orb.Point{max(pb.Min[0], qb.Min[0]), max(pb.Min[1], qb.Min[1])},
		Max: orb.Point{min(pb.Max[0], qb.Max[0]), min(pb.Max[1], qb.Max[1])},
	}
	for _, rp := range p {
		for i := range rp {
			a, b := rp[i], rp[(i+1)%len(rp)]
			if !segBoxIntersects(a, b, common) {
				continue
			}
			for _, rq := range q {
				for j := range rq {
					c, d := rq[j], rq[(j+1)%len(rq)]
					if segmentsIntersect(a, b, c, d) {
						return true
					}
				}
			}
		}
	}
	for _, rp := range p {
		if len(rp) > 0 && qb.Contains(rp[0]) && geo.Covers(orb.MultiPolygon{q}, rp[0]) {
			return true
		}
	}
	for _, rq := range q {
		if len(rq) > 0 && pb.Contains(rq[0]) && geo.Covers(orb.MultiPolygon{p}, rq[0]) {
			return true
		}
	}
	return false
}

// segBoxIntersects is a cheap necessary condition: the segment's bounding
// box meets b.
func segBoxIntersects(a, c orb.Point, b orb.Bound) bool {
	return max(a[0], c[0]) >= b.Min[0] && min(a[0], c[0]) <= b.Max[0] &&
		max(a[1], c[1]) >= b.Min[1] && min(a[1], c[1]) <= b.Max[1]
}

// multiPolygonIntersectsBox reports whether mp (with bounds mb) shares a
// point with the closed rectangle b.
func multiPolygonIntersectsBox(mp orb.MultiPolygon, mb orb.Bound, b orb.Bound) bool {
	if !mb.Intersects(b) {
		return false
	}
	if b.Contains(mb.Min) && b.Contains(mb.Max) {
		return true // the whole area lies in the box
	}
	corners := [5]orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}
	for _, p := range mp {
		for _, r := range p {
			for i := range r {
				// A vertex in the box.
				if b.Contains(r[i]) {
					return true
				}
			}
		}
	}
	for _, p := range mp {
		for _, r := range p {
			n := len(r)
			for i := 0; i < n; i++ {
				a, c := r[i], r[(i+1)%n]
				if !segBoxIntersects(a, c, b) {
					continue
				}
				for k := 0; k < 4; k++ {
					if segmentsIntersect(a, c, corners[k], corners[k+1]) {
						return true
					}
				}
			}
		}
	}
	// No boundaries meet and no vertex is in the box: the box intersects
	// only if it lies inside the area.
	return geo.Covers(mp, b.Min)
}
