package landrelease

import (
	"context"

	"github.com/paulmach/orb"
)

// Reprojector transforms geometries between WGS 84 longitude and latitude (EPSG:4326 with x the longitude, the
// registry's storage) and other coordinate reference systems named by their EPSG code, as PostGIS's ST_Transform
// does. Axis order is x, y throughout: a client's latitude-first EPSG:4326 is the caller's concern.
type Reprojector interface {
	// FromWGS84 returns gs transformed into the CRS srid, in order; an empty geometry stays empty.
	FromWGS84(ctx context.Context, srid int, gs []orb.MultiPolygon) ([]orb.MultiPolygon, error)
	// ToWGS84 returns the WGS 84 extent of the box b given in the CRS srid, its edges densified before they are
	// transformed, so that the extent holds every point of the box.
	ToWGS84(ctx context.Context, srid int, b orb.Bound) (orb.Bound, error)
	// AdminExtent returns the WGS 84 extent of the gazetteer's units; ok is false when it has none.
	AdminExtent(ctx context.Context) (b orb.Bound, ok bool, err error)
}
