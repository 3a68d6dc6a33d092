package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// New hazard areas of an upload are written set-based: copied into a staging table and checked and inserted
// by a few statements, with the same rules and the same rows as createHazard (geometry valid by
// ST_IsValidDetail, local_id free, version 1 valid from the identification, area by area_m2, admin units by
// AdminUnitsOf, remaining polygon the whole area, one audit row each). Everything else of an upload
// (updates, land releases) goes through the registry's per-record code.

// stageBatch is the number of new hazard areas looked up and copied at a time.
const stageBatch = 5000

// analyzeAfter is the number of hazard areas written set-based from which the registry's tables are analyzed
// inside the upload's transaction.
const analyzeAfter = 1000

const analyzeRegistrySQL = `ANALYZE hazard_area, hazard_area_version`

const (
	// existingHazardsSQL returns which of the local ids $1 the registry holds.
	existingHazardsSQL = `SELECT local_id FROM hazard_area WHERE local_id = ANY($1::text[])`

	// checkStagedSQL checks each staged geometry as checkGeometry does.
	checkStagedSQL = `
CREATE TEMP TABLE upload_hg ON COMMIT DROP AS
SELECT s.ord, s.local_id, s.kind, s.contamination, s.evidence_type, s.evidence_category, s.devices, s.marking,
	s.priority, s.land_use, s.identified_on, s.organisation, s.status, s.status_reason, s.notes,
	ST_Multi(s.g) AS g, d.valid, coalesce(d.reason, '') AS reason, ST_X(d.location) AS x, ST_Y(d.location) AS y,
	CASE WHEN d.valid THEN area_m2(s.g) END AS area_m2
FROM (SELECT h.*, ST_GeomFromWKB(h.wkb, 4326) AS g FROM upload_incoming h) s
CROSS JOIN LATERAL ST_IsValidDetail(s.g) d`

	// clearIncomingSQL deletes the rows this transaction copied to upload_incoming (no other are visible to it).
	clearIncomingSQL = `DELETE FROM upload_incoming`

	invalidStagedSQL = `SELECT ord, reason, x, y FROM upload_hg WHERE NOT valid ORDER BY ord`

	prepareStagedSQL = `
DELETE FROM upload_hg WHERE NOT valid;
CREATE UNIQUE INDEX ON upload_hg (local_id);
CREATE INDEX ON upload_hg USING gist (g);
ANALYZE upload_hg`

	// stagedAdminSQL gives each staged area its admin units, by the registry's rule (AdminUnitsOf).
	stagedAdminSQL = `
CREATE TEMP TABLE upload_admin ON COMMIT DROP AS
WITH admin_todo AS NOT MATERIALIZED (SELECT ord, g FROM upload_hg)` + AdminUnitsOf + `;
CREATE UNIQUE INDEX ON upload_admin (ord);
ANALYZE upload_admin`

	// drawIDsSQL draws the ids of the staged areas (apart from upload_hg: nextval would keep the statements that
	// make upload_hg from running in parallel).
	drawIDsSQL = `
CREATE TEMP TABLE upload_ids ON COMMIT DROP AS
SELECT ord, nextval(pg_get_serial_sequence('hazard_area', 'id')) AS id FROM upload_hg ORDER BY ord;
CREATE UNIQUE INDEX ON upload_ids (ord);
ANALYZE upload_ids`

	// insertStagedHeadsSQL inserts the heads with the ids drawn for them; a local id taken meanwhile by another
	// transaction leaves its area out (takenStagedSQL).
	insertStagedHeadsSQL = `
INSERT INTO hazard_area (id, local_id, version, remaining_geom, remaining_area_m2) OVERRIDING SYSTEM VALUE
SELECT i.id, s.local_id, 1, s.g, s.area_m2 FROM upload_hg s JOIN upload_ids i USING (ord) ORDER BY ord
ON CONFLICT (local_id) DO NOTHING`

	takenStagedSQL = `
SELECT ord, s.local_id FROM upload_hg s JOIN upload_ids i USING (ord)
WHERE NOT EXISTS (SELECT FROM hazard_area h WHERE h.id = i.id) ORDER BY ord`

	dropStagedSQL = `DELETE FROM upload_hg WHERE ord = ANY($1::int[])`

	// insertStagedVersionsSQL inserts version 1 of each staged area, recorded by $1.
	insertStagedVersionsSQL = `
INSERT INTO hazard_area_version (hazard_id, version, valid_from, is_current, recorded_by, reason,
	kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, releases_since, notes,
	geom, area_m2, admin1_id, admin2_id)
SELECT i.id, 1, s.identified_on, true, $1, 'identified',
	s.kind, s.contamination, s.evidence_type, s.evidence_category, s.devices, s.marking, s.priority, s.land_use,
	s.identified_on, s.organisation, s.status, s.status_reason, NULL, s.notes,
	s.g, s.area_m2, a.admin1_id, a.admin2_id
FROM upload_hg s JOIN upload_ids i USING (ord) JOIN upload_admin a USING (ord) ORDER BY ord`

	auditStagedSQL = `
INSERT INTO audit_log (actor, action, entity, local_id, version, detail)
SELECT $1, 'create', 'hazard_area', local_id, 1, '{}'::jsonb FROM upload_hg ORDER BY ord`

	createdStagedSQL = `SELECT ord FROM upload_hg ORDER BY ord`

	// loadStagedSQL makes upload_hg of the areas staged at the submission of upload $1.
	loadStagedSQL = `
CREATE TEMP TABLE upload_hg ON COMMIT DROP AS
SELECT ord, local_id, kind, contamination, evidence_type, evidence_category, devices, marking, priority,
	land_use, identified_on, organisation, status, status_reason, notes, geom AS g, true AS valid,
	area_m2
FROM upload_staged_hazard WHERE upload_id = $1`

	// recordedSinceSQL lists staged areas whose local id the registry holds since the submission.
	recordedSinceSQL = `SELECT s.ord, h.version FROM upload_hg s JOIN hazard_area h ON h.local_id = s.local_id ORDER BY s.ord`

	keepStagedSQL = `
INSERT INTO upload_staged_hazard (upload_id, ord, local_id, kind, contamination, evidence_type, evidence_category,
	devices, marking, priority, land_use, identified_on, organisation, status, status_reason, notes, geom, area_m2)
SELECT $1, ord, local_id, kind, contamination, evidence_type, evidence_category,
	devices, marking, priority, land_use, identified_on, organisation, status, status_reason, notes, g, area_m2
FROM upload_hg`

	countStagedSQL = `SELECT count(*) FROM upload_staged_hazard WHERE upload_id = $1`

	// stagedTakenSQL lists the staged areas of upload $1 whose local id the registry holds, with its version.
	stagedTakenSQL = `
SELECT s.ord, h.version FROM upload_staged_hazard s JOIN hazard_area h ON h.local_id = s.local_id
WHERE s.upload_id = $1 ORDER BY s.ord`

	// unstageSQL drops the staged areas of upload $1 once it is decided.
	unstageSQL = `DELETE FROM upload_staged_hazard WHERE upload_id = $1`

	// stagedOnlyWarningsSQL is stagedWarningsSQL for staged areas not written: compared with the registry's
	// open areas and with each other.
	stagedOnlyWarningsSQL = `
SELECT s.ord, c.local_id,
	ST_Area(ST_CollectionExtract(ST_Intersection(c.rem, s.g), 3)::geography) AS overlap,
	ST_Area(ST_CollectionExtract(ST_SymDifference(c.geom, s.g), 3)::geography) AS symdiff, s.area_m2
FROM upload_hg s
CROSS JOIN LATERAL (
	(SELECT h.local_id, v.geom, h.remaining_geom AS rem
	 FROM hazard_area_version v JOIN hazard_area h ON h.id = v.hazard_id
	 WHERE v.is_current AND NOT v.withdrawn AND v.status = 'open' AND v.geom && s.g AND ST_Intersects(v.geom, s.g)
	 LIMIT 50)
	UNION ALL
	(SELECT o.local_id, o.g, o.g FROM upload_hg o
	 WHERE o.status = 'open' AND o.ord <> s.ord AND o.g && s.g AND ST_Intersects(o.g, s.g)
	 LIMIT 50)
) c
ORDER BY s.ord, c.local_id`

	// stagedWarningsSQL is overlapWarningSQL for every staged area at once.
	stagedWarningsSQL = `
SELECT s.ord, h.local_id,
	ST_Area(ST_CollectionExtract(ST_Intersection(h.remaining_geom, s.g), 3)::geography) AS overlap,
	ST_Area(ST_CollectionExtract(ST_SymDifference(c.geom, s.g), 3)::geography) AS symdiff, s.area_m2
FROM upload_hg s JOIN upload_ids i USING (ord)
CROSS JOIN LATERAL (
	SELECT v.hazard_id, v.geom FROM hazard_area_version v
	WHERE v.is_current AND NOT v.withdrawn AND v.status = 'open' AND v.geom && s.g AND ST_Intersects(v.geom, s.g)
	  AND v.hazard_id <> i.id
	LIMIT 50
) c
JOIN hazard_area h ON h.id = c.hazard_id
ORDER BY s.ord, h.local_id`
)

// stager collects an upload's new hazard areas into the staging table.
type stager struct {
	tx      pgx.Tx
	pending []staged
	later   func(i int) // called for a hazard area that turns out to exist
	n       int
}

type staged struct {
	i int
	h *landrelease.HazardArea
}

// add queues new hazard area h (feature i) and writes a batch when one is full.
func (s *stager) add(ctx context.Context, i int, h *landrelease.HazardArea) error {
	s.pending = append(s.pending, staged{i, h})
	if len(s.pending) >= stageBatch {
		return s.flush(ctx)
	}
	return nil
}

// flush sends the queued hazard areas that the registry does not hold to the staging table; the others go to
// later, for the per-record path.
func (s *stager) flush(ctx context.Context) error {
	if len(s.pending) == 0 {
		return nil
	}
	ids := make([]string, len(s.pending))
	for j, p := range s.pending {
		ids[j] = p.h.LocalID
	}
	rows, err := s.tx.Query(ctx, existingHazardsSQL, ids)
	if err != nil {
		return dbError(err, "upload: look up local ids")
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return dbError(err, "upload: look up local ids")
	}
	exists := make(map[string]bool, len(known))
	for _, id := range known {
		exists[id] = true
	}
	batch := s.pending[:0]
	for _, p := range s.pending {
		if exists[p.h.LocalID] {
			s.later(p.i)
		} else {
			batch = append(batch, p)
		}
	}
	s.pending = s.pending[:0]
	if len(batch) == 0 {
		return nil
	}
	cols := []string{"ord", "local_id", "kind", "contamination", "evidence_type", "evidence_category", "devices",
		"marking", "priority", "land_use", "identified_on", "organisation", "status", "status_reason", "notes", "wkb"}
	_, err = s.tx.CopyFrom(ctx, pgx.Identifier{"upload_incoming"}, cols, pgx.CopyFromSlice(len(batch), func(j int) ([]any, error) {
		h := batch[j].h
		devices := h.Devices
		if devices == nil {
			devices = []string{}
		}
		return []any{batch[j].i, h.LocalID, string(h.Kind), string(h.Contamination), string(h.Evidence.Type),
			h.Evidence.Category, devices, string(h.Marking), string(h.Priority), string(h.LandUse),
			landrelease.Day(h.IdentifiedOn), h.Organisation, string(h.Status), h.StatusReason, h.Notes, toWKB(h.Geometry)}, nil
	}))
	if err != nil {
		return dbError(err, "upload: copy hazard areas")
	}
	s.n += len(batch)
	return nil
}

// stagedResult is what checking and writing the staged hazard areas found, per feature index.
type stagedResult struct {
	errors   map[int][]landrelease.Detail
	warnings map[int][]landrelease.Detail
}

func newStagedResult() *stagedResult {
	return &stagedResult{errors: map[int][]landrelease.Detail{}, warnings: map[int][]landrelease.Detail{}}
}

// Plans are pinned, not left to statistics: the registry's tables may hold 10^5 rows of this transaction that
// their statistics do not know of. The statements that read only the staging tables and admin_unit run with
// sequential scans allowed (they read the staging tables whole; the admin units drive their join); the others,
// which probe the registry's tables and their foreign keys, with sequential scans priced out, as the per-record
// path runs (UploadService.run sets that for the transaction). Sorts and hashes hold 10^5 staged rows.
func (s *stager) seqscan(ctx context.Context, on bool) error {
	// Off also gives parallel query its usual costs back: the per-record path's small statements must not
	// start workers.
	q := `SET LOCAL enable_seqscan = off; SET LOCAL parallel_setup_cost = DEFAULT; SET LOCAL parallel_tuple_cost = DEFAULT`
	if on { // and parallel workers for what upload_incoming holds, whatever its size
		q = `SET LOCAL enable_seqscan = on; SET LOCAL work_mem = '256MB'; SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0`
	}
	_, err := s.tx.Exec(ctx, q)
	return dbError(err, "upload: planner setting")
}

// check checks the geometries copied by flush (ST_IsValidDetail, as checkGeometry does), computes their areas
// and keeps the valid ones in upload_hg.
func (s *stager) check(ctx context.Context, res *stagedResult) error {
	if s.n == 0 {
		return nil
	}
	if err := s.seqscan(ctx, true); err != nil {
		return err
	}
	defer s.seqscan(ctx, false) //nolint:errcheck // on failure the transaction is rolled back
	if _, err := s.tx.Exec(ctx, checkStagedSQL); err != nil {
		return dbError(err, "upload: check geometries")
	}
	if _, err := s.tx.Exec(ctx, clearIncomingSQL); err != nil {
		return dbError(err, "upload: clear incoming")
	}
	rows, err := s.tx.Query(ctx, invalidStagedSQL)
	if err != nil {
		return dbError(err, "upload: invalid geometries")
	}
	var (
		ord    int
		reason string
		x, y   *float64
	)
	_, err = pgx.ForEachRow(rows, []any{&ord, &reason, &x, &y}, func() error {
		d := landrelease.Detail{Field: "geometry", Pointer: "/geometry", Reason: reason}
		if x != nil && y != nil {
			d.Location = []float64{*x, *y}
		}
		res.errors[ord] = append(res.errors[ord], d)
		return nil
	})
	if err != nil {
		return dbError(err, "upload: invalid geometries")
	}
	_, err = s.tx.Exec(ctx, prepareStagedSQL)
	return dbError(err, "upload: index staged areas")
}

// load fills upload_hg with the hazard areas staged at the submission of upload id; features whose local_id
// the registry holds since then get errors. It returns how many were staged.
func (s *stager) load(ctx context.Context, id int64, res *stagedResult) (int, error) {
	if err := s.seqscan(ctx, true); err != nil {
		return 0, err
	}
	defer s.seqscan(ctx, false) //nolint:errcheck // on failure the transaction is rolled back
	tag, err := s.tx.Exec(ctx, loadStagedSQL, id)
	if err != nil {
		return 0, dbError(err, "upload: staged hazard areas")
	}
	if _, err := s.tx.Exec(ctx, prepareStagedSQL); err != nil {
		return 0, dbError(err, "upload: index staged areas")
	}
	s.n = int(tag.RowsAffected())
	rows, err := s.tx.Query(ctx, recordedSinceSQL)
	if err != nil {
		return 0, dbError(err, "upload: staged local ids")
	}
	var (
		ord, version int
		gone         []int
	)
	_, err = pgx.ForEachRow(rows, []any{&ord, &version}, func() error {
		res.errors[ord] = append(res.errors[ord], landrelease.ChangedSinceSubmitted(0, version))
		gone = append(gone, ord)
		return nil
	})
	if err != nil {
		return 0, dbError(err, "upload: staged local ids")
	}
	return s.n, s.drop(ctx, gone)
}

func (s *stager) drop(ctx context.Context, ords []int) error {
	if len(ords) == 0 {
		return nil
	}
	_, err := s.tx.Exec(ctx, dropStagedSQL, ords)
	return dbError(err, "upload: drop staged areas")
}

// insert writes the valid staged hazard areas into the registry as actor.
func (s *stager) insert(ctx context.Context, actor string, res *stagedResult) error {
	if s.n == 0 {
		return nil
	}
	if err := s.seqscan(ctx, true); err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, stagedAdminSQL); err != nil {
		return dbError(err, "upload: admin units")
	}
	if _, err := s.tx.Exec(ctx, drawIDsSQL); err != nil {
		return dbError(err, "upload: draw ids")
	}
	if err := s.seqscan(ctx, false); err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, insertStagedHeadsSQL); err != nil {
		return dbError(err, "upload: insert hazard areas")
	}
	rows, err := s.tx.Query(ctx, takenStagedSQL)
	if err != nil {
		return dbError(err, "upload: local ids taken")
	}
	var (
		ord     int
		localID string
		taken   []int
	)
	_, err = pgx.ForEachRow(rows, []any{&ord, &localID}, func() error {
		res.errors[ord] = append(res.errors[ord], landrelease.Detail{Field: "local_id", Pointer: "/properties/local_id",
			Reason: fmt.Sprintf("is already taken: hazard area %s was recorded meanwhile", localID)})
		taken = append(taken, ord)
		return nil
	})
	if err != nil {
		return dbError(err, "upload: local ids taken")
	}
	if err := s.drop(ctx, taken); err != nil {
		return err
	}
	if _, err := s.tx.Exec(ctx, insertStagedVersionsSQL, actor); err != nil {
		return dbError(err, "upload: insert hazard area versions")
	}
	if _, err = s.tx.Exec(ctx, auditStagedSQL, actor); err != nil {
		return dbError(err, "upload: audit")
	}
	if s.n >= analyzeAfter {
		// The statistics must know the rows just written (ANALYZE counts this transaction's own rows): with
		// tables they think empty, the per-record path's lookups by hazard id (WHERE hazard_id = $1 AND
		// is_current) were planned as a walk through the partial GiST index of current versions, a few ms each.
		if _, err := s.tx.Exec(ctx, analyzeRegistrySQL); err != nil {
			return dbError(err, "upload: analyze")
		}
	}
	return nil
}

// warn adds the overlap warnings of the staged hazard areas: inserted says whether they are in the registry
// already, else they are compared with it and with each other.
func (s *stager) warn(ctx context.Context, inserted bool, res *stagedResult) error {
	if s.n == 0 {
		return nil
	}
	q := stagedOnlyWarningsSQL
	if inserted {
		q = stagedWarningsSQL
	}
	rows, err := s.tx.Query(ctx, q)
	if err != nil {
		return dbError(err, "upload: overlap warnings")
	}
	var (
		ord                    int
		localID                string
		overlap, symdiff, area float64
	)
	_, err = pgx.ForEachRow(rows, []any{&ord, &localID, &overlap, &symdiff, &area}, func() error {
		if d, ok := landrelease.OverlapWarning(localID, overlap, symdiff, area); ok && len(res.warnings[ord]) < landrelease.MaxDetailsPerFeature {
			res.warnings[ord] = append(res.warnings[ord], d)
		}
		return nil
	})
	return dbError(err, "upload: overlap warnings")
}

// staged returns the feature indices of the valid staged hazard areas.
func (s *stager) staged(ctx context.Context) ([]int, error) {
	if s.n == 0 {
		return nil, nil
	}
	rows, err := s.tx.Query(ctx, createdStagedSQL)
	if err != nil {
		return nil, dbError(err, "upload: staged areas")
	}
	ords, err := pgx.CollectRows(rows, pgx.RowTo[int])
	return ords, dbError(err, "upload: staged areas")
}

// keep stores the valid staged hazard areas for the approval of upload id.
func (s *stager) keep(ctx context.Context, id int64) error {
	if s.n == 0 {
		return nil
	}
	_, err := s.tx.Exec(ctx, keepStagedSQL, id)
	return dbError(err, "upload: keep staged areas")
}

// CreateHazardAreas records new hazard areas set-based inside tx as actor, through the path an upload's
// approval takes (the stager: geometries checked by PostGIS, areas by area_m2, admin units by AdminUnitsOf,
// version 1 valid from the identification, one audit row each), without the per-record checks of an upload's
// features (the records must have passed Validate). It is how the bulk loader of the tests writes hazard areas.
// An invalid geometry or a local id the registry holds fails the whole call with EINVALID or ECONFLICT.
func CreateHazardAreas(ctx context.Context, tx pgx.Tx, hs []*landrelease.HazardArea, actor string) error {
	var taken []int
	st := &stager{tx: tx, later: func(i int) { taken = append(taken, i) }}
	for i, h := range hs {
		if err := st.add(ctx, i, h); err != nil {
			return err
		}
	}
	if err := st.flush(ctx); err != nil {
		return err
	}
	if len(taken) > 0 {
		return landrelease.Errorf(landrelease.ECONFLICT, "Hazard area %s already exists.", hs[taken[0]].LocalID)
	}
	res := newStagedResult()
	failed := func() error {
		for i := range hs {
			if ds := res.errors[i]; len(ds) > 0 {
				return landrelease.Invalid(fmt.Sprintf("Hazard area %s: %s %s.", hs[i].LocalID, ds[0].Field, ds[0].Reason), ds...)
			}
		}
		return nil
	}
	if err := st.check(ctx, res); err != nil {
		return err
	}
	if err := failed(); err != nil {
		return err
	}
	if err := st.insert(ctx, actor, res); err != nil {
		return err
	}
	return failed()
}
