package postgres_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// TestWorkPlanData sets, replaces and removes productivity and mix overrides: who may, the audit trail, and the
// figures as recorded at an earlier time.
func TestWorkPlanData(t *testing.T) {
	r := newRegistry(t)
	wp := postgres.NewWorkPlanService(r.db)
	officer := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "ro", Role: landrelease.RoleReportingOfficer})
	cleared := landrelease.Productivity{Method: landrelease.MethodCleared, M2PerTeamYear: 60000, CostPerM2: 0.8, CostPerTeamYear: 120000}
	wantCode(t, wp.SetProductivity(officer, cleared), landrelease.EFORBIDDEN)
	wantCode(t, wp.SetProductivity(r.ctx, landrelease.Productivity{Method: "demined", M2PerTeamYear: 1}), landrelease.EINVALID)
	if err := wp.SetProductivity(r.ctx, cleared); err != nil {
		t.Fatal(err)
	}
	first := r.dbNow(t)
	npa := cleared
	npa.Organisation, npa.Year, npa.M2PerTeamYear = "NPA", 2027, 80000
	cleared.M2PerTeamYear = 70000
	for _, p := range []landrelease.Productivity{cleared, npa} {
		if err := wp.SetProductivity(r.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	now, err := wp.Productivity(officer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(now) != 2 || now[0].M2PerTeamYear != 70000 || now[0].Organisation != "" || now[1].Organisation != "NPA" || now[1].RecordedBy != "dm" {
		t.Errorf("now: %+v", now)
	}
	then, err := wp.Productivity(officer, &first)
	if err != nil {
		t.Fatal(err)
	}
	if len(then) != 1 || then[0].M2PerTeamYear != 60000 {
		t.Errorf("as recorded at first: %+v", then)
	}
	if err := wp.RemoveProductivity(r.ctx, landrelease.MethodCleared, "NPA", 2027); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wp.RemoveProductivity(r.ctx, landrelease.MethodCleared, "NPA", 2027), landrelease.ENOTFOUND)

	wantCode(t, wp.SetMix(r.ctx, landrelease.MixOverride{Kind: landrelease.KindCHA, Shares: landrelease.MethodShares{Cleared: 0.9}}), landrelease.EINVALID)
	wantCode(t, wp.SetMix(officer, landrelease.MixOverride{Kind: landrelease.KindCHA, Shares: landrelease.MethodShares{Cleared: 1}}), landrelease.EFORBIDDEN)
	if err := wp.SetMix(r.ctx, landrelease.MixOverride{Kind: landrelease.KindCHA, Shares: landrelease.MethodShares{Reduced: 0.25, Cleared: 0.75}, Note: "survey 2025"}); err != nil {
		t.Fatal(err)
	}
	mix, err := wp.Mix(officer, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if mix[0].Source != "" || mix[1].Source != "override" || mix[1].Shares.Reduced != 0.25 || mix[1].Override.Note != "survey 2025" {
		t.Errorf("mix: %+v", mix)
	}
	if err := wp.RemoveMix(r.ctx, landrelease.KindCHA); err != nil {
		t.Fatal(err)
	}
	wantCode(t, wp.RemoveMix(r.ctx, landrelease.KindCHA), landrelease.ENOTFOUND)

	var n int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity IN ('workplan_productivity', 'workplan_mix')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 6 { // three sets and a removal of productivity, a set and a removal of the mix
		t.Errorf("%d audit entries, want 6", n)
	}
}

// TestWorkPlanAsOfLater asks for a plan as recorded at a time not yet reached: the plan is read as recorded now and
// states that time, as the other reports do, so that asking again with the as_of it states gives the same plan
// whatever was recorded since.
func TestWorkPlanAsOfLater(t *testing.T) {
	r := newRegistry(t)
	wp := postgres.NewWorkPlanService(r.db)
	if err := wp.SetProductivity(r.ctx, landrelease.Productivity{Method: landrelease.MethodCleared, M2PerTeamYear: 60000}); err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC()
	later := today.AddDate(1, 0, 0)
	req := landrelease.WorkPlanRequest{FromYear: today.Year() + 1, Teams: 3, Level: 1, AsOf: &later}
	p, err := wp.WorkPlan(r.ctx, today, req)
	if err != nil {
		t.Fatal(err)
	}
	if now := r.dbNow(t); p.AsOf.After(now) {
		t.Fatalf("the plan states as_of %v, after the time it was read (%v)", p.AsOf, now)
	}
	if err := wp.SetProductivity(r.ctx, landrelease.Productivity{Method: landrelease.MethodCleared, M2PerTeamYear: 1000}); err != nil {
		t.Fatal(err)
	}
	req.AsOf = &p.AsOf
	again, err := wp.WorkPlan(r.ctx, today, req)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Productivity) != 1 || again.Productivity[0].M2PerTeamYear != 60000 || !again.AsOf.Equal(p.AsOf) {
		t.Errorf("asked again as of %v: productivity %+v as of %v", p.AsOf, again.Productivity, again.AsOf)
	}
}

// TestWorkPlanHistory plans a seeded national history (the demo's kind, built through the registry): the mix is
// measured from its closed areas, the years add up to the area Article 4's progress says remains, and the costs
// to each method's area at its rates.
func TestWorkPlanHistory(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	h := newHistory(t, r, 11, 300)
	h.record(t, 1)
	h.record(t, 2)
	wp := postgres.NewWorkPlanService(r.db)
	ps := []landrelease.Productivity{
		{Method: landrelease.MethodCancelled, M2PerTeamYear: 400000, CostPerM2: 0.02, CostPerTeamYear: 30000},
		{Method: landrelease.MethodReduced, M2PerTeamYear: 150000, CostPerM2: 0.3, CostPerTeamYear: 60000},
		{Method: landrelease.MethodCleared, M2PerTeamYear: 50000, CostPerM2: 0.9, CostPerTeamYear: 110000},
	}
	for _, p := range ps {
		if err := wp.SetProductivity(r.ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	today := landrelease.Day(time.Now())
	from := today.Year() + 1
	p, err := wp.WorkPlan(r.ctx, today, landrelease.WorkPlanRequest{FromYear: from, Teams: 3, Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Mix {
		if m.Source != "measured" || m.Measured.Areas == 0 || m.Measured.From == nil {
			t.Errorf("%s mix: %+v", m.Kind, m)
		}
	}
	progress, err := postgres.NewArticle4Service(r.db, postgres.NewReportService(r.db)).Progress(r.ctx, today, &p.AsOf)
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, y := range p.Years {
		sum += y.TotalM2()
	}
	if progress.RemainingM2 == 0 || sum != progress.RemainingM2 || p.RemainingM2 != progress.RemainingM2 {
		t.Errorf("the years sum to %d, the plan's remaining %d, Article 4's remaining %d", sum, p.RemainingM2, progress.RemainingM2)
	}
	var cost, teamYears float64
	for i, m := range landrelease.Methods {
		a := float64(p.Total.Of(m))
		teamYears += a / float64(ps[i].M2PerTeamYear)
		cost += a*ps[i].CostPerM2 + a/float64(ps[i].M2PerTeamYear)*ps[i].CostPerTeamYear
	}
	if math.Abs(cost-p.Cost) > 1e-3 || math.Abs(teamYears-p.TeamYears) > 1e-9 || p.Years[0].Year != from {
		t.Errorf("cost %v, team-years %v; per method %v and %v", p.Cost, p.TeamYears, cost, teamYears)
	}
	t.Logf("%d areas, %d m2 over %d years from %d; mix SHA %+v CHA %+v", p.Areas, p.RemainingM2, len(p.Years), from, p.Mix[0].Shares, p.Mix[1].Shares)
	if p.ExpectedBeneficiaries != 0 || len(p.BeneficiaryRates) != 0 {
		t.Errorf("no release records beneficiaries, yet the plan expects %d (%+v)", p.ExpectedBeneficiaries, p.BeneficiaryRates)
	}

	// Releases that record their beneficiaries: the plan expects people at their national rate per m2 (a
	// province measured on enough area at its own), which an independent sum gives.
	if _, err := r.db.Pool.Exec(r.ctx, `UPDATE land_release_version SET beneficiaries_women = 3, beneficiaries_girls = 2,
		beneficiaries_boys = 2, beneficiaries_men = 3, beneficiaries_with_disabilities = 1
		WHERE superseded_at IS NULL AND NOT withdrawn AND id % 3 = 0`); err != nil {
		t.Fatal(err)
	}
	var perHa float64
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT round((10 * count(*) / sum(area_m2) * 10000)::numeric, 2)::float8 FROM land_release_version
		WHERE superseded_at IS NULL AND NOT withdrawn AND beneficiaries_women IS NOT NULL AND completed_on <= $1`, today).Scan(&perHa); err != nil {
		t.Fatal(err)
	}
	withPeople, err := wp.WorkPlan(r.ctx, today, landrelease.WorkPlanRequest{FromYear: from, Teams: 3, Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	var expected int64
	for _, y := range withPeople.Years {
		expected += y.ExpectedBeneficiaries
	}
	if len(withPeople.BeneficiaryRates) == 0 || withPeople.BeneficiaryRates[0].AdminCode != "" || math.Abs(withPeople.BeneficiaryRates[0].PeoplePerHa-perHa) > 0.011 ||
		withPeople.ExpectedBeneficiaries == 0 || withPeople.ExpectedBeneficiaries != expected {
		t.Errorf("beneficiary rates %+v (national %.2f per ha by SQL); expected %d, the years' %d", withPeople.BeneficiaryRates, perHa, withPeople.ExpectedBeneficiaries, expected)
	}

	// The same plan as recorded then, after the figures change.
	if err := wp.SetProductivity(r.ctx, landrelease.Productivity{Method: landrelease.MethodCleared, M2PerTeamYear: 1000}); err != nil {
		t.Fatal(err)
	}
	asOf := p.AsOf
	again, err := wp.WorkPlan(r.ctx, today, landrelease.WorkPlanRequest{FromYear: from, Teams: 3, Level: 1, AsOf: &asOf})
	if err != nil {
		t.Fatal(err)
	}
	if again.Cost != p.Cost || len(again.Years) != len(p.Years) || again.Completion == nil || !again.Completion.Equal(*p.Completion) {
		t.Errorf("as recorded then: cost %v over %d years, want %v over %d", again.Cost, len(again.Years), p.Cost, len(p.Years))
	}
}
