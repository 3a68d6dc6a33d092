package postgres

// Columns of a land release version r joined to its head l and hazard head h; see scanRelease.
const releaseColumns = `l.id, l.local_id, h.local_id, r.version, r.recorded_at, r.recorded_by, r.reason, r.withdrawn,
	r.method, r.completed_on, r.organisation, r.criteria, r.depth_cm, r.items_destroyed, ST_AsBinary(r.geom), r.area_m2,
	r.beneficiaries_women, r.beneficiaries_girls, r.beneficiaries_boys, r.beneficiaries_men, r.beneficiaries_with_disabilities,
	r.land_use_after`

// findReleasesSQL lists the releases known at $7 (NULL: now) and completed by field date $8 (NULL: any).
// $1 after id, $2 local ids, $3 hazard local id, $4 method, $5 bbox as [w,s,e,n], $6 limit, $9 include withdrawn.
// A list's Where goes between it and releasesOrderSQL (andWhere); r is the version, l the release's head, h
// its hazard area's head.
const findReleasesSQL = `
SELECT ` + releaseColumns + `
FROM land_release_version r
JOIN land_release l ON l.id = r.release_id
JOIN hazard_area h ON h.id = r.hazard_id
WHERE r.recorded_at <= coalesce($7::timestamptz, now())
  AND (r.superseded_at IS NULL OR r.superseded_at > coalesce($7::timestamptz, now()))
  AND ($8::date IS NULL OR r.completed_on <= $8::date)
  AND ($9 OR NOT r.withdrawn)
  AND r.release_id > $1
  AND ($2::text[] IS NULL OR l.local_id = ANY($2))
  AND ($3::text IS NULL OR h.local_id = $3)
  AND ($4::text IS NULL OR r.method = $4)
  AND ($5::float8[] IS NULL OR ST_Intersects(r.geom, ST_MakeEnvelope($5[1], $5[2], $5[3], $5[4], 4326)))`

const releasesOrderSQL = `
ORDER BY r.release_id
LIMIT $6`

// findKnownReleaseSQL reads the known version of release $1 by its unique local id ($2: withdrawn ones too).
const findKnownReleaseSQL = `
SELECT ` + releaseColumns + `
FROM land_release l
JOIN land_release_version r ON r.release_id = l.id AND r.superseded_at IS NULL
JOIN hazard_area h ON h.id = r.hazard_id
WHERE l.local_id = $1 AND ($2 OR NOT r.withdrawn)`

const releaseHistorySQL = `
SELECT ` + releaseColumns + `
FROM land_release_version r
JOIN land_release l ON l.id = r.release_id
JOIN hazard_area h ON h.id = r.hazard_id
WHERE l.local_id = $1
ORDER BY r.version`

// lockReleaseSQL finds release $1 and the local id of its hazard area, locking the release head.
const lockReleaseSQL = `
SELECT l.id, l.version, h.local_id FROM land_release l JOIN hazard_area h ON h.id = l.hazard_id
WHERE l.local_id = $1 FOR UPDATE OF l`

const insertReleaseHeadSQL = `
INSERT INTO land_release (local_id, hazard_id, version) VALUES ($1, $2, 0)
ON CONFLICT (local_id) DO NOTHING
RETURNING id`

const bumpReleaseVersionSQL = `UPDATE land_release SET version = version + 1 WHERE id = $1 RETURNING version`

const supersedeReleaseSQL = `
UPDATE land_release_version SET superseded_at = now() WHERE release_id = $1 AND superseded_at IS NULL
RETURNING id`

// hazardAtSQL picks the version of hazard $1 that held at field date $2, as known now.
const hazardAtSQL = `
SELECT id FROM hazard_area_version
WHERE hazard_id = $1 AND superseded_at IS NULL AND valid_from <= $2
ORDER BY valid_from DESC, version DESC LIMIT 1`

// releaseWithinSQL measures how release geometry $2 lies within hazard version $1: whether it is covered
// within ReleaseToleranceM ($3 metres), the area outside the hazard and a point of that outside part.
const releaseWithinSQL = `
WITH c AS (
	SELECT g.g, hv.geom, ST_CoveredBy(g.g, hv.geom) AS inside
	FROM (SELECT ST_Multi(ST_GeomFromWKB($2, 4326)) AS g) g, (SELECT geom FROM hazard_area_version WHERE id = $1) hv
), d AS (
	-- CASE, unlike OR, evaluates lazily: the buffer and the difference only for a release not plainly inside.
	SELECT inside, CASE WHEN inside THEN true ELSE ST_CoveredBy(g, ST_Buffer(geom::geography, $3)::geometry) END AS within,
	       CASE WHEN inside THEN NULL ELSE ST_Difference(g, geom) END AS outside
	FROM c
)
SELECT within, coalesce(ST_Area(outside::geography), 0), ST_X(ST_PointOnSurface(outside)), ST_Y(ST_PointOnSurface(outside))
FROM d`

// releaseOverlapsSQL lists the releases of hazard $1 counting against it (completed on or after $4) that overlap
// geometry $2 by more than $3 m2, other than release $5.
const releaseOverlapsSQL = `
WITH g AS (SELECT ST_Multi(ST_GeomFromWKB($2, 4326)) AS g),
near AS (
	SELECT r.release_id, r.geom FROM land_release_version r, g
	WHERE r.hazard_id = $1 AND r.superseded_at IS NULL AND NOT r.withdrawn
	  AND ($4::date IS NULL OR r.completed_on >= $4::date)
	  AND r.release_id <> $5
	  AND r.geom && g.g AND ST_Intersects(r.geom, g.g)
), o AS (
	SELECT n.release_id, ST_CollectionExtract(ST_Intersection(n.geom, g.g), 3) AS i FROM near n, g
)
SELECT (SELECT local_id FROM land_release WHERE id = o.release_id) AS other,
       ST_Area(o.i::geography), ST_X(ST_PointOnSurface(o.i)), ST_Y(ST_PointOnSurface(o.i))
FROM o
WHERE ST_Area(o.i::geography) > $3
ORDER BY other`

// insertReleaseVersionSQL inserts a known version of release $1 of hazard $2; its area is the part within
// hazard version $14, on the spheroid. $3 version, $4 recorded_by, $5 reason, $6 withdrawn, $7..$12 method,
// completed_on, organisation, criteria, depth_cm, items_destroyed, $13 the geometry as WKB, $15..$19 the
// beneficiaries (women, girls, boys, men, with disabilities; all NULL when not recorded), $20 land_use_after.
const insertReleaseVersionSQL = `
INSERT INTO land_release_version (release_id, hazard_id, version, recorded_by, reason, withdrawn,
	method, completed_on, organisation, criteria, depth_cm, items_destroyed, geom, area_m2,
	beneficiaries_women, beneficiaries_girls, beneficiaries_boys, beneficiaries_men, beneficiaries_with_disabilities,
	land_use_after)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, g,
	ST_Area(ST_CollectionExtract(ST_Intersection(g, (SELECT geom FROM hazard_area_version WHERE id = $14)), 3)::geography),
	$15, $16, $17, $18, $19, $20
FROM (SELECT ST_Multi(ST_GeomFromWKB($13, 4326)) AS g) s`

// releaseOutOfPlaceSQL finds a known release of hazard $1 that its field history cannot hold: completed before
// the area was identified, or after the start of a period in which the area was closed (a closure valid from
// the release's own day follows the day's releases, so it does not count). It returns the release's local id,
// its completion date and, when the area was closed then, the date of the closure (NULL: not yet identified).
const releaseOutOfPlaceSQL = `
SELECT l.local_id, r.completed_on, v.valid_from
FROM land_release_version r
JOIN land_release l ON l.id = r.release_id
LEFT JOIN LATERAL (
	SELECT x.valid_from, x.status FROM hazard_area_version x
	WHERE x.hazard_id = $1 AND x.superseded_at IS NULL AND x.valid_from <= r.completed_on
	ORDER BY x.valid_from DESC, x.version DESC
	LIMIT 1
) v ON true
WHERE r.hazard_id = $1 AND r.superseded_at IS NULL AND NOT r.withdrawn
  AND (v.valid_from IS NULL OR (v.status = 'closed' AND v.valid_from < r.completed_on))
ORDER BY r.completed_on, l.local_id
LIMIT 1`

// sameGeometrySQL reports whether hazard version $1 has geometry $2 (WKB).
const sameGeometrySQL = `SELECT ST_Equals(geom, ST_Multi(ST_GeomFromWKB($2, 4326))) FROM hazard_area_version WHERE id = $1`

// releaseOutsideSQL finds a known release of hazard $1 counting against its current version (on or after the
// version's releases_since) that the current boundary no longer covers within $2 metres: its local id, completion
// date, the area left outside and a point of it.
const releaseOutsideSQL = `
SELECT l.local_id, r.completed_on, ST_Area(o.g::geography), ST_X(ST_PointOnSurface(o.g)), ST_Y(ST_PointOnSurface(o.g))
FROM hazard_area_version v
JOIN land_release_version r ON r.hazard_id = v.hazard_id AND r.superseded_at IS NULL AND NOT r.withdrawn
JOIN land_release l ON l.id = r.release_id
CROSS JOIN LATERAL (SELECT ST_Difference(r.geom, v.geom) AS g) o
WHERE v.hazard_id = $1 AND v.is_current
  AND (v.releases_since IS NULL OR r.completed_on >= v.releases_since)
  AND NOT ST_CoveredBy(r.geom, v.geom)
  AND NOT ST_CoveredBy(r.geom, ST_Buffer(v.geom::geography, $2)::geometry)
ORDER BY r.completed_on, l.local_id
LIMIT 1`
