package postgres_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

func TestArticle4Progress(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	settings := postgres.NewSettingService(r.db)
	if err := settings.SetSetting(admin, "entry_into_force", "2020-08-01"); err != nil {
		t.Fatal(err)
	}
	wantCode(t, settings.SetSetting(admin, "entry_into_force", "soon"), landrelease.EINVALID)
	wantCode(t, settings.SetSetting(r.ctx, "state_name", "Lao PDR"), landrelease.EFORBIDDEN)

	// One SHA of about 4 ha identified in 2019; a fifth released in each of 2022, 2023 and 2024.
	b := box(103.20, 19.45, 400, 100)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("P1", b, "2019-03-01")); err != nil {
		t.Fatal(err)
	}
	// A second area identified after the baseline.
	b2 := box(103.25, 19.45, 100, 100)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("P2", b2, "2021-05-01")); err != nil {
		t.Fatal(err)
	}
	for i, y := range []string{"2022-06-01", "2023-06-01", "2024-06-01"} {
		rl := release("P1-R"+string(rune('1'+i)), "P1", landrelease.MethodReduced, strip(b, 0.2*float64(i), 0.2*float64(i+1)), y)
		if err := r.releases.CreateLandRelease(r.ctx, rl); err != nil {
			t.Fatal(err)
		}
	}
	a4 := postgres.NewArticle4Service(r.db, postgres.NewReportService(r.db))
	for _, d := range []landrelease.Deadline{{Deadline: date("2020-08-01"), Kind: "original"}, {Deadline: date("2025-08-01"), Kind: "extension"}} {
		if err := a4.AddDeadline(admin, d); err != nil {
			t.Fatal(err)
		}
	}
	wantCode(t, a4.AddDeadline(admin, landrelease.Deadline{Deadline: date("2025-08-01"), Kind: "extension"}), landrelease.ECONFLICT)
	wantCode(t, a4.AddDeadline(r.ctx, landrelease.Deadline{Deadline: date("2030-08-01"), Kind: "extension"}), landrelease.EFORBIDDEN)
	if err := a4.SetTarget(r.ctx, landrelease.Target{Year: 2024, AreaM2: 10000}); err != nil {
		t.Fatal(err)
	}
	if err := a4.SetTarget(r.ctx, landrelease.Target{Year: 2026, AreaM2: 5000}); err != nil {
		t.Fatal(err)
	}

	p, err := a4.Progress(context.Background(), date("2025-06-30"), nil)
	if err != nil {
		t.Fatal(err)
	}
	e := func(f0, f1 float64) float64 { return r.geodesicArea(t, strip(b, f0, f1)) }
	rel := func(n int) int64 { // cumulative rounding, as the report does
		return int64(math.Round(e(0, 0.2*float64(n))) - math.Round(e(0, 0.2*float64(n-1))))
	}
	a1, a2 := m2(r, t, b), m2(r, t, b2)
	remaining := a1 - int64(math.Round(e(0, 0.6))) + a2
	if p.RemainingM2 != remaining {
		t.Errorf("remaining %d, want %d", p.RemainingM2, remaining)
	}
	if want := (rel(1) + rel(2) + rel(3)) / 3; p.MeanReleaseM2PerYear != want || len(p.RateYears) != 3 || p.RateYears[0] != 2022 {
		t.Errorf("rate %d over %v, want %d over 2022-2024", p.MeanReleaseM2PerYear, p.RateYears, want)
	}
	if p.Deadline == nil || !p.Deadline.Deadline.Equal(date("2025-08-01")) || len(p.Deadlines) != 2 {
		t.Fatalf("deadline: %+v", p.Deadlines)
	}
	// About 2.6 ha left at about 0.8 ha a year: some 3.25 years, past the deadline of August 2025.
	days := float64(remaining) / float64(p.MeanReleaseM2PerYear) * 365.25
	want := landrelease.Day(date("2025-06-30").Add(time.Duration(days * 24 * float64(time.Hour))))
	if p.ProjectedCompletion == nil || !p.ProjectedCompletion.Equal(want) || p.OnTrack == nil || *p.OnTrack {
		t.Errorf("projection %v, want %v; on track %v", p.ProjectedCompletion, want, p.OnTrack)
	}
	var y2024, y2026 *landrelease.YearProgress
	for i := range p.Years {
		switch p.Years[i].Year {
		case 2024:
			y2024 = &p.Years[i]
		case 2026:
			y2026 = &p.Years[i]
		}
	}
	if y2024 == nil || y2024.TargetM2 != 10000 || y2024.ReleasedM2 != rel(3) || !y2024.Complete || y2026 == nil || y2026.TargetM2 != 5000 {
		t.Errorf("years: %+v", p.Years)
	}
	bl := p.Baseline
	if bl == nil || bl.AreaAtBaselineM2 != a1 || bl.IdentifiedSinceM2 != a2 || bl.IdentifiedCount != 1 ||
		bl.ReducedSinceM2 != int64(math.Round(e(0, 0.6))) || bl.RemainingM2 != remaining {
		t.Errorf("baseline: %+v (area %d, new %d)", bl, a1, a2)
	}
}

// TestArticle4NewDeadline: a deadline recorded after a progress was read is in the next progress, though no
// hazard area or release changed meanwhile (the Form F behind it comes from the cache, as recorded now).
func TestArticle4NewDeadline(t *testing.T) {
	r := newRegistry(t)
	admin := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "root", Role: landrelease.RoleAdministrator})
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("D1", box(103.20, 19.45, 200, 100), "2019-03-01")); err != nil {
		t.Fatal(err)
	}
	a4 := postgres.NewArticle4Service(r.db, postgres.NewReportService(r.db))
	if err := a4.AddDeadline(admin, landrelease.Deadline{Deadline: date("2020-08-01"), Kind: "original"}); err != nil {
		t.Fatal(err)
	}
	on := date("2025-06-30")
	if p, err := a4.Progress(context.Background(), on, nil); err != nil || p.Deadline == nil || !p.Deadline.Deadline.Equal(date("2020-08-01")) {
		t.Fatalf("first progress: %+v, %v", p, err)
	}
	if err := a4.AddDeadline(admin, landrelease.Deadline{Deadline: date("2025-08-01"), Kind: "extension"}); err != nil {
		t.Fatal(err)
	}
	p, err := a4.Progress(context.Background(), on, nil)
	if err != nil || p.Deadline == nil || !p.Deadline.Deadline.Equal(date("2025-08-01")) || len(p.Deadlines) != 2 {
		t.Fatalf("after a new deadline: %+v, %v", p.Deadline, err)
	}
}
