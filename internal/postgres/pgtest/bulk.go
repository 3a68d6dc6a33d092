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

// BulkLoad loads generated hazard areas and their land releases straight into the registry's tables, for tests
// and benchmarks only: it checks none of the registry's rules. Each hazard gets one version (valid from its
// identification, status open, recorded_by 'bulk'), each release version 1. Rows are copied into temporary
// staging tables (geometry as WKB) and inserted set-based, with what the services compute on a write: areas on
// the spheroid, admin units by largest overlap, a release's area within its hazard, the remaining polygon
// (the hazard less the union of its releases), and a closing version (status closed, status_reason released,
// valid from the latest release) for areas whose releases leave less than landrelease.CloseBelowM2.
//
// The remaining polygon is computed before the head rows are written rather than updated afterwards; the result
// is the same. The tables' triggers stay enabled: every row inserted also writes a change_log row and a
// notification (about a fifth of the load's time), which is what readers of the change feed expect.
// Everything happens in one transaction.
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
		if _, err := tx.Exec(ctx, bulkStageSQL); err != nil {
			return fmt.Errorf("bulk load: staging tables: %w", err)
		}
		if err := copyHazards(ctx, tx, hs); err != nil {
			return err
		}
		if err := copyReleases(ctx, tx, rs); err != nil {
			return err
		}
		for _, s := range bulkSteps {
			if _, err := tx.Exec(ctx, s.sql); err != nil {
				return fmt.Errorf("bulk load: %s: %w", s.name, err)
			}
		}
		return nil
	})
}

const bulkStageSQL = `
CREATE TEMP TABLE bulk_h (
	ord int, local_id text, kind text, contamination text, evidence_type text, evidence_category text,
	devices text[], marking text, priority text, land_use text, identified_on date, organisation text,
	notes text, wkb bytea) ON COMMIT DROP;
CREATE TEMP TABLE bulk_r (
	ord int, local_id text, hazard text, method text, completed_on date, organisation text, criteria text,
	depth_cm int, items text, wkb bytea) ON COMMIT DROP`

var bulkSteps = []struct{ name, sql string }{
	{"hazards", `
CREATE TEMP TABLE bulk_hg ON COMMIT DROP AS
SELECT s.*, ST_Area(g::geography) AS area_m2, admin_unit_for(g, 1::smallint) AS admin1_id,
	admin_unit_for(g, 2::smallint) AS admin2_id
FROM (SELECT b.*, ST_Multi(ST_GeomFromWKB(b.wkb, 4326)) AS g FROM bulk_h b) s`},
	{"index hazards", `CREATE UNIQUE INDEX ON bulk_hg (local_id); ANALYZE bulk_hg`},
	{"releases", `
CREATE TEMP TABLE bulk_rg ON COMMIT DROP AS
SELECT s.*, ST_Area(ST_CollectionExtract(ST_Intersection(s.g, h.g), 3)::geography) AS area_m2
FROM (SELECT b.*, ST_Multi(ST_GeomFromWKB(b.wkb, 4326)) AS g FROM bulk_r b) s
JOIN bulk_hg h ON h.local_id = s.hazard`},
	{"remaining", `
CREATE TEMP TABLE bulk_rem ON COMMIT DROP AS
SELECT x.local_id, x.g, ST_Area(x.g::geography) AS m2, x.n, x.last
FROM (
	SELECT h.local_id,
	       CASE WHEN u.g IS NULL THEN h.g ELSE ST_Multi(ST_CollectionExtract(ST_Difference(h.g, u.g), 3)) END AS g,
	       coalesce(u.n, 0) AS n, u.last
	FROM bulk_hg h
	LEFT JOIN (SELECT hazard, ST_Union(g) AS g, count(*) AS n, max(completed_on) AS last
	           FROM bulk_rg GROUP BY hazard) u ON u.hazard = h.local_id
) x;
CREATE UNIQUE INDEX ON bulk_rem (local_id); ANALYZE bulk_rem`},
	{"hazard heads", `
INSERT INTO hazard_area (local_id, version, remaining_geom, remaining_area_m2)
SELECT h.local_id, CASE WHEN r.n > 0 AND r.m2 < ` + closeBelow + ` THEN 2 ELSE 1 END, r.g, r.m2
FROM bulk_hg h JOIN bulk_rem r ON r.local_id = h.local_id
ORDER BY h.ord`},
	// Version 1; when the area closes, the closing version is valid from max(identified_on, last release) and
	// supersedes (in record time) the versions valid from that date on, as settle does.
	{"hazard versions", `
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, superseded_at, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, notes, geom, area_m2, admin1_id, admin2_id)
SELECT a.id, 1, h.identified_on, NOT c.closed,
	CASE WHEN c.closed AND h.identified_on >= greatest(h.identified_on, r.last) THEN now() END, 'bulk', 'identified',
	h.kind, h.contamination, h.evidence_type, h.evidence_category, h.devices, h.marking, h.priority, h.land_use,
	h.identified_on, h.organisation, 'open', '', h.notes, h.g, h.area_m2, h.admin1_id, h.admin2_id
FROM bulk_hg h
JOIN bulk_rem r ON r.local_id = h.local_id
JOIN hazard_area a ON a.local_id = h.local_id
CROSS JOIN LATERAL (SELECT r.n > 0 AND r.m2 < ` + closeBelow + ` AS closed) c
ORDER BY h.ord`},
	{"closing versions", `
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, notes, geom, area_m2, admin1_id, admin2_id)
SELECT a.id, 2, greatest(h.identified_on, r.last), true, 'bulk',
	'closed: remaining area ' || round(r.m2::numeric, 1) || ' m2 below ` + closeBelow + ` m2 after land release',
	h.kind, h.contamination, h.evidence_type, h.evidence_category, h.devices, h.marking, h.priority, h.land_use,
	h.identified_on, h.organisation, 'closed', 'released', h.notes, h.g, h.area_m2, h.admin1_id, h.admin2_id
FROM bulk_hg h
JOIN bulk_rem r ON r.local_id = h.local_id
JOIN hazard_area a ON a.local_id = h.local_id
WHERE r.n > 0 AND r.m2 < ` + closeBelow + `
ORDER BY h.ord`},
	{"release heads", `
INSERT INTO land_release (local_id, hazard_id, version)
SELECT r.local_id, a.id, 1 FROM bulk_rg r JOIN hazard_area a ON a.local_id = r.hazard
ORDER BY r.ord`},
	{"release versions", `
INSERT INTO land_release_version (release_id, hazard_id, version, recorded_by, reason, withdrawn,
	method, completed_on, organisation, criteria, depth_cm, items_destroyed, geom, area_m2)
SELECT l.id, l.hazard_id, 1, 'bulk', 'recorded', false,
	r.method, r.completed_on, r.organisation, r.criteria, r.depth_cm, r.items::jsonb, r.g, r.area_m2
FROM bulk_rg r JOIN land_release l ON l.local_id = r.local_id
ORDER BY r.ord`},
}

var closeBelow = fmt.Sprint(landrelease.CloseBelowM2)

func copyHazards(ctx context.Context, tx pgx.Tx, hs []*landrelease.HazardArea) error {
	cols := []string{"ord", "local_id", "kind", "contamination", "evidence_type", "evidence_category", "devices",
		"marking", "priority", "land_use", "identified_on", "organisation", "notes", "wkb"}
	for lo := 0; lo < len(hs); lo += bulkBatch {
		batch := hs[lo:min(lo+bulkBatch, len(hs))]
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"bulk_h"}, cols, pgx.CopyFromSlice(len(batch), func(i int) ([]any, error) {
			h := batch[i]
			g, err := wkb.Marshal(h.Geometry)
			if err != nil {
				return nil, fmt.Errorf("hazard %s: %w", h.LocalID, err)
			}
			devices := h.Devices
			if devices == nil {
				devices = []string{}
			}
			return []any{lo + i, h.LocalID, string(h.Kind), string(h.Contamination), string(h.Evidence.Type),
				h.Evidence.Category, devices, string(h.Marking), string(h.Priority), string(h.LandUse),
				landrelease.Day(h.IdentifiedOn), h.Organisation, h.Notes, g}, nil
		}))
		if err != nil {
			return fmt.Errorf("bulk load: copy hazards: %w", err)
		}
	}
	return nil
}

func copyReleases(ctx context.Context, tx pgx.Tx, rs []*landrelease.LandRelease) error {
	cols := []string{"ord", "local_id", "hazard", "method", "completed_on", "organisation", "criteria", "depth_cm", "items", "wkb"}
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
			return []any{lo + i, r.LocalID, r.HazardArea, string(r.Method), landrelease.Day(r.CompletedOn),
				r.Organisation, r.Criteria, r.DepthCM, items, g}, nil
		}))
		if err != nil {
			return fmt.Errorf("bulk load: copy releases: %w", err)
		}
	}
	return nil
}
