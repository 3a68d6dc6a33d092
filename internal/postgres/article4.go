package postgres

import (
	"context"
	"errors"
	"fmt"
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

// Progress computes the summary; see landrelease.Article4Service. It reads what landrelease.ProjectArticle4 needs,
// every figure as recorded when the report of the year in progress was computed, and leaves the rules to it.
func (s *Article4Service) Progress(ctx context.Context, on time.Time, asOf *time.Time) (*landrelease.Article4Progress, error) {
	on = landrelease.Day(on)
	current, err := s.reports.Article7(ctx, landrelease.Article4YearRequest(on.Year(), on, asOf))
	if err != nil {
		return nil, progressError(err, fmt.Sprintf("report of %d", on.Year()))
	}
	// Every figure below is read as recorded at the moment the first was computed.
	pinned := current.AsOf
	asOf = &pinned
	f := landrelease.Article4Facts{On: on, Current: current, Years: map[int]*landrelease.Article7{}}
	if f.Deadlines, err = s.deadlines(ctx, asOf); err != nil {
		return nil, err
	}
	if f.Targets, err = s.targets(ctx, asOf); err != nil {
		return nil, err
	}
	for _, y := range landrelease.Article4Years(on, f.Targets) {
		if y == on.Year() {
			continue // current
		}
		if f.Years[y], err = s.reports.Article7(ctx, landrelease.Article4YearRequest(y, on, asOf)); err != nil {
			return nil, progressError(err, fmt.Sprintf("report of %d", y))
		}
	}
	settings, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, progressError(err, "read settings")
	}
	f.EntryIntoForce = settings.EntryIntoForce
	if req, ok := landrelease.Article4BaselineRequest(on, f.EntryIntoForce, asOf); ok {
		if f.SinceEntryIntoForce, err = s.reports.Article7(ctx, req); err != nil {
			return nil, progressError(err, "report since the entry into force")
		}
	}
	return landrelease.ProjectArticle4(f) // its errors say what is missing
}

// progressError gives err the context of the read of the progress that failed. A *landrelease.Error, whose message
// is for users and already says what failed, is returned as is.
func progressError(err error, what string) error {
	var le *landrelease.Error
	if errors.As(err, &le) {
		return err
	}
	return fmt.Errorf("article 4 progress: %s: %w", what, err)
}

// deadlines reads the deadlines recorded by asOf, by date; nil when none.
func (s *Article4Service) deadlines(ctx context.Context, asOf *time.Time) ([]landrelease.Deadline, error) {
	rows, err := s.db.reader(ctx).Query(ctx, deadlinesSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read deadlines")
	}
	var ds []landrelease.Deadline
	var dl landrelease.Deadline
	if _, err := pgx.ForEachRow(rows, []any{&dl.Deadline, &dl.Kind, &dl.DecidedOn, &dl.Note}, func() error {
		ds = append(ds, dl)
		return nil
	}); err != nil {
		return nil, dbError(err, "read deadlines")
	}
	return ds, nil
}

// targets reads the work-plan targets recorded by asOf: area in m2 by year.
func (s *Article4Service) targets(ctx context.Context, asOf *time.Time) (map[int]int64, error) {
	rows, err := s.db.reader(ctx).Query(ctx, targetsSQL, asOf)
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
	return targets, nil
}
