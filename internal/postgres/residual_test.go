package postgres_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// TestResidualInPlanExtensionProgress declares the completion of Xiangkhoang and checks that the work plan, the
// extension request and the Article 4 progress flag the area identified there after the completion date, and
// only it: not the one identified before the date (recorded after the declaration), not one of another province,
// and none as recorded before the declaration; and that each, read again as recorded then, is the same.
func TestResidualInPlanExtensionProgress(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	if err := postgres.NewSettingService(r.db).SetSetting(admin, "entry_into_force", "2020-08-01"); err != nil {
		t.Fatal(err)
	}
	reports := postgres.NewReportService(r.db)
	a4 := postgres.NewArticle4Service(r.db, reports)
	wp := postgres.NewWorkPlanService(r.db)
	ext := postgres.NewExtensionService(r.db, reports)
	if err := a4.AddDeadline(admin, landrelease.Deadline{Deadline: date("2027-08-01"), Kind: "extension"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range landrelease.Methods {
		if err := wp.SetProductivity(r.ctx, landrelease.Productivity{Method: m, M2PerTeamYear: 1_000_000, CostPerM2: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := wp.SetMix(r.ctx, landrelease.MixOverride{Kind: landrelease.KindSHA, Shares: landrelease.MethodShares{Cleared: 1}}); err != nil {
		t.Fatal(err)
	}
	create := func(h *landrelease.HazardArea) {
		t.Helper()
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	const xk = "LAO-3286" // Xiangkhoang
	b1, b4 := box(103.20, 19.45, 100, 100), box(103.26, 19.45, 200, 100)
	create(hazard("H1", b1, "2019-01-01"))
	if err := r.releases.CreateLandRelease(r.ctx, release("H1-R", "H1", landrelease.MethodCleared, b1, "2022-03-01")); err != nil {
		t.Fatal(err)
	}
	create(hazard("H3", box(106.0, 16.5, 100, 100), "2019-03-01")) // another province, open
	create(hazard("H4", b4, "2022-09-01"))                         // after Xiangkhoang's completion date: residual
	if err := r.releases.CreateLandRelease(r.ctx, release("H4-R", "H4", landrelease.MethodCleared, strip(b4, 0, 0.25), "2024-06-01")); err != nil {
		t.Fatal(err)
	}
	before := r.dbNow(t)
	completion := postgres.NewCompletionService(r.db)
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2022-06-01")}); err != nil {
		t.Fatal(err)
	}
	create(hazard("H2", box(103.23, 19.45, 100, 100), "2022-05-01")) // before the completion date, recorded late: not residual
	after := r.dbNow(t)
	h4 := m2(r, t, b4) - m2(r, t, strip(b4, 0, 0.25))

	today := landrelease.Day(time.Now())
	plan := func(asOf *time.Time) *landrelease.WorkPlan {
		t.Helper()
		p, err := wp.WorkPlan(r.ctx, today, landrelease.WorkPlanRequest{FromYear: today.Year() + 1, Teams: 1, Level: 1, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	progress := func(asOf *time.Time) *landrelease.Article4Progress {
		t.Helper()
		p, err := a4.Progress(r.ctx, today, asOf)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	draft := func(asOf *time.Time) *landrelease.ExtensionDraft {
		t.Helper()
		d, err := ext.Draft(r.ctx, today, landrelease.ExtensionRequest{Until: date("2030-08-01"), Teams: 1, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		name     string
		asOf     *time.Time
		areas    string // the plan's areas, residual ones starred
		residual int64  // the residual area remaining
	}{
		{"as recorded now", nil, "H2 H3 H4*", h4},
		{"as recorded after the declaration", &after, "H2 H3 H4*", h4},
		{"as recorded before the declaration", &before, "H3 H4", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			count := 0
			if tc.residual > 0 {
				count = 1
			}
			p := plan(tc.asOf)
			named := map[string]bool{}
			var yearsResidual int64
			for _, y := range p.Years {
				yearsResidual += y.ResidualM2
				for _, a := range y.Areas {
					named[a.LocalID] = a.Residual
				}
				for _, u := range y.Units {
					if u.AdminCode != xk && u.ResidualM2 != 0 {
						t.Errorf("%d: %s has %d m2 of residual contamination", y.Year, u.AdminCode, u.ResidualM2)
					}
				}
			}
			var got string
			for _, id := range []string{"H1", "H2", "H3", "H4"} {
				if residual, ok := named[id]; ok {
					got += " " + id
					if residual {
						got += "*"
					}
				}
			}
			if got != " "+tc.areas || p.ResidualAreas != count || p.ResidualM2 != tc.residual || yearsResidual != tc.residual {
				t.Errorf("plan: areas%s (want %s), residual %d areas of %d m2 (years %d m2), want %d m2",
					got, tc.areas, p.ResidualAreas, p.ResidualM2, yearsResidual, tc.residual)
			}

			pr := progress(tc.asOf)
			if pr.ResidualCount != count || pr.ResidualAreaM2 != tc.residual || pr.RemainingM2 != p.RemainingM2 {
				t.Errorf("progress: residual %d areas of %d m2 within %d m2; want %d m2 within the plan's %d",
					pr.ResidualCount, pr.ResidualAreaM2, pr.RemainingM2, tc.residual, p.RemainingM2)
			}

			d := draft(tc.asOf)
			var unit *landrelease.ExtensionUnit
			for i := range d.Units {
				if u := &d.Units[i]; u.Code == xk {
					unit = u
				} else if u.ResidualCount != 0 || u.ResidualAreaM2 != 0 {
					t.Errorf("extension: %s has residual %d/%d", u.Code, u.ResidualCount, u.ResidualAreaM2)
				}
			}
			if unit == nil || unit.ResidualCount != count || unit.ResidualAreaM2 != tc.residual || d.ResidualCount != count ||
				d.ResidualAreaM2 != tc.residual || d.Plan.ResidualM2 != tc.residual {
				t.Errorf("extension: %s %+v; residual %d/%d, plan's %d; want %d m2", xk, unit, d.ResidualCount, d.ResidualAreaM2,
					d.Plan.ResidualM2, tc.residual)
			}

			// Read again as recorded at their own as_of, after another residual area is recorded: the same.
			if tc.asOf != nil {
				return
			}
			create(hazard("H5", box(103.29, 19.45, 100, 100), "2024-01-01"))
			if n := plan(nil).ResidualAreas; n != 2 {
				t.Errorf("the plan after H5 is recorded has %d residual areas, want 2", n)
			}
			pinned := p.AsOf
			same(t, "plan", p, plan(&pinned))
			pinned = pr.AsOf
			same(t, "progress", pr, progress(&pinned))
			pinned = d.AsOf
			same(t, "extension request", d, draft(&pinned))
		})
	}
	if math.Abs(float64(h4)-15000) > 500 {
		t.Errorf("H4's remaining area %d m2, want about 15000", h4)
	}
}

// same fails unless a and b have the same JSON.
func same(t *testing.T, what string, a, b any) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if string(ja) != string(jb) {
		t.Errorf("%s read again as recorded at its as_of differs:\n%s\n%s", what, ja, jb)
	}
}
