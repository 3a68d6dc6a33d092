// Package geo checks and cleans Polygon and MultiPolygon geometries that
// arrive as GeoJSON (RFC 7946).
//
// Decode does the structural checks at the door: JSON syntax, geometry
// type, position shape, coordinate range, ring closure and size limits.
// Clean removes repeated vertices and fixes ring orientation. LongSegments,
// Vertices and Covers measure and query the result. Topological validity
// (self-intersection, holes outside shells) is out of scope.
//
// Geometries are plain orb types in WGS 84 longitude, latitude.
package geo

import "github.com/paulmach/orb"

// Vertices counts the positions of mp, closing positions included.
func Vertices(mp orb.MultiPolygon) int {
	n := 0
	for _, p := range mp {
		for _, r := range p {
			n += len(r)
		}
	}
	return n
}
