package landrelease_test

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ver(on string, kind landrelease.Kind, status landrelease.Status, area int64, unit string) landrelease.VersionFacts {
	return landrelease.VersionFacts{ValidFrom: d(on), Kind: kind, Contamination: landrelease.ContaminationCMR, Status: status,
		AreaM2: area, AdminCode: unit, AdminName: "Province " + unit}
}

func rel(id, on string, m landrelease.Method, area int64) landrelease.ReleaseFacts {
	return landrelease.ReleaseFacts{LocalID: id, CompletedOn: d(on), Method: m, AreaM2: area}
}

// TestArticle7Scenario rolls up a hand-made year; the expected figures are worked out in the comments.
func TestArticle7Scenario(t *testing.T) {
	const sha, cha = landrelease.KindSHA, landrelease.KindCHA
	const open, closed = landrelease.StatusOpen, landrelease.StatusClosed
	p := func(v landrelease.VersionFacts) *landrelease.VersionFacts { return &v }

	h2r := rel("H2-R1", "2024-07-01", landrelease.MethodCleared, 3000)
	h2r.Items = map[string]int{"BLU-26": 5}
	h2r.Beneficiaries = &landrelease.Beneficiaries{Women: 20, Girls: 11, Boys: 13, Men: 18, WithDisabilities: 2}
	h3r := rel("H3-R1", "2024-09-01", landrelease.MethodCleared, 6000)
	h3r.Beneficiaries = &landrelease.Beneficiaries{Women: 4, Men: 5}
	h6r := rel("H6-R1", "2024-06-01", landrelease.MethodCancelled, 1000)
	h6r.Beneficiaries = &landrelease.Beneficiaries{Girls: 7}
	closedH5 := ver("2022-05-01", cha, closed, 4000, "P1")
	closedH5.StatusReason = "released"
	reopenedH5 := ver("2024-10-01", cha, open, 4000, "P1")
	since := d("2024-10-01")
	reopenedH5.ReleasesSince = &since
	h3closed := ver("2024-09-01", cha, closed, 6000, "P1")
	h3closed.StatusReason = "released"
	other := ver("2020-01-01", sha, open, 9999, "P1")
	other.Contamination = landrelease.ContaminationOther

	facts := []landrelease.HazardFacts{
		// H1: SHA of 10000 m2, 3000 cancelled in 2023: opens at 7000; 2000 reduced in March: closes at 5000.
		{LocalID: "H1", Start: p(ver("2022-01-10", sha, open, 10000, "P1")), ReleasedAtStartM2: 3000,
			Releases: []landrelease.ReleaseFacts{rel("H1-R2", "2024-03-01", landrelease.MethodReduced, 2000)}},
		// H2: SHA of 8000 m2 reclassified to CHA on 1 May (8000 moved), 3000 cleared in July: closes as CHA 5000.
		{LocalID: "H2", Start: p(ver("2023-02-01", sha, open, 8000, "P1")),
			Changes:  []landrelease.VersionFacts{ver("2024-05-01", cha, open, 8000, "P1")},
			Releases: []landrelease.ReleaseFacts{h2r}},
		// H3: new CHA of 6000 m2 in February, cleared in full in September and closed by release: closes at 0.
		{LocalID: "H3", Changes: []landrelease.VersionFacts{ver("2024-02-10", cha, open, 6000, "P1"), h3closed},
			Releases: []landrelease.ReleaseFacts{h3r}},
		// H4: other explosive ordnance: not counted.
		{LocalID: "H4", Start: &other},
		// H5: CHA closed by release in 2022, reopened on 1 October after items were found: +4000, explained.
		{LocalID: "H5", Start: &closedH5, ReleasedAtStartM2: 4000, Changes: []landrelease.VersionFacts{reopenedH5}},
		// H6 in P2: SHA of 5000 m2 redrawn to 4500 m2 in April: -500, explained.
		// H6 in P2: SHA of 5000 m2 redrawn to 4500 m2 in April: -500, explained; 1000 m2 cancelled in June.
		{LocalID: "H6", Start: p(ver("2020-06-01", sha, open, 5000, "P2")), Changes: []landrelease.VersionFacts{ver("2024-04-01", sha, open, 4500, "P2")},
			Releases: []landrelease.ReleaseFacts{h6r}},
	}
	r := &landrelease.Article7{From: d("2024-01-01"), To: d("2024-12-31"), Level: 1}
	landrelease.ComputeArticle7(r, facts)

	if len(r.Units) != 2 || r.Units[0].Code != "P1" || r.Units[1].Code != "P2" {
		t.Fatalf("units: %+v", r.Units)
	}
	want := landrelease.UnitFigures{
		Code: "P1", Name: "Province P1",
		// Opening: SHA H1 7000 + H2 8000; H5 closed.
		Opening: landrelease.Stock{SHACount: 2, SHAAreaM2: 15000},
		// Closing: SHA H1 5000; CHA H2 5000 + H5 4000.
		Closing:  landrelease.Stock{SHACount: 1, SHAAreaM2: 5000, CHACount: 2, CHAAreaM2: 9000},
		NewCount: 1, NewAreaM2: 6000, NewCHAAreaM2: 6000,
		ReducedM2: 2000, ClearedM2: 9000, ReleasedSHAM2: 2000, ReleasedCHAM2: 9000,
		ReclassifiedM2: 8000, ItemsDestroyed: map[string]int{"BLU-26": 5}, ItemsTotal: 5,
		// H2's and H3's releases record who they benefit; H1's does not.
		Beneficiaries: landrelease.Beneficiaries{Women: 24, Girls: 11, Boys: 13, Men: 23, WithDisabilities: 2}, ReleasesWithBeneficiaries: 2,
		// 15000 + 6000 - 2000 - 9000 = 10000, closing 14000: +4000 from H5's reopening, all of it CHA.
		BalanceDiffM2: 4000, CHABalanceDiffM2: 4000,
	}
	assertUnit(t, r.Units[0], want)
	assertUnit(t, r.Units[1], landrelease.UnitFigures{Code: "P2", Name: "Province P2",
		Opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 5000}, Closing: landrelease.Stock{SHACount: 1, SHAAreaM2: 3500},
		CancelledM2: 1000, ReleasedSHAM2: 1000, Beneficiaries: landrelease.Beneficiaries{Girls: 7}, ReleasesWithBeneficiaries: 1,
		ItemsDestroyed: map[string]int{}, BalanceDiffM2: -500, SHABalanceDiffM2: -500})
	if r.Total.Code != "TOTAL" || r.Total.Closing.AreaM2() != 17500 || r.Total.BalanceDiffM2 != 3500 {
		t.Errorf("total: %+v", r.Total)
	}
	if b := r.Total.Beneficiaries; b != (landrelease.Beneficiaries{Women: 24, Girls: 18, Boys: 13, Men: 23, WithDisabilities: 2}) || r.Total.ReleasesWithBeneficiaries != 3 {
		t.Errorf("total beneficiaries %+v over %d releases", b, r.Total.ReleasesWithBeneficiaries)
	}
	if len(r.Differences) != 2 {
		t.Fatalf("differences: %+v", r.Differences)
	}
	if d := r.Differences[0]; d.LocalID != "H5" || d.AreaM2 != 4000 || d.Kind != cha || d.Reason != "reopened: 4000 m2 of residual contamination" {
		t.Errorf("difference 0: %+v", d)
	}
	if d := r.Differences[1]; d.LocalID != "H6" || d.AreaM2 != -500 || d.Reason != "boundary redrawn: area 5000 m2 became 4500 m2" {
		t.Errorf("difference 1: %+v", d)
	}
}

func assertUnit(t *testing.T, got, want landrelease.UnitFigures) {
	t.Helper()
	if len(got.ItemsDestroyed) == 0 && len(want.ItemsDestroyed) == 0 {
		got.ItemsDestroyed, want.ItemsDestroyed = nil, nil
	}
	if got.Code != want.Code || got.Name != want.Name || got.Opening != want.Opening || got.Closing != want.Closing ||
		got.NewCount != want.NewCount || got.NewAreaM2 != want.NewAreaM2 || got.NewSHAAreaM2 != want.NewSHAAreaM2 ||
		got.NewCHAAreaM2 != want.NewCHAAreaM2 || got.CancelledM2 != want.CancelledM2 || got.ReducedM2 != want.ReducedM2 ||
		got.ClearedM2 != want.ClearedM2 || got.ReleasedSHAM2 != want.ReleasedSHAM2 || got.ReleasedCHAM2 != want.ReleasedCHAM2 ||
		got.ReclassifiedM2 != want.ReclassifiedM2 || got.DeclassifiedM2 != want.DeclassifiedM2 || got.ItemsTotal != want.ItemsTotal ||
		got.BalanceDiffM2 != want.BalanceDiffM2 || got.SHABalanceDiffM2 != want.SHABalanceDiffM2 || got.CHABalanceDiffM2 != want.CHABalanceDiffM2 ||
		len(got.ItemsDestroyed) != len(want.ItemsDestroyed) || got.Beneficiaries != want.Beneficiaries ||
		got.ReleasesWithBeneficiaries != want.ReleasesWithBeneficiaries {
		t.Errorf("unit %s:\n got %+v\nwant %+v", want.Code, got, want)
	}
	for k, n := range want.ItemsDestroyed {
		if got.ItemsDestroyed[k] != n {
			t.Errorf("unit %s: %s destroyed %d, want %d", want.Code, k, got.ItemsDestroyed[k], n)
		}
	}
}

// TestArticle7Balances replays random histories: every unit balances exactly, in total and per kind, its
// differences add up to its balance difference, and the units add up to the total.
func TestArticle7Balances(t *testing.T) {
	kinds := []landrelease.Kind{landrelease.KindSHA, landrelease.KindCHA}
	conts := []landrelease.Contamination{landrelease.ContaminationCMR, landrelease.ContaminationMixed, landrelease.ContaminationOther}
	methods := []landrelease.Method{landrelease.MethodCancelled, landrelease.MethodReduced, landrelease.MethodCleared}
	from, to := d("2024-01-01"), d("2024-12-31")
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		day := func(lo, hi time.Time) time.Time {
			return lo.AddDate(0, 0, rng.IntN(int(hi.Sub(lo).Hours()/24)+1))
		}
		randVer := func(on time.Time) landrelease.VersionFacts {
			v := landrelease.VersionFacts{ValidFrom: on, Kind: kinds[rng.IntN(2)], Contamination: conts[rng.IntN(3)],
				Status: landrelease.StatusOpen, AreaM2: int64(1000 + rng.IntN(50000)), AdminCode: []string{"A", "B", "C", ""}[rng.IntN(4)]}
			if rng.IntN(5) == 0 {
				v.Status = landrelease.StatusClosed
				if rng.IntN(2) == 0 {
					v.StatusReason = "released"
				}
			}
			if rng.IntN(8) == 0 {
				rs := on
				v.ReleasesSince = &rs
			}
			v.Withdrawn = rng.IntN(30) == 0
			return v
		}
		var facts []landrelease.HazardFacts
		for i := range 40 {
			h := landrelease.HazardFacts{LocalID: string(rune('a'+i%26)) + string(rune('a'+i/26))}
			if rng.IntN(3) > 0 {
				v := randVer(day(d("2018-01-01"), from.AddDate(0, 0, -1)))
				h.Start = &v
				h.ReleasedAtStartM2 = int64(rng.IntN(int(v.AreaM2)))
			}
			on := from
			for range rng.IntN(4) {
				on = day(on, to)
				h.Changes = append(h.Changes, randVer(on))
			}
			on = from
			for j := range rng.IntN(6) {
				on = day(on, to)
				r := rel(h.LocalID+"-R"+string(rune('0'+j)), on.Format(time.DateOnly), methods[rng.IntN(3)], int64(rng.IntN(20000)))
				r.Items = map[string]int{"BLU-26": rng.IntN(5)}
				h.Releases = append(h.Releases, r)
			}
			facts = append(facts, h)
		}
		r := &landrelease.Article7{From: from, To: to}
		landrelease.ComputeArticle7(r, facts)
		var total landrelease.UnitFigures
		total.ItemsDestroyed = map[string]int{}
		diffs := map[string]int64{}
		for _, df := range r.Differences {
			diffs[df.AdminCode] += df.AreaM2
		}
		for _, u := range r.Units {
			released := u.CancelledM2 + u.ReducedM2 + u.ClearedM2
			if got := u.Opening.AreaM2() + u.NewAreaM2 - released + u.BalanceDiffM2; got != u.Closing.AreaM2() {
				t.Fatalf("seed %d unit %s: %d + %d - %d + %d = %d, closing %d", seed, u.Code, u.Opening.AreaM2(), u.NewAreaM2, released, u.BalanceDiffM2, got, u.Closing.AreaM2())
			}
			if got := u.Opening.SHAAreaM2 + u.NewSHAAreaM2 - u.ReleasedSHAM2 - u.ReclassifiedM2 + u.DeclassifiedM2 + u.SHABalanceDiffM2; got != u.Closing.SHAAreaM2 {
				t.Fatalf("seed %d unit %s: SHA balance %d, closing %d", seed, u.Code, got, u.Closing.SHAAreaM2)
			}
			if got := u.Opening.CHAAreaM2 + u.NewCHAAreaM2 - u.ReleasedCHAM2 + u.ReclassifiedM2 - u.DeclassifiedM2 + u.CHABalanceDiffM2; got != u.Closing.CHAAreaM2 {
				t.Fatalf("seed %d unit %s: CHA balance %d, closing %d", seed, u.Code, got, u.Closing.CHAAreaM2)
			}
			if released != u.ReleasedSHAM2+u.ReleasedCHAM2 || u.NewAreaM2 != u.NewSHAAreaM2+u.NewCHAAreaM2 {
				t.Fatalf("seed %d unit %s: split flows do not add up", seed, u.Code)
			}
			if diffs[u.Code] != u.BalanceDiffM2 {
				t.Fatalf("seed %d unit %s: differences add up to %d, balance difference %d", seed, u.Code, diffs[u.Code], u.BalanceDiffM2)
			}
			total.Closing.SHAAreaM2 += u.Closing.SHAAreaM2
			total.Closing.CHAAreaM2 += u.Closing.CHAAreaM2
			total.Closing.SHACount += u.Closing.SHACount
			total.Closing.CHACount += u.Closing.CHACount
			total.BalanceDiffM2 += u.BalanceDiffM2
			total.ItemsTotal += u.ItemsTotal
		}
		if total.Closing != r.Total.Closing || total.BalanceDiffM2 != r.Total.BalanceDiffM2 || total.ItemsTotal != r.Total.ItemsTotal {
			t.Fatalf("seed %d: units do not add up to the total", seed)
		}
	}
}

// TestArticle7SameDay replays the events that share a field date: each counts once, against the version that holds
// once the day is taken into account, with a closure of the day after the day's releases.
func TestArticle7SameDay(t *testing.T) {
	const sha, cha = landrelease.KindSHA, landrelease.KindCHA
	const open, closed = landrelease.StatusOpen, landrelease.StatusClosed
	const cancelled, reduced, cleared = landrelease.MethodCancelled, landrelease.MethodReduced, landrelease.MethodCleared
	p := func(v landrelease.VersionFacts) *landrelease.VersionFacts { return &v }
	closing := func(v landrelease.VersionFacts, reason string) landrelease.VersionFacts {
		v.StatusReason = reason
		return v
	}
	reopened := func(v landrelease.VersionFacts) landrelease.VersionFacts {
		since := v.ValidFrom
		v.ReleasesSince = &since
		return v
	}
	items := func(r landrelease.ReleaseFacts, n int) landrelease.ReleaseFacts {
		r.Items = map[string]int{"BLU-26": n}
		return r
	}
	type figs struct {
		opening, closing            landrelease.Stock
		newCount                    int
		newSHA, newCHA              int64
		cancelled, reduced, cleared int64
		releasedSHA, releasedCHA    int64
		reclassified, declassified  int64
		items                       int
		shaDiff, chaDiff            int64
		reasons                     []string
	}
	for _, tc := range []struct {
		name string
		h    landrelease.HazardFacts
		want figs
	}{{
		name: "identified and part cancelled on the same visit",
		h: landrelease.HazardFacts{Changes: []landrelease.VersionFacts{ver("2022-12-21", sha, open, 215866, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-12-21", cancelled, 36049)}},
		want: figs{closing: landrelease.Stock{SHACount: 1, SHAAreaM2: 179817}, newCount: 1, newSHA: 215866, cancelled: 36049, releasedSHA: 36049},
	}, {
		name: "identified, two releases and an item on one day",
		h: landrelease.HazardFacts{Changes: []landrelease.VersionFacts{ver("2022-03-01", cha, open, 9000, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-03-01", reduced, 1000), items(rel("R2", "2022-03-01", cleared, 2000), 3)}},
		want: figs{closing: landrelease.Stock{CHACount: 1, CHAAreaM2: 6000}, newCount: 1, newCHA: 9000, reduced: 1000, cleared: 2000, releasedCHA: 3000, items: 3},
	}, {
		name: "technical survey reclassifies to CHA and reduces on the same day",
		h: landrelease.HazardFacts{Start: p(ver("2020-01-01", sha, open, 10000, "P1")), ReleasedAtStartM2: 1000,
			Changes:  []landrelease.VersionFacts{ver("2022-06-01", cha, open, 10000, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-06-01", reduced, 2000)}},
		want: figs{opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 9000}, closing: landrelease.Stock{CHACount: 1, CHAAreaM2: 7000},
			reduced: 2000, releasedCHA: 2000, reclassified: 9000},
	}, {
		name: "boundary redrawn and cleared on the same day",
		h: landrelease.HazardFacts{Start: p(ver("2020-01-01", sha, open, 10000, "P1")),
			Changes:  []landrelease.VersionFacts{ver("2022-06-01", sha, open, 12000, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-06-01", cleared, 11000)}},
		want: figs{opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 10000}, closing: landrelease.Stock{SHACount: 1, SHAAreaM2: 1000},
			cleared: 11000, releasedSHA: 11000, shaDiff: 2000, reasons: []string{"boundary redrawn: area 10000 m2 became 12000 m2"}},
	}, {
		name: "identified, cleared and closed below the threshold on one day",
		h: landrelease.HazardFacts{Changes: []landrelease.VersionFacts{closing(ver("2022-09-09", cha, closed, 6000, "P1"), "released")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-09-09", cleared, 5990)}},
		// The closure by release took the place of the identification (one version a day): new, cleared, closed.
		want: figs{newCount: 1, newCHA: 6000, cleared: 5990, releasedCHA: 5990, chaDiff: -10, reasons: []string{"closed below the threshold: 10 m2 written off"}},
	}, {
		name: "identified closed by a data manager",
		h:    landrelease.HazardFacts{Changes: []landrelease.VersionFacts{ver("2022-09-09", cha, closed, 6000, "P1")}},
		want: figs{newCount: 1, newCHA: 6000, chaDiff: -6000, reasons: []string{"identified as closed cmr"}},
	}, {
		name: "reopened, cleared and closed again on one day",
		h: landrelease.HazardFacts{Start: p(closing(ver("2021-01-01", cha, closed, 6000, "P1"), "released")), ReleasedAtStartM2: 6000,
			Changes:  []landrelease.VersionFacts{closing(reopened(ver("2022-07-07", cha, closed, 6000, "P1")), "released")},
			Releases: []landrelease.ReleaseFacts{items(rel("R9", "2022-07-07", cleared, 5980), 1)}},
		want: figs{cleared: 5980, releasedCHA: 5980, items: 1, chaDiff: 6000 - 20,
			reasons: []string{"reopened: 6000 m2 of residual contamination", "closed below the threshold: 20 m2 written off"}},
	}, {
		name: "cleared, then closed below the threshold on the day of the last release",
		h: landrelease.HazardFacts{Start: p(ver("2021-01-01", cha, open, 6000, "P1")),
			Changes:  []landrelease.VersionFacts{closing(ver("2022-09-09", cha, closed, 6000, "P1"), "released")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-02-02", cleared, 3000), items(rel("R2", "2022-09-09", cleared, 2990), 2)}},
		want: figs{opening: landrelease.Stock{CHACount: 1, CHAAreaM2: 6000}, cleared: 5990, releasedCHA: 5990, items: 2,
			chaDiff: -10, reasons: []string{"closed below the threshold: 10 m2 written off"}},
	}, {
		name: "reclassified and closed by release on the same day",
		h: landrelease.HazardFacts{Start: p(ver("2021-01-01", sha, open, 6000, "P1")),
			Changes:  []landrelease.VersionFacts{closing(ver("2022-09-09", cha, closed, 6000, "P1"), "released")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-09-09", cleared, 5990)}},
		want: figs{opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 6000}, cleared: 5990, releasedCHA: 5990, reclassified: 6000,
			chaDiff: -10, reasons: []string{"closed below the threshold: 10 m2 written off"}},
	}, {
		name: "closed by a data manager on the day of a release",
		h: landrelease.HazardFacts{Start: p(ver("2021-01-01", sha, open, 6000, "P1")),
			Changes:  []landrelease.VersionFacts{ver("2022-05-05", sha, closed, 6000, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-05-05", cancelled, 4000)}},
		want: figs{opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 6000}, cancelled: 4000, releasedSHA: 4000,
			shaDiff: -2000, reasons: []string{"closed by a data manager with 2000 m2 remaining"}},
	}, {
		name: "reopened after residual contamination and cleared on the same day",
		h: landrelease.HazardFacts{Start: p(closing(ver("2021-01-01", cha, closed, 6000, "P1"), "released")), ReleasedAtStartM2: 6000,
			Changes:  []landrelease.VersionFacts{reopened(ver("2022-07-07", cha, open, 6000, "P1"))},
			Releases: []landrelease.ReleaseFacts{items(rel("R9", "2022-07-07", cleared, 500), 1)}},
		want: figs{closing: landrelease.Stock{CHACount: 1, CHAAreaM2: 5500}, cleared: 500, releasedCHA: 500, items: 1,
			chaDiff: 6000, reasons: []string{"reopened: 6000 m2 of residual contamination"}},
	}, {
		name: "withdrawn on its first day",
		h: landrelease.HazardFacts{Changes: []landrelease.VersionFacts{func() landrelease.VersionFacts {
			v := ver("2022-04-04", sha, open, 7000, "P1")
			v.Withdrawn = true
			return v
		}()}},
		want: figs{},
	}, {
		name: "a release while the area was closed is not a flow",
		h: landrelease.HazardFacts{Start: p(ver("2021-01-01", sha, open, 6000, "P1")),
			Changes:  []landrelease.VersionFacts{ver("2022-02-01", sha, closed, 6000, "P1"), ver("2022-08-01", sha, open, 6000, "P1")},
			Releases: []landrelease.ReleaseFacts{rel("R1", "2022-03-01", cancelled, 1000)}},
		want: figs{opening: landrelease.Stock{SHACount: 1, SHAAreaM2: 6000}, closing: landrelease.Stock{SHACount: 1, SHAAreaM2: 5000},
			shaDiff: -1000, reasons: []string{"closed by a data manager with 6000 m2 remaining", "reopened: 5000 m2 of residual contamination"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tc.h.LocalID = "H"
			r := &landrelease.Article7{From: d("2022-01-01"), To: d("2022-12-31"), Level: 1}
			landrelease.ComputeArticle7(r, []landrelease.HazardFacts{tc.h})
			var u landrelease.UnitFigures
			if len(r.Units) > 0 {
				u = r.Units[0]
			}
			got := figs{opening: u.Opening, closing: u.Closing, newCount: u.NewCount, newSHA: u.NewSHAAreaM2, newCHA: u.NewCHAAreaM2,
				cancelled: u.CancelledM2, reduced: u.ReducedM2, cleared: u.ClearedM2, releasedSHA: u.ReleasedSHAM2, releasedCHA: u.ReleasedCHAM2,
				reclassified: u.ReclassifiedM2, declassified: u.DeclassifiedM2, items: u.ItemsTotal, shaDiff: u.SHABalanceDiffM2, chaDiff: u.CHABalanceDiffM2}
			for _, df := range r.Differences {
				got.reasons = append(got.reasons, df.Reason)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
