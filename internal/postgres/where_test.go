package postgres_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// sqlWhere is a condition written with its parameters numbered from 1, renumbered from first as asked.
type sqlWhere struct {
	sql  string // a condition with one parameter, $1
	arg  any
	seen *int // the first parameter asked for
}

func (w sqlWhere) SQL(first int) (string, []any, error) {
	*w.seen = first
	return "(" + w.sql[:len(w.sql)-2] + "$" + strconv.Itoa(first) + ")", []any{w.arg}, nil
}

// TestListWhere: a list's Where is appended to each list query with its parameters numbered after the query's
// own, at the current state and at a past date, and selects what it says together with the list's filters.
func TestListWhere(t *testing.T) {
	r := newRegistry(t)
	for _, h := range []*landrelease.HazardArea{
		hazard("LA-W-1", box(103.1, 19.4, 200, 200), "2023-06-01"),
		hazard("LA-W-2", box(103.2, 19.4, 200, 200), "2024-02-01"),
		hazard("LA-W-3", box(103.3, 19.4, 200, 200), "2024-03-01"),
	} {
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("LR-W-1", "LA-W-2", landrelease.MethodCleared, box(103.2, 19.4, 50, 50), "2024-04-01")); err != nil {
		t.Fatal(err)
	}
	at := date("2024-12-31")
	for _, tc := range []struct {
		name  string
		f     landrelease.HazardAreaFilter
		first int
		want  []string
	}{
		{"current", landrelease.HazardAreaFilter{}, 15, []string{"LA-W-2", "LA-W-3"}},
		{"current, SHA", landrelease.HazardAreaFilter{Kind: landrelease.KindSHA}, 15, []string{"LA-W-2", "LA-W-3"}},
		{"current, CHA", landrelease.HazardAreaFilter{Kind: landrelease.KindCHA}, 15, nil},
		{"after LA-W-2", landrelease.HazardAreaFilter{After: r.idOf(t, "LA-W-2")}, 15, []string{"LA-W-3"}},
		{"at a date", landrelease.HazardAreaFilter{Temporal: landrelease.Temporal{At: &at}}, 15, []string{"LA-W-2", "LA-W-3"}},
	} {
		var seen int
		tc.f.Where = sqlWhere{sql: "v.identified_on >= $1", arg: date("2024-01-01"), seen: &seen}
		hs, err := r.hazards.FindHazardAreas(r.ctx, tc.f)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, h := range hs {
			got = append(got, h.LocalID)
		}
		if !slices.Equal(got, tc.want) || seen != tc.first {
			t.Errorf("%s: %v from $%d, want %v from $%d", tc.name, got, seen, tc.want, tc.first)
		}
	}
	var seen int
	rs, err := r.releases.FindLandReleases(r.ctx, landrelease.LandReleaseFilter{Where: sqlWhere{sql: "h.local_id = $1", arg: "LA-W-2", seen: &seen}})
	if err != nil || len(rs) != 1 || rs[0].LocalID != "LR-W-1" || seen != 10 {
		t.Errorf("releases: %v %v from $%d", rs, err, seen)
	}
	rs, err = r.releases.FindLandReleases(r.ctx, landrelease.LandReleaseFilter{Where: sqlWhere{sql: "r.completed_on < $1", arg: time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC), seen: &seen}})
	if err != nil || len(rs) != 0 {
		t.Errorf("releases completed before 2024-04-01: %v %v", rs, err)
	}
}

func (r *registry) idOf(t *testing.T, id string) int64 {
	t.Helper()
	h, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	return h.ID
}
