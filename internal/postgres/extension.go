package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// ExtensionService implements landrelease.ExtensionService: the text is a row of migration 0021 (versions, read
// as recorded at a time); the figures come from the Article 4 progress, the Form F reports and the work plan, all
// read as recorded when the progress was computed, and landrelease.AssembleExtension puts them together.
type ExtensionService struct {
	db       *DB
	reports  *ReportService
	article4 *Article4Service
	workplan *WorkPlanService
}

// NewExtensionService returns an ExtensionService computing with reports.
func NewExtensionService(db *DB, reports *ReportService) *ExtensionService {
	return &ExtensionService{db: db, reports: reports, article4: NewArticle4Service(db, reports), workplan: NewWorkPlanService(db)}
}

var _ landrelease.ExtensionService = (*ExtensionService)(nil)

const (
	// extensionTextSQL selects the text in force at record time $1 (NULL: now).
	extensionTextSQL = `SELECT reasons, implications, requested_until, recorded_at, recorded_by FROM extension_request_text
WHERE recorded_at <= coalesce($1, now()) AND (superseded_at IS NULL OR superseded_at > coalesce($1, now()))`
	// supersedeExtensionTextSQL ends the text in force.
	supersedeExtensionTextSQL = `UPDATE extension_request_text SET superseded_at = now() WHERE superseded_at IS NULL`
	// insertExtensionTextSQL records reasons $1, implications $2, requested_until $3 (a date or NULL), by user $4.
	insertExtensionTextSQL = `INSERT INTO extension_request_text (reasons, implications, requested_until, recorded_by)
VALUES ($1, $2, $3, $4)`
)

// Text returns the text in force; see landrelease.ExtensionService.
func (s *ExtensionService) Text(ctx context.Context, asOf *time.Time) (*landrelease.ExtensionText, error) {
	var t landrelease.ExtensionText
	err := s.db.reader(ctx).QueryRow(ctx, extensionTextSQL, asOf).Scan(&t.Reasons, &t.Implications, &t.RequestedUntil,
		&t.RecordedAt, &t.RecordedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return &landrelease.ExtensionText{}, nil
	}
	if err != nil {
		return nil, dbError(err, "read the extension request's text")
	}
	return &t, nil
}

// SetText records the text; see landrelease.ExtensionService.
func (s *ExtensionService) SetText(ctx context.Context, t landrelease.ExtensionText) error {
	u, err := landrelease.Require(ctx, landrelease.RoleReportingOfficer, landrelease.RoleDataManager, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	var until *time.Time
	detail := map[string]any{"reasons_chars": len([]rune(t.Reasons)), "implications_chars": len([]rune(t.Implications))}
	if t.RequestedUntil != nil {
		d := landrelease.Day(*t.RequestedUntil)
		until = &d
		detail["requested_until"] = d.Format(time.DateOnly)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, supersedeExtensionTextSQL); err != nil {
			return dbError(err, "supersede the extension request's text")
		}
		if _, err := tx.Exec(ctx, insertExtensionTextSQL, t.Reasons, t.Implications, until, u.Name); err != nil {
			return dbError(err, "set the extension request's text")
		}
		return audit(ctx, tx, u.Name, "set", "extension_request_text", "text", 0, detail)
	})
}

// Draft drafts the request; see landrelease.ExtensionService. Every fact is read as recorded at req.AsOf or, when
// nil, at the database's time when the draft starts: the draft's AsOf, which reproduces it.
func (s *ExtensionService) Draft(ctx context.Context, on time.Time, req landrelease.ExtensionRequest) (*landrelease.ExtensionDraft, error) {
	on = landrelease.Day(on)
	if req.AsOf != nil && landrelease.Day(*req.AsOf).Before(on) {
		on = landrelease.Day(*req.AsOf)
	}
	// The plan's capacity is checked before any report is computed.
	planReq := landrelease.WorkPlanRequest{FromYear: on.Year() + 1, Teams: req.Teams, Budget: req.Budget, Level: 1}
	if err := planReq.Validate(); err != nil {
		return nil, err
	}
	// Read as recorded now, the record time is the database's time, not a cached Form F's (which keeps the time
	// it was computed while the registry does not change, and would miss a text or productivity set since).
	if req.AsOf == nil {
		var now time.Time
		if err := s.db.reader(ctx).QueryRow(ctx, nowSQL).Scan(&now); err != nil {
			return nil, dbError(err, "extension request: read the time")
		}
		req.AsOf = &now
	}
	p, err := s.article4.Progress(ctx, on, req.AsOf)
	if err != nil {
		return nil, err
	}
	pinned := p.AsOf
	f := landrelease.ExtensionFacts{Request: req, Progress: p}
	t, err := s.Text(ctx, &pinned)
	if err != nil {
		return nil, err
	}
	f.Text = *t
	if p.Baseline == nil || p.Deadline == nil {
		return landrelease.AssembleExtension(f) // says what to set
	}
	// Checked here too, so that a draft that cannot be made computes no report.
	if _, err := landrelease.ExtensionUntil(req, f.Text); err != nil {
		return nil, err
	}
	{
		sinceReq, _ := landrelease.Article4BaselineRequest(on, &p.Baseline.EntryIntoForce, &pinned)
		if f.Since, err = s.reports.Article7(ctx, sinceReq); err != nil {
			return nil, progressError(err, "report since the entry into force")
		}
		for _, r := range landrelease.ExtensionYearRequests(p.Baseline.EntryIntoForce, on, &pinned) {
			y, err := s.reports.Article7(ctx, r)
			if err != nil {
				return nil, progressError(err, "report of "+r.From.Format("2006"))
			}
			f.Years = append(f.Years, y)
		}
	}
	planReq.AsOf = &pinned
	if f.Plan, err = s.workplan.WorkPlan(ctx, on, planReq); err != nil {
		return nil, err
	}
	return landrelease.AssembleExtension(f)
}
