package landrelease

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// The work plan (Lausanne Action Plan Actions 19 and 20): pure rules over what the registry reads. The adapter
// reads the open CMR areas, the productivity and costs recorded, the method mix (measured from the registry's
// history, or overridden) and the deadline in force, all as recorded at one moment, and PlanWork lays the
// remaining area out year by year.

// Methods lists the land release methods in the order every table shows them.
var Methods = [3]Method{MethodCancelled, MethodReduced, MethodCleared}

// Productivity is what one team releases by a method in a year, and what it costs. Organisation "" is the
// national figure and Year 0 holds for every year; a figure for an organisation or a year takes precedence over
// the more general one (ResolveRates). The cost of work is CostPerM2 for every m2 addressed plus CostPerTeamYear
// for every team-year spent; either may be 0.
type Productivity struct {
	Method          Method    `json:"method"`
	Organisation    string    `json:"organisation"`
	Year            int       `json:"year"`
	M2PerTeamYear   int64     `json:"m2_per_team_year"`
	CostPerM2       float64   `json:"cost_per_m2"`
	CostPerTeamYear float64   `json:"cost_per_team_year"`
	Note            string    `json:"note"`
	RecordedAt      time.Time `json:"recorded_at"`
	RecordedBy      string    `json:"recorded_by"`
}

// Validate checks the figures a user sets: a method, a year of 0 or 1990 to 2100, an area above 0 and costs of 0
// or more.
func (p Productivity) Validate() error {
	var ds []Detail
	if !slices.Contains(Methods[:], p.Method) {
		ds = append(ds, Detail{Field: "method", Reason: "must be cancelled, reduced or cleared"})
	}
	if p.Year != 0 && (p.Year < 1990 || p.Year > 2100) {
		ds = append(ds, Detail{Field: "year", Reason: "must be 0 (every year) or a year from 1990 to 2100"})
	}
	if p.M2PerTeamYear <= 0 {
		ds = append(ds, Detail{Field: "m2_per_team_year", Reason: "must be above 0"})
	}
	for f, v := range map[string]float64{"cost_per_m2": p.CostPerM2, "cost_per_team_year": p.CostPerTeamYear} {
		if !(v >= 0) || math.IsInf(v, 0) {
			ds = append(ds, Detail{Field: f, Reason: "must be a number of 0 or more"})
		}
	}
	if len(ds) > 0 {
		slices.SortFunc(ds, func(a, b Detail) int { return strings.Compare(a.Field, b.Field) })
		return Invalid("The productivity figures are not valid.", ds...)
	}
	return nil
}

// MethodShares are the shares of an area released by each method; they sum to 1.
type MethodShares struct {
	Cancelled float64 `json:"cancelled"`
	Reduced   float64 `json:"reduced"`
	Cleared   float64 `json:"cleared"`
}

// Of returns the share of method m.
func (s MethodShares) Of(m Method) float64 {
	switch m {
	case MethodCancelled:
		return s.Cancelled
	case MethodReduced:
		return s.Reduced
	default:
		return s.Cleared
	}
}

// Validate checks that every share is from 0 to 1 and that they sum to 1 (within 10^-6).
func (s MethodShares) Validate() error {
	sum := 0.0
	for _, m := range Methods {
		v := s.Of(m)
		if !(v >= 0 && v <= 1) {
			return Invalid(fmt.Sprintf("The %s share must be from 0 to 1.", m), Detail{Field: string(m), Reason: "must be from 0 to 1"})
		}
		sum += v
	}
	if math.Abs(sum-1) > 1e-6 {
		return Invalid(fmt.Sprintf("The shares must sum to 1, not %g.", sum), Detail{Field: "cleared", Reason: "the shares must sum to 1"})
	}
	return nil
}

// MethodM2 is an area in whole m2 by release method.
type MethodM2 struct {
	CancelledM2 int64 `json:"cancelled_m2"`
	ReducedM2   int64 `json:"reduced_m2"`
	ClearedM2   int64 `json:"cleared_m2"`
}

// Of returns the area of method m.
func (a MethodM2) Of(m Method) int64 { return *a.ref(m) }

func (a *MethodM2) ref(m Method) *int64 {
	switch m {
	case MethodCancelled:
		return &a.CancelledM2
	case MethodReduced:
		return &a.ReducedM2
	default:
		return &a.ClearedM2
	}
}

// TotalM2 is the area of the three methods.
func (a MethodM2) TotalM2() int64 { return a.CancelledM2 + a.ReducedM2 + a.ClearedM2 }

func (a *MethodM2) add(b MethodM2) {
	a.CancelledM2 += b.CancelledM2
	a.ReducedM2 += b.ReducedM2
	a.ClearedM2 += b.ClearedM2
}

// MixMeasure is the method mix of one kind measured from the registry: the hazard areas closed through land
// release whose first version (as identified) was of that kind, and the area their releases took by method.
// From and To are the first release's date and the last closure's date of the areas measured, nil when none.
type MixMeasure struct {
	Kind     Kind         `json:"kind"`
	Areas    int          `json:"areas_measured"`
	Released MethodM2     `json:"released"`
	Shares   MethodShares `json:"shares"`
	From     *time.Time   `json:"from"`
	To       *time.Time   `json:"to"`
}

// MeasureShares returns the shares of the area released by each method; all 0 when nothing was released.
func MeasureShares(a MethodM2) MethodShares {
	t := a.TotalM2()
	if t <= 0 {
		return MethodShares{}
	}
	return MethodShares{Cancelled: float64(a.CancelledM2) / float64(t), Reduced: float64(a.ReducedM2) / float64(t),
		Cleared: float64(a.ClearedM2) / float64(t)}
}

// MixOverride is a method mix a data manager sets for a kind in place of the one measured.
type MixOverride struct {
	Kind       Kind         `json:"kind"`
	Shares     MethodShares `json:"shares"`
	Note       string       `json:"note"`
	RecordedAt time.Time    `json:"recorded_at"`
	RecordedBy string       `json:"recorded_by"`
}

// KindMix is the mix the plan applies to the remaining area of one kind: the override when one is set, else the
// measure when it measured some area. Source is "override", "measured" or "" (no mix: Shares are all 0).
type KindMix struct {
	Kind     Kind         `json:"kind"`
	Shares   MethodShares `json:"shares"`
	Source   string       `json:"source"`
	Measured MixMeasure   `json:"measured"`
	Override *MixOverride `json:"override"`
}

// ChooseMix returns the mix of SHA then CHA from what was measured and what is overridden (either may lack a kind).
func ChooseMix(measured map[Kind]MixMeasure, overrides map[Kind]MixOverride) []KindMix {
	out := make([]KindMix, 0, 2)
	for _, k := range []Kind{KindSHA, KindCHA} {
		km := KindMix{Kind: k, Measured: measured[k]}
		km.Measured.Kind = k
		if o, ok := overrides[k]; ok {
			km.Override, km.Shares, km.Source = &o, o.Shares, "override"
		} else if km.Measured.Released.TotalM2() > 0 {
			km.Shares, km.Source = km.Measured.Shares, "measured"
		}
		out = append(out, km)
	}
	return out
}

// PlanArea is an open CMR hazard area as the plan reads it: its area remaining (whole m2, as Form F counts it),
// what orders it, and whether it is residual contamination (IsResidual with the completions in force as recorded
// at the plan's AsOf): work for the national residual capacity (Lausanne Action Plan Action 25) rather than
// Article 4 clearance. The plan addresses residual areas like any other and counts them apart.
type PlanArea struct {
	LocalID      string       `json:"local_id"`
	Kind         Kind         `json:"kind"`
	Priority     Priority     `json:"priority"`
	Evidence     EvidenceType `json:"evidence_type"`
	IdentifiedOn time.Time    `json:"identified_on"`
	AdminCode    string       `json:"admin_code"`
	AdminName    string       `json:"admin_name"`
	RemainingM2  int64        `json:"remaining_m2"`
	Residual     bool         `json:"residual"`
}

// PlanOrder compares areas in the order the plan addresses them: priority (high, medium, low, then none), then
// the evidence (CHA before SHA; within a kind direct evidence before indirect), then the earliest identified,
// then the local id, so that the order is total.
func PlanOrder(a, b *PlanArea) int {
	if c := priorityRank(a.Priority) - priorityRank(b.Priority); c != 0 {
		return c
	}
	if c := kindRank(a.Kind) - kindRank(b.Kind); c != 0 {
		return c
	}
	if c := evidenceRank(a.Evidence) - evidenceRank(b.Evidence); c != 0 {
		return c
	}
	if c := a.IdentifiedOn.Compare(b.IdentifiedOn); c != 0 {
		return c
	}
	return strings.Compare(a.LocalID, b.LocalID)
}

func priorityRank(p Priority) int {
	switch p {
	case PriorityHigh:
		return 0
	case PriorityMedium:
		return 1
	case PriorityLow:
		return 2
	}
	return 3
}

func kindRank(k Kind) int {
	if k == KindCHA {
		return 0
	}
	return 1
}

func evidenceRank(e EvidenceType) int {
	if e == EvidenceDirect {
		return 0
	}
	return 1
}

// Rates are the productivity and costs of one method in one year, as ResolveRates finds them.
type Rates struct {
	M2PerTeamYear   int64
	CostPerM2       float64
	CostPerTeamYear float64
}

// ResolveRates finds the figures of method m in year y for organisation org ("" the national figures) among ps:
// the first that exists of (org, y), (org, every year), (national, y), (national, every year). ok is false when
// none does.
func ResolveRates(ps []Productivity, m Method, y int, org string) (r Rates, ok bool) {
	best := 5
	for _, p := range ps {
		if p.Method != m || (p.Year != 0 && p.Year != y) || (p.Organisation != "" && p.Organisation != org) {
			continue
		}
		rank := 1
		if p.Organisation == "" {
			rank += 2
		}
		if p.Year == 0 {
			rank++
		}
		if rank < best {
			best, r = rank, Rates{M2PerTeamYear: p.M2PerTeamYear, CostPerM2: p.CostPerM2, CostPerTeamYear: p.CostPerTeamYear}
		}
	}
	return r, best < 5
}

// MaxPlanYears bounds a plan: one that would take longer says so instead of running on.
const MaxPlanYears = 200

// WorkPlanRequest selects a work plan.
type WorkPlanRequest struct {
	FromYear     int        // the plan's first year
	Teams        float64    // teams at work each year; 0: not limited by teams
	Budget       float64    // money spent each year; 0: not limited by money
	Organisation string     // whose productivity and costs to use first ("" the national figures)
	Level        int        // admin level of the units, 1 or 2
	AsOf         *time.Time // nil: everything recorded now
}

// Validate checks the request: a first year from 1990 to 2100, a level of 1 or 2, teams or a budget above 0.
func (r WorkPlanRequest) Validate() error {
	switch {
	case r.FromYear < 1990 || r.FromYear > 2100:
		return Invalid("The plan's first year must be from 1990 to 2100.", Detail{Field: "from", Reason: "must be a year from 1990 to 2100"})
	case r.Level != 1 && r.Level != 2:
		return Invalid("The admin level must be 1 or 2.", Detail{Field: "level", Reason: "must be 1 or 2"})
	case !(r.Teams >= 0) || !(r.Budget >= 0) || math.IsInf(r.Teams, 0) || math.IsInf(r.Budget, 0):
		return Invalid("Teams and budget must be numbers of 0 or more.", Detail{Field: "teams", Reason: "must be 0 or more"})
	case r.Teams == 0 && r.Budget == 0:
		return Invalid("A plan needs a capacity: a number of teams or a budget per year above 0.",
			Detail{Field: "teams", Reason: "give teams or budget above 0"})
	}
	return nil
}

// WorkPlanFacts is what PlanWork reads from the registry, all as recorded at AsOf.
type WorkPlanFacts struct {
	Request      WorkPlanRequest
	State        string
	On           time.Time // the field date of the areas' remaining area
	AsOf         time.Time
	Areas        []PlanArea // the open CMR areas with area remaining, in any order
	Mix          []KindMix  // from ChooseMix
	Productivity []Productivity
	Deadline     *Deadline // the deadline in force, nil when none is recorded
	// Beneficiaries are what the releases that record their beneficiaries did, by admin unit of the plan's level
	// (AdminCode "" for the releases of areas without one): for the people the plan's years may benefit.
	Beneficiaries []UnitBeneficiaries
}

// UnitBeneficiaries are the people the releases of an admin unit that record their beneficiaries benefited,
// and the area those releases took.
type UnitBeneficiaries struct {
	AdminCode string
	Releases  int
	People    int64
	AreaM2    float64
}

// MinBeneficiaryAreaM2 is the released area a unit's own beneficiaries per m2 are measured on at least; a unit
// with less takes the national figure.
const MinBeneficiaryAreaM2 = 100_000

// BeneficiaryRate is the people per m2 released the plan expects, measured from the releases that record them.
type BeneficiaryRate struct {
	AdminCode   string  `json:"admin_code"` // "" for the national figure
	PeoplePerHa float64 `json:"people_per_ha"`
	Releases    int     `json:"releases_measured"`
	AreaM2      int64   `json:"area_measured_m2"`
}

// PlanAreaYear is what a year of the plan does in one area: the area by method and whether that finishes it.
type PlanAreaYear struct {
	Rank      int    `json:"rank"` // 1 for the first area of the plan's order
	LocalID   string `json:"local_id"`
	AdminCode string `json:"admin_code"`
	Kind      Kind   `json:"kind"`
	Priority  string `json:"priority"`
	MethodM2
	Completes bool `json:"completes"`
	Residual  bool `json:"residual"` // the area is residual contamination (PlanArea.Residual)
}

// PlanUnitYear is a year of the plan in one admin unit.
type PlanUnitYear struct {
	AdminCode string `json:"admin_code"`
	AdminName string `json:"admin_name"`
	MethodM2
	TeamYears float64 `json:"team_years"`
	Cost      float64 `json:"cost"`
	Areas     int     `json:"areas"`           // areas worked on
	Completed int     `json:"areas_completed"` // of which finished this year
	// ResidualAreas and ResidualM2 are the residual areas worked on and the part of the year's area that is theirs.
	ResidualAreas int   `json:"residual_areas"`
	ResidualM2    int64 `json:"residual_m2"`
	// ExpectedBeneficiaries are the people the year's release may benefit: its area times the unit's measured
	// people per m2 (the national figure where the unit's is measured on less than MinBeneficiaryAreaM2).
	ExpectedBeneficiaries int64 `json:"expected_beneficiaries"`
}

// PlanYear is a year of the plan: the area to address by method, the team-years and cost it takes, what remains
// at its end, per admin unit (by code; UNASSIGNED for areas without one) and the areas in the plan's order.
type PlanYear struct {
	Year int `json:"year"`
	MethodM2
	TeamYears        float64 `json:"team_years"`
	Cost             float64 `json:"cost"`
	RemainingAfterM2 int64   `json:"remaining_after_m2"`
	// ResidualM2 is the part of the year's area in residual areas (the units' sum).
	ResidualM2 int64 `json:"residual_m2"`
	// ExpectedBeneficiaries sums the units'.
	ExpectedBeneficiaries int64          `json:"expected_beneficiaries"`
	Units                 []PlanUnitYear `json:"units"`
	Areas                 []PlanAreaYear `json:"areas"`
	// CapacityShare is the share of a year's teams and budget the plan has in this year: 1, but in the year of
	// the plan's figures (On's year) the days after On over the year's days.
	CapacityShare float64 `json:"capacity_share"`
	// used is the share of the year's capacity (CapacityShare of it) the plan takes (1 for every year but the last).
	used float64
}

// DeadlineOutcome is what the plan achieves by the deadline in force, and the capacity that would meet it.
type DeadlineOutcome struct {
	Deadline    time.Time `json:"deadline"`
	AddressedM2 int64     `json:"addressed_m2"`
	RemainingM2 int64     `json:"remaining_m2"`
	Meets       bool      `json:"meets_deadline"`
	// TeamsPerYear and BudgetPerYear spread the plan's team-years and cost evenly from 1 January of its first
	// year to the deadline: the capacity that would finish by then. 0 when the deadline is before the plan.
	TeamsPerYear  float64 `json:"teams_per_year_to_meet"`
	BudgetPerYear float64 `json:"budget_per_year_to_meet"`
}

// WorkPlan is the costed annual work plan from the registry's open areas to completion.
type WorkPlan struct {
	State        string         `json:"state"`
	On           time.Time      `json:"on"`
	AsOf         time.Time      `json:"as_of"`
	FromYear     int            `json:"from_year"`
	Level        int            `json:"admin_level"`
	Teams        float64        `json:"teams_per_year"`
	Budget       float64        `json:"budget_per_year"`
	Organisation string         `json:"organisation"`
	Mix          []KindMix      `json:"mix"`
	Productivity []Productivity `json:"productivity"`
	Areas        int            `json:"areas"`
	RemainingM2  int64          `json:"remaining_m2"`
	// ResidualAreas and ResidualM2 are the residual areas planned and their area remaining, part of Areas and
	// RemainingM2: what falls to the national residual capacity rather than to Article 4 clearance.
	ResidualAreas int        `json:"residual_areas"`
	ResidualM2    int64      `json:"residual_m2"`
	Total         MethodM2   `json:"total"`
	TeamYears     float64    `json:"team_years"`
	Cost          float64    `json:"cost"`
	Years         []PlanYear `json:"years"`
	// Completion is the day the last area is finished, the year's capacity being spent evenly over the year; nil
	// when nothing remains.
	Completion *time.Time       `json:"completion"`
	Deadline   *DeadlineOutcome `json:"deadline"`
	// BeneficiaryRates are the people per hectare the plan expects, nationally then by unit (those measured on
	// at least MinBeneficiaryAreaM2); ExpectedBeneficiaries sums the years'.
	BeneficiaryRates      []BeneficiaryRate `json:"beneficiary_rates"`
	ExpectedBeneficiaries int64             `json:"expected_beneficiaries"`
}

// PlanWork lays the remaining area out year by year. The rules (docs/REPORTS.md, "Work plan"):
//
//   - Each area's remaining area is split by the mix of its kind into the area to cancel, reduce and clear, in
//     whole m2 (largest remainders), so that the three sum to the area remaining.
//   - Areas are addressed one after the other in PlanOrder. In year y, a method's m2 takes 1/M2PerTeamYear
//     team-years and costs CostPerM2 per m2 plus CostPerTeamYear per team-year (ResolveRates for y). Each year
//     has Teams team-years and Budget money (0: no limit of that kind); an area that does not fit in what is
//     left of the year gets the part that fits (the same fraction of each method, rounded down) and carries the
//     rest into the next year.
//   - The plan works from the day after On: the first year, when it is On's year, has the share of a year's
//     capacity its days after On make (CapacityShare); a first year before On's year is refused.
//   - Completion is the last year's first day of work (1 January, or the day after On) plus the share of its
//     capacity used times its days of work.
//   - Residual areas (PlanArea.Residual) are planned in the same order; the plan, each year and each unit-year
//     count their part (ResidualAreas, ResidualM2) within their figures, and each area-year carries the flag.
//
// It returns EINVALID, naming what to set, when the request has no capacity, when a kind to plan has no mix,
// when a method to plan has no productivity in a year (or no cost while only a budget limits), and when the plan
// would take more than MaxPlanYears years.
func PlanWork(f WorkPlanFacts) (*WorkPlan, error) {
	req := f.Request
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if on := Day(f.On); req.FromYear < on.Year() {
		return nil, Invalid(fmt.Sprintf("The plan's first year, %d, is before the year of its figures (%s): a plan starts in %d or later.",
			req.FromYear, on.Format(time.DateOnly), on.Year()), Detail{Field: "from", Reason: "is before the year of the plan's figures"})
	}
	p := &WorkPlan{State: f.State, On: Day(f.On), AsOf: f.AsOf, FromYear: req.FromYear, Level: req.Level,
		Teams: req.Teams, Budget: req.Budget, Organisation: req.Organisation, Mix: f.Mix, Productivity: f.Productivity,
		Years: []PlanYear{}}
	mix := map[Kind]MethodShares{}
	for _, m := range f.Mix {
		if m.Source != "" {
			mix[m.Kind] = m.Shares
		}
	}
	// PlanOrder's keys, computed once per area rather than once per comparison.
	type keyed struct {
		rank int
		day  int64
		a    *PlanArea
	}
	order := make([]keyed, 0, len(f.Areas))
	for i := range f.Areas {
		a := &f.Areas[i]
		if a.RemainingM2 <= 0 {
			continue
		}
		if _, ok := mix[a.Kind]; !ok {
			return nil, Invalid(fmt.Sprintf("No method mix for %s areas: no %s area was closed through land release; set one "+
				"(PUT /api/v1/workplan/mix).", a.Kind, a.Kind), Detail{Field: "mix", Reason: "no mix for " + string(a.Kind)})
		}
		order = append(order, keyed{priorityRank(a.Priority)*4 + kindRank(a.Kind)*2 + evidenceRank(a.Evidence), a.IdentifiedOn.Unix(), a})
		p.RemainingM2 += a.RemainingM2
		if a.Residual {
			p.ResidualAreas++
			p.ResidualM2 += a.RemainingM2
		}
	}
	slices.SortFunc(order, func(x, y keyed) int {
		if c := x.rank - y.rank; c != 0 {
			return c
		}
		if x.day != y.day {
			return cmp.Compare(x.day, y.day)
		}
		return strings.Compare(x.a.LocalID, y.a.LocalID)
	})
	p.Areas = len(order)

	pl := planner{f: f, plan: p, rates: map[int]*[3]Rates{}}
	for i, k := range order {
		a := k.a
		if err := pl.address(i+1, a, split(a.RemainingM2, mix[a.Kind])); err != nil {
			return nil, err
		}
	}
	if n := len(p.Years); n > 0 {
		last := &p.Years[n-1]
		start, days := p.workDays(last.Year)
		d := min(days-1, int(math.Ceil(last.used*float64(days)))-1)
		done := start.AddDate(0, 0, max(0, d))
		p.Completion = &done
	}
	for i := range p.Years {
		y := &p.Years[i]
		p.Total.add(y.MethodM2)
		p.TeamYears += y.TeamYears
		p.Cost += y.Cost
		y.RemainingAfterM2 = p.RemainingM2 - p.Total.TotalM2()
		slices.SortFunc(y.Units, func(a, b PlanUnitYear) int { return strings.Compare(a.AdminCode, b.AdminCode) })
	}
	p.expectBeneficiaries(f.Beneficiaries)
	if f.Deadline != nil {
		p.Deadline = p.outcome(Day(f.Deadline.Deadline))
	}
	return p, nil
}

// expectBeneficiaries sets the people each unit's and year's planned release may benefit, from what the
// releases that recorded their beneficiaries did: per m2, the unit's own figure where measured on at least
// MinBeneficiaryAreaM2, else the national one (none recorded: 0).
func (p *WorkPlan) expectBeneficiaries(bs []UnitBeneficiaries) {
	national := UnitBeneficiaries{}
	perM2 := map[string]float64{}
	p.BeneficiaryRates = []BeneficiaryRate{}
	var units []BeneficiaryRate
	for _, b := range bs {
		national.Releases += b.Releases
		national.People += b.People
		national.AreaM2 += b.AreaM2
		if code := b.AdminCode; code != "" && b.AreaM2 >= MinBeneficiaryAreaM2 {
			perM2[code] = float64(b.People) / b.AreaM2
			units = append(units, BeneficiaryRate{AdminCode: code, PeoplePerHa: math.Round(perM2[code]*10000*100) / 100,
				Releases: b.Releases, AreaM2: int64(math.Round(b.AreaM2))})
		}
	}
	nat := 0.0
	if national.AreaM2 > 0 {
		nat = float64(national.People) / national.AreaM2
		p.BeneficiaryRates = append(p.BeneficiaryRates, BeneficiaryRate{PeoplePerHa: math.Round(nat*10000*100) / 100,
			Releases: national.Releases, AreaM2: int64(math.Round(national.AreaM2))})
	}
	slices.SortFunc(units, func(a, b BeneficiaryRate) int { return strings.Compare(a.AdminCode, b.AdminCode) })
	p.BeneficiaryRates = append(p.BeneficiaryRates, units...)
	p.ExpectedBeneficiaries = 0
	for i := range p.Years {
		y := &p.Years[i]
		y.ExpectedBeneficiaries = 0
		for j := range y.Units {
			u := &y.Units[j]
			rate, ok := perM2[u.AdminCode]
			if !ok {
				rate = nat
			}
			u.ExpectedBeneficiaries = int64(math.Round(float64(u.TotalM2()) * rate))
			y.ExpectedBeneficiaries += u.ExpectedBeneficiaries
		}
		p.ExpectedBeneficiaries += y.ExpectedBeneficiaries
	}
}

// daysIn is the number of days of year y.
func daysIn(y int) int {
	return time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC).YearDay()
}

// workDays is the first day and the number of days the plan works in year y: the whole year, but in On's year
// from the day after On (0 days when On is 31 December).
func (p *WorkPlan) workDays(y int) (start time.Time, days int) {
	start, days = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), daysIn(y)
	if y == p.On.Year() {
		start, days = p.On.AddDate(0, 0, 1), days-p.On.YearDay()
	}
	return start, days
}

// capacityShare is the share of a year's capacity the plan has in year y (PlanYear.CapacityShare).
func (p *WorkPlan) capacityShare(y int) float64 {
	_, days := p.workDays(y)
	return float64(days) / float64(daysIn(y))
}

// split divides m2 by the shares into whole m2 by the largest remainders (ties to the earlier method).
func split(m2 int64, s MethodShares) MethodM2 {
	var out MethodM2
	var frac [3]float64
	left := m2
	for i, m := range Methods {
		exact := float64(m2) * s.Of(m)
		fl := int64(math.Floor(exact))
		*out.ref(m) = fl
		frac[i] = exact - float64(fl)
		left -= fl
	}
	for ; left > 0; left-- {
		best := 0
		for i := 1; i < 3; i++ {
			if frac[i] > frac[best] {
				best = i
			}
		}
		*out.ref(Methods[best])++
		frac[best] = -1
	}
	return out
}

// planner fills the plan's years with areas in order.
type planner struct {
	f     WorkPlanFacts
	plan  *WorkPlan
	rates map[int]*[3]Rates // by year, resolved once
	// the year being filled: its index in plan.Years (-1 before the first), the team-years and money left in it
	cur                   int
	teamsLeft, budgetLeft float64
	units                 map[string]int // admin code to index in the current year's Units
}

// yearRates resolves the rates of year y once, checking that every method the mix uses has them.
func (pl *planner) yearRates(y int) (*[3]Rates, error) {
	if r := pl.rates[y]; r != nil {
		return r, nil
	}
	var r [3]Rates
	req := pl.f.Request
	for i, m := range Methods {
		used := false
		for _, km := range pl.f.Mix {
			used = used || (km.Source != "" && km.Shares.Of(m) > 0)
		}
		rt, ok := ResolveRates(pl.f.Productivity, m, y, req.Organisation)
		if used && !ok {
			return nil, Invalid(fmt.Sprintf("No productivity for %s in %d: set the area one team releases in a year "+
				"(PUT /api/v1/workplan/productivity).", m, y), Detail{Field: "productivity", Reason: "none for " + string(m)})
		}
		if used && req.Teams == 0 && rt.CostPerM2 == 0 && rt.CostPerTeamYear == 0 {
			return nil, Invalid(fmt.Sprintf("No cost for %s in %d: a plan limited by a budget needs the cost of every method "+
				"it uses.", m, y), Detail{Field: "productivity", Reason: "no cost for " + string(m)})
		}
		r[i] = rt
	}
	pl.rates[y] = &r
	return &r, nil
}

// next opens the plan's next year.
func (pl *planner) next() error {
	p := pl.plan
	y := p.FromYear + len(p.Years)
	if len(p.Years) >= MaxPlanYears {
		return Invalid(fmt.Sprintf("The plan would take more than %d years at this capacity: raise the teams or the budget.",
			MaxPlanYears), Detail{Field: "teams", Reason: "too little capacity"})
	}
	share := p.capacityShare(y)
	p.Years = append(p.Years, PlanYear{Year: y, Units: []PlanUnitYear{}, Areas: []PlanAreaYear{}, CapacityShare: share})
	pl.cur = len(p.Years) - 1
	pl.teamsLeft, pl.budgetLeft = math.Inf(1), math.Inf(1)
	if p.Teams > 0 {
		pl.teamsLeft = p.Teams * share
	}
	if p.Budget > 0 {
		pl.budgetLeft = p.Budget * share
	}
	pl.units = map[string]int{}
	return nil
}

// need is the team-years and cost of work w at rates r.
func need(w MethodM2, r *[3]Rates) (teamYears, cost float64) {
	for i, m := range Methods {
		a := float64(w.Of(m))
		if a == 0 {
			continue
		}
		ty := a / float64(r[i].M2PerTeamYear)
		teamYears += ty
		cost += a*r[i].CostPerM2 + ty*r[i].CostPerTeamYear
	}
	return teamYears, cost
}

// address lays out the work left of the area of rank rank over as many years as it takes.
func (pl *planner) address(rank int, a *PlanArea, left MethodM2) error {
	p := pl.plan
	if len(p.Years) == 0 {
		if err := pl.next(); err != nil {
			return err
		}
	}
	for left.TotalM2() > 0 {
		y := &p.Years[pl.cur]
		r, err := pl.yearRates(y.Year)
		if err != nil {
			return err
		}
		ty, cost := need(left, r)
		frac := 1.0
		if ty > pl.teamsLeft {
			frac = pl.teamsLeft / ty
		}
		if cost > pl.budgetLeft {
			frac = min(frac, pl.budgetLeft/cost)
		}
		frac = max(0, frac) // a year spent to the last team-year leaves a little less than 0
		take := left
		if frac < 1 {
			for _, m := range Methods {
				// 10^-6 m2 absorbs the rounding of the capacity left (0.2 team-years is 0.19999... after two 0.4s)
				*take.ref(m) = min(left.Of(m), int64(math.Floor(float64(left.Of(m))*frac+1e-6)))
			}
		}
		if take.TotalM2() > 0 {
			ty, cost = need(take, r)
			pl.teamsLeft -= ty
			pl.budgetLeft -= cost
			for _, m := range Methods {
				*left.ref(m) -= take.Of(m)
			}
			pl.record(y, rank, a, take, ty, cost, left.TotalM2() == 0)
		}
		if left.TotalM2() > 0 { // the year is full
			y.used = 1
			if err := pl.next(); err != nil {
				return err
			}
		}
	}
	y := &p.Years[pl.cur]
	y.used = 1
	if y.CapacityShare > 0 {
		y.used = 0
		if p.Teams > 0 {
			y.used = 1 - pl.teamsLeft/(p.Teams*y.CapacityShare)
		}
		if p.Budget > 0 {
			y.used = max(y.used, 1-pl.budgetLeft/(p.Budget*y.CapacityShare))
		}
	}
	return nil
}

// record adds work w on area a to year y.
func (pl *planner) record(y *PlanYear, rank int, a *PlanArea, w MethodM2, ty, cost float64, completes bool) {
	y.add(w)
	y.TeamYears += ty
	y.Cost += cost
	code := a.AdminCode
	if code == "" {
		code = "UNASSIGNED"
	}
	i, ok := pl.units[code]
	if !ok {
		i = len(y.Units)
		pl.units[code] = i
		y.Units = append(y.Units, PlanUnitYear{AdminCode: code, AdminName: a.AdminName})
	}
	u := &y.Units[i]
	u.add(w)
	u.TeamYears += ty
	u.Cost += cost
	u.Areas++
	if completes {
		u.Completed++
	}
	if a.Residual {
		u.ResidualAreas++
		u.ResidualM2 += w.TotalM2()
		y.ResidualM2 += w.TotalM2()
	}
	y.Areas = append(y.Areas, PlanAreaYear{Rank: rank, LocalID: a.LocalID, AdminCode: code, Kind: a.Kind,
		Priority: string(a.Priority), MethodM2: w, Completes: completes, Residual: a.Residual})
}

// outcome is what the plan achieves by the deadline d: the years before d's year in full, and of d's year the
// share of its work done by d (its work spread evenly over the part of the year it uses).
func (p *WorkPlan) outcome(d time.Time) *DeadlineOutcome {
	o := &DeadlineOutcome{Deadline: d}
	for _, y := range p.Years {
		switch {
		case y.Year < d.Year():
			o.AddressedM2 += y.TotalM2()
		case y.Year == d.Year():
			start, days := p.workDays(y.Year)
			share := 0.0
			if days > 0 {
				share = max(0, float64(d.Sub(start)/(24*time.Hour)+1)/float64(days))
			}
			if y.used > 0 && share < y.used {
				o.AddressedM2 += int64(math.Floor(float64(y.TotalM2()) * share / y.used))
			} else {
				o.AddressedM2 += y.TotalM2()
			}
		}
	}
	o.RemainingM2 = p.RemainingM2 - o.AddressedM2
	o.Meets = p.Completion == nil || !p.Completion.After(d)
	start, _ := p.workDays(p.FromYear)
	if span := float64(d.Sub(start)/(24*time.Hour)+1) / daysPerYear; span > 0 {
		o.TeamsPerYear = p.TeamYears / span
		o.BudgetPerYear = p.Cost / span
	}
	return o
}

// WorkPlanFormat finds how to write a work plan format: its media type, file extension and writer.
type WorkPlanFormat func(name string) (contentType, ext string, write func(io.Writer, *WorkPlan) error, ok bool)

// WorkPlanService keeps the work plan's productivity, costs and method mix, and computes plans.
type WorkPlanService interface {
	// Productivity lists the figures recorded by asOf (nil: now), by method, organisation and year.
	Productivity(ctx context.Context, asOf *time.Time) ([]Productivity, error)
	// SetProductivity records the figures of a method, organisation and year, replacing any. EINVALID, EFORBIDDEN.
	SetProductivity(ctx context.Context, p Productivity) error
	// RemoveProductivity removes them. ENOTFOUND, EFORBIDDEN.
	RemoveProductivity(ctx context.Context, m Method, organisation string, year int) error
	// Mix returns the mix of SHA then CHA: measured from the areas closed through land release by field date on,
	// and overridden, as recorded at asOf (nil: now).
	Mix(ctx context.Context, on time.Time, asOf *time.Time) ([]KindMix, error)
	// SetMix overrides the mix of a kind. EINVALID, EFORBIDDEN.
	SetMix(ctx context.Context, o MixOverride) error
	// RemoveMix removes the override of a kind: the measure applies again. ENOTFOUND, EFORBIDDEN.
	RemoveMix(ctx context.Context, k Kind) error
	// WorkPlan computes the plan from the open areas on field date on (the day of asOf when set). EINVALID.
	WorkPlan(ctx context.Context, on time.Time, req WorkPlanRequest) (*WorkPlan, error)
}
