package landrelease_test

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// mixOf is a mix of SHA and CHA given by shares (cancelled, reduced, cleared); nil leaves a kind without one.
func mixOf(sha, cha *landrelease.MethodShares) []landrelease.KindMix {
	o := map[landrelease.Kind]landrelease.MixOverride{}
	if sha != nil {
		o[landrelease.KindSHA] = landrelease.MixOverride{Shares: *sha}
	}
	if cha != nil {
		o[landrelease.KindCHA] = landrelease.MixOverride{Shares: *cha}
	}
	return landrelease.ChooseMix(nil, o)
}

var (
	allCleared = &landrelease.MethodShares{Cleared: 1}
	shaMix     = &landrelease.MethodShares{Cancelled: 0.5, Reduced: 0.3, Cleared: 0.2}
)

func prod(m landrelease.Method, year int, m2 int64, perM2, perTeamYear float64) landrelease.Productivity {
	return landrelease.Productivity{Method: m, Year: year, M2PerTeamYear: m2, CostPerM2: perM2, CostPerTeamYear: perTeamYear}
}

func area(id string, k landrelease.Kind, p landrelease.Priority, m2 int64) landrelease.PlanArea {
	return landrelease.PlanArea{LocalID: id, Kind: k, Priority: p, AdminCode: "LA01", AdminName: "Xaisomboun",
		IdentifiedOn: day4("2020-01-01"), RemainingM2: m2}
}

// yearsOf prints each year of the plan as "YEAR:cancelled/reduced/cleared".
func yearsOf(p *landrelease.WorkPlan) string {
	var b strings.Builder
	for _, y := range p.Years {
		fmt.Fprintf(&b, "%d:%d/%d/%d ", y.Year, y.CancelledM2, y.ReducedM2, y.ClearedM2)
	}
	return strings.TrimSpace(b.String())
}

func TestPlanWork(t *testing.T) {
	cleared400 := []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 400, 2, 0)}
	three := []landrelease.Productivity{prod(landrelease.MethodCancelled, 0, 1000, 0, 1000),
		prod(landrelease.MethodReduced, 0, 300, 0, 1000), prod(landrelease.MethodCleared, 0, 100, 0, 1000)}
	one := []landrelease.PlanArea{area("A", landrelease.KindCHA, landrelease.PriorityHigh, 1000)}
	tests := []struct {
		name       string
		req        landrelease.WorkPlanRequest
		areas      []landrelease.PlanArea
		mix        []landrelease.KindMix
		prod       []landrelease.Productivity
		deadline   string
		years      string
		teamYears  float64
		cost       float64
		completion string
		errPart    string
		on         string // the plan's figures' date; none: long before the plan
	}{
		{name: "an area larger than a year's capacity spans years", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1},
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2026:0/0/400 2027:0/0/400 2028:0/0/200", teamYears: 2.5, cost: 2000, completion: "2028-07-01"},
		{name: "the mix splits an area, each method at its productivity", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 10},
			areas: []landrelease.PlanArea{area("S", landrelease.KindSHA, "", 1000)}, mix: mixOf(shaMix, nil), prod: three,
			years: "2026:500/300/200", teamYears: 0.5 + 1 + 2, cost: 3500, completion: "2026-05-08"},
		{name: "a budget limits the year", req: landrelease.WorkPlanRequest{FromYear: 2026, Budget: 300},
			areas: one, mix: mixOf(nil, allCleared), prod: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 10000, 1, 0)},
			years: "2026:0/0/300 2027:0/0/300 2028:0/0/300 2029:0/0/100", teamYears: 0.1, cost: 1000, completion: "2029-05-02"},
		{name: "teams and budget: the tighter wins", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Budget: 1000},
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2026:0/0/400 2027:0/0/400 2028:0/0/200", teamYears: 2.5, cost: 2000, completion: "2028-07-01"},
		{name: "a year's own productivity", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1},
			areas: one, mix: mixOf(nil, allCleared), prod: append([]landrelease.Productivity{prod(landrelease.MethodCleared, 2027, 600, 1, 0)}, cleared400...),
			years: "2026:0/0/400 2027:0/0/600", teamYears: 2, cost: 1400, completion: "2027-12-31"},
		{name: "the deadline is met", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1},
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400, deadline: "2030-08-01",
			years: "2026:0/0/400 2027:0/0/400 2028:0/0/200", teamYears: 2.5, cost: 2000, completion: "2028-07-01"},
		{name: "in On's year the plan has the days after On", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1}, on: "2026-07-01",
			areas: []landrelease.PlanArea{area("A", landrelease.KindCHA, "", 300)}, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2026:0/0/200 2027:0/0/100", teamYears: 0.75, cost: 600, completion: "2027-04-02"},
		{name: "finished within On's year, counted from the day after On", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1}, on: "2026-07-01",
			areas: []landrelease.PlanArea{area("A", landrelease.KindCHA, "", 100)}, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2026:0/0/100", teamYears: 0.25, cost: 200, completion: "2026-10-01"},
		{name: "a plan from the year after On has whole years", req: landrelease.WorkPlanRequest{FromYear: 2027, Teams: 1}, on: "2026-07-01",
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2027:0/0/400 2028:0/0/400 2029:0/0/200", teamYears: 2.5, cost: 2000, completion: "2029-07-02"},
		{name: "On the last day of the year: the first year has no days left", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1}, on: "2026-12-31",
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400,
			years: "2026:0/0/0 2027:0/0/400 2028:0/0/400 2029:0/0/200", teamYears: 2.5, cost: 2000, completion: "2029-07-02"},
		{name: "a first year before On's year", req: landrelease.WorkPlanRequest{FromYear: 2025, Teams: 1}, on: "2026-07-01",
			areas: one, mix: mixOf(nil, allCleared), prod: cleared400, errPart: "before the year of its figures"},
		{name: "nothing remains", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1},
			areas: []landrelease.PlanArea{area("A", landrelease.KindCHA, "", 0)}, mix: mixOf(nil, nil), prod: nil},
		{name: "zero capacity", req: landrelease.WorkPlanRequest{FromYear: 2026}, areas: one, mix: mixOf(nil, allCleared),
			prod: cleared400, errPart: "needs a capacity"},
		{name: "no mix for CHA", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1}, areas: one, mix: mixOf(shaMix, nil),
			prod: cleared400, errPart: "No method mix for CHA"},
		{name: "no productivity for a method of the mix", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1},
			areas: one, mix: mixOf(shaMix, allCleared), prod: cleared400, errPart: "No productivity for cancelled in 2026"},
		{name: "a budget without costs", req: landrelease.WorkPlanRequest{FromYear: 2026, Budget: 5}, areas: one,
			mix: mixOf(nil, allCleared), prod: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 400, 0, 0)},
			errPart: "No cost for cleared in 2026"},
		{name: "more than MaxPlanYears", req: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1}, areas: one,
			mix: mixOf(nil, allCleared), prod: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 1, 0, 0)},
			errPart: "more than 200 years"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Level = 1
			f := landrelease.WorkPlanFacts{Request: tc.req, Areas: tc.areas, Mix: tc.mix, Productivity: tc.prod}
			if tc.on != "" {
				f.On = day4(tc.on)
			}
			if tc.deadline != "" {
				f.Deadline = &landrelease.Deadline{Deadline: day4(tc.deadline)}
			}
			p, err := landrelease.PlanWork(f)
			if tc.errPart != "" {
				if landrelease.ErrorCode(err) != landrelease.EINVALID || !strings.Contains(err.Error(), tc.errPart) {
					t.Fatalf("err = %v, want EINVALID with %q", err, tc.errPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := yearsOf(p); got != tc.years {
				t.Errorf("years = %q, want %q", got, tc.years)
			}
			if math.Abs(p.TeamYears-tc.teamYears) > 1e-9 || math.Abs(p.Cost-tc.cost) > 1e-6 {
				t.Errorf("team-years %v cost %v, want %v and %v", p.TeamYears, p.Cost, tc.teamYears, tc.cost)
			}
			got := ""
			if p.Completion != nil {
				got = p.Completion.Format(time.DateOnly)
			}
			if got != tc.completion {
				t.Errorf("completion = %q, want %q", got, tc.completion)
			}
			if p.Total.TotalM2() != p.RemainingM2 {
				t.Errorf("the years address %d m2 of %d remaining", p.Total.TotalM2(), p.RemainingM2)
			}
			if tc.deadline != "" && (p.Deadline == nil || !p.Deadline.Meets || p.Deadline.RemainingM2 != 0) {
				t.Errorf("deadline outcome = %+v, want met with nothing remaining", p.Deadline)
			}
		})
	}
}

// TestPlanWorkDeadline checks what a plan achieves by a deadline inside a year, and the capacity that would meet it.
func TestPlanWorkDeadline(t *testing.T) {
	p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1},
		Areas:   []landrelease.PlanArea{area("A", landrelease.KindCHA, "", 1000)}, Mix: mixOf(nil, allCleared),
		Productivity: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 400, 2, 0)},
		Deadline:     &landrelease.Deadline{Deadline: day4("2027-07-01")}})
	if err != nil {
		t.Fatal(err)
	}
	d := p.Deadline
	// 2026 in full (400), and of 2027 (a full year's work, 400) the 182 days of 365 to 1 July: 199.
	if d.AddressedM2 != 599 || d.RemainingM2 != 401 || d.Meets {
		t.Errorf("outcome = %+v, want 599 addressed, 401 remaining, not met", d)
	}
	// 2.5 team-years and 2000 over the 547 days from 1 January 2026 to 1 July 2027 inclusive.
	span := 547.0 / 365.25
	if math.Abs(d.TeamsPerYear-2.5/span) > 1e-9 || math.Abs(d.BudgetPerYear-2000/span) > 1e-6 {
		t.Errorf("to meet it: %v teams, %v a year; want %v and %v", d.TeamsPerYear, d.BudgetPerYear, 2.5/span, 2000/span)
	}
}

// TestPlanWorkOrder checks the order of the areas named, their split across years and the admin units' figures.
func TestPlanWorkOrder(t *testing.T) {
	areas := []landrelease.PlanArea{
		area("L", landrelease.KindCHA, landrelease.PriorityLow, 100),
		area("HS", landrelease.KindSHA, landrelease.PriorityHigh, 100),
		area("HC-2021", landrelease.KindCHA, landrelease.PriorityHigh, 100),
		area("HC-2020-b", landrelease.KindCHA, landrelease.PriorityHigh, 100),
		area("HC-2020-a", landrelease.KindCHA, landrelease.PriorityHigh, 100),
		area("N", landrelease.KindCHA, "", 100),
		area("MI", landrelease.KindSHA, landrelease.PriorityMedium, 100),
		area("MD", landrelease.KindSHA, landrelease.PriorityMedium, 100),
	}
	areas[2].IdentifiedOn = day4("2021-01-01")
	areas[6].Evidence, areas[7].Evidence = landrelease.EvidenceIndirect, landrelease.EvidenceDirect
	areas[5].AdminCode, areas[5].AdminName = "", ""
	p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1}, Areas: areas,
		Mix:          mixOf(allCleared, allCleared),
		Productivity: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 250, 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, y := range p.Years {
		for _, a := range y.Areas {
			got = append(got, fmt.Sprintf("%d %d %s %d %v", y.Year, a.Rank, a.LocalID, a.ClearedM2, a.Completes))
		}
	}
	want := []string{"2026 1 HC-2020-a 100 true", "2026 2 HC-2020-b 100 true", "2026 3 HC-2021 50 false",
		"2027 3 HC-2021 50 true", "2027 4 HS 100 true", "2027 5 MD 100 true",
		"2028 6 MI 100 true", "2028 7 L 100 true", "2028 8 N 50 false", "2029 8 N 50 true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("areas:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	units := p.Years[2].Units
	if len(units) != 2 || units[0].AdminCode != "LA01" || units[0].ClearedM2 != 200 || units[0].Completed != 2 ||
		units[1].AdminCode != "UNASSIGNED" || units[1].ClearedM2 != 50 || units[1].Completed != 0 {
		t.Errorf("2028's units = %+v", units)
	}
	if p.Years[0].RemainingAfterM2 != 550 || p.Years[3].RemainingAfterM2 != 0 {
		t.Errorf("remaining after 2026 and 2029: %d, %d", p.Years[0].RemainingAfterM2, p.Years[3].RemainingAfterM2)
	}
}

// TestPlanWorkSums checks, over many areas of both kinds, that every year's units and areas add up to the year and
// the years to the area remaining, and that team-years and costs equal what each method's total costs.
func TestPlanWorkSums(t *testing.T) {
	var areas []landrelease.PlanArea
	for i := range 500 {
		k := landrelease.KindSHA
		if i%3 == 0 {
			k = landrelease.KindCHA
		}
		a := area(fmt.Sprintf("A%04d", i), k, []landrelease.Priority{"high", "medium", "low", ""}[i%4], int64(1+(i*7919)%50000))
		a.AdminCode = fmt.Sprintf("LA%02d", i%7)
		a.Residual = i%5 == 0
		areas = append(areas, a)
	}
	ps := []landrelease.Productivity{prod(landrelease.MethodCancelled, 0, 900000, 0.01, 5000),
		prod(landrelease.MethodReduced, 0, 250000, 0.2, 40000), prod(landrelease.MethodCleared, 0, 60000, 0.5, 90000)}
	p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 12, Level: 1}, Areas: areas,
		Mix:          mixOf(shaMix, &landrelease.MethodShares{Reduced: 0.4, Cleared: 0.6}),
		Productivity: ps})
	if err != nil {
		t.Fatal(err)
	}
	var sum landrelease.MethodM2
	var residual int64
	for _, y := range p.Years {
		var units, named landrelease.MethodM2
		var unitsResidual, namedResidual int64
		for _, u := range y.Units {
			units.CancelledM2, units.ReducedM2, units.ClearedM2 = units.CancelledM2+u.CancelledM2, units.ReducedM2+u.ReducedM2, units.ClearedM2+u.ClearedM2
			unitsResidual += u.ResidualM2
		}
		for _, a := range y.Areas {
			named.CancelledM2, named.ReducedM2, named.ClearedM2 = named.CancelledM2+a.CancelledM2, named.ReducedM2+a.ReducedM2, named.ClearedM2+a.ClearedM2
			if a.Residual {
				namedResidual += a.TotalM2()
			}
		}
		if units != y.MethodM2 || named != y.MethodM2 {
			t.Errorf("%d: year %+v, units %+v, areas %+v", y.Year, y.MethodM2, units, named)
		}
		if unitsResidual != y.ResidualM2 || namedResidual != y.ResidualM2 || y.ResidualM2 > y.TotalM2() {
			t.Errorf("%d: residual %d m2 of %d, units' %d, areas' %d", y.Year, y.ResidualM2, y.TotalM2(), unitsResidual, namedResidual)
		}
		residual += y.ResidualM2
		if y.TeamYears > 12+1e-9 {
			t.Errorf("%d takes %v team-years of 12", y.Year, y.TeamYears)
		}
		sum.CancelledM2, sum.ReducedM2, sum.ClearedM2 = sum.CancelledM2+y.CancelledM2, sum.ReducedM2+y.ReducedM2, sum.ClearedM2+y.ClearedM2
	}
	var want int64
	for _, a := range areas {
		if a.Residual {
			want += a.RemainingM2
		}
	}
	if residual != p.ResidualM2 || p.ResidualM2 != want || p.ResidualAreas != 100 {
		t.Errorf("residual: years %d m2, plan %d m2 in %d areas; want %d m2 in 100", residual, p.ResidualM2, p.ResidualAreas, want)
	}
	if sum != p.Total || sum.TotalM2() != p.RemainingM2 {
		t.Errorf("years sum to %+v (%d), total %+v, remaining %d", sum, sum.TotalM2(), p.Total, p.RemainingM2)
	}
	var ty, cost float64
	for i, m := range landrelease.Methods {
		a := float64(sum.Of(m))
		ty += a / float64(ps[i].M2PerTeamYear)
		cost += a*ps[i].CostPerM2 + a/float64(ps[i].M2PerTeamYear)*ps[i].CostPerTeamYear
	}
	if math.Abs(ty-p.TeamYears) > 1e-6 || math.Abs(cost-p.Cost) > 1e-3 {
		t.Errorf("team-years %v cost %v; per method %v and %v", p.TeamYears, p.Cost, ty, cost)
	}
}

func TestResolveRates(t *testing.T) {
	ps := []landrelease.Productivity{
		{Method: landrelease.MethodCleared, M2PerTeamYear: 1},
		{Method: landrelease.MethodCleared, Year: 2027, M2PerTeamYear: 2},
		{Method: landrelease.MethodCleared, Organisation: "NPA", M2PerTeamYear: 3},
		{Method: landrelease.MethodCleared, Organisation: "NPA", Year: 2027, M2PerTeamYear: 4},
		{Method: landrelease.MethodReduced, Organisation: "MAG", M2PerTeamYear: 5},
	}
	for _, tc := range []struct {
		m    landrelease.Method
		y    int
		org  string
		want int64
	}{
		{landrelease.MethodCleared, 2026, "", 1}, {landrelease.MethodCleared, 2027, "", 2},
		{landrelease.MethodCleared, 2026, "NPA", 3}, {landrelease.MethodCleared, 2027, "NPA", 4},
		{landrelease.MethodCleared, 2027, "MAG", 2}, {landrelease.MethodReduced, 2026, "MAG", 5},
		{landrelease.MethodReduced, 2026, "", 0}, {landrelease.MethodCancelled, 2026, "NPA", 0},
	} {
		r, ok := landrelease.ResolveRates(ps, tc.m, tc.y, tc.org)
		if r.M2PerTeamYear != tc.want || ok != (tc.want != 0) {
			t.Errorf("%s %d %q: %d %v, want %d", tc.m, tc.y, tc.org, r.M2PerTeamYear, ok, tc.want)
		}
	}
}

func TestMixAndProductivityChecks(t *testing.T) {
	for _, tc := range []struct {
		s  landrelease.MethodShares
		ok bool
	}{
		{landrelease.MethodShares{Cancelled: 0.2, Reduced: 0.3, Cleared: 0.5}, true},
		{landrelease.MethodShares{Cleared: 1}, true},
		{landrelease.MethodShares{Cancelled: 0.5, Cleared: 0.4}, false},
		{landrelease.MethodShares{Cancelled: -0.1, Cleared: 1.1}, false},
		{landrelease.MethodShares{Cancelled: math.NaN(), Cleared: 1}, false},
	} {
		if err := tc.s.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.s, err)
		}
	}
	for _, tc := range []struct {
		p  landrelease.Productivity
		ok bool
	}{
		{prod(landrelease.MethodCleared, 0, 1, 0, 0), true},
		{prod(landrelease.MethodCleared, 2030, 1, 1, 1), true},
		{prod("demined", 0, 1, 0, 0), false},
		{prod(landrelease.MethodCleared, 1900, 1, 0, 0), false},
		{prod(landrelease.MethodCleared, 0, 0, 0, 0), false},
		{prod(landrelease.MethodCleared, 0, 1, -1, 0), false},
		{prod(landrelease.MethodCleared, 0, 1, 0, math.Inf(1)), false},
	} {
		if err := tc.p.Validate(); (err == nil) != tc.ok {
			t.Errorf("%+v: %v", tc.p, err)
		}
	}
	m := landrelease.ChooseMix(map[landrelease.Kind]landrelease.MixMeasure{
		landrelease.KindSHA: {Released: landrelease.MethodM2{CancelledM2: 3, ClearedM2: 1}, Shares: landrelease.MeasureShares(landrelease.MethodM2{CancelledM2: 3, ClearedM2: 1})}},
		map[landrelease.Kind]landrelease.MixOverride{landrelease.KindCHA: {Shares: *allCleared}})
	if m[0].Source != "measured" || m[0].Shares.Cancelled != 0.75 || m[1].Source != "override" || m[1].Shares.Cleared != 1 {
		t.Errorf("mix = %+v", m)
	}
	if m := landrelease.ChooseMix(nil, nil); m[0].Source != "" || m[1].Source != "" {
		t.Errorf("no mix = %+v", m)
	}
}

// BenchmarkPlanWork plans 10^5 areas of both kinds (2,000 km2, Lao PDR's order of size) in 17 admin units, from a
// deterministic generator, with 300 teams: some 8 years.
func BenchmarkPlanWork(b *testing.B) {
	areas := make([]landrelease.PlanArea, 100_000)
	for i := range areas {
		k := landrelease.KindSHA
		if i%3 == 0 {
			k = landrelease.KindCHA
		}
		areas[i] = area(fmt.Sprintf("LA-%06d", i), k, []landrelease.Priority{"high", "medium", "low", ""}[i%4], int64(25+(i*7919)%40000))
		areas[i].AdminCode = fmt.Sprintf("LA%02d", i%17)
		areas[i].IdentifiedOn = day4("2010-01-01").AddDate(0, 0, (i*31)%5000)
	}
	f := landrelease.WorkPlanFacts{Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 300, Level: 1}, Areas: areas,
		Mix: mixOf(shaMix, &landrelease.MethodShares{Reduced: 0.4, Cleared: 0.6}),
		Productivity: []landrelease.Productivity{prod(landrelease.MethodCancelled, 0, 5_000_000, 0.01, 5000),
			prod(landrelease.MethodReduced, 0, 1_000_000, 0.2, 40000), prod(landrelease.MethodCleared, 0, 400_000, 0.5, 90000)}}
	b.ReportAllocs()
	for b.Loop() {
		p, err := landrelease.PlanWork(f)
		if err != nil || p.Total.TotalM2() != p.RemainingM2 {
			b.Fatal(err)
		}
	}
}

// TestPlanWorkFollowsPlanOrder checks that the plan addresses generated areas (ties of priority, kind, evidence
// and date included) in PlanOrder.
func TestPlanWorkFollowsPlanOrder(t *testing.T) {
	var areas []landrelease.PlanArea
	for i := range 400 {
		a := area(fmt.Sprintf("A%03d", (i*37)%400), []landrelease.Kind{"SHA", "CHA"}[i%2],
			[]landrelease.Priority{"high", "medium", "low", ""}[(i/2)%4], 10)
		a.Evidence = []landrelease.EvidenceType{"direct", "indirect"}[(i/8)%2]
		a.IdentifiedOn = day4("2020-01-01").AddDate(0, 0, (i*13)%5)
		areas = append(areas, a)
	}
	p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1}, Areas: areas,
		Mix:          mixOf(allCleared, allCleared),
		Productivity: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 1000, 0, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]*landrelease.PlanArea, len(areas))
	for i := range areas {
		want[i] = &areas[i]
	}
	slices.SortFunc(want, landrelease.PlanOrder)
	var got []string
	for _, y := range p.Years {
		for _, a := range y.Areas {
			got = append(got, a.LocalID)
		}
	}
	for i, a := range want {
		if i >= len(got) || got[i] != a.LocalID {
			t.Fatalf("area %d is %v, want %s", i+1, got[min(i, len(got)-1)], a.LocalID)
		}
	}
}

// TestPlanWorkBeneficiaries: each unit-year expects its area times the unit's measured people per m2, or the
// national figure where the unit's rests on less than MinBeneficiaryAreaM2; years and the plan sum them.
func TestPlanWorkBeneficiaries(t *testing.T) {
	a := area("A", landrelease.KindCHA, landrelease.PriorityHigh, 400_000)
	b := area("B", landrelease.KindCHA, landrelease.PriorityLow, 200_000)
	b.AdminCode, b.AdminName = "LA02", "Xiangkhouang"
	facts := func(bs []landrelease.UnitBeneficiaries) landrelease.WorkPlanFacts {
		return landrelease.WorkPlanFacts{
			Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1},
			Areas:   []landrelease.PlanArea{a, b}, Mix: mixOf(nil, allCleared),
			Productivity:  []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 300_000, 1, 0)},
			Beneficiaries: bs,
		}
	}
	tests := []struct {
		name  string
		bs    []landrelease.UnitBeneficiaries
		years []int64 // expected beneficiaries per year
		units string  // the units' expectations, year by year
		rates int     // rates listed: national, then units measured on enough area
	}{
		{"none recorded", nil, []int64{0, 0}, "2026 LA01:0 | 2027 LA01:0 LA02:0", 0},
		// LA01: 60 people on 200,000 m2 (3/ha); LA02 on 20,000 m2 only: the national 80 on 220,000 m2.
		{"unit and national", []landrelease.UnitBeneficiaries{{AdminCode: "LA01", Releases: 4, People: 60, AreaM2: 200_000},
			{AdminCode: "LA02", Releases: 1, People: 20, AreaM2: 20_000}},
			// 2026: 300,000 m2 of A: 90. 2027: 100,000 of A (30) and 200,000 of B at 80/220,000 per m2 (72.7).
			[]int64{90, 103}, "2026 LA01:90 | 2027 LA01:30 LA02:73", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := landrelease.PlanWork(facts(tt.bs))
			if err != nil {
				t.Fatal(err)
			}
			var years []int64
			var units []string
			var sum int64
			for _, y := range p.Years {
				years = append(years, y.ExpectedBeneficiaries)
				sum += y.ExpectedBeneficiaries
				s := fmt.Sprint(y.Year)
				for _, u := range y.Units {
					s += fmt.Sprintf(" %s:%d", u.AdminCode, u.ExpectedBeneficiaries)
				}
				units = append(units, s)
			}
			if fmt.Sprint(years) != fmt.Sprint(tt.years) || strings.Join(units, " | ") != tt.units || p.ExpectedBeneficiaries != sum || len(p.BeneficiaryRates) != tt.rates {
				t.Errorf("years %v (%s), plan %d, rates %+v; want %v (%s)", years, strings.Join(units, " | "), p.ExpectedBeneficiaries, p.BeneficiaryRates, tt.years, tt.units)
			}
		})
	}
}

// residualOf prints each year's residual part as "YEAR:r<m2>" followed by each unit's "CODE:<areas>/<m2>" and the
// residual areas named in the year.
func residualOf(p *landrelease.WorkPlan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "plan %d/%d;", p.ResidualAreas, p.ResidualM2)
	for _, y := range p.Years {
		fmt.Fprintf(&b, " %d:r%d", y.Year, y.ResidualM2)
		for _, u := range y.Units {
			fmt.Fprintf(&b, " %s:%d/%d", u.AdminCode, u.ResidualAreas, u.ResidualM2)
		}
		for _, a := range y.Areas {
			if a.Residual {
				fmt.Fprintf(&b, " *%s", a.LocalID)
			}
		}
		b.WriteString(";")
	}
	return b.String()
}

// TestPlanWorkResidual checks that residual areas are planned like any other and counted apart: by the plan, each
// year, each unit-year and each area-year.
func TestPlanWorkResidual(t *testing.T) {
	residual := func(a landrelease.PlanArea, code string) landrelease.PlanArea {
		a.Residual, a.AdminCode = true, code
		return a
	}
	in := func(a landrelease.PlanArea, code string) landrelease.PlanArea {
		a.AdminCode = code
		return a
	}
	tests := []struct {
		name  string
		areas []landrelease.PlanArea
		want  string
	}{
		{"no residual area", []landrelease.PlanArea{area("A", landrelease.KindCHA, landrelease.PriorityHigh, 300)},
			"plan 0/0; 2026:r0 LA01:0/0;"},
		{"a residual area spanning two years beside one that is not",
			[]landrelease.PlanArea{in(area("A", landrelease.KindCHA, landrelease.PriorityHigh, 300), "LA01"),
				residual(area("R", landrelease.KindCHA, landrelease.PriorityLow, 500), "LA02")},
			"plan 1/500; 2026:r100 LA01:0/0 LA02:1/100 *R; 2027:r400 LA02:1/400 *R;"},
		{"residual areas in two units, one of nothing remaining",
			[]landrelease.PlanArea{residual(area("R1", landrelease.KindCHA, landrelease.PriorityHigh, 200), "LA01"),
				residual(area("R0", landrelease.KindCHA, landrelease.PriorityHigh, 0), "LA01"),
				residual(area("R2", landrelease.KindCHA, landrelease.PriorityMedium, 100), "")},
			"plan 2/300; 2026:r300 LA01:1/200 UNASSIGNED:1/100 *R1 *R2;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
				Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1}, Areas: tc.areas,
				Mix: mixOf(nil, allCleared), Productivity: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 400, 0, 0)}})
			if err != nil {
				t.Fatal(err)
			}
			if got := residualOf(p); got != tc.want {
				t.Errorf("residual = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestPlanWorkDeadlineInOnsYear: a deadline in the year of the plan's figures is met by the work of the days from
// the day after On to the deadline, the year's work spread evenly over its days left.
func TestPlanWorkDeadlineInOnsYear(t *testing.T) {
	f := landrelease.WorkPlanFacts{Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1}, On: day4("2026-07-01"),
		Areas: []landrelease.PlanArea{area("A", landrelease.KindCHA, "", 300)}, Mix: mixOf(nil, allCleared),
		Productivity: []landrelease.Productivity{prod(landrelease.MethodCleared, 0, 400, 2, 0)},
		Deadline:     &landrelease.Deadline{Deadline: day4("2026-10-01")}}
	p, err := landrelease.PlanWork(f)
	if err != nil {
		t.Fatal(err)
	}
	// 2026 has 183 days after 1 July and 200 m2 of work (its capacity share, 183/365 of 400 m2); by 1 October
	// 92 of those days have passed: 100 m2.
	if o := p.Deadline; o == nil || o.Meets || o.AddressedM2 != 100 || o.RemainingM2 != 200 {
		t.Fatalf("deadline outcome %+v, want 100 m2 addressed, 200 remaining, not met", o)
	}
	if got := p.Years[0].CapacityShare; math.Abs(got-183.0/365) > 1e-12 {
		t.Errorf("capacity share of 2026 %v, want 183/365", got)
	}
}
