package postgres_test

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// strip splits a box into vertical strips at the given fractions of its width.
func strip(b orb.MultiPolygon, f0, f1 float64) orb.MultiPolygon {
	r := b[0][0]
	x0 := r[0][0] + f0*(r[1][0]-r[0][0])
	x1 := r[0][0] + f1*(r[1][0]-r[0][0])
	return square(x0, r[0][1], x1, r[2][1])
}

func m2(r *registry, t *testing.T, g orb.MultiPolygon) int64 {
	return int64(math.Round(r.geodesicArea(t, g)))
}

func tables(t *testing.T, r *landrelease.Article7) string {
	t.Helper()
	b, err := json.Marshal(struct {
		Units       []landrelease.UnitFigures
		Total       landrelease.UnitFigures
		Differences []landrelease.Difference
	}{r.Units, r.Total, r.Differences})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestArticle7Report(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	reports := postgres.NewReportService(r.db)
	create := func(h *landrelease.HazardArea) {
		t.Helper()
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	record := func(rl *landrelease.LandRelease) {
		t.Helper()
		if err := r.releases.CreateLandRelease(r.ctx, rl); err != nil {
			t.Fatal(err)
		}
	}

	// Xiangkhoang (LAO-3286). H1: SHA, 30 % cancelled in 2023, 20 % reduced in March 2024.
	b1 := box(103.20, 19.45, 200, 100)
	create(hazard("H1", b1, "2022-03-01"))
	record(release("H1-R1", "H1", landrelease.MethodCancelled, strip(b1, 0, 0.3), "2023-05-01"))
	record(release("H1-R2", "H1", landrelease.MethodReduced, strip(b1, 0.3, 0.5), "2024-03-01"))
	// H2: SHA found in 2023, reclassified to CHA on 1 May 2024, west half cleared in July (7 BLU-26 by default fixture: 3).
	b2 := box(103.23, 19.45, 100, 100)
	h2 := hazard("H2", b2, "2023-02-01")
	create(h2)
	cha := *h2
	cha.Kind, cha.Evidence = landrelease.KindCHA, landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"}
	on := date("2024-05-01")
	if _, err := r.hazards.UpdateHazardArea(r.ctx, "H2", landrelease.HazardAreaChange{HazardArea: &cha, ChangedOn: &on, IfVersion: 1}); err != nil {
		t.Fatal(err)
	}
	record(release("H2-R1", "H2", landrelease.MethodCleared, strip(b2, 0, 0.5), "2024-07-01"))
	// H3: CHA identified in February 2024 and cleared in full in September: it closes.
	b3 := box(103.26, 19.45, 80, 80)
	h3 := hazard("H3", b3, "2024-02-10")
	h3.Kind, h3.Evidence = landrelease.KindCHA, landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "detonation"}
	create(h3)
	record(release("H3-R1", "H3", landrelease.MethodCleared, b3, "2024-09-01"))
	// H4: other explosive ordnance only: not in the report.
	h4 := hazard("H4", box(103.29, 19.45, 100, 100), "2023-01-01")
	h4.Contamination = landrelease.ContaminationOther
	create(h4)

	req := landrelease.Article7Request{From: date("2024-01-01"), To: date("2024-12-31"), Level: 1}
	first, err := reports.Article7(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	a1, a2, a3 := m2(r, t, b1), m2(r, t, b2), m2(r, t, b3)
	// Releases are rounded cumulatively per area: H1's second release counts round(R1+R2) - round(R1).
	e11, e12 := r.geodesicArea(t, strip(b1, 0, 0.3)), r.geodesicArea(t, strip(b1, 0.3, 0.5))
	r11, r12 := int64(math.Round(e11)), int64(math.Round(e11+e12)-math.Round(e11))
	r21 := m2(r, t, strip(b2, 0, 0.5))
	if len(first.Units) != 1 || first.Units[0].Code != "LAO-3286" {
		t.Fatalf("units: %+v", first.Units)
	}
	u := first.Units[0]
	want := landrelease.UnitFigures{Code: "LAO-3286", Name: "Xiangkhoang",
		Opening:  landrelease.Stock{SHACount: 2, SHAAreaM2: a1 - r11 + a2},
		Closing:  landrelease.Stock{SHACount: 1, SHAAreaM2: a1 - r11 - r12, CHACount: 1, CHAAreaM2: a2 - r21},
		NewCount: 1, NewAreaM2: a3, NewCHAAreaM2: a3, ReducedM2: r12, ClearedM2: r21 + a3,
		ReleasedSHAM2: r12, ReleasedCHAM2: r21 + a3, ReclassifiedM2: a2,
		ItemsDestroyed: map[string]int{"BLU-26": 6}, ItemsTotal: 6}
	if !reflect.DeepEqual(u, want) {
		t.Errorf("2024:\n got %+v\nwant %+v", u, want)
	}
	if len(first.Differences) != 0 {
		t.Errorf("differences: %+v", first.Differences)
	}

	// Cross-check: the closing stock equals the remaining areas PostGIS computes geometrically for open CMR areas.
	end := date("2024-12-31")
	open, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Temporal: landrelease.Temporal{At: &end}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var geometric float64
	for _, h := range open {
		if h.Contamination.CountsAsCMR() {
			geometric += h.RemainingAreaM2
		}
	}
	if d := math.Abs(geometric - float64(u.Closing.AreaM2())); d > 2 {
		t.Errorf("closing %d m2, PostGIS remaining %.1f m2", u.Closing.AreaM2(), geometric)
	}

	// Nothing changed: the same figures from the cache, as recorded now (not at the first run).
	again, err := reports.Article7(context.Background(), req)
	if err != nil || tables(t, again) != tables(t, first) || again.AsOf.Before(first.AsOf) || again.AsOf.Before(again.GeneratedAt) {
		t.Fatalf("second run differs: %v (as of %s, first %s)", err, again.AsOf, first.AsOf)
	}

	// A late entry: a clearance of November 2024 recorded now.
	time.Sleep(5 * time.Millisecond)
	late := release("H1-R3", "H1", landrelease.MethodCleared, strip(b1, 0.8, 1.0), "2024-11-01")
	late.ItemsDestroyed = map[string]int{"M77": 2}
	record(late)
	r13 := int64(math.Round(e11+e12+r.geodesicArea(t, strip(b1, 0.8, 1.0))) - math.Round(e11+e12))
	now, err := reports.Article7(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	nu := now.Units[0]
	if nu.ClearedM2 != u.ClearedM2+r13 || nu.Closing.AreaM2() != u.Closing.AreaM2()-r13 || nu.ItemsTotal != 8 || nu.Opening != u.Opening {
		t.Errorf("after the late entry: cleared %d (was %d, +%d), closing %d (was %d)", nu.ClearedM2, u.ClearedM2, r13, nu.Closing.AreaM2(), u.Closing.AreaM2())
	}
	// The report as recorded at the first run is unchanged, to the byte.
	asOf := first.AsOf
	past, err := reports.Article7(context.Background(), landrelease.Article7Request{From: req.From, To: req.To, Level: 1, AsOf: &asOf})
	if err != nil {
		t.Fatal(err)
	}
	if tables(t, past) != tables(t, first) {
		t.Errorf("as_of report changed:\n%s\n%s", tables(t, past), tables(t, first))
	}
	// Compared with the first run, the late entry is listed, never hidden.
	cmp, err := reports.Article7(context.Background(), landrelease.Article7Request{From: req.From, To: req.To, Level: 1, CompareAsOf: &asOf})
	if err != nil {
		t.Fatal(err)
	}
	var cleared *landrelease.Change
	for i, c := range cmp.Changes {
		if c.LocalID != "H1" {
			t.Errorf("change of %s: %+v", c.LocalID, c)
		}
		if c.Field == "cleared_area_m2" {
			cleared = &cmp.Changes[i]
		}
	}
	if cleared == nil || cleared.After-cleared.Before != r13 || cleared.Cause != "release H1-R3 (cleared, 2024-11-01) recorded late" || len(cmp.Changes) != 3 {
		t.Errorf("changes: %+v", cmp.Changes)
	}
	// The 2025 report opens where 2024 closed.
	next, err := reports.Article7(context.Background(), landrelease.Article7Request{From: date("2025-01-01"), To: date("2025-12-31"), Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	if next.Total.Opening != now.Total.Closing {
		t.Errorf("2025 opens at %+v, 2024 closed at %+v", next.Total.Opening, now.Total.Closing)
	}
	_, err = reports.Article7(context.Background(), landrelease.Article7Request{From: req.From, To: req.To, Level: 3})
	wantCode(t, err, landrelease.EINVALID)
}

// TestArticle7ReleasesSinceReopening: an area cleared in full closes; found contaminated again, it reopens and
// its earlier releases no longer count (releases_since); the next years' opening stock counts only the releases
// after reopening.
func TestArticle7ReleasesSinceReopening(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	b := box(103.20, 19.45, 100, 100)
	h := hazard("H5", b, "2023-01-01")
	h.Kind, h.Evidence = landrelease.KindCHA, landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "detonation"}
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("H5-R1", "H5", landrelease.MethodCleared, b, "2023-06-01")); err != nil {
		t.Fatal(err)
	}
	cur, err := r.hazards.FindHazardArea(r.ctx, "H5", landrelease.Temporal{})
	if err != nil || cur.Status != landrelease.StatusClosed {
		t.Fatalf("after clearance in full: %v %+v", err, cur)
	}
	reopened := *cur
	reopened.Status = landrelease.StatusOpen
	on := date("2024-03-01")
	if _, err := r.hazards.UpdateHazardArea(r.ctx, "H5", landrelease.HazardAreaChange{HazardArea: &reopened, ChangedOn: &on, IfVersion: cur.Version, Reason: "items found"}); err != nil {
		t.Fatal(err)
	}
	west := strip(b, 0, 0.4)
	if err := r.releases.CreateLandRelease(r.ctx, release("H5-R2", "H5", landrelease.MethodCleared, west, "2024-06-01")); err != nil {
		t.Fatal(err)
	}
	rep, err := postgres.NewReportService(r.db).Article7(context.Background(), landrelease.Article7Request{From: date("2025-01-01"), To: date("2025-12-31"), Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := landrelease.Stock{CHACount: 1, CHAAreaM2: m2(r, t, b) - m2(r, t, west)}
	if rep.Total.Opening != want || rep.Total.Closing != want {
		t.Errorf("2025 opening %+v, closing %+v, want %+v (only the release after reopening counts)", rep.Total.Opening, rep.Total.Closing, want)
	}
}
