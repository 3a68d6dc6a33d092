package postgres

// Columns of a hazard area version v joined to its head h and admin units a1, a2, but its residual flag; see
// scanHazard, which reads them followed by a residual column (residualColumn, residualAsOfColumn or
// residualKnownColumn: the one the read's record time asks for).
const hazardBaseColumns = `h.id, h.local_id, v.version, v.valid_from, v.recorded_at, v.recorded_by, v.reason, v.withdrawn,
	v.kind, v.contamination, v.evidence_type, v.evidence_category, v.devices, v.marking, v.priority, v.land_use,
	v.identified_on, v.organisation, v.status, v.status_reason, v.releases_since, v.notes,
	ST_AsBinary(v.geom), v.area_m2, a1.code, a1.name, a2.code, a2.name, `

// hazardColumns are the columns of a read of the current record: hazardBaseColumns and residualColumn.
const hazardColumns = hazardBaseColumns + residualColumn

// temporalHazardColumns are the columns of a read as recorded at $13 (NULL: now): hazardBaseColumns and
// residualAsOfColumn.
const temporalHazardColumns = hazardBaseColumns + residualAsOfColumn

// residualColumn is whether version v (joined to admin units a1, a2) is residual contamination as the record
// stands now: a CMR area identified after the completion date in force now (migration 0022) of its admin unit of
// either level or of the State (an empty admin_code); landrelease.IsResidual is the same rule. Reads of the current
// record take it (lists, items, the feed); a read as recorded at another time takes residualAsOfColumn or
// residualKnownColumn. The earliest completion date is read once per statement (an InitPlan; 'infinity' when none
// is declared), so that only areas identified after it look their units up: without it, the lookup of every area
// added half to the feed's load of 10^4 areas.
const residualColumn = `(v.contamination <> 'other'
	AND v.identified_on > coalesce((SELECT min(completed_on) FROM completion WHERE superseded_at IS NULL), 'infinity'::date)
	AND EXISTS (
	SELECT 1 FROM completion c
	WHERE c.superseded_at IS NULL AND v.identified_on > c.completed_on
	  AND c.admin_code IN ('', a1.code, a2.code)))`

// residualAsOfColumn is residualColumn with the declarations in force as recorded at $13 (NULL: now), the record
// time of findTemporalHazardsSQL: a read as of a time before a declaration was recorded says false, and the same
// read gives the same flag later. The earliest completion date is an InitPlan as in residualColumn.
const residualAsOfColumn = `(v.contamination <> 'other'
	AND v.identified_on > coalesce((SELECT min(completed_on) FROM completion
	    WHERE recorded_at <= coalesce($13::timestamptz, now())
	      AND (superseded_at IS NULL OR superseded_at > coalesce($13::timestamptz, now()))), 'infinity'::date)
	AND EXISTS (
	SELECT 1 FROM completion c
	WHERE c.recorded_at <= coalesce($13::timestamptz, now())
	  AND (c.superseded_at IS NULL OR c.superseded_at > coalesce($13::timestamptz, now()))
	  AND v.identified_on > c.completed_on
	  AND c.admin_code IN ('', a1.code, a2.code)))`

// residualKnownColumn is residualColumn with the declarations in force as recorded at v.known_at, the record
// time of each version of hazardHistorySQL (now for a version still known; just before its correction for a
// corrected one), as that version's remaining area is: the history says what the record said.
const residualKnownColumn = `(v.contamination <> 'other'
	AND EXISTS (
	SELECT 1 FROM completion c
	WHERE c.recorded_at <= v.known_at AND (c.superseded_at IS NULL OR c.superseded_at > v.known_at)
	  AND v.identified_on > c.completed_on
	  AND c.admin_code IN ('', a1.code, a2.code)))`

// findCurrentHazardsSQL lists the current versions: the latest field state as known now.
// $1 after id, $2 local ids, $3..$6 bbox, $7 kind, $8 status, $9 contamination, $10 admin code, $11 limit,
// $12, $13 a point the remaining polygon covers, $14 the residual flag to keep (NULL: any). A list's Where goes between it and currentHazardsOrderSQL
// (andWhere), where v is the version, h the head, a1 and a2 the admin units.
const findCurrentHazardsSQL = `
SELECT ` + hazardColumns + `, h.remaining_area_m2, ST_AsBinary(h.remaining_geom)
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE v.is_current AND NOT v.withdrawn
  AND v.hazard_id > $1
  AND ($2::text[] IS NULL OR h.local_id = ANY($2))
  AND ($3::float8 IS NULL OR ST_Intersects(v.geom, ST_MakeEnvelope($3, $4, $5, $6, 4326)))
  AND ($7::text IS NULL OR v.kind = $7)
  AND ($8::text IS NULL OR v.status = $8)
  AND ($9::text IS NULL OR v.contamination = $9)
  AND ($10::text IS NULL OR a1.code = $10 OR a2.code = $10)
  AND ($12::float8 IS NULL OR ST_Covers(h.remaining_geom, ST_SetSRID(ST_MakePoint($12, $13), 4326)))
  AND ($14::bool IS NULL OR ` + residualColumn + ` = $14)`

const currentHazardsOrderSQL = `
ORDER BY v.hazard_id
LIMIT $11`

// findTemporalHazardsSQL lists the versions that held at field date $12 (NULL: the latest) as recorded by
// $13 (NULL: now), with the remaining polygon computed from the releases known then. Other parameters as above.
// It walks hazard areas in ID order and picks each one's version with an index lookup, so a page stops after
// $11 matches instead of ranking every version. A list's Where goes between it and temporalHazardsRestSQL
// (andWhere), in the page's WHERE clause, with the same names as above.
const findTemporalHazardsSQL = `
WITH page AS (
	SELECT v.*
	FROM hazard_area h
	CROSS JOIN LATERAL (
		SELECT * FROM hazard_area_version x
		WHERE x.hazard_id = h.id
		  AND x.recorded_at <= coalesce($13::timestamptz, now())
		  AND (x.superseded_at IS NULL OR x.superseded_at > coalesce($13::timestamptz, now()))
		  AND ($12::date IS NULL OR x.valid_from <= $12::date)
		ORDER BY x.valid_from DESC, x.version DESC
		LIMIT 1
	) v
	LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
	LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
	WHERE h.id > $1
	  AND ($2::text[] IS NULL OR h.local_id = ANY($2))
	  AND ($3::float8 IS NULL OR h.id IN (
		SELECT hazard_id FROM hazard_area_version WHERE geom && ST_MakeEnvelope($3, $4, $5, $6, 4326)))
	  AND NOT v.withdrawn
	  AND ($3::float8 IS NULL OR ST_Intersects(v.geom, ST_MakeEnvelope($3, $4, $5, $6, 4326)))
	  AND ($7::text IS NULL OR v.kind = $7)
	  AND ($8::text IS NULL OR v.status = $8)
	  AND ($9::text IS NULL OR v.contamination = $9)
	  AND ($10::text IS NULL OR a1.code = $10 OR a2.code = $10)
	  AND ($14::bool IS NULL OR ` + residualAsOfColumn + ` = $14)`

const temporalHazardsRestSQL = `
	ORDER BY h.id
	LIMIT $11
)
SELECT ` + temporalHazardColumns + `, ST_Area(rem.g::geography), ST_AsBinary(rem.g)
FROM page v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
CROSS JOIN LATERAL (
	SELECT CASE WHEN u.g IS NULL THEN v.geom
	            ELSE ST_Multi(ST_CollectionExtract(ST_Difference(v.geom, u.g), 3)) END AS g
	FROM (SELECT ST_Union(r.geom) AS g FROM land_release_version r
	      WHERE r.hazard_id = v.hazard_id
	        AND r.recorded_at <= coalesce($13::timestamptz, now())
	        AND (r.superseded_at IS NULL OR r.superseded_at > coalesce($13::timestamptz, now()))
	        AND NOT r.withdrawn
	        AND ($12::date IS NULL OR r.completed_on <= $12::date)
	        AND (v.releases_since IS NULL OR r.completed_on >= v.releases_since)) u
) rem
ORDER BY v.hazard_id`

// findCurrentHazardSQL reads the current version of hazard area $1 by its unique local id, withdrawn or not.
const findCurrentHazardSQL = `
SELECT ` + hazardColumns + `, h.remaining_area_m2, ST_AsBinary(h.remaining_geom)
FROM hazard_area h
JOIN hazard_area_version v ON v.hazard_id = h.id AND v.is_current
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE h.local_id = $1`

// hazardHistorySQL lists every version of hazard area $1 in version order. Each version's remaining area is the
// one the `at` read gives on the version's last day in the field (the day before the next version's valid_from;
// today for the last), with the record as it stood while the version was in it (now for a version still known;
// just before its correction for a corrected one): its area less the releases known then, completed by that day
// and, after a reopening, on or after releases_since.
const hazardHistorySQL = `
WITH hv AS (
	SELECT v.*, coalesce(v.superseded_at - interval '1 microsecond', now()) AS known_at
	FROM hazard_area_version v
	JOIN hazard_area h ON h.id = v.hazard_id
	WHERE h.local_id = $1
)
SELECT ` + hazardBaseColumns + residualKnownColumn + `, ST_Area(rem.g::geography), NULL::bytea
FROM hv v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
CROSS JOIN LATERAL (
	SELECT min(w.valid_from) AS until FROM hazard_area_version w
	WHERE w.hazard_id = v.hazard_id AND w.valid_from > v.valid_from
	  AND w.recorded_at <= v.known_at AND (w.superseded_at IS NULL OR w.superseded_at > v.known_at)
) nx
CROSS JOIN LATERAL (
	SELECT CASE WHEN u.g IS NULL THEN v.geom
	            ELSE ST_Multi(ST_CollectionExtract(ST_Difference(v.geom, u.g), 3)) END AS g
	FROM (SELECT ST_Union(r.geom) AS g FROM land_release_version r
	      WHERE r.hazard_id = v.hazard_id
	        AND r.recorded_at <= v.known_at
	        AND (r.superseded_at IS NULL OR r.superseded_at > v.known_at)
	        AND NOT r.withdrawn
	        AND (nx.until IS NULL OR r.completed_on < nx.until)
	        AND (v.releases_since IS NULL OR r.completed_on >= v.releases_since)) u
) rem
ORDER BY v.version`

// Writes.

const insertHazardHeadSQL = `
INSERT INTO hazard_area (local_id, version, remaining_geom, remaining_area_m2)
VALUES ($1, 0, 'MULTIPOLYGON EMPTY'::geometry, 0)
ON CONFLICT (local_id) DO NOTHING
RETURNING id`

// lockHazardSQL locks the head of hazard area $1 (by local id) for a write.
const lockHazardSQL = `SELECT id, version FROM hazard_area WHERE local_id = $1 FOR UPDATE`

// currentHazardStateSQL reads what a write needs to know of the current version of hazard $1.
const currentHazardStateSQL = `
SELECT v.id, v.version, v.valid_from, v.withdrawn, v.status, v.status_reason, v.releases_since, v.identified_on,
       (SELECT min(valid_from) FROM hazard_area_version WHERE hazard_id = $1 AND superseded_at IS NULL),
       h.remaining_area_m2
FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
WHERE v.hazard_id = $1 AND v.is_current`

// supersedeHazardVersionsSQL ends, in record time, the known versions of hazard $1 from field date $2 on
// ($2 NULL: all of them), and clears the current mark.
const supersedeHazardVersionsSQL = `
UPDATE hazard_area_version SET
	superseded_at = CASE WHEN $2::date IS NULL OR valid_from >= $2::date THEN now() ELSE superseded_at END,
	is_current = false
WHERE hazard_id = $1 AND superseded_at IS NULL AND (is_current OR $2::date IS NULL OR valid_from >= $2::date)`

const bumpHazardVersionSQL = `UPDATE hazard_area SET version = version + 1 WHERE id = $1 RETURNING version`

// insertHazardVersionSQL inserts the new current version of hazard $1 with geometry $20 (WKB), computing its
// area (area_m2) and its admin units (AdminUnitsOf).
const insertHazardVersionSQL = `
WITH admin_todo AS NOT MATERIALIZED (SELECT 0 AS ord, ST_Multi(ST_GeomFromWKB($20, 4326)) AS g)
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, releases_since, notes,
	geom, area_m2, admin1_id, admin2_id)
SELECT $1, $2, $3, true, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
	t.g, area_m2(t.g), u.admin1_id, u.admin2_id
FROM admin_todo t JOIN (` + AdminUnitsOf + `) u ON u.ord = t.ord`

// copyHazardVersionSQL inserts a new current version of a hazard copied from version row $1, with
// version $2, valid_from $3, recorded_by $4, reason $5, status $6, status_reason $7, releases_since $8, withdrawn $9.
const copyHazardVersionSQL = `
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, releases_since, notes,
	geom, area_m2, admin1_id, admin2_id, withdrawn)
SELECT hazard_id, $2, $3, true, $4, $5,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, $6, $7, $8, notes,
	geom, area_m2, admin1_id, admin2_id, $9
FROM hazard_area_version WHERE id = $1`

const countLiveReleasesSQL = `
SELECT count(*) FROM land_release_version WHERE hazard_id = $1 AND superseded_at IS NULL AND NOT withdrawn`
