package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Article4Service implements landrelease.Article4Service; its figures come from the Article 7 report.
type Article4Service struct {
	db       *DB
	reports  *ReportService
	settings *SettingService
}

// NewArticle4Service returns an Article4Service computing with reports.
func NewArticle4Service(db *DB, reports *ReportService) *Article4Service {
	return &Article4Service{db: db, reports: reports, settings: NewSettingService(db)}
}

var _ landrelease.Article4Service = (*Article4Service)(nil)

const (
	insertDeadlineSQL = `INSERT INTO article4_deadline (deadline, kind, decided_on, note, recorded_by) VALUES ($1, $2, $3, $4, $5)`
	upsertTargetSQL   = `INSERT INTO workplan_target (year, area_m2, note, recorded_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (year) DO UPDATE SET area_m2 = EXCLUDED.area_m2, note = EXCLUDED.note, recorded_at = now(), recorded_by = EXCLUDED.recorded_by`
	deadlinesSQL = `SELECT deadline, kind, decided_on, note FROM article4_deadline WHERE recorded_at <= coalesce($1, now()) ORDER BY deadline`
	targetsSQL   = `SELECT year, area_m2, note FROM workplan_target WHERE recorded_at <= coalesce($1, now()) ORDER BY year`
)

// AddDeadline records a deadline; see landrelease.Article4Service.
func (s *Article4Service) AddDeadline(ctx context.Context, d landrelease.Deadline) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if d.Kind != "original" && d.Kind != "extension" {
		return landrelease.Invalid(fmt.Sprintf("Deadline kind %q is not original or extension.", d.Kind), landrelease.Detail{Field: "kind", Reason: "must be original or extension"})
	}
	if d.Deadline.IsZero() {
		return landrelease.Invalid("A deadline date is required.", landrelease.Detail{Field: "deadline", Reason: "is required"})
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertDeadlineSQL, landrelease.Day(d.Deadline), d.Kind, d.DecidedOn, d.Note, u.Name); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23505" {
				return landrelease.Errorf(landrelease.ECONFLICT, "A deadline of %s is already recorded.", d.Deadline.Format(time.DateOnly))
			}
			return dbError(err, "add deadline")
		}
		return audit(ctx, tx, u.Name, "add", "article4_deadline", d.Deadline.Format(time.DateOnly), 0, map[string]any{"kind": d.Kind})
	})
}

// SetTarget sets a work-plan target; see landrelease.Article4Service.
func (s *Article4Service) SetTarget(ctx context.Context, t landrelease.Target) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if t.Year < 1990 || t.Year > 2100 || t.AreaM2 < 0 {
		return landrelease.Invalid("A target needs a year from 1990 to 2100 and an area of 0 m2 or more.", landrelease.Detail{Field: "year", Reason: "out of range"})
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, upsertTargetSQL, t.Year, t.AreaM2, t.Note, u.Name); err != nil {
			return dbError(err, "set target")
		}
		return audit(ctx, tx, u.Name, "set", "workplan_target", fmt.Sprint(t.Year), 0, map[string]any{"area_m2": t.AreaM2})
	})
}

func yearRequest(y int, on time.Time, asOf *time.Time) landrelease.Article7Request {
	to := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	if to.After(on) {
		to = on
	}
	return landrelease.Article7Request{From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: to, Level: 1, AsOf: asOf}
}

func released(u landrelease.UnitFigures) int64 { return u.CancelledM2 + u.ReducedM2 + u.ClearedM2 }

// Progress computes the summary; see landrelease.Article4Service.
func (s *Article4Service) Progress(ctx context.Context, on time.Time, asOf *time.Time) (*landrelease.Article4Progress, error) {
	on = landrelease.Day(on)
	current, err := s.reports.Article7(ctx, yearRequest(on.Year(), on, asOf))
	if err != nil {
		return nil, err
	}
	// Every figure below is read as recorded at the moment the first was computed.
	pinned := current.AsOf
	asOf = &pinned
	p := &landrelease.Article4Progress{State: current.State, On: on, AsOf: pinned, RemainingM2: current.Total.Closing.AreaM2()}

	rows, err := s.db.Pool.Query(ctx, deadlinesSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read deadlines")
	}
	var dl landrelease.Deadline
	if _, err := pgx.ForEachRow(rows, []any{&dl.Deadline, &dl.Kind, &dl.DecidedOn, &dl.Note}, func() error {
		p.Deadlines = append(p.Deadlines, dl)
		return nil
	}); err != nil {
		return nil, dbError(err, "read deadlines")
	}
	if n := len(p.Deadlines); n > 0 {
		p.Deadline = &p.Deadlines[n-1]
	}
	rows, err = s.db.Pool.Query(ctx, targetsSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read targets")
	}
	targets := map[int]int64{}
	var t landrelease.Target
	if _, err := pgx.ForEachRow(rows, []any{&t.Year, &t.AreaM2, &t.Note}, func() error {
		targets[t.Year] = t.AreaM2
		return nil
	}); err != nil {
		return nil, dbError(err, "read targets")
	}

	// Years with a target, and the last three full years for the rate, up to this year.
	years := []int{on.Year() - 3, on.Year() - 2, on.Year() - 1, on.Year()}
	for y := range targets {
		if y <= on.Year() && !slices.Contains(years, y) {
			years = append(years, y)
		}
	}
	slices.Sort(years)
	var rateSum int64
	for _, y := range years {
		r := current
		if y != on.Year() {
			if r, err = s.reports.Article7(ctx, yearRequest(y, on, asOf)); err != nil {
				return nil, err
			}
		}
		yp := landrelease.YearProgress{Year: y, TargetM2: targets[y], ReleasedM2: released(r.Total), Complete: y < on.Year()}
		if y >= on.Year()-3 && y < on.Year() {
			rateSum += yp.ReleasedM2
			p.RateYears = append(p.RateYears, y)
		}
		if yp.TargetM2 > 0 || y >= on.Year()-3 {
			p.Years = append(p.Years, yp)
		}
	}
	for y, a := range targets { // targets of years to come
		if y > on.Year() {
			p.Years = append(p.Years, landrelease.YearProgress{Year: y, TargetM2: a})
		}
	}
	slices.SortFunc(p.Years, func(a, b landrelease.YearProgress) int { return a.Year - b.Year })
	p.MeanReleaseM2PerYear = rateSum / 3
	if p.MeanReleaseM2PerYear > 0 {
		days := float64(p.RemainingM2) / float64(p.MeanReleaseM2PerYear) * 365.25
		done := on.Add(time.Duration(days * 24 * float64(time.Hour)))
		done = landrelease.Day(done)
		p.ProjectedCompletion = &done
		if p.Deadline != nil {
			ok := !done.After(p.Deadline.Deadline)
			p.OnTrack = &ok
		}
	}

	settings, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if eif := settings.EntryIntoForce; eif != nil && !eif.After(on) {
		r, err := s.reports.Article7(ctx, landrelease.Article7Request{From: *eif, To: on, Level: 1, AsOf: asOf})
		if err != nil {
			return nil, err
		}
		tot := r.Total
		p.Baseline = &landrelease.Baseline{EntryIntoForce: *eif, AreaAtBaselineM2: tot.Opening.AreaM2(),
			IdentifiedSinceM2: tot.NewAreaM2, IdentifiedCount: tot.NewCount, CancelledSinceM2: tot.CancelledM2,
			ReducedSinceM2: tot.ReducedM2, ClearedSinceM2: tot.ClearedM2, DifferencesSinceM2: tot.BalanceDiffM2,
			RemainingM2: tot.Closing.AreaM2(), RemainingSHAM2: tot.Closing.SHAAreaM2, RemainingCHAM2: tot.Closing.CHAAreaM2}
	}
	return p, nil
}
