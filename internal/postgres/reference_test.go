package postgres_test

import (
	"testing"
)

// referenceAdminSQL defines ref_admin_unit_for(g, level), an independent reference for postgres.AdminUnitsOf,
// written the plain way, one geometry at a time: of the units of the level that intersect g, the only one, else
// the one g overlaps most on the spheroid (ties to the lower id); else the nearest unit; NULL without units.
const referenceAdminSQL = `
CREATE OR REPLACE FUNCTION ref_admin_unit_for(g geometry, lvl int) RETURNS bigint
LANGUAGE sql STABLE AS $$
	SELECT coalesce(
		(SELECT id FROM admin_unit
		 WHERE level = lvl AND ST_Intersects(geom, g)
		 ORDER BY CASE WHEN (SELECT count(*) FROM admin_unit WHERE level = lvl AND ST_Intersects(geom, g)) = 1 THEN 0
		               ELSE -ST_Area(ST_Intersection(geom, g)::geography) END, id
		 LIMIT 1),
		(SELECT id FROM admin_unit WHERE level = lvl ORDER BY ST_Distance(geom, g), id LIMIT 1))
$$`

// installReference creates the reference functions in r's database.
func (r *registry) installReference(t *testing.T) {
	t.Helper()
	if _, err := r.db.Pool.Exec(r.ctx, referenceAdminSQL); err != nil {
		t.Fatalf("reference functions: %v", err)
	}
}
