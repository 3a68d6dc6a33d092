package pgtest

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// bulkBatch is the number of rows sent by one CopyFrom.
const bulkBatch = 20000

// BulkLoad loads generated hazard areas and their land releases into the registry, for tests and benchmarks
// only. The hazard areas go through the registry's set-based path for new areas (postgres.CreateHazardAreas, as
// an upload's approval: geometries checked, areas, admin units, version 1 valid from the identification, an audit
// row each, recorded by 'bulk'); the releases are inserted set-based as version 1 without the registry's checks of
// a release (within its area, no overlap, in place), with their area within the area's version 1; then every area
// with releases is settled by postgres.Settle, as after any release: its remaining polygon, and a closing version
// when its releases leave less than landrelease.CloseBelowM2.
//
// The tables' triggers stay enabled: every row inserted also writes a change_log row and a notification, which is
// what readers of the change feed expect. Everything happens in one transaction.
func BulkLoad(ctx context.Context, db *postgres.DB, hs []*landrelease.HazardArea, rs []*landrelease.LandRelease) error {
	return bulkLoad(ctx, db, hs, rs, false)
}

// BulkLoadQuiet is BulkLoad with the tables' triggers off (session_replication_role = replica, which needs a
// superuser, as the test cluster's role is): no change_log rows and no notifications, so a change feed that
// is already following does not see these rows; a feed started afterwards loads them. For benchmarks at 10^5
// and 10^6, where the triggers' rows and notifications dominate the load.
func BulkLoadQuiet(ctx context.Context, db *postgres.DB, hs []*landrelease.HazardArea, rs []*landrelease.LandRelease) error {
	return bulkLoad(ctx, db, hs, rs, true)
}

func bulkLoad(ctx context.Context, db *postgres.DB, hs []*landrelease.HazardArea, rs []*landrelease.LandRelease, quiet bool) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer conn.Release()
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if quiet {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return fmt.Errorf("bulk load: triggers off: %w", err)
			}
		}
		if err := postgres.CreateHazardAreas(ctx, tx, hs, "bulk"); err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		if _, err := tx.Exec(ctx, bulkStageSQL); err != nil {
			return fmt.Errorf("bulk load: staging table: %w", err)
		}
		if err := copyReleases(ctx, tx, rs); err != nil {
			return err
		}
		for _, s := range bulkSteps {
			if _, err := tx.Exec(ctx, s.sql); err != nil {
				return fmt.Errorf("bulk load: %s: %w", s.name, err)
			}
		}
		rows, err := tx.Query(ctx, releasedSQL)
		if err != nil {
			return fmt.Errorf("bulk load: released areas: %w", err)
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("bulk load: released areas: %w", err)
		}
		if err := postgres.Settle(ctx, tx, ids, "bulk"); err != nil {
			return fmt.Errorf("bulk load: settle: %w", err)
		}
		return nil
	})
}

// bulkStageSQL makes the staging table of the releases and lets the planner scan it (the set-based path of the
// hazard areas leaves sequential scans priced out, as for an upload's per-record writes).
const bulkStageSQL = `
SET LOCAL enable_seqscan = on;
CREATE TEMP TABLE bulk_r (
	ord int, local_id text, hazard text, method text, completed_on date, organisation text, criteria text,
	depth_cm int, items text, wkb bytea, ben_women int, ben_girls int, ben_boys int, ben_men int, ben_disab int,
	land_use_after text) ON COMMIT DROP`

var bulkSteps = []struct{ name, sql string }{
	{"release heads", `
INSERT INTO land_release (local_id, hazard_id, version)
SELECT b.local_id, a.id, 1 FROM bulk_r b JOIN hazard_area a ON a.local_id = b.hazard
ORDER BY b.ord`},
	{"release versions", `
INSERT INTO land_release_version (release_id, hazard_id, version, recorded_by, reason, withdrawn,
	method, completed_on, organisation, criteria, depth_cm, items_destroyed, geom, area_m2,
	beneficiaries_women, beneficiaries_girls, beneficiaries_boys, beneficiaries_men, beneficiaries_with_disabilities,
	land_use_after)
SELECT l.id, l.hazard_id, 1, 'bulk', 'recorded', false,
	r.method, r.completed_on, r.organisation, r.criteria, r.depth_cm, r.items::jsonb, r.g,
	area_m2(ST_CollectionExtract(ST_Intersection(r.g, v.geom), 3)),
	r.ben_women, r.ben_girls, r.ben_boys, r.ben_men, r.ben_disab, r.land_use_after
FROM (SELECT b.*, ST_Multi(ST_GeomFromWKB(b.wkb, 4326)) AS g FROM bulk_r b) r
JOIN land_release l ON l.local_id = r.local_id
JOIN hazard_area_version v ON v.hazard_id = l.hazard_id AND v.version = 1
ORDER BY r.ord`},
}

// releasedSQL lists the hazard areas loaded with releases, for postgres.Settle.
const releasedSQL = `SELECT DISTINCT l.hazard_id FROM bulk_r b JOIN land_release l ON l.local_id = b.local_id`

func copyReleases(ctx context.Context, tx pgx.Tx, rs []*landrelease.LandRelease) error {
	cols := []string{"ord", "local_id", "hazard", "method", "completed_on", "organisation", "criteria", "depth_cm", "items", "wkb",
		"ben_women", "ben_girls", "ben_boys", "ben_men", "ben_disab", "land_use_after"}
	for lo := 0; lo < len(rs); lo += bulkBatch {
		batch := rs[lo:min(lo+bulkBatch, len(rs))]
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"bulk_r"}, cols, pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			r := batch[i]
			g, err := wkb.Marshal(r.Geometry)
			if err != nil {
				return nil, fmt.Errorf("release %s: %w", r.LocalID, err)
			}
			items := "{}"
			if len(r.ItemsDestroyed) > 0 {
				b, err := json.Marshal(r.ItemsDestroyed)
				if err != nil {
					return nil, err
				}
				items = string(b)
			}
			var ben [5]*int
			if b := r.Beneficiaries; b != nil {
				ben = [5]*int{&b.Women, &b.Girls, &b.Boys, &b.Men, &b.WithDisabilities}
			}
			return []any{lo + i, r.LocalID, r.HazardArea, string(r.Method), landrelease.Day(r.CompletedOn),
				r.Organisation, r.Criteria, r.DepthCM, items, g, ben[0], ben[1], ben[2], ben[3], ben[4], string(r.LandUseAfter)}, nil
		}))
		if err != nil {
			return fmt.Errorf("bulk load: copy releases: %w", err)
		}
	}
	return nil
}
