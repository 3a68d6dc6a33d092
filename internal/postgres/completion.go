package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// CompletionService implements landrelease.CompletionService: the completion summaries of Article 4.1(c), read in
// one snapshot, and the completion dates declared (migration 0022).
type CompletionService struct {
	db *DB
}

// NewCompletionService returns a CompletionService on db.
func NewCompletionService(db *DB) *CompletionService { return &CompletionService{db: db} }

var _ landrelease.CompletionService = (*CompletionService)(nil)

const (
	// completionNowSQL is the transaction's time: what "now" and "today" are for a summary or a declaration.
	completionNowSQL = `SELECT now()`

	// completionRowsSQL lists, as recorded at $1, the version in force at the end of field date $2 of every hazard
	// area holding CMR (cmr or mixed), identified by $2, in admin unit $3 (code, of either level; '' every area),
	// withdrawn ones too (the domain leaves them out), with the date from which releases count against it (NULL:
	// all); each on one row per land release completed by $2 as recorded at $1, not withdrawn (a reopened area's
	// history shows its releases before the reopening), with its items (NULL when none) and beneficiaries (NULL
	// when not recorded); an area without releases on one row, its release columns NULL. The versions carry only
	// the columns the summary reads (not the polygons). completionFiguresSQL and completionListSQL order it.
	completionRowsSQL = `
WITH v AS (
	SELECT DISTINCT ON (v.hazard_id) v.hazard_id, v.valid_from, v.kind, v.contamination, v.identified_on, v.status,
	       v.area_m2, v.releases_since, v.withdrawn, v.admin1_id, v.admin2_id
	FROM hazard_area_version v
	WHERE v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1) AND v.valid_from <= $2
	ORDER BY v.hazard_id, v.valid_from DESC, v.version DESC
)
SELECT v.hazard_id, h.local_id, v.kind, v.contamination, v.identified_on, v.status, v.valid_from,
       v.area_m2, v.releases_since, v.withdrawn, coalesce(a1.code, ''), coalesce(a2.code, ''),
       l.local_id, r.method, r.completed_on, r.area_m2, r.organisation, nullif(r.items_destroyed, '{}'::jsonb),
       r.beneficiaries_women, r.beneficiaries_girls, r.beneficiaries_boys, r.beneficiaries_men, r.beneficiaries_with_disabilities
FROM v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
LEFT JOIN land_release_version r ON r.hazard_id = v.hazard_id
	AND r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1)
	AND NOT r.withdrawn AND r.completed_on <= $2
LEFT JOIN land_release l ON l.id = r.release_id
WHERE v.contamination <> 'other' AND v.identified_on <= $2
  AND ($3 = '' OR a1.code = $3 OR a2.code = $3)`

	// completionFiguresSQL is completionRowsSQL by area (its id, the order of the versions' DISTINCT ON), each
	// area's releases by date and local id: the pass that computes the figures.
	completionFiguresSQL = completionRowsSQL + `
ORDER BY v.hazard_id, r.completed_on, l.local_id`

	// completionListSQL is completionRowsSQL by local id in byte order (COLLATE "C", the order of Go's strings),
	// each area's releases as completionFiguresSQL orders them: the pass that writes the areas.
	completionListSQL = completionRowsSQL + `
ORDER BY h.local_id COLLATE "C", r.completed_on, l.local_id`

	// completionsSQL lists the completion dates in force as recorded at $1 (NULL: now), by scope.
	completionsSQL = `
SELECT admin_code, completed_on, declared_on, note, recorded_at, recorded_by
FROM completion
WHERE ($1::timestamptz IS NULL AND superseded_at IS NULL)
   OR ($1 IS NOT NULL AND recorded_at <= $1 AND (superseded_at IS NULL OR superseded_at > $1))
ORDER BY admin_code`

	// residualStockSQL sums, per admin unit of level $3 (code, '' when none), the residual contamination at the end
	// of field date $2 as recorded at $1: open CMR areas identified by $2 and after the completion date (in force
	// at $1) of their admin unit of either level or of the State; their count and remaining area (whole m2, each
	// area rounded as Form F rounds). Only the few residual areas sum their releases.
	residualStockSQL = `
WITH v AS (
	SELECT DISTINCT ON (v.hazard_id) v.hazard_id, v.contamination, v.identified_on, v.status, v.area_m2,
	       v.releases_since, v.withdrawn, v.admin1_id, v.admin2_id
	FROM hazard_area_version v
	WHERE v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1) AND v.valid_from <= $2
	ORDER BY v.hazard_id, v.valid_from DESC, v.version DESC
), residual AS (
	SELECT v.*, CASE WHEN $3 = 1 THEN a1.code ELSE a2.code END AS unit
	FROM v
	LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
	LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
	WHERE v.contamination <> 'other' AND v.status = 'open' AND NOT v.withdrawn AND v.identified_on <= $2
	  AND EXISTS (SELECT 1 FROM completion c
	              WHERE c.recorded_at <= $1 AND (c.superseded_at IS NULL OR c.superseded_at > $1)
	                AND v.identified_on > c.completed_on AND c.admin_code IN ('', a1.code, a2.code))
)
SELECT coalesce(v.unit, ''), count(*)::int, sum(greatest(round(v.area_m2) - round(coalesce((
           SELECT sum(r.area_m2) FROM land_release_version r
           WHERE r.hazard_id = v.hazard_id
             AND r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1) AND NOT r.withdrawn
             AND r.completed_on <= $2 AND (v.releases_since IS NULL OR r.completed_on >= v.releases_since)), 0)), 0))::bigint
FROM residual v
GROUP BY 1
ORDER BY 1`

	// anyCompletionSQL is whether a completion date had been recorded by $1: without one no area is residual.
	anyCompletionSQL = `SELECT EXISTS (SELECT 1 FROM completion WHERE recorded_at <= $1)`

	// adminCodeExistsSQL is whether an admin unit of code $1 exists, of either level.
	adminCodeExistsSQL = `SELECT EXISTS (SELECT 1 FROM admin_unit WHERE code = $1)`

	// lockCompletionSQL serialises declarations: one at a time, each checking what the one before wrote; and with
	// the writes of hazard areas, land releases and admin units (holdDeclarationsSQL), whose ROW EXCLUSIVE it
	// conflicts with.
	lockCompletionSQL = `LOCK TABLE completion IN SHARE ROW EXCLUSIVE MODE`

	// supersedeCompletionSQL ends the declaration in force of scope $1 and returns its date (none: no row).
	supersedeCompletionSQL = `
UPDATE completion SET superseded_at = now() WHERE admin_code = $1 AND superseded_at IS NULL RETURNING completed_on`

	// insertCompletionSQL records scope $1 complete on $2, declared on $3, with note $4, by $5.
	insertCompletionSQL = `
INSERT INTO completion (admin_code, completed_on, declared_on, note, recorded_by) VALUES ($1, $2, $3, $4, $5)`

	// touchResidualSQL rewrites, unchanged, the heads of the current CMR areas of scope $1 ('' the State)
	// identified after $2: their residual flag may have changed, and the change log (the statement's trigger)
	// then hands them to every instance's index and feature cache again.
	touchResidualSQL = `
UPDATE hazard_area h SET version = h.version
FROM hazard_area_version v
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE v.hazard_id = h.id AND v.is_current AND v.contamination <> 'other' AND v.identified_on > $2
  AND ($1 = '' OR a1.code = $1 OR a2.code = $1)`
)

// Summary computes a completion summary, its areas in memory; see landrelease.CompletionService.
func (s *CompletionService) Summary(ctx context.Context, req landrelease.CompletionRequest) (*landrelease.CompletionSummary, error) {
	var out *landrelease.CompletionSummary
	err := s.StreamSummary(ctx, req, func(sum *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
		sum.Areas = make([]landrelease.CompletionArea, 0, sum.AreaCount)
		out = sum
		return areas(func(a *landrelease.CompletionArea) error {
			c := *a
			c.Releases = slices.Clone(a.Releases)
			sum.Areas = append(sum.Areas, c)
			return nil
		})
	})
	return out, err
}

// StreamSummary computes a completion summary and streams its areas; see landrelease.CompletionService. Every
// figure and area is read in one read-only snapshot, as recorded at req.AsOf, in two passes over the areas and
// their releases (completionFiguresSQL, then completionListSQL while fn writes them), neither keeping them: the
// memory does not grow with the scope. The snapshot stays open while fn writes.
func (s *CompletionService) StreamSummary(ctx context.Context, req landrelease.CompletionRequest,
	fn func(*landrelease.CompletionSummary, landrelease.CompletionAreas) error) error {
	return pgx.BeginTxFunc(ctx, s.db.reader(ctx), pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		sum, acc, err := summaryFigures(ctx, tx, req, false)
		if err != nil {
			return err
		}
		return fn(sum, func(yield func(*landrelease.CompletionArea) error) error {
			return eachCompletionArea(ctx, tx, completionListSQL, sum, false, func(a *landrelease.CompletionArea) error {
				if !acc.Keep(a) {
					return nil
				}
				return yield(a)
			})
		})
	})
}

// summaryFigures reads, in tx, the summary of req without its areas: its figures from one pass over them
// (completionFiguresSQL, landrelease.CompletionAccumulator), and the accumulator that keeps its areas. With
// declaring, the declaration of req.Admin in force is left out: the summary is the one a new declaration of the
// scope, which supersedes it, is checked against, so that an area residual only by the superseded date, identified
// by the new one and open, keeps the scope open.
func summaryFigures(ctx context.Context, tx pgx.Tx, req landrelease.CompletionRequest, declaring bool) (*landrelease.CompletionSummary, *landrelease.CompletionAccumulator, error) {
	var now time.Time
	if err := tx.QueryRow(ctx, completionNowSQL).Scan(&now); err != nil {
		return nil, nil, dbError(err, "completion: now")
	}
	asOf := now
	if req.AsOf != nil && req.AsOf.Before(now) {
		asOf = *req.AsOf
	}
	on := landrelease.Day(req.On)
	if req.On.IsZero() {
		on = landrelease.Day(now)
	}
	if req.Admin != landrelease.StateScope {
		var ok bool
		if err := tx.QueryRow(ctx, adminCodeExistsSQL, req.Admin).Scan(&ok); err != nil {
			return nil, nil, dbError(err, "completion: admin unit")
		}
		if !ok {
			return nil, nil, landrelease.Errorf(landrelease.ENOTFOUND, "No admin unit has code %q.", req.Admin)
		}
	}
	s := &landrelease.CompletionSummary{Admin: req.Admin, On: on, AsOf: asOf.UTC()}
	if err := tx.QueryRow(ctx, settingSQL, "state_name").Scan(&s.State); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, dbError(err, "completion: state name")
	}
	var eif string
	if err := tx.QueryRow(ctx, settingSQL, "entry_into_force").Scan(&eif); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, dbError(err, "completion: entry into force")
	}
	if d, err := time.Parse(time.DateOnly, eif); err == nil {
		s.Since = &d
	}
	completions, err := readCompletions(ctx, tx, &asOf)
	if err != nil {
		return nil, nil, err
	}
	if declaring {
		completions = slices.DeleteFunc(completions, func(c landrelease.Completion) bool { return c.Admin == req.Admin })
	}
	acc := landrelease.NewCompletionAccumulator(s, completions)
	if err := eachCompletionArea(ctx, tx, completionFiguresSQL, s, true, func(a *landrelease.CompletionArea) error {
		if acc.Keep(a) {
			acc.Add(a)
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	acc.Finish()
	return s, acc, nil
}

// eachCompletionArea runs sql (completionFiguresSQL or completionListSQL) in tx for the scope, field date and
// record time of s, and calls fn with each area in the query's order, its releases and remaining area set: an
// open area's remaining area is its area less the releases counting against it (those since its releases_since,
// when reopened), never below 0; a closed area's is 0. fn may keep nothing of the area past its return: the area
// and its list of releases are reused. With figures, the local ids and organisations, which the figures do not
// read, are left empty. An area's columns are decoded on its first row only (pgx skips a nil destination), its
// other rows decoding only their release's: the rows of a State are mostly releases.
func eachCompletionArea(ctx context.Context, tx pgx.Tx, sql string, s *landrelease.CompletionSummary, figures bool,
	fn func(*landrelease.CompletionArea) error) error {
	rows, err := tx.Query(ctx, sql, s.AsOf, s.On, s.Admin)
	if err != nil {
		return dbError(err, "completion: areas")
	}
	defer rows.Close()
	var (
		a                landrelease.CompletionArea
		releases         []landrelease.CompletionRelease // a.Releases, reused
		have             bool
		current, id      int64
		exact            float64 // the area's exact area, less what counts against it
		since            *time.Time
		localID          string
		kind, cont, stat string
		identified       time.Time
		validFrom        time.Time
		area             float64
		from             *time.Time
		withdrawn        bool
		a1, a2           string
		// The release's columns, NULL on the row of an area without releases: pgtype values, which pgx scans
		// into without allocating as it does for pointers.
		rLocal, meth, rOrg pgtype.Text
		rDate              pgtype.Date
		rArea              pgtype.Float8
		items              map[string]int
		ben                [5]pgtype.Int4
	)
	// The destinations of a row: the area's columns (1 to 11) and the release's (12 to 22); idOnly reads the id.
	full := []any{&id, &localID, &kind, &cont, &identified, &stat, &validFrom, &area, &from, &withdrawn, &a1, &a2,
		&rLocal, &meth, &rDate, &rArea, &rOrg, &items, &ben[0], &ben[1], &ben[2], &ben[3], &ben[4]}
	if figures {
		full[1], full[12], full[16] = nil, nil, nil
	}
	release := slices.Clone(full)
	idOnly := make([]any, len(full))
	idOnly[0] = &id
	for i := 1; i <= 11; i++ {
		release[i] = nil
	}
	flush := func() error {
		if !have {
			return nil
		}
		if a.Status == landrelease.StatusOpen {
			a.RemainingAreaM2 = max(landrelease.RoundM2(exact), 0)
		}
		err := fn(&a)
		releases = a.Releases[:0]
		return err
	}
	for rows.Next() {
		if err := rows.Scan(idOnly...); err != nil {
			return dbError(err, "completion: areas")
		}
		first := !have || id != current
		dest := release
		if first {
			if err := flush(); err != nil {
				return err
			}
			dest = full
		}
		items = nil // a fresh map for each release: the JSON decoder would add to the last one
		if err := rows.Scan(dest...); err != nil {
			return dbError(err, "completion: areas")
		}
		if first {
			a = landrelease.CompletionArea{LocalID: localID, Kind: landrelease.Kind(kind), Contamination: landrelease.Contamination(cont),
				IdentifiedOn: identified, AreaM2: landrelease.RoundM2(area), Status: landrelease.Status(stat),
				Admin1Code: a1, Admin2Code: a2, Withdrawn: withdrawn, Releases: releases}
			if a.Status == landrelease.StatusClosed {
				d := validFrom
				a.ClosedOn = &d
			}
			have, current, exact, since = true, id, area, from
		}
		if meth.Valid {
			r := landrelease.CompletionRelease{LocalID: rLocal.String, Method: landrelease.Method(meth.String),
				CompletedOn: rDate.Time, AreaM2: landrelease.RoundM2(rArea.Float64), Organisation: rOrg.String,
				ItemsDestroyed: items}
			if ben[0].Valid {
				v := func(i int) int { return int(ben[i].Int32) }
				r.Beneficiaries = &landrelease.Beneficiaries{Women: v(0), Girls: v(1), Boys: v(2), Men: v(3), WithDisabilities: v(4)}
			}
			a.Releases = append(a.Releases, r)
			if since == nil || !rDate.Time.Before(*since) {
				exact -= rArea.Float64
			}
		}
	}
	if err := rows.Err(); err != nil {
		return dbError(err, "completion: areas")
	}
	return flush()
}

// readCompletions reads the declarations in force as recorded at asOf (nil: now).
func readCompletions(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}, asOf *time.Time) ([]landrelease.Completion, error) {
	rows, err := q.Query(ctx, completionsSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read completions")
	}
	var (
		out []landrelease.Completion
		c   landrelease.Completion
	)
	if _, err := pgx.ForEachRow(rows, []any{&c.Admin, &c.CompletedOn, &c.DeclaredOn, &c.Note, &c.RecordedAt, &c.RecordedBy}, func() error {
		out = append(out, c)
		return nil
	}); err != nil {
		return nil, dbError(err, "read completions")
	}
	return out, nil
}

// Completions lists the declarations in force; see landrelease.CompletionService.
func (s *CompletionService) Completions(ctx context.Context) ([]landrelease.Completion, error) {
	return readCompletions(ctx, s.db.reader(ctx), nil)
}

// Declare records a completion date; see landrelease.CompletionService. Declarations take a lock on the
// completion table (lockCompletionSQL) that waits for every write of the registry in progress that holds it
// (holdDeclarations) and holds off those that begin, one declaration at a time; the summary that allows one is
// then computed in the declaration's transaction, each statement seeing every write committed before the lock.
func (s *CompletionService) Declare(ctx context.Context, c landrelease.Completion) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if c.CompletedOn.IsZero() {
		return landrelease.Invalid("A completion date is required.", landrelease.Detail{Field: "completed_on", Reason: "is required"})
	}
	if n := utf8.RuneCountInString(c.Note); n > landrelease.MaxCompletionNote {
		return landrelease.Invalid(fmt.Sprintf("The note holds %d characters, more than %d.", n, landrelease.MaxCompletionNote),
			landrelease.Detail{Field: "note", Reason: fmt.Sprintf("is longer than %d characters", landrelease.MaxCompletionNote)})
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var today time.Time
		if err := tx.QueryRow(ctx, completionNowSQL).Scan(&today); err != nil {
			return dbError(err, "declare completion: now")
		}
		today = landrelease.Day(today)
		on := landrelease.Day(c.CompletedOn)
		if on.After(today) {
			return landrelease.Invalid("The completion date is in the future.", landrelease.Detail{Field: "completed_on", Reason: "is after today"})
		}
		declared := landrelease.Day(c.DeclaredOn)
		if c.DeclaredOn.IsZero() {
			declared = today
		}
		if declared.Before(on) {
			return landrelease.Invalid("A completion cannot be declared before its date.", landrelease.Detail{Field: "declared_on", Reason: "is before completed_on"})
		}
		if declared.After(today) {
			return landrelease.Invalid("The declaration date is in the future: record a declaration once it is made.", landrelease.Detail{Field: "declared_on", Reason: "is after today"})
		}
		if _, err := tx.Exec(ctx, lockCompletionSQL); err != nil {
			return dbError(err, "declare completion: lock")
		}
		sum, _, err := summaryFigures(ctx, tx, landrelease.CompletionRequest{Admin: c.Admin, On: on}, true)
		if err != nil {
			return err
		}
		if !sum.Complete {
			return sum.NotComplete()
		}
		since := on
		var old pgtype.Date
		switch err := tx.QueryRow(ctx, supersedeCompletionSQL, c.Admin).Scan(&old); {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return dbError(err, "declare completion: supersede")
		case old.Valid && old.Time.Before(since):
			since = old.Time
		}
		if _, err := tx.Exec(ctx, insertCompletionSQL, c.Admin, on, declared, c.Note, u.Name); err != nil {
			return dbError(err, "declare completion")
		}
		if _, err := tx.Exec(ctx, touchResidualSQL, c.Admin, since); err != nil {
			return dbError(err, "declare completion: residual areas")
		}
		scope := c.Admin
		if scope == landrelease.StateScope {
			scope = "state"
		}
		return audit(ctx, tx, u.Name, "declare", "completion", scope, 0, map[string]any{
			"completed_on": on.Format(time.DateOnly), "declared_on": declared.Format(time.DateOnly), "note": c.Note,
			"superseded": old.Valid, "contamination_recorded": sum.ContaminationRecorded})
	})
}

// residualStock reads, in tx, the residual contamination per admin unit of level at the end of field date end as
// recorded at asOf (residualStockSQL); nil, without reading the areas, when no completion had been recorded.
func residualStock(ctx context.Context, tx pgx.Tx, asOf, end time.Time, level int) ([]landrelease.ResidualStock, error) {
	var recorded bool
	if err := tx.QueryRow(ctx, anyCompletionSQL, asOf).Scan(&recorded); err != nil || !recorded {
		return nil, dbError(err, "report: residual contamination")
	}
	rows, err := tx.Query(ctx, residualStockSQL, asOf, end, level)
	if err != nil {
		return nil, dbError(err, "report: residual contamination")
	}
	var (
		out []landrelease.ResidualStock
		st  landrelease.ResidualStock
	)
	if _, err := pgx.ForEachRow(rows, []any{&st.Admin, &st.Count, &st.AreaM2}, func() error {
		out = append(out, st)
		return nil
	}); err != nil {
		return nil, dbError(err, "report: residual contamination")
	}
	return out, nil
}

// holdDeclarationsSQL is what a write that may leave an open CMR area in a declared scope takes first in its
// transaction (lockCompletionSQL's counterpart): ROW EXCLUSIVE on completion conflicts with a declaration's SHARE
// ROW EXCLUSIVE, not with itself, and is a weak lock that PostgreSQL grants on its fast path.
const holdDeclarationsSQL = `LOCK TABLE completion IN ROW EXCLUSIVE MODE`

// holdDeclarations serialises tx with the declarations of completion; every transaction that creates, reopens or
// changes a hazard area (identified_on, contamination, status, boundary and so admin units), or a land release
// (whose withdrawal or correction may reopen one), or reassigns admin units, calls it before any other lock.
// The contract it keeps: a declaration waits for such writes in progress and then sees them, so that it is
// refused while one leaves an open CMR area in its scope; such a write begun while a declaration is in progress
// waits for it and then reads it (the area's residual flag included). Taken first, it cannot deadlock with
// Declare, which writes the heads of hazard areas only after its own lock.
func holdDeclarations(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, holdDeclarationsSQL)
	return dbError(err, "lock against declarations of completion")
}
