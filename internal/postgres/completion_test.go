package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

// TestCompletionAndResidual declares the completion of a province after its last CMR area is cleared, is refused
// while one is open (writing nothing), and sees an area identified later flagged residual in the registry's reads,
// in Form F and in the summary.
func TestCompletionAndResidual(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	completion := postgres.NewCompletionService(r.db)
	reports := postgres.NewReportService(r.db)
	const xk = "LAO-3286" // Xiangkhoang
	create := func(h *landrelease.HazardArea) {
		t.Helper()
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	b1, b2, b3 := box(103.20, 19.45, 100, 100), box(103.23, 19.45, 100, 100), box(106.0, 16.5, 100, 100)
	create(hazard("H1", b1, "2019-01-01"))
	create(hazard("H2", b2, "2019-02-01"))
	create(hazard("H3", b3, "2019-03-01")) // another province, left open
	if err := r.releases.CreateLandRelease(r.ctx, release("H1-R", "H1", landrelease.MethodCleared, b1, "2022-03-01")); err != nil {
		t.Fatal(err)
	}

	// H2 is open: the declaration is refused and writes nothing.
	err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2022-06-01")})
	wantCode(t, err, landrelease.ECONFLICT)
	if cs, err := completion.Completions(r.ctx); err != nil || len(cs) != 0 {
		t.Fatalf("after a refused declaration: %v, %v", cs, err)
	}
	s, err := completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: xk, On: date("2022-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	if n, m2 := s.OpenTotal(); s.Complete || n != 1 || m2 < 9000 || m2 > 11000 {
		t.Fatalf("summary with H2 open: complete %v, open %+v", s.Complete, s.Open)
	}

	if err := r.releases.CreateLandRelease(r.ctx, release("H2-R", "H2", landrelease.MethodCleared, b2, "2023-05-01")); err != nil {
		t.Fatal(err)
	}
	fieldTeam := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "ft", Role: landrelease.RoleFieldTeam})
	wantCode(t, completion.Declare(fieldTeam, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01")}), landrelease.EFORBIDDEN)
	wantCode(t, completion.Declare(r.ctx, landrelease.Completion{Admin: landrelease.StateScope, CompletedOn: date("2023-05-01")}), landrelease.ECONFLICT)
	wantCode(t, completion.Declare(r.ctx, landrelease.Completion{Admin: "NOPE", CompletedOn: date("2023-05-01")}), landrelease.ENOTFOUND)
	// H5, found after the completion date but recorded before the declaration, becomes residual with it: the
	// declaration logs it as changed, so that every instance's index and feature cache read it again.
	create(hazard("H5", box(103.29, 19.45, 100, 100), "2023-06-01"))
	var lastChange int64
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT max(id) FROM change_log`).Scan(&lastChange); err != nil {
		t.Fatal(err)
	}
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), Note: "declared to the 11MSP"}); err != nil {
		t.Fatal(err)
	}
	var logged []string
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT coalesce(array_agg(h.local_id ORDER BY h.local_id), '{}') FROM change_log c
		JOIN hazard_area h ON h.id = c.entity_id WHERE c.id > $1 AND c.entity = 'hazard_area'`, lastChange).Scan(&logged); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0] != "H5" {
		t.Errorf("the declaration logged %v as changed, want [H5]", logged)
	}

	// H4 is found in Xiangkhoang after its completion: residual contamination.
	b4 := box(103.26, 19.45, 100, 100)
	create(hazard("H4", b4, "2024-02-01"))
	for _, c := range []struct {
		id   string
		want bool
	}{{"H1", false}, {"H3", false}, {"H4", true}, {"H5", true}} {
		h, err := r.hazards.FindHazardArea(r.ctx, c.id, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		if h.Residual != c.want {
			t.Errorf("%s residual = %v, want %v", c.id, h.Residual, c.want)
		}
	}
	page, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Admin: xk, Status: landrelease.StatusAll})
	if err != nil {
		t.Fatal(err)
	}
	residual := 0
	for _, h := range page {
		if h.Residual {
			residual++
		}
	}
	if residual != 2 || len(page) != 4 {
		t.Errorf("%d residual areas of %d listed in %s, want 2 of 4", residual, len(page), xk)
	}

	f, err := reports.Article7(r.ctx, landrelease.Article7Request{From: date("2024-01-01"), To: date("2024-12-31"), Level: 1})
	if err != nil {
		t.Fatal(err)
	}
	var u *landrelease.UnitFigures
	for i := range f.Units {
		if f.Units[i].Code == xk {
			u = &f.Units[i]
		}
	}
	if u == nil || u.ResidualCount != 2 || u.ResidualAreaM2 != u.Closing.AreaM2() || u.ResidualAreaM2 < 19000 {
		t.Fatalf("Form F residual of %s: %+v", xk, u)
	}
	if f.Total.ResidualCount != 2 || u.BalanceDiffM2 != 0 {
		t.Errorf("Form F total residual %d, balance difference %d", f.Total.ResidualCount, u.BalanceDiffM2)
	}

	s, err = completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: xk, On: date("2024-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete || s.CompletionDate == nil || !s.CompletionDate.Equal(date("2023-05-01")) || s.ResidualCount != 2 ||
		len(s.Areas) != 4 || s.Declared == nil || s.Totals.ItemsTotal != 6 || s.Totals.ClearedM2 < 19000 {
		t.Errorf("summary after completion: %+v", s)
	}
}

// TestResidualAsRecorded reads an area found after a completion date with the declarations as recorded at the
// read's as_of: not residual as of before the declaration was recorded, residual now and in the history, the
// same whether the read is a list, an item, or a read at a field date.
func TestResidualAsRecorded(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	completion := postgres.NewCompletionService(r.db)
	const xk = "LAO-3286" // Xiangkhoang
	b1 := box(103.20, 19.45, 100, 100)
	for _, h := range []*landrelease.HazardArea{hazard("H1", b1, "2019-01-01"), hazard("H2", box(103.23, 19.45, 100, 100), "2023-06-01")} {
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("H1-R", "H1", landrelease.MethodCleared, b1, "2023-05-01")); err != nil {
		t.Fatal(err)
	}
	var before time.Time
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT clock_timestamp()`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01")}); err != nil {
		t.Fatal(err)
	}
	at := date("2024-01-01")
	for _, c := range []struct {
		name string
		t    landrelease.Temporal
		want bool
	}{
		{"now", landrelease.Temporal{}, true},
		{"at, as recorded now", landrelease.Temporal{At: &at}, true},
		{"as of before the declaration", landrelease.Temporal{AsOf: &before}, false},
		{"at, as of before the declaration", landrelease.Temporal{At: &at, AsOf: &before}, false},
	} {
		h, err := r.hazards.FindHazardArea(r.ctx, "H2", c.t)
		if err != nil {
			t.Fatal(err)
		}
		page, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{LocalIDs: []string{"H2"}, Temporal: c.t})
		if err != nil || len(page) != 1 {
			t.Fatal(page, err)
		}
		if h.Residual != c.want || page[0].Residual != c.want {
			t.Errorf("%s: item residual %v, list residual %v, want %v", c.name, h.Residual, page[0].Residual, c.want)
		}
		// The list's residual filter keeps the areas whose flag, at the read's record time, is its value.
		for _, keep := range []bool{true, false} {
			page, err := r.hazards.FindHazardAreas(r.ctx, landrelease.HazardAreaFilter{Status: landrelease.StatusAll, Residual: &keep, Temporal: c.t})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range page {
				got = append(got, h.LocalID)
			}
			want := []string{"H1"}
			switch {
			case keep && c.want:
				want = []string{"H2"}
			case keep:
				want = nil
			case !c.want:
				want = []string{"H1", "H2"}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: residual=%v lists %v, want %v", c.name, keep, got, want)
			}
		}
	}
	hs, err := r.hazards.HazardAreaHistory(r.ctx, "H2")
	if err != nil {
		t.Fatal(err)
	}
	if !hs[len(hs)-1].Residual {
		t.Errorf("history: the version known now is not residual")
	}
}

// TestRedeclarationWithResidualOpen declares a province complete again at a later date while an area that was
// residual by its first date, identified before the new one, is still open: the new declaration would make that
// area open contamination of the province on its own date, so it is refused and writes nothing; once the area is
// cleared, the province may be declared complete on the day of that clearance.
func TestRedeclarationWithResidualOpen(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	completion := postgres.NewCompletionService(r.db)
	const xk = "LAO-3286" // Xiangkhoang
	b1, b2 := box(103.20, 19.45, 100, 100), box(103.23, 19.45, 100, 100)
	for _, h := range []*landrelease.HazardArea{hazard("H1", b1, "2019-01-01"), hazard("H2", b2, "2023-06-01")} {
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("H1-R", "H1", landrelease.MethodCleared, b1, "2023-05-01")); err != nil {
		t.Fatal(err)
	}
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01")}); err != nil {
		t.Fatal(err)
	}
	first, err := completion.Completions(r.ctx)
	if err != nil {
		t.Fatal(err)
	}

	// Refused input, each naming its field and writing nothing.
	tomorrow := landrelease.Day(time.Now().UTC()).AddDate(0, 0, 1)
	for _, c := range []struct {
		name  string
		c     landrelease.Completion
		field string
	}{
		{"no date", landrelease.Completion{Admin: xk}, "completed_on"},
		{"a date in the future", landrelease.Completion{Admin: xk, CompletedOn: tomorrow}, "completed_on"},
		{"declared before its date", landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), DeclaredOn: date("2023-04-30")}, "declared_on"},
		{"declared in the future", landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), DeclaredOn: tomorrow}, "declared_on"},
		{"a note too long", landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), Note: strings.Repeat("é", landrelease.MaxCompletionNote+1)}, "note"},
	} {
		err := completion.Declare(r.ctx, c.c)
		var le *landrelease.Error
		if !errors.As(err, &le) || le.Code != landrelease.EINVALID || len(le.Details) != 1 || le.Details[0].Field != c.field {
			t.Errorf("%s: %v, want EINVALID naming %s", c.name, err, c.field)
		}
	}
	if cs, err := completion.Completions(r.ctx); err != nil || !reflect.DeepEqual(cs, first) {
		t.Fatalf("after refused input: %+v, %v; want %+v", cs, err, first)
	}
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), Note: strings.Repeat("é", landrelease.MaxCompletionNote)}); err != nil {
		t.Errorf("a note of %d characters: %v", landrelease.MaxCompletionNote, err)
	}
	if first, err = completion.Completions(r.ctx); err != nil {
		t.Fatal(err)
	}

	// H2, residual by 2023-05-01 and open, was identified before 2024-01-01.
	wantCode(t, completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2024-01-01")}), landrelease.ECONFLICT)
	if cs, err := completion.Completions(r.ctx); err != nil || !reflect.DeepEqual(cs, first) {
		t.Fatalf("after a refused declaration: %+v, %v; want %+v", cs, err, first)
	}
	s, err := completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: xk, On: date("2024-01-01")})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete || s.ResidualCount != 1 {
		t.Errorf("summary with the first declaration in force: complete %v, residual %d", s.Complete, s.ResidualCount)
	}
	// Declaring the same date again supersedes the declaration with an equal one.
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01"), Note: "again"}); err != nil {
		t.Fatal(err)
	}

	if err := r.releases.CreateLandRelease(r.ctx, release("H2-R", "H2", landrelease.MethodCleared, b2, "2024-03-01")); err != nil {
		t.Fatal(err)
	}
	wantCode(t, completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2024-02-29")}), landrelease.ECONFLICT)
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2024-03-01")}); err != nil {
		t.Fatal(err)
	}
	s, err = completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: xk, On: date("2024-03-01")})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete || s.ResidualCount != 0 || s.CompletionDate == nil || !s.CompletionDate.Equal(date("2024-03-01")) {
		t.Errorf("summary after the new declaration: complete %v, residual %d, completion date %v", s.Complete, s.ResidualCount, s.CompletionDate)
	}
}

// TestDeclareSerialisedWithHazardWrite holds a write that leaves an open CMR area in a province, identified
// before the completion date, in its transaction (its audit row waits on a lock the test holds) while the
// province's completion is declared: the declaration must wait for it and be refused, never land beside an open
// area that is not residual. The writes: the creation of an area, and the withdrawal of the release that had
// closed one (which reopens it).
func TestDeclareSerialisedWithHazardWrite(t *testing.T) {
	const xk = "LAO-3286" // Xiangkhoang
	b1 := box(103.20, 19.45, 100, 100)
	for _, c := range []struct {
		name  string
		write func(r *registry) error
	}{
		{"creation of an open area", func(r *registry) error {
			return r.hazards.CreateHazardArea(r.ctx, hazard("H2", box(103.23, 19.45, 100, 100), "2022-01-01"))
		}},
		{"withdrawal of the release that closed an area", func(r *registry) error {
			_, err := r.releases.WithdrawLandRelease(r.ctx, "H1-R", 1, "recorded on the wrong area")
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRegistry(t)
			r.importLaos(t)
			completion := postgres.NewCompletionService(r.db)
			if err := r.hazards.CreateHazardArea(r.ctx, hazard("H1", b1, "2019-01-01")); err != nil {
				t.Fatal(err)
			}
			if err := r.releases.CreateLandRelease(r.ctx, release("H1-R", "H1", landrelease.MethodCleared, b1, "2023-05-01")); err != nil {
				t.Fatal(err)
			}

			hold, err := r.db.Pool.Begin(r.ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer hold.Rollback(r.ctx) //nolint:errcheck // committed below; a rollback after it does nothing
			if _, err := hold.Exec(r.ctx, `LOCK TABLE audit_log IN EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
			waiting := func(n int) {
				t.Helper()
				for range 500 {
					var got int
					if err := r.db.Pool.QueryRow(r.ctx, `SELECT count(*) FROM pg_locks WHERE NOT granted
						AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&got); err != nil {
						t.Fatal(err)
					}
					if got >= n {
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				t.Fatalf("fewer than %d transactions wait on a lock", n)
			}
			written, declared := make(chan error, 1), make(chan error, 1)
			go func() { written <- c.write(r) }()
			waiting(1) // the write waits at its audit row, the area written
			go func() {
				declared <- completion.Declare(r.ctx, landrelease.Completion{Admin: xk, CompletedOn: date("2023-05-01")})
			}()
			waiting(2) // the declaration waits: for the write (or, were it not serialised, at its own audit row)
			if err := hold.Commit(r.ctx); err != nil {
				t.Fatal(err)
			}
			if err := <-written; err != nil {
				t.Fatal(err)
			}
			err = <-declared
			s, serr := completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: xk, On: date("2023-05-01")})
			if serr != nil {
				t.Fatal(serr)
			}
			if err == nil && !s.Complete {
				t.Fatalf("the declaration landed while an area was open and not residual: %+v", s.Open)
			}
			wantCode(t, err, landrelease.ECONFLICT)
		})
	}
}

// TestCompletionStreamed checks the streamed summary against the summary in memory on the same fixture: the
// figures the accumulator computes in its pass over the database are those ComputeCompletion computes from the
// areas, and the streamed JSON and CSV are byte for byte those written from memory. A unit without any CMR
// area is complete without a date, may be declared so, and its audit entry says so.
func TestCompletionStreamed(t *testing.T) {
	r := newRegistry(t)
	r.importLaos(t)
	completion := postgres.NewCompletionService(r.db)
	const xk = "LAO-3286" // Xiangkhoang
	b1, b2 := box(103.20, 19.45, 100, 100), box(103.23, 19.45, 100, 100)
	west, _ := split(b2, 0.5)
	for _, h := range []*landrelease.HazardArea{hazard("H1", b1, "2019-01-01"), hazard("H2", b2, "2019-02-01"),
		hazard("H3", box(106.0, 16.5, 100, 100), "2019-03-01"), hazard("h0", box(103.26, 19.45, 100, 100), "2019-03-01")} {
		if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range []*landrelease.LandRelease{release("H1-R", "H1", landrelease.MethodCleared, b1, "2022-03-01"),
		release("H2-R", "H2", landrelease.MethodReduced, west, "2022-04-01")} {
		if err := r.releases.CreateLandRelease(r.ctx, rel); err != nil {
			t.Fatal(err)
		}
	}
	for _, req := range []landrelease.CompletionRequest{{On: date("2024-12-31")}, {Admin: xk, On: date("2022-03-31")}, {Admin: xk}} {
		mem, err := completion.Summary(r.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := completion.Completions(r.ctx)
		if err != nil {
			t.Fatal(err)
		}
		again := &landrelease.CompletionSummary{State: mem.State, Admin: mem.Admin, On: mem.On, AsOf: mem.AsOf, Since: mem.Since}
		landrelease.ComputeCompletion(again, mem.Areas, cs)
		if !reflect.DeepEqual(again, mem) {
			t.Errorf("%+v: figures in memory\n%+v\nstreamed\n%+v", req, again, mem)
		}
		for name, pair := range map[string][2]func(io.Writer, *landrelease.CompletionSummary, landrelease.CompletionAreas) error{
			"json": {func(w io.Writer, s *landrelease.CompletionSummary, _ landrelease.CompletionAreas) error {
				return report.CompletionJSON(w, s)
			}, report.StreamCompletionJSON},
			"csv": {func(w io.Writer, s *landrelease.CompletionSummary, _ landrelease.CompletionAreas) error {
				return report.CompletionCSV(w, s)
			}, report.StreamCompletionCSV},
		} {
			var whole, streamed bytes.Buffer
			if err := pair[0](&whole, again, nil); err != nil {
				t.Fatal(err)
			}
			asOf := mem.AsOf
			sreq := req
			sreq.AsOf = &asOf
			if err := completion.StreamSummary(r.ctx, sreq, func(s *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
				if s.Areas != nil || s.AreaCount != len(mem.Areas) {
					t.Errorf("streamed summary holds %d areas, counts %d, want none and %d", len(s.Areas), s.AreaCount, len(mem.Areas))
				}
				return pair[1](&streamed, s, areas)
			}); err != nil {
				t.Fatal(err)
			}
			if whole.String() != streamed.String() {
				t.Errorf("%+v %s: streamed\n%s\nin memory\n%s", req, name, streamed.String(), whole.String())
			}
		}
	}

	const never = "LAO-3291" // no hazard area recorded there
	s, err := completion.Summary(r.ctx, landrelease.CompletionRequest{Admin: never})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Complete || s.ContaminationRecorded || s.CompletionDate != nil || len(s.Areas) != 0 {
		t.Fatalf("summary of a unit never contaminated: %+v", s)
	}
	if err := completion.Declare(r.ctx, landrelease.Completion{Admin: never, CompletedOn: date("2020-01-01")}); err != nil {
		t.Fatal(err)
	}
	var recorded bool
	if err := r.db.Pool.QueryRow(r.ctx, `SELECT (detail->>'contamination_recorded')::boolean FROM audit_log
		WHERE action = 'declare' AND entity = 'completion' AND local_id = $1`, never).Scan(&recorded); err != nil || recorded {
		t.Errorf("audit of the declaration: contamination_recorded %v, %v", recorded, err)
	}
}
