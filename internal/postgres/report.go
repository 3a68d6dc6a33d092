package postgres

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// ReportService implements landrelease.ReportService. It keeps the last reports it computed and serves them
// again while the registry has not changed (the change log's latest id) or when they are of a past as_of.
type ReportService struct {
	db *DB

	mu    sync.Mutex
	cache map[reportKey]*cached
}

type reportKey struct {
	from, to time.Time
	level    int
	asOf     time.Time // zero: now
	compare  time.Time // zero: no comparison
}

type cached struct {
	change int64 // latest change_log id when computed
	report landrelease.Article7
}

// NewReportService returns a ReportService on db.
func NewReportService(db *DB) *ReportService {
	return &ReportService{db: db, cache: map[reportKey]*cached{}}
}

var _ landrelease.ReportService = (*ReportService)(nil)

// maxCachedReports bounds the cache; it is emptied when full.
const maxCachedReports = 64

const (
	latestChangeSQL = `SELECT coalesce(max(id), 0), now() FROM change_log`
	// reportJITSQL turns JIT compilation off for the report's transaction: the planner's cost of reportStartSQL
	// (its per-area subquery counted for every area) calls for it, and compiling took longer than it saved
	// (at 10^5 areas, 10^6 releases: 480 ms without, 800 ms with).
	reportJITSQL = `SET LOCAL jit = off`
	// exportSnapshotOnlySQL exports the report transaction's snapshot for the connection reading the releases;
	// '' on a standby (in recovery), which may not export one. Not in a savepoint: PostgreSQL exports no snapshot
	// from a subtransaction.
	exportSnapshotOnlySQL = `SELECT CASE WHEN pg_is_in_recovery() THEN '' ELSE pg_export_snapshot() END`
	settingSQL            = `SELECT value FROM setting WHERE key = $1`
	adminColumnSQL        = `CASE WHEN $3 = 1 THEN v.admin1_id ELSE v.admin2_id END`

	// reportStartSQL returns, for every hazard area, its version in force at the end of field date $2 as recorded
	// at $1, with the releases counting against it by then and its admin unit of level $3. The versions carry
	// only the columns the report reads (not the polygons), so that DISTINCT ON sorts narrow rows, or none: the
	// covering index hazard_area_version_report_idx (migration 0007) gives them in its order without the heap,
	// and hazard_area_local_id_idx (migration 0010) their local ids. The releases are summed per area before
	// the join (land_release_version_report_idx); only an area whose version counts releases since a date
	// (closed, then reopened: rare) sums its own with that bound.
	reportStartSQL = `
WITH start AS (
	SELECT DISTINCT ON (v.hazard_id) v.hazard_id, v.valid_from, v.kind, v.contamination, v.status, v.status_reason,
	       v.area_m2, v.releases_since, v.withdrawn, ` + adminColumnSQL + ` AS admin_id
	FROM hazard_area_version v
	WHERE v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1) AND v.valid_from <= $2
	ORDER BY v.hazard_id, v.valid_from DESC, v.version DESC
), released AS (
	SELECT r.hazard_id, sum(r.area_m2) AS m2
	FROM land_release_version r
	WHERE r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1) AND NOT r.withdrawn
	  AND r.completed_on <= $2
	GROUP BY r.hazard_id
)
SELECT v.hazard_id, h.local_id, v.valid_from, v.kind, v.contamination, v.status, v.status_reason,
       round(v.area_m2)::bigint, v.releases_since, v.withdrawn, coalesce(a.code, ''), coalesce(a.name, ''),
       CASE WHEN v.releases_since IS NULL THEN coalesce(rel.m2, 0) ELSE coalesce((
           SELECT sum(r.area_m2) FROM land_release_version r
           WHERE r.hazard_id = v.hazard_id
             AND r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1) AND NOT r.withdrawn
             AND r.completed_on <= $2 AND r.completed_on >= v.releases_since), 0) END
FROM start v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a ON a.id = v.admin_id
LEFT JOIN released rel ON rel.hazard_id = v.hazard_id`

	// reportChangesSQL returns the versions taking effect in field dates ($2, $4], as recorded at $1.
	reportChangesSQL = `
SELECT v.hazard_id, h.local_id, v.valid_from, v.kind, v.contamination, v.status, v.status_reason,
       round(v.area_m2)::bigint, v.releases_since, v.withdrawn, coalesce(a.code, ''), coalesce(a.name, '')
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a ON a.id = ` + adminColumnSQL + `
WHERE v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1)
  AND v.valid_from > $2 AND v.valid_from <= $4
ORDER BY v.hazard_id, v.valid_from, v.version`

	// reportReleasesSQL returns the releases completed in field dates ($2, $3], as recorded at $1; the items
	// destroyed are NULL where there are none (most releases), so that only the others are decoded; the
	// beneficiaries (women, girls, boys, men, with disabilities) NULL where not recorded.
	reportReleasesSQL = `
SELECT r.hazard_id, l.local_id, r.completed_on, r.method, r.area_m2, nullif(r.items_destroyed, '{}'::jsonb),
       r.beneficiaries_women, r.beneficiaries_girls, r.beneficiaries_boys, r.beneficiaries_men, r.beneficiaries_with_disabilities
FROM land_release_version r
JOIN land_release l ON l.id = r.release_id
WHERE r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1) AND NOT r.withdrawn
  AND r.completed_on > $2 AND r.completed_on <= $3
ORDER BY r.hazard_id, r.completed_on, l.local_id`
)

// Article7 computes the Form F tables; see landrelease.ReportService.
func (s *ReportService) Article7(ctx context.Context, req landrelease.Article7Request) (*landrelease.Article7, error) {
	from, to := landrelease.Day(req.From), landrelease.Day(req.To)
	switch {
	case req.Level != 1 && req.Level != 2:
		return nil, landrelease.Invalid(fmt.Sprintf("Admin level %d is not 1 or 2.", req.Level), landrelease.Detail{Field: "level", Reason: "must be 1 or 2"})
	case from.IsZero() || to.Before(from):
		return nil, landrelease.Invalid("The period must start on or before its end.", landrelease.Detail{Field: "from", Reason: "is after to"})
	case to.After(from.AddDate(50, 0, 0)):
		return nil, landrelease.Invalid("The period is longer than 50 years.", landrelease.Detail{Field: "to", Reason: "is too far from from"})
	}
	key := reportKey{from: from, to: to, level: req.Level}
	if req.AsOf != nil {
		key.asOf = req.AsOf.UTC()
	}
	if req.CompareAsOf != nil {
		key.compare = req.CompareAsOf.UTC()
	}
	var out *landrelease.Article7
	pool := s.db.reader(ctx)
	err := pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, reportJITSQL); err != nil {
			return dbError(err, "report: settings")
		}
		var change int64
		var now time.Time
		if err := tx.QueryRow(ctx, latestChangeSQL).Scan(&change, &now); err != nil {
			return dbError(err, "report: latest change")
		}
		s.mu.Lock()
		c, ok := s.cache[key]
		s.mu.Unlock()
		if ok && c.change == change {
			// Nothing was recorded since: the report as recorded now is the cached one, and says so (a reader of
			// the time, such as the Article 4 progress, then reads its deadlines and targets as of now).
			r := c.report
			if req.AsOf == nil {
				r.AsOf, r.GeneratedAt = now.UTC(), now.UTC()
			}
			out = &r
			return nil
		}
		asOf := now
		if req.AsOf != nil {
			asOf = *req.AsOf
			if asOf.After(now) {
				asOf = now
			}
		}
		r := &landrelease.Article7{From: from, To: to, Level: req.Level, AsOf: asOf.UTC(), GeneratedAt: now.UTC()}
		if err := tx.QueryRow(ctx, settingSQL, "state_name").Scan(&r.State); err != nil && err != pgx.ErrNoRows {
			return dbError(err, "report: state name")
		}
		facts, err := reportFacts(ctx, pool, tx, asOf, from.AddDate(0, 0, -1), to, req.Level)
		if err != nil {
			return err
		}
		landrelease.ComputeArticle7(r, facts)
		residual, err := residualStock(ctx, tx, asOf, to, req.Level)
		if err != nil {
			return err
		}
		r.AddResidual(residual)
		if req.CompareAsOf != nil {
			then := req.CompareAsOf.UTC()
			old, err := reportFacts(ctx, pool, tx, then, from.AddDate(0, 0, -1), to, req.Level)
			if err != nil {
				return err
			}
			r.ComparedWith = &then
			r.Changes = landrelease.CompareArticle7(from, old, facts)
		}
		s.mu.Lock()
		if len(s.cache) >= maxCachedReports {
			clear(s.cache)
		}
		s.cache[key] = &cached{change: change, report: *r}
		s.mu.Unlock()
		out = r
		return nil
	})
	return out, err
}

// reportFacts reads every hazard area's history over (start, end] as recorded at asOf. The releases of the period
// are read meanwhile on a connection of its own in tx's snapshot (see readReleases).
func reportFacts(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx, asOf, start, end time.Time, level int) ([]landrelease.HazardFacts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	releases := readReleases(ctx, pool, tx, asOf, start, end)

	index := map[int64]int{}
	var facts []landrelease.HazardFacts
	get := func(id int64, localID string) *landrelease.HazardFacts {
		i, ok := index[id]
		if !ok {
			i = len(facts)
			index[id] = i
			facts = append(facts, landrelease.HazardFacts{LocalID: localID})
		}
		return &facts[i]
	}
	// The columns of few distinct values (kind, status, admin unit, ...) are read as the driver's bytes and
	// interned: one string each, not one per row.
	names := interner{}
	var (
		id                         int64
		localID                    string
		kind, cont, status, reason pgtype.DriverBytes
		adminCode, adminName       pgtype.DriverBytes
		v                          landrelease.VersionFacts
		released                   float64
	)
	versionDest := []any{&id, &localID, &v.ValidFrom, &kind, &cont, &status, &reason, &v.AreaM2,
		&v.ReleasesSince, &v.Withdrawn, &adminCode, &adminName}
	scanVersion := func(rows pgx.Rows, dest []any) error {
		v = landrelease.VersionFacts{}
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		v.Kind, v.Contamination, v.Status = landrelease.Kind(names.get(kind)), landrelease.Contamination(names.get(cont)), landrelease.Status(names.get(status))
		v.StatusReason, v.AdminCode, v.AdminName = names.get(reason), names.get(adminCode), names.get(adminName)
		return nil
	}

	// Released areas are rounded cumulatively per hazard area, so that an area released in full nets to zero
	// and each area's whole-m2 figures add up; exact[i] is the running exact sum of facts[i].
	var exact []float64
	rows, err := tx.Query(ctx, reportStartSQL, asOf, start, level)
	if err != nil {
		return nil, dbError(err, "report: start")
	}
	startDest := append(slices.Clip(versionDest), &released)
	for rows.Next() {
		if err := scanVersion(rows, startDest); err != nil {
			rows.Close()
			return nil, dbError(err, "report: start")
		}
		h := get(id, localID)
		sv := v
		h.Start, h.ReleasedAtStartM2 = &sv, int64(math.Round(released))
		exact = append(exact, make([]float64, len(facts)-len(exact))...)
		exact[index[id]] = released
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "report: start")
	}

	rows, err = tx.Query(ctx, reportChangesSQL, asOf, start, level, end)
	if err != nil {
		return nil, dbError(err, "report: changes")
	}
	for rows.Next() {
		if err := scanVersion(rows, versionDest); err != nil {
			rows.Close()
			return nil, dbError(err, "report: changes")
		}
		h := get(id, localID)
		h.Changes = append(h.Changes, v)
	}
	if err := rows.Err(); err != nil {
		return nil, dbError(err, "report: changes")
	}

	rels, err := releases()
	if err != nil {
		return nil, err
	}
	exact = append(exact, make([]float64, len(facts)-len(exact))...)
	for _, x := range rels {
		r := x.ReleaseFacts
		if i, ok := index[x.hazard]; ok {
			before := math.Round(exact[i])
			exact[i] += x.area
			r.AreaM2 = int64(math.Round(exact[i]) - before)
			facts[i].Releases = append(facts[i].Releases, r)
		}
	}
	return facts, nil
}

// releaseRow is a row of reportReleasesSQL.
type releaseRow struct {
	landrelease.ReleaseFacts // AreaM2 unset
	hazard                   int64
	area                     float64
	ben                      [5]*int // beneficiaryArgs' columns
}

// readReleases starts reading reportReleasesSQL and returns a function that waits for its rows. Where it can, it
// reads them on another connection of pool (tx's), in tx's snapshot (pg_export_snapshot, SET TRANSACTION SNAPSHOT),
// while tx reads the versions: the releases' join with their local ids is the report's longest query. That
// connection is taken only if it can be had at once (tryAcquire): a report holding tx's connection never waits
// for another, so that concurrent reports cannot hold every connection of the pool, each waiting for one more.
// Otherwise (no connection free, a standby that exports no snapshot, a snapshot that cannot be imported) it
// reads them in tx when the function is called.
func readReleases(ctx context.Context, pool *pgxpool.Pool, tx pgx.Tx, asOf, start, end time.Time) func() ([]releaseRow, error) {
	read := func(ctx context.Context, tx pgx.Tx) ([]releaseRow, error) {
		rows, err := tx.Query(ctx, reportReleasesSQL, asOf, start, end)
		if err != nil {
			return nil, dbError(err, "report: releases")
		}
		defer rows.Close()
		names := interner{}
		var (
			out  []releaseRow
			x    releaseRow
			meth pgtype.DriverBytes
		)
		dest := []any{&x.hazard, &x.LocalID, &x.CompletedOn, &meth, &x.area, &x.Items, &x.ben[0], &x.ben[1], &x.ben[2], &x.ben[3], &x.ben[4]}
		for rows.Next() {
			x = releaseRow{}
			if err := rows.Scan(dest...); err != nil {
				return nil, dbError(err, "report: releases")
			}
			x.Method = landrelease.Method(names.get(meth))
			x.Beneficiaries = scanBeneficiaries(x.ben)
			out = append(out, x)
		}
		return out, dbError(rows.Err(), "report: releases")
	}
	inTx := func() ([]releaseRow, error) { return read(ctx, tx) }
	conn, ok := tryAcquire(ctx, pool)
	if !ok {
		return inTx
	}
	var snap string
	if err := tx.QueryRow(ctx, exportSnapshotOnlySQL).Scan(&snap); err != nil {
		conn.Release()
		return func() ([]releaseRow, error) { return nil, dbError(err, "report: export snapshot") }
	}
	if !snapshotID.MatchString(snap) {
		conn.Release()
		return inTx
	}
	type result struct {
		rows    []releaseRow
		started bool // the query was sent: a failure before (a broken idle connection) is retried in tx
		err     error
	}
	done := make(chan result, 1)
	go func() {
		defer conn.Release()
		var res result
		res.err = pgx.BeginTxFunc(ctx, conn, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx2 pgx.Tx) error {
			// Not a parameter: SET TRANSACTION takes a literal; snap matched snapshotID above.
			if _, err := tx2.Exec(ctx, "SET TRANSACTION SNAPSHOT '"+snap+"'"); err != nil {
				return dbError(err, "report: import snapshot")
			}
			if _, err := tx2.Exec(ctx, reportJITSQL); err != nil {
				return dbError(err, "report: settings")
			}
			res.started = true
			var err error
			res.rows, err = read(ctx, tx2)
			return err
		})
		done <- res
	}()
	return func() ([]releaseRow, error) {
		res := <-done
		if res.err != nil && !res.started && ctx.Err() == nil {
			return inTx()
		}
		return res.rows, res.err
	}
}

// interner returns one string for equal byte strings.
type interner map[string]string

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	in[s] = s
	return s
}
