package spatial

import "github.com/paulmach/orb"

// Inverse exposes the ellipsoidal inverse distance to the tests.
var Inverse = inverse

// SegmentsIntersect exposes the exact segment test to the tests.
var SegmentsIntersect = segmentsIntersect

// IntersectsBox is the exact area-rectangle test used by BBox.
func IntersectsBox(mp orb.MultiPolygon, b orb.Bound) bool {
	return multiPolygonIntersectsBox(mp, boundOf(mp), b)
}

// Intersects is the exact area-area test used by Intersecting.
func Intersects(a, b orb.MultiPolygon) bool { return newShape(a).intersects(b) }
