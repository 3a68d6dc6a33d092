package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// What the registry derives from its records, written once for every writer (a single write, an upload and its
// approval, the admin-unit import, the bulk loader of the tests): the admin units of a geometry (AdminUnitsOf),
// areas on the spheroid (the SQL function area_m2, migration 0016), and the remaining polygon of a hazard area
// with the closing rule that follows from it (settle, with landrelease.Settle). One geometry or 10^5, the same
// statements run.

// AdminUnitsOf is the registry's rule for the admin units of a geometry, as a query over a relation
// admin_todo(ord, g) that the statement using it defines before it (a CTE, NOT MATERIALIZED, so that the planner
// sees the table behind it and its spatial index). For each row of admin_todo it returns (ord, admin1_id,
// admin2_id): of the units of a level that intersect g, the only one, else the one g overlaps most on the
// spheroid (ties to the lower id); where no unit of the level intersects g (a gap between units, land off the
// gazetteer's edge), the nearest; NULL when the level has no units. Units drive the join, so that PostGIS
// prepares each unit's polygon once for all the geometries in it.
const AdminUnitsOf = `
SELECT t.ord,
	coalesce(p.a1, (SELECT id FROM admin_unit WHERE level = 1 ORDER BY geom <-> t.g LIMIT 1)) AS admin1_id,
	coalesce(p.a2, (SELECT id FROM admin_unit WHERE level = 2 ORDER BY geom <-> t.g LIMIT 1)) AS admin2_id
FROM admin_todo t
LEFT JOIN (
	SELECT b.ord, max(b.id) FILTER (WHERE b.level = 1) AS a1, max(b.id) FILTER (WHERE b.level = 2) AS a2
	FROM (
		SELECT DISTINCT ON (c.ord, c.level) c.ord, c.level, c.id
		FROM (
			SELECT s.ord, a.level, a.id, a.geom, count(*) OVER (PARTITION BY s.ord, a.level) AS n
			FROM admin_unit a JOIN admin_todo s ON a.geom && s.g AND ST_Intersects(a.geom, s.g)
			WHERE a.level IN (1, 2)
		) c
		JOIN admin_todo s ON s.ord = c.ord
		ORDER BY c.ord, c.level, CASE WHEN c.n = 1 THEN 0 ELSE -area_m2(ST_Intersection(c.geom, s.g)) END, c.id
	) b
	GROUP BY b.ord
) p ON p.ord = t.ord`

// refreshRemainingSQL recomputes the remaining polygon of each hazard area of $1 (ids): its current geometry
// less the union of the releases known now that count against it (those completed on or after the version's
// releases_since). It returns, per area, what the closing rule needs: the current version's row id, field date,
// status, status reason and withdrawn mark, the remaining area, how many releases count and the latest
// completion date among them.
const refreshRemainingSQL = `
WITH cur AS (
	SELECT v.hazard_id, v.id AS vid, v.geom, v.releases_since, v.valid_from, v.status, v.status_reason, v.withdrawn
	FROM hazard_area_version v WHERE v.hazard_id = ANY($1::bigint[]) AND v.is_current
), rel AS (
	SELECT r.hazard_id, ST_Union(r.geom) AS g, count(*) AS n, max(r.completed_on) AS last
	FROM land_release_version r JOIN cur ON cur.hazard_id = r.hazard_id
	WHERE r.superseded_at IS NULL AND NOT r.withdrawn
	  AND (cur.releases_since IS NULL OR r.completed_on >= cur.releases_since)
	GROUP BY r.hazard_id
), rem AS (
	SELECT cur.hazard_id, cur.vid, cur.valid_from, cur.status, cur.status_reason, cur.withdrawn,
	       CASE WHEN rel.g IS NULL THEN cur.geom
	            ELSE ST_Multi(ST_CollectionExtract(ST_Difference(cur.geom, rel.g), 3)) END AS g,
	       coalesce(rel.n, 0) AS n, rel.last
	FROM cur LEFT JOIN rel ON rel.hazard_id = cur.hazard_id
)
UPDATE hazard_area h SET remaining_geom = rem.g, remaining_area_m2 = area_m2(rem.g)
FROM rem WHERE h.id = rem.hazard_id
RETURNING h.id, rem.vid, rem.valid_from, rem.status, rem.status_reason, rem.withdrawn, h.remaining_area_m2, rem.n, rem.last`

// supersedeSettledSQL ends, in record time, the known versions of each hazard area $1[i] valid from field date
// $2[i] on, and clears the current mark of each.
const supersedeSettledSQL = `
UPDATE hazard_area_version v SET
	superseded_at = CASE WHEN v.valid_from >= x.valid_from THEN now() ELSE v.superseded_at END,
	is_current = false
FROM unnest($1::bigint[], $2::date[]) AS x(hazard_id, valid_from)
WHERE v.hazard_id = x.hazard_id AND v.superseded_at IS NULL AND (v.is_current OR v.valid_from >= x.valid_from)`

// settleVersionsSQL bumps the version of each hazard area $1[i] and inserts its new current version: a copy of
// version row $2[i], valid from $3[i], with reason $4[i], status $5[i] and status reason $6[i], recorded by $7.
const settleVersionsSQL = `
WITH x AS (
	SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::date[], $4::text[], $5::text[], $6::text[])
		AS x(hazard_id, vid, valid_from, reason, status, status_reason)
), bumped AS (
	UPDATE hazard_area h SET version = h.version + 1 FROM x WHERE h.id = x.hazard_id RETURNING h.id, h.version
)
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, releases_since, notes,
	geom, area_m2, admin1_id, admin2_id, withdrawn)
SELECT v.hazard_id, b.version, x.valid_from, true, $7, x.reason,
	v.kind, v.contamination, v.evidence_type, v.evidence_category, v.devices, v.marking, v.priority, v.land_use,
	v.identified_on, v.organisation, x.status, x.status_reason, v.releases_since, v.notes,
	v.geom, v.area_m2, v.admin1_id, v.admin2_id, false
FROM x JOIN bumped b ON b.id = x.hazard_id JOIN hazard_area_version v ON v.id = x.vid
ORDER BY x.hazard_id`

// Settle recomputes the remaining polygon of the hazard areas ids and applies the closing rule
// (landrelease.Settle) to each: areas whose releases leave less than landrelease.CloseBelowM2 close, areas
// closed by release that have more again reopen, in versions recorded by actor. It is the registry's own step
// after every write that changes what remains of an area; the bulk loader of the tests calls it for the areas
// it loads with releases. Withdrawn areas get their remaining polygon and keep their status.
func Settle(ctx context.Context, tx pgx.Tx, ids []int64, actor string) error {
	rows, err := tx.Query(ctx, refreshRemainingSQL, ids)
	if err != nil {
		return dbError(err, "refresh remaining area")
	}
	var (
		hid, vid          int64
		validFrom         time.Time
		status, reason    string
		withdrawn         bool
		remaining         float64
		n                 int
		last              *time.Time
		hazards, versions []int64
		froms             []time.Time
		reasons, statuses []string
		statusReasons     []string
	)
	_, err = pgx.ForEachRow(rows, []any{&hid, &vid, &validFrom, &status, &reason, &withdrawn, &remaining, &n, &last}, func() error {
		if withdrawn {
			return nil
		}
		s, ok := landrelease.Settle(landrelease.Standing{Status: landrelease.Status(status), StatusReason: reason,
			ValidFrom: validFrom, RemainingM2: remaining, Releases: n, LastRelease: last})
		if ok {
			hazards, versions, froms = append(hazards, hid), append(versions, vid), append(froms, s.ValidFrom)
			reasons, statuses, statusReasons = append(reasons, s.Reason), append(statuses, string(s.Status)), append(statusReasons, s.StatusReason)
		}
		return nil
	})
	if err != nil {
		return dbError(err, "refresh remaining area")
	}
	if len(hazards) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, supersedeSettledSQL, hazards, froms); err != nil {
		return dbError(err, "supersede hazard versions")
	}
	_, err = tx.Exec(ctx, settleVersionsSQL, hazards, versions, froms, reasons, statuses, statusReasons, actor)
	return dbError(err, "insert hazard versions")
}

// settle is Settle for one hazard area.
func settle(ctx context.Context, tx pgx.Tx, id int64, actor string) error {
	return Settle(ctx, tx, []int64{id}, actor)
}
