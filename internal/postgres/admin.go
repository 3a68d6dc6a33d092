package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// AdminUnitService implements landrelease.AdminUnitService.
type AdminUnitService struct{ db *DB }

// NewAdminUnitService returns an AdminUnitService on db.
func NewAdminUnitService(db *DB) *AdminUnitService { return &AdminUnitService{db: db} }

var _ landrelease.AdminUnitService = (*AdminUnitService)(nil)

// upsertAdminUnitSQL inserts or replaces a unit; an invalid boundary (real gazetteers have some) is repaired
// with ST_MakeValid, keeping its polygonal part.
const upsertAdminUnitSQL = `
INSERT INTO admin_unit (level, code, name, parent_code, properties, geom)
SELECT $1, $2, $3, $4, $5, ST_Multi(ST_CollectionExtract(ST_MakeValid(ST_GeomFromWKB($6, 4326)), 3))
ON CONFLICT (level, code) DO UPDATE SET name = EXCLUDED.name, parent_code = EXCLUDED.parent_code,
	properties = EXCLUDED.properties, geom = EXCLUDED.geom, imported_at = now()`

// reassignAdminSQL re-assigns every hazard area version to its admin units (AdminUnitsOf). The assignment is
// derived data: it follows the gazetteer, not the record.
const reassignAdminSQL = `
WITH admin_todo AS NOT MATERIALIZED (SELECT id AS ord, geom AS g FROM hazard_area_version)
UPDATE hazard_area_version v SET admin1_id = u.admin1_id, admin2_id = u.admin2_id
FROM (` + AdminUnitsOf + `) u
WHERE u.ord = v.id AND (v.admin1_id IS DISTINCT FROM u.admin1_id OR v.admin2_id IS DISTINCT FROM u.admin2_id)`

const findAdminUnitsSQL = `
SELECT level, code, name, coalesce(parent_code, ''), properties, CASE WHEN $2 THEN ST_AsBinary(geom) END
FROM admin_unit WHERE ($1 = 0 OR level = $1) ORDER BY level, code`

// ImportAdminUnits loads units of one level; see landrelease.AdminUnitService.
func (s *AdminUnitService) ImportAdminUnits(ctx context.Context, level int, units []*landrelease.AdminUnit) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if level != 1 && level != 2 {
		return landrelease.Invalid(fmt.Sprintf("Admin level %d is not 1 or 2.", level), landrelease.Detail{Field: "level", Reason: "must be 1 or 2"})
	}
	seen := map[string]int{}
	var details []landrelease.Detail
	for i, a := range units {
		feature := i
		switch {
		case a.Code == "":
			details = append(details, landrelease.Detail{Feature: &feature, Field: "code", Reason: "is empty"})
		case len(a.Geometry) == 0:
			details = append(details, landrelease.Detail{Feature: &feature, Field: "geometry", Reason: "is empty"})
		}
		if j, dup := seen[a.Code]; dup && a.Code != "" {
			details = append(details, landrelease.Detail{Feature: &feature, Field: "code", Reason: fmt.Sprintf("%q is also the code of feature %d", a.Code, j)})
		}
		seen[a.Code] = i
	}
	if len(details) > 0 {
		return landrelease.Invalid(fmt.Sprintf("The admin units are not valid: feature %d: %s %s.", *details[0].Feature, details[0].Field, details[0].Reason), details...)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		batch := &pgx.Batch{}
		for _, a := range units {
			props := a.Properties
			if props == nil {
				props = map[string]any{}
			}
			batch.Queue(upsertAdminUnitSQL, level, a.Code, a.Name, nullStr(a.ParentCode), props, toWKB(a.Geometry))
		}
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return dbError(err, "import admin units")
		}
		if _, err := tx.Exec(ctx, reassignAdminSQL); err != nil {
			return dbError(err, "re-assign hazard areas to admin units")
		}
		return audit(ctx, tx, u.Name, "import", "admin_unit", "", 0, map[string]any{"level": level, "units": len(units)})
	})
}

// FindAdminUnits lists units; see landrelease.AdminUnitService.
func (s *AdminUnitService) FindAdminUnits(ctx context.Context, level int, withGeometry bool) ([]*landrelease.AdminUnit, error) {
	rows, err := s.db.Pool.Query(ctx, findAdminUnitsSQL, level, withGeometry)
	if err != nil {
		return nil, dbError(err, "find admin units")
	}
	units, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*landrelease.AdminUnit, error) {
		var a landrelease.AdminUnit
		var g []byte
		if err := row.Scan(&a.Level, &a.Code, &a.Name, &a.ParentCode, &a.Properties, &g); err != nil {
			return nil, err
		}
		var err error
		a.Geometry, err = fromWKB(g)
		return &a, err
	})
	return units, dbError(err, "find admin units")
}
