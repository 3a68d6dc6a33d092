package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// toWKB encodes mp for ST_GeomFromWKB.
func toWKB(mp orb.MultiPolygon) []byte {
	b, err := wkb.Marshal(mp)
	if err != nil { // only for types wkb does not know; MultiPolygon is always known
		panic(fmt.Sprintf("wkb marshal: %v", err))
	}
	return b
}

// fromWKB decodes polygonal WKB into a MultiPolygon (empty for nil).
func fromWKB(b []byte) (orb.MultiPolygon, error) {
	if b == nil {
		return nil, nil
	}
	g, err := wkb.Unmarshal(b)
	if err != nil {
		return nil, fmt.Errorf("decode wkb: %w", err)
	}
	switch g := g.(type) {
	case orb.MultiPolygon:
		return g, nil
	case orb.Polygon:
		return orb.MultiPolygon{g}, nil
	case orb.Collection:
		if len(g) == 0 {
			return orb.MultiPolygon{}, nil
		}
	}
	return nil, fmt.Errorf("decode wkb: unexpected %s", g.GeoJSONType())
}

const isValidDetailSQL = `
SELECT valid, coalesce(reason, ''), ST_X(location), ST_Y(location)
FROM ST_IsValidDetail(ST_GeomFromWKB($1, 4326))`

// checkGeometry returns EINVALID with the reason and location PostGIS's ST_IsValidDetail gives when mp is not valid.
func checkGeometry(ctx context.Context, q pgx.Tx, what string, mp orb.MultiPolygon) error {
	var (
		valid  bool
		reason string
		x, y   *float64
	)
	if err := q.QueryRow(ctx, isValidDetailSQL, toWKB(mp)).Scan(&valid, &reason, &x, &y); err != nil {
		return dbError(err, "check geometry")
	}
	if valid {
		return nil
	}
	d := landrelease.Detail{Field: "geometry", Pointer: "/geometry", Reason: reason}
	msg := fmt.Sprintf("The %s geometry is not valid: %s", what, reason)
	if x != nil && y != nil {
		d.Location = []float64{*x, *y}
		msg += fmt.Sprintf(" at %.7f %.7f", *x, *y)
	}
	return landrelease.Invalid(msg+".", d)
}
