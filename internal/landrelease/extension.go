package landrelease

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"
	"unicode/utf8"
)

// The draft of an Article 4 extension request (Convention on Cluster Munitions, Article 4.5 to 4.8; Lausanne
// Action Plan Action 20): pure rules over what the registry reads. The adapter reads the Article 4 progress, the
// Form F of each year since the entry into force and of the whole period, the work plan and the text entered by
// the reporting officer, all as recorded at one moment, and AssembleExtension puts them together.

// MaxExtensionText bounds each text of an extension request, in characters.
const MaxExtensionText = 100000

// ExtensionText is what an extension request states that the record cannot give: the reasons the deadline cannot
// be met and the humanitarian, social, economic and environmental implications of the extension, with the date
// requested. RecordedAt is nil when no text has been recorded.
type ExtensionText struct {
	Reasons        string     `json:"reasons"`
	Implications   string     `json:"implications"`
	RequestedUntil *time.Time `json:"requested_until"`
	RecordedAt     *time.Time `json:"recorded_at"`
	RecordedBy     string     `json:"recorded_by"`
}

// Validate checks the text a user sets: each text valid UTF-8 of at most MaxExtensionText characters, and a
// date requested, when given, from 1990 to 2100.
func (t ExtensionText) Validate() error {
	var ds []Detail
	for _, f := range []struct{ name, text string }{{"implications", t.Implications}, {"reasons", t.Reasons}} {
		if !utf8.ValidString(f.text) || utf8.RuneCountInString(f.text) > MaxExtensionText {
			ds = append(ds, Detail{Field: f.name, Reason: fmt.Sprintf("must be UTF-8 text of at most %d characters", MaxExtensionText)})
		}
	}
	if u := t.RequestedUntil; u != nil && (u.Year() < 1990 || u.Year() > 2100) {
		ds = append(ds, Detail{Field: "requested_until", Reason: "must be a date from 1990 to 2100"})
	}
	if len(ds) > 0 {
		return Invalid("The extension request's text is not valid.", ds...)
	}
	return nil
}

// ExtensionRequest selects a draft: the date requested (zero: the text's RequestedUntil), the capacity of the
// work plan (Teams, Budget: as WorkPlanRequest's) and the record time (nil: now).
type ExtensionRequest struct {
	Until  time.Time
	Teams  float64
	Budget float64
	AsOf   *time.Time
}

// ExtensionYearRequests are the Form F requests of each year from the entry into force eif to the field date on
// (level 1, as recorded at asOf): the first from eif to its 31 December, the last from 1 January to on, so that
// their flows add up to those of Article4BaselineRequest(on, eif, asOf). None when eif is after on.
func ExtensionYearRequests(eif, on time.Time, asOf *time.Time) []Article7Request {
	eif, on = Day(eif), Day(on)
	var out []Article7Request
	for y := eif.Year(); y <= on.Year() && !eif.After(on); y++ {
		r := Article4YearRequest(y, on, asOf)
		if y == eif.Year() {
			r.From = eif
		}
		out = append(out, r)
	}
	return out
}

// ExtensionFacts is what AssembleExtension reads from the registry, all as recorded at Progress.AsOf.
type ExtensionFacts struct {
	Request ExtensionRequest
	// Progress is the Article 4 progress on the field date of the draft; its Baseline is nil when the entry
	// into force is not set.
	Progress *Article4Progress
	// Since is the Form F of Article4BaselineRequest(Progress.On, entry into force); nil without a baseline.
	Since *Article7
	// Years are the Form F of ExtensionYearRequests, in that order.
	Years []*Article7
	// Plan is the work plan from the year after Progress.On with the request's capacity.
	Plan *WorkPlan
	Text ExtensionText
}

// ExtensionYear is what a year since the entry into force released, identified and benefited.
type ExtensionYear struct {
	Year                      int           `json:"year"`
	From                      time.Time     `json:"from"`
	To                        time.Time     `json:"to"`
	IdentifiedCount           int           `json:"identified_count"`
	IdentifiedM2              int64         `json:"identified_m2"`
	CancelledM2               int64         `json:"cancelled_m2"`
	ReducedM2                 int64         `json:"reduced_m2"`
	ClearedM2                 int64         `json:"cleared_m2"`
	ReleasedM2                int64         `json:"released_m2"`
	RemainingM2               int64         `json:"remaining_m2"` // at the end of To
	Beneficiaries             Beneficiaries `json:"beneficiaries"`
	ReleasesWithBeneficiaries int           `json:"releases_with_beneficiaries"`
}

// ExtensionUnit is the contamination of an admin unit of level 1 at the entry into force and on the draft's date,
// with the residual part of what remains: the open CMR areas identified after a completion date (Form F's
// UnitFigures.ResidualCount and ResidualAreaM2), which fall to the national residual capacity rather than to the
// Article 4 clearance the extension is requested for.
type ExtensionUnit struct {
	Code             string `json:"admin_code"`
	Name             string `json:"admin_name"`
	AtEntryIntoForce Stock  `json:"at_entry_into_force"`
	Remaining        Stock  `json:"remaining"`
	ResidualCount    int    `json:"residual_count"`
	ResidualAreaM2   int64  `json:"residual_area_m2"` // part of Remaining
}

// ExtensionPlan is the part of the work plan in the period requested: the plan's years from the deadline's year
// to the year requested, their totals, what the plan leaves at the deadline and whether it completes by Until.
type ExtensionPlan struct {
	FromYear int     `json:"plan_from_year"`
	Teams    float64 `json:"teams_per_year"`
	Budget   float64 `json:"budget_per_year"`
	// AtDeadline is what the whole plan achieves by the deadline in force (before the period requested).
	AtDeadline *DeadlineOutcome `json:"at_deadline"`
	Years      []PlanYear       `json:"years"` // each with its units, without its areas
	Total      MethodM2         `json:"total"`
	// ResidualM2 is the part of Total in residual areas (the years' PlanYear.ResidualM2).
	ResidualM2 int64   `json:"residual_m2"`
	TeamYears  float64 `json:"team_years"`
	Cost       float64 `json:"cost"`
	// RemainingAtUntilM2 is what the plan leaves on Until; CompletesByUntil is whether it is 0.
	RemainingAtUntilM2 int64      `json:"remaining_at_until_m2"`
	CompletesByUntil   bool       `json:"completes_by_until"`
	Completion         *time.Time `json:"completion"` // of the whole plan; nil when nothing remains
}

// ExtensionDraft is the draft of an extension request, from the record and the text entered.
type ExtensionDraft struct {
	State          string    `json:"state"`
	On             time.Time `json:"on"`
	AsOf           time.Time `json:"as_of"`
	EntryIntoForce time.Time `json:"entry_into_force"`
	Deadline       Deadline  `json:"deadline"` // in force
	Until          time.Time `json:"requested_until"`
	// DurationMonths is the extension requested in whole months from the deadline to Until (rounded up).
	DurationMonths int `json:"duration_months"`

	AtEntryIntoForce Stock `json:"at_entry_into_force"`
	Remaining        Stock `json:"remaining"`
	// ResidualCount and ResidualAreaM2 are the residual part of Remaining (Since's total residual figures).
	ResidualCount  int             `json:"residual_count"`
	ResidualAreaM2 int64           `json:"residual_area_m2"`
	Since          Baseline        `json:"since_entry_into_force"` // the Article 4 report's baseline
	Years          []ExtensionYear `json:"progress_by_year"`
	Units          []ExtensionUnit `json:"remaining_by_unit"` // by code, UNASSIGNED for areas without a unit

	Beneficiaries             Beneficiaries `json:"beneficiaries"`
	ReleasesWithBeneficiaries int           `json:"releases_with_beneficiaries"`

	MeanReleaseM2PerYear int64      `json:"mean_release_m2_per_year"`
	RateYears            []int      `json:"rate_years"`
	ProjectedCompletion  *time.Time `json:"projected_completion"` // at the mean rate

	Plan ExtensionPlan `json:"plan"`
	Text ExtensionText `json:"text"`
}

// ExtensionUntil is the date a draft requests: the request's Until, else the text's RequestedUntil. EINVALID when
// neither is set.
func ExtensionUntil(req ExtensionRequest, t ExtensionText) (time.Time, error) {
	switch {
	case !req.Until.IsZero():
		return Day(req.Until), nil
	case t.RequestedUntil != nil:
		return Day(*t.RequestedUntil), nil
	}
	return time.Time{}, Invalid("Give the date requested (until), or record it with the request's text.",
		Detail{Field: "until", Reason: "is required"})
}

// AssembleExtension puts the draft together. The rules (docs/REPORTS.md, "Extension request"):
//
//   - The figures since the entry into force are the Article 4 progress's Baseline; the stock at the entry into
//     force and now, by kind and by unit, are the opening and closing of Since, and the residual part of what
//     remains, by unit and in total, Since's residual figures; the years are Years' flows, and the beneficiaries
//     Since's.
//   - The period requested runs from the deadline in force to Until (ExtensionUntil); the plan's years from the
//     deadline's year to Until's year are shown with their totals, and RemainingAtUntilM2 is what the whole plan
//     leaves on Until (its work spread over the part of a year it uses, as DeadlineOutcome does).
//
// It needs no database. It returns EINVALID when the entry into force is not set (the request states the
// contamination at that date: no draft without it), when no deadline is recorded, and when Until is not after the
// deadline in force; an error naming what is missing when the facts were not read as documented.
func AssembleExtension(f ExtensionFacts) (*ExtensionDraft, error) {
	p := f.Progress
	if p == nil {
		return nil, fmt.Errorf("extension request: no Article 4 progress")
	}
	if p.Baseline == nil {
		return nil, Invalid("An extension request states the contamination at the Convention's entry into force: set it "+
			"first (setting entry_into_force).", Detail{Field: "entry_into_force", Reason: "is not set"})
	}
	if p.Deadline == nil {
		return nil, Invalid("No Article 4 deadline is recorded: record the deadline in force first.",
			Detail{Field: "deadline", Reason: "none recorded"})
	}
	until, err := ExtensionUntil(f.Request, f.Text)
	if err != nil {
		return nil, err
	}
	if !until.After(p.Deadline.Deadline) {
		// The date is the request's until, else the text's requested_until: the error names the one used.
		field := "until"
		if f.Request.Until.IsZero() {
			field = "requested_until"
		}
		return nil, Invalid(fmt.Sprintf("The date requested (%s) must be after the deadline in force (%s).",
			until.Format(time.DateOnly), p.Deadline.Deadline.Format(time.DateOnly)), Detail{Field: field, Reason: "not after the deadline"})
	}
	if f.Since == nil || f.Plan == nil {
		return nil, fmt.Errorf("extension request: no Form F since the entry into force or no work plan")
	}
	reqs := ExtensionYearRequests(p.Baseline.EntryIntoForce, p.On, nil)
	if len(f.Years) != len(reqs) {
		return nil, fmt.Errorf("extension request: %d Form F by year, want %d", len(f.Years), len(reqs))
	}
	d := &ExtensionDraft{State: p.State, On: p.On, AsOf: p.AsOf, EntryIntoForce: p.Baseline.EntryIntoForce,
		Deadline: *p.Deadline, Until: until, DurationMonths: monthsBetween(p.Deadline.Deadline, until),
		AtEntryIntoForce: f.Since.Total.Opening, Remaining: f.Since.Total.Closing, ResidualCount: f.Since.Total.ResidualCount,
		ResidualAreaM2: f.Since.Total.ResidualAreaM2, Since: *p.Baseline,
		Years: make([]ExtensionYear, 0, len(reqs)), Units: make([]ExtensionUnit, 0, len(f.Since.Units)),
		Beneficiaries: f.Since.Total.Beneficiaries, ReleasesWithBeneficiaries: f.Since.Total.ReleasesWithBeneficiaries,
		MeanReleaseM2PerYear: p.MeanReleaseM2PerYear, RateYears: p.RateYears, ProjectedCompletion: p.ProjectedCompletion,
		Text: f.Text}
	d.Text.RequestedUntil = &until
	for i, r := range f.Years {
		if r == nil {
			return nil, fmt.Errorf("extension request: no Form F of %d", reqs[i].From.Year())
		}
		t := r.Total
		d.Years = append(d.Years, ExtensionYear{Year: reqs[i].From.Year(), From: reqs[i].From, To: reqs[i].To,
			IdentifiedCount: t.NewCount, IdentifiedM2: t.NewAreaM2, CancelledM2: t.CancelledM2, ReducedM2: t.ReducedM2,
			ClearedM2: t.ClearedM2, ReleasedM2: t.ReleasedM2(), RemainingM2: t.Closing.AreaM2(),
			Beneficiaries: t.Beneficiaries, ReleasesWithBeneficiaries: t.ReleasesWithBeneficiaries})
	}
	for _, u := range f.Since.Units {
		d.Units = append(d.Units, ExtensionUnit{Code: u.Code, Name: u.Name, AtEntryIntoForce: u.Opening, Remaining: u.Closing,
			ResidualCount: u.ResidualCount, ResidualAreaM2: u.ResidualAreaM2})
	}
	slices.SortFunc(d.Units, func(a, b ExtensionUnit) int { return compareCodes(a.Code, b.Code) })
	d.Plan = extensionPlan(f.Plan, p.Deadline.Deadline, until)
	return d, nil
}

// compareCodes orders admin codes with UNASSIGNED last.
func compareCodes(a, b string) int {
	switch {
	case a == b:
		return 0
	case a == "UNASSIGNED":
		return 1
	case b == "UNASSIGNED":
		return -1
	case a < b:
		return -1
	}
	return 1
}

// monthsBetween is the number of months from a to b, rounded up.
func monthsBetween(a, b time.Time) int {
	m := (b.Year()-a.Year())*12 + int(b.Month()-a.Month())
	if a.AddDate(0, m, 0).Before(b) {
		m++
	}
	return m
}

// extensionPlan clips plan to the years from the deadline's to until's.
func extensionPlan(plan *WorkPlan, deadline, until time.Time) ExtensionPlan {
	e := ExtensionPlan{FromYear: plan.FromYear, Teams: plan.Teams, Budget: plan.Budget, Years: []PlanYear{},
		Completion: plan.Completion}
	if plan.Deadline != nil && plan.Deadline.Deadline.Equal(deadline) {
		e.AtDeadline = plan.Deadline
	} else {
		e.AtDeadline = plan.outcome(deadline)
	}
	for _, y := range plan.Years {
		if y.Year < deadline.Year() || y.Year > until.Year() {
			continue
		}
		y.Areas = []PlanAreaYear{}
		e.Years = append(e.Years, y)
		e.Total.add(y.MethodM2)
		e.ResidualM2 += y.ResidualM2
		e.TeamYears += y.TeamYears
		e.Cost += y.Cost
	}
	at := plan.outcome(until)
	e.RemainingAtUntilM2 = at.RemainingM2
	e.CompletesByUntil = at.Meets
	return e
}

// ExtensionFormat finds how to write a draft format: its media type, file extension and writer.
type ExtensionFormat func(name string) (contentType, ext string, write func(io.Writer, *ExtensionDraft) error, ok bool)

// ExtensionService keeps the extension request's text and drafts the request.
type ExtensionService interface {
	// Text returns the text in force at asOf (nil: now); empty, with RecordedAt nil, when none is recorded.
	Text(ctx context.Context, asOf *time.Time) (*ExtensionText, error)
	// SetText records the text, replacing the one in force. EINVALID, EFORBIDDEN (reporting officers, data
	// managers and administrators may).
	SetText(ctx context.Context, t ExtensionText) error
	// Draft drafts the request on field date on (the day of req.AsOf when earlier) as recorded at req.AsOf.
	// EINVALID (see AssembleExtension and the work plan's errors).
	Draft(ctx context.Context, on time.Time, req ExtensionRequest) (*ExtensionDraft, error)
}
