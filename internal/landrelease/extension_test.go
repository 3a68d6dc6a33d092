package landrelease_test

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func TestExtensionYearRequests(t *testing.T) {
	asOf := asOf4
	got := landrelease.ExtensionYearRequests(day4("2023-03-01"), time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC), &asOf)
	want := [][2]string{{"2023-03-01", "2023-12-31"}, {"2024-01-01", "2024-12-31"}, {"2025-01-01", "2025-06-30"}}
	if len(got) != len(want) {
		t.Fatalf("%d requests, want %d: %+v", len(got), len(want), got)
	}
	for i, r := range got {
		if r.From.Format(time.DateOnly) != want[i][0] || r.To.Format(time.DateOnly) != want[i][1] || r.Level != 1 || r.AsOf != &asOf {
			t.Errorf("request %d: %+v, want %v at level 1 as of %v", i, r, want[i], asOf)
		}
	}
	if got := landrelease.ExtensionYearRequests(day4("2026-01-01"), day4("2025-06-30"), nil); len(got) != 0 {
		t.Errorf("an entry into force after the date: %+v", got)
	}
}

// extFacts are the facts of a draft on 30 June 2025: the Convention in force since 1 March 2023, the deadline in
// force 1 August 2027, 25000 m2 of CHA remaining in LA01, which one team clearing 10000 m2 a year at 2 a m2
// addresses from 2026: 10000 in 2026 and 2027, 5000 in 2028 (half the year: completion on 1 July 2028).
func extFacts(t *testing.T, until string, prods []landrelease.Productivity) (landrelease.ExtensionFacts, error) {
	t.Helper()
	dl := landrelease.Deadline{Deadline: day4("2027-08-01"), Kind: "extension"}
	on := day4("2025-06-30")
	plan, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1}, State: "Lao PDR", On: on, AsOf: asOf4,
		Areas: []landrelease.PlanArea{area("CHA-1", landrelease.KindCHA, landrelease.PriorityHigh, 25000)},
		Mix:   mixOf(nil, allCleared), Productivity: prods, Deadline: &dl})
	if err != nil {
		return landrelease.ExtensionFacts{}, err
	}
	stock := func(sha, cha int64) landrelease.Stock {
		return landrelease.Stock{SHACount: 1, SHAAreaM2: sha, CHACount: 1, CHAAreaM2: cha}
	}
	year := func(cancelled, cleared, remaining int64, women int) *landrelease.Article7 {
		r := form4(cancelled, 0, cleared)
		r.Total.Closing = landrelease.Stock{CHACount: 1, CHAAreaM2: remaining}
		r.Total.Beneficiaries = landrelease.Beneficiaries{Women: women}
		return r
	}
	var req landrelease.ExtensionRequest
	if until != "" {
		req.Until = day4(until)
	}
	return landrelease.ExtensionFacts{
		Request: req,
		Progress: &landrelease.Article4Progress{State: "Lao PDR", On: on, AsOf: asOf4, RemainingM2: 25000,
			Baseline: &landrelease.Baseline{EntryIntoForce: day4("2023-03-01"), AreaAtBaselineM2: 40000, CancelledSinceM2: 5000,
				ClearedSinceM2: 10000, RemainingM2: 25000, RemainingCHAM2: 25000},
			Deadlines: []landrelease.Deadline{dl}, Deadline: &dl, MeanReleaseM2PerYear: 5000, RateYears: []int{2022, 2023, 2024}},
		Since: &landrelease.Article7{State: "Lao PDR", Units: []landrelease.UnitFigures{
			{Code: "UNASSIGNED", Name: "No admin unit", Opening: stock(0, 0)},
			{Code: "LA01", Name: "Xaisomboun", Opening: stock(15000, 25000), Closing: landrelease.Stock{CHACount: 1, CHAAreaM2: 25000}}},
			Total: landrelease.UnitFigures{Code: "TOTAL", Opening: stock(15000, 25000), Closing: landrelease.Stock{CHACount: 1, CHAAreaM2: 25000},
				CancelledM2: 5000, ClearedM2: 10000, Beneficiaries: landrelease.Beneficiaries{Women: 7, Girls: 2}, ReleasesWithBeneficiaries: 2}},
		Years: []*landrelease.Article7{year(5000, 0, 35000, 0), year(0, 6000, 29000, 7), year(0, 4000, 25000, 0)},
		Plan:  plan,
		Text:  landrelease.ExtensionText{Reasons: "Rains.", Implications: "=HYPERLINK(\"x\")", RequestedUntil: ptr4(day4("2029-08-01"))},
	}, nil
}

func TestAssembleExtension(t *testing.T) {
	clearing := []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 10000, 2, 0)}
	tests := []struct {
		name   string
		until  string // the request's; "" leaves the text's, 2029-08-01
		prods  []landrelease.Productivity
		change func(*landrelease.ExtensionFacts)
		// want
		err       string // a substring of the error; "" for none
		field     string // the detail's field of an EINVALID error
		months    int
		years     string // the plan's years in the period
		total     int64
		remaining int64 // on until
		completes bool
	}{
		{name: "the plan completes before the date requested (the text's)", months: 24, years: "2027:10000 2028:5000",
			total: 15000, remaining: 0, completes: true},
		{name: "the plan does not complete by the date requested", until: "2028-03-31", months: 8,
			// of 2028, 91 days of 366 of a year half used: floor(5000 * 91/366 / 0.5) = 2486 m2 addressed
			years: "2027:10000 2028:5000", total: 15000, remaining: 2514, completes: false},
		{name: "no entry into force: no draft", change: func(f *landrelease.ExtensionFacts) { f.Progress.Baseline = nil },
			err: "entry into force", field: "entry_into_force"},
		{name: "no deadline", change: func(f *landrelease.ExtensionFacts) { f.Progress.Deadline = nil },
			err: "No Article 4 deadline", field: "deadline"},
		{name: "a date not after the deadline", until: "2027-08-01", err: "must be after the deadline", field: "until"},
		{name: "the text's date not after the deadline", change: func(f *landrelease.ExtensionFacts) {
			d := time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)
			f.Text.RequestedUntil = &d
		}, err: "must be after the deadline", field: "requested_until"},
		{name: "no date requested", change: func(f *landrelease.ExtensionFacts) { f.Text.RequestedUntil = nil },
			err: "Give the date requested", field: "until"},
		{name: "no productivity: the plan's own error", prods: []landrelease.Productivity{},
			err: "No productivity for cleared in 2026", field: "productivity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			prods := clearing
			if tc.prods != nil {
				prods = tc.prods
			}
			f, err := extFacts(t, tc.until, prods)
			var d *landrelease.ExtensionDraft
			if err == nil {
				if tc.change != nil {
					tc.change(&f)
				}
				d, err = landrelease.AssembleExtension(f)
			}
			if tc.err != "" {
				ds := landrelease.ErrorDetails(err)
				if err == nil || !strings.Contains(err.Error(), tc.err) || landrelease.ErrorCode(err) != landrelease.EINVALID ||
					len(ds) == 0 || ds[0].Field != tc.field {
					t.Fatalf("error %v (%v), want EINVALID on %s with %q", err, ds, tc.field, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ys []string
			for _, y := range d.Plan.Years {
				ys = append(ys, strings.Join([]string{itoa(y.Year), itoa64(y.TotalM2())}, ":"))
				if len(y.Areas) != 0 || len(y.Units) != 1 {
					t.Errorf("year %d: %d areas (want none) and %d units (want 1)", y.Year, len(y.Areas), len(y.Units))
				}
			}
			if got := strings.Join(ys, " "); got != tc.years || d.Plan.Total.TotalM2() != tc.total || d.Plan.Cost != float64(2*tc.total) ||
				d.Plan.TeamYears != float64(tc.total)/10000 {
				t.Errorf("plan in the period %q, %d m2, %v team-years, cost %v; want %q, %d m2", got, d.Plan.Total.TotalM2(),
					d.Plan.TeamYears, d.Plan.Cost, tc.years, tc.total)
			}
			if d.Plan.RemainingAtUntilM2 != tc.remaining || d.Plan.CompletesByUntil != tc.completes || d.DurationMonths != tc.months {
				t.Errorf("remaining on %s %d, completes %v, %d months; want %d, %v, %d", d.Until.Format(time.DateOnly),
					d.Plan.RemainingAtUntilM2, d.Plan.CompletesByUntil, d.DurationMonths, tc.remaining, tc.completes, tc.months)
			}
			// By the deadline the plan addresses 2026 and 7/12 of 2027 (213 days of 365): 10000 + 5835.
			if a := d.Plan.AtDeadline; a == nil || a.AddressedM2 != 15835 || a.RemainingM2 != 9165 || a.Meets {
				t.Errorf("at the deadline: %+v", a)
			}
			if d.Plan.Completion == nil || d.Plan.Completion.Format(time.DateOnly) != "2028-07-01" {
				t.Errorf("completion %v", d.Plan.Completion)
			}
			// The record's figures, as read.
			if d.Since != *f.Progress.Baseline || d.AtEntryIntoForce.AreaM2() != 40000 || d.Remaining.CHAAreaM2 != 25000 ||
				d.Beneficiaries.Total() != 9 || d.ReleasesWithBeneficiaries != 2 || !d.EntryIntoForce.Equal(day4("2023-03-01")) {
				t.Errorf("figures since the entry into force: %+v", d)
			}
			wantYears := []landrelease.ExtensionYear{
				{Year: 2023, From: day4("2023-03-01"), To: day4("2023-12-31"), CancelledM2: 5000, ReleasedM2: 5000, RemainingM2: 35000},
				{Year: 2024, From: day4("2024-01-01"), To: day4("2024-12-31"), ClearedM2: 6000, ReleasedM2: 6000, RemainingM2: 29000,
					Beneficiaries: landrelease.Beneficiaries{Women: 7}},
				{Year: 2025, From: day4("2025-01-01"), To: day4("2025-06-30"), ClearedM2: 4000, ReleasedM2: 4000, RemainingM2: 25000},
			}
			if !reflect.DeepEqual(d.Years, wantYears) {
				t.Errorf("years:\n%+v\nwant\n%+v", d.Years, wantYears)
			}
			if len(d.Units) != 2 || d.Units[0].Code != "LA01" || d.Units[1].Code != "UNASSIGNED" || d.Units[0].Remaining.CHAAreaM2 != 25000 ||
				d.Units[0].AtEntryIntoForce.AreaM2() != 40000 {
				t.Errorf("units: %+v", d.Units)
			}
			if d.Text.Reasons != "Rains." || d.Text.RequestedUntil == nil || !d.Text.RequestedUntil.Equal(d.Until) {
				t.Errorf("text %+v for a request to %s", d.Text, d.Until)
			}
		})
	}
}

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestExtensionTextValidate(t *testing.T) {
	long := strings.Repeat("é", landrelease.MaxExtensionText+1)
	for _, tc := range []struct {
		name  string
		text  landrelease.ExtensionText
		field string
	}{
		{"valid", landrelease.ExtensionText{Reasons: "Floods in 2024.", RequestedUntil: ptr4(day4("2031-08-01"))}, ""},
		{"empty", landrelease.ExtensionText{}, ""},
		{"too long", landrelease.ExtensionText{Implications: long}, "implications"},
		{"not UTF-8", landrelease.ExtensionText{Reasons: "\xff"}, "reasons"},
		{"a date out of range", landrelease.ExtensionText{RequestedUntil: ptr4(day4("2200-01-01"))}, "requested_until"},
	} {
		err := tc.text.Validate()
		ds := landrelease.ErrorDetails(err)
		if (tc.field == "") != (err == nil) || (err != nil && (len(ds) != 1 || ds[0].Field != tc.field)) {
			t.Errorf("%s: %v %v, want field %q", tc.name, err, ds, tc.field)
		}
	}
}

// TestAssembleExtensionResidual checks that the draft states the residual part of what remains, by unit and in
// total, as Form F since the entry into force gives it, and the plan's residual area in the period requested.
func TestAssembleExtensionResidual(t *testing.T) {
	tests := []struct {
		name     string
		residual bool // the area and Form F's figures are residual
		units    string
		total    string
		plan     int64
	}{
		{name: "no residual contamination", units: "LA01:0/0 UNASSIGNED:0/0", total: "0/0", plan: 0},
		{name: "a residual area in LA01", residual: true, units: "LA01:1/25000 UNASSIGNED:0/0", total: "1/25000", plan: 15000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := extFacts(t, "", []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 10000, 2, 0)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.residual {
				a := area("CHA-1", landrelease.KindCHA, landrelease.PriorityHigh, 25000)
				a.Residual = true
				plan := *f.Plan
				facts := landrelease.WorkPlanFacts{Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1},
					On: plan.On, AsOf: plan.AsOf, Areas: []landrelease.PlanArea{a}, Mix: plan.Mix, Productivity: plan.Productivity}
				if f.Plan, err = landrelease.PlanWork(facts); err != nil {
					t.Fatal(err)
				}
				f.Since.Units[1].ResidualCount, f.Since.Units[1].ResidualAreaM2 = 1, 25000
				f.Since.Total.ResidualCount, f.Since.Total.ResidualAreaM2 = 1, 25000
			}
			d, err := landrelease.AssembleExtension(f)
			if err != nil {
				t.Fatal(err)
			}
			var units []string
			for _, u := range d.Units {
				units = append(units, u.Code+":"+itoa(u.ResidualCount)+"/"+itoa64(u.ResidualAreaM2))
			}
			if got := strings.Join(units, " "); got != tc.units {
				t.Errorf("units' residual %q, want %q", got, tc.units)
			}
			if got := itoa(d.ResidualCount) + "/" + itoa64(d.ResidualAreaM2); got != tc.total {
				t.Errorf("residual %s, want %s", got, tc.total)
			}
			var years int64
			for _, y := range d.Plan.Years {
				years += y.ResidualM2
			}
			if d.Plan.ResidualM2 != tc.plan || years != tc.plan {
				t.Errorf("plan's residual in the period %d m2 (years %d), want %d", d.Plan.ResidualM2, years, tc.plan)
			}
		})
	}
}
