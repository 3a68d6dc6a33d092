package landrelease

import "github.com/paulmach/orb"

// NearHit is a hazard area with its distance from a point.
type NearHit struct {
	HazardArea *HazardArea
	DistanceM  float64 // geodesic, on the WGS 84 ellipsoid; 0 inside
}

// SpatialIndex answers spatial questions about the current hazard areas from memory. Filters use Kind, Status
// (open by default), Contamination and Admin of HazardAreaFilter. Point, Near and Intersecting match the open
// part of each area (a released part is not dangerous); BBox matches the whole area. Results are ordered by ID,
// Near's by distance.
type SpatialIndex interface {
	// Ready reports whether the index is loaded.
	Ready() bool
	Point(p orb.Point, f HazardAreaFilter) []*HazardArea
	BBox(b orb.Bound, f HazardAreaFilter) []*HazardArea
	Near(p orb.Point, meters float64, f HazardAreaFilter) []NearHit
	Intersecting(g orb.MultiPolygon, f HazardAreaFilter) []*HazardArea
}
