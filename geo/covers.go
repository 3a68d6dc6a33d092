package geo

import "github.com/paulmach/orb"

// Covers reports whether p lies in mp or on its boundary, the boundaries
// of holes included. The test is planar in lon/lat and treats each ring as
// closed.
func Covers(mp orb.MultiPolygon, p orb.Point) bool {
	for _, poly := range mp {
		if coversPolygon(poly, p) {
			return true
		}
	}
	return false
}

func coversPolygon(poly orb.Polygon, p orb.Point) bool {
	if len(poly) == 0 {
		return false
	}
	in, on := locate(poly[0], p)
	if on {
		return true
	}
	if !in {
		return false
	}
	for _, h := range poly[1:] {
		in, on := locate(h, p)
		if on {
			return true
		}
		if in {
			return false
		}
	}
	return true
}

// locate reports whether p is strictly inside ring r and whether it is on
// r's boundary, by counting crossings of a ray from p towards +X.
func locate(r orb.Ring, p orb.Point) (in, on bool) {
	n := len(r)
	if n == 0 {
		return false, false
	}
	for i := 0; i < n; i++ {
		a, b := r[i], r[(i+1)%n]
		c := (b[0]-a[0])*(p[1]-a[1]) - (b[1]-a[1])*(p[0]-a[0])
		if c == 0 &&
			min(a[0], b[0]) <= p[0] && p[0] <= max(a[0], b[0]) &&
			min(a[1], b[1]) <= p[1] && p[1] <= max(a[1], b[1]) {
			return false, true
		}
		if (a[1] > p[1]) != (b[1] > p[1]) {
			// The edge straddles the ray's line; it crosses the ray when p
			// is left of an upward edge or right of a downward one.
			if (b[1] > a[1]) == (c > 0) {
				in = !in
			}
		}
	}
	return in, false
}
