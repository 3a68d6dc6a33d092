package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Reprojector implements landrelease.Reprojector with PostGIS's ST_Transform (PROJ inside the database), for the
// coordinate reference systems of OGC API - Features Part 2.
type Reprojector struct{ db *DB }

// NewReprojector returns a Reprojector on db.
func NewReprojector(db *DB) *Reprojector { return &Reprojector{db: db} }

var _ landrelease.Reprojector = (*Reprojector)(nil)

// fromWGS84SQL transforms WGS 84 geometries into SRID $2, in the order of $1.
// $1 bytea[]: the geometries as WKB (NULL for an empty one); $2 int: the target SRID.
const fromWGS84SQL = `
SELECT ST_AsBinary(ST_Transform(ST_GeomFromWKB(g, 4326), $2::int))
FROM unnest($1::bytea[]) WITH ORDINALITY AS t(g, i) ORDER BY i`

// toWGS84SQL returns the WGS 84 extent of a box in SRID $5, its edges cut into 64 pieces each before the transform.
// $1, $2, $3, $4 float8: the box's min x, min y, max x, max y; $5 int: its SRID.
const toWGS84SQL = `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope($1, $2, $3, $4, $5::int), greatest($3 - $1, $4 - $2) / 64), 4326)::box2d AS e) b`

// adminExtentSQL returns the WGS 84 extent of every admin unit (NULLs when there are none). No parameters.
const adminExtentSQL = `
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM admin_unit) x`

// FromWGS84 transforms geometries; see landrelease.Reprojector.
func (r *Reprojector) FromWGS84(ctx context.Context, srid int, gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) {
	in := make([][]byte, len(gs))
	for i, g := range gs {
		if len(g) > 0 {
			in[i] = toWKB(g)
		}
	}
	rows, err := r.db.Pool.Query(ctx, fromWGS84SQL, in, srid)
	if err != nil {
		return nil, dbError(err, "transform geometries")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (orb.MultiPolygon, error) {
		var b []byte
		if err := row.Scan(&b); err != nil {
			return nil, err
		}
		return fromWKB(b)
	})
	return out, dbError(err, "transform geometries")
}

// ToWGS84 transforms a box; see landrelease.Reprojector.
func (r *Reprojector) ToWGS84(ctx context.Context, srid int, b orb.Bound) (orb.Bound, error) {
	var out orb.Bound
	err := r.db.Pool.QueryRow(ctx, toWGS84SQL, b.Min[0], b.Min[1], b.Max[0], b.Max[1], srid).
		Scan(&out.Min[0], &out.Min[1], &out.Max[0], &out.Max[1])
	return out, dbError(err, "transform a box to WGS 84")
}

// AdminExtent returns the gazetteer's extent; see landrelease.Reprojector.
func (r *Reprojector) AdminExtent(ctx context.Context) (orb.Bound, bool, error) {
	var v [4]*float64
	if err := r.db.Pool.QueryRow(ctx, adminExtentSQL).Scan(&v[0], &v[1], &v[2], &v[3]); err != nil {
		return orb.Bound{}, false, dbError(err, "extent of the admin units")
	}
	if v[0] == nil {
		return orb.Bound{}, false, nil
	}
	return orb.Bound{Min: orb.Point{*v[0], *v[1]}, Max: orb.Point{*v[2], *v[3]}}, true, nil
}
