package geo

import (
	"math"

	"github.com/paulmach/orb"
)

// Tolerance is the coordinate difference, in degrees, below which Equal takes two vertices for one: 10^-9 degree
// is about 0.1 mm on the ground, far below what a survey measures, and far above the noise (10^-14 degree) a
// round trip through another format's doubles leaves.
const Tolerance = 1e-9

// Equal reports whether a and b have the same polygons, rings and vertices in the same order, each coordinate
// of a within Tolerance of b's.
func Equal(a, b orb.MultiPolygon) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			ra, rb := a[i][j], b[i][j]
			if len(ra) != len(rb) {
				return false
			}
			for k := range ra {
				if math.Abs(ra[k][0]-rb[k][0]) > Tolerance || math.Abs(ra[k][1]-rb[k][1]) > Tolerance {
					return false
				}
			}
		}
	}
	return true
}
