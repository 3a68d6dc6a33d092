package postgres_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestReleasesStayInTheFieldHistory: a write that would leave a release before its area was identified, or after
// the area was closed, is refused with the field that caused it, and changes nothing; a release on the day of a
// closure is in place (the closure follows the day's releases).
func TestReleasesStayInTheFieldHistory(t *testing.T) {
	r := newRegistry(t)
	b := box(102.6, 20.0, 200, 100)
	h := hazard("FH-1", b, "2022-01-10")
	if err := r.hazards.CreateHazardArea(r.ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("FH-1-R1", "FH-1", landrelease.MethodCancelled, strip(b, 0, 0.2), "2022-03-01")); err != nil {
		t.Fatal(err)
	}
	change := func(f func(*landrelease.HazardArea), on string) (*landrelease.HazardArea, error) {
		cur, err := r.hazards.FindHazardArea(r.ctx, "FH-1", landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		f(cur)
		c := landrelease.HazardAreaChange{HazardArea: cur, IfVersion: cur.Version}
		if on != "" {
			d := date(on)
			c.ChangedOn = &d
		}
		return r.hazards.UpdateHazardArea(r.ctx, "FH-1", c)
	}
	refused := func(what string, err error, field, reason string) {
		t.Helper()
		var e *landrelease.Error
		if landrelease.ErrorCode(err) != landrelease.EINVALID || !errors.As(err, &e) || len(e.Details) != 1 ||
			e.Details[0].Field != field || e.Details[0].Reason != reason {
			t.Fatalf("%s: %v (%+v), want EINVALID on %s: %s", what, err, e, field, reason)
		}
	}
	before := r.counts(t)

	_, err := change(func(a *landrelease.HazardArea) { a.IdentifiedOn = date("2022-04-01") }, "")
	refused("identified after the release", err, "identified_on", "leaves release FH-1-R1 (2022-03-01) before the area was identified")
	_, err = change(func(a *landrelease.HazardArea) { a.Status = landrelease.StatusClosed }, "2022-02-01")
	refused("closed before the release", err, "changed_on", "leaves release FH-1-R1 (2022-03-01) after the area was closed (2022-02-01)")
	if got := r.counts(t); got != before {
		t.Fatalf("refused changes wrote: %v, before %v", got, before)
	}

	// Closed on the day of the release: in place. Reopened later, a release dated while it was closed is refused.
	if _, err := change(func(a *landrelease.HazardArea) { a.Status = landrelease.StatusClosed }, "2022-03-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := change(func(a *landrelease.HazardArea) { a.Status = landrelease.StatusOpen }, "2022-08-01"); err != nil {
		t.Fatal(err)
	}
	before = r.counts(t)
	err = r.releases.CreateLandRelease(r.ctx, release("FH-1-R2", "FH-1", landrelease.MethodReduced, strip(b, 0.2, 0.4), "2022-06-01"))
	refused("a release while closed", err, "completed_on", "leaves release FH-1-R2 (2022-06-01) after the area was closed (2022-03-01)")
	if got := r.counts(t); got != before {
		t.Fatalf("a refused release wrote: %v, before %v", got, before)
	}
	for _, on := range []string{"2022-03-01", "2022-08-01"} {
		id := "FH-1-R-" + on
		if err := r.releases.CreateLandRelease(r.ctx, release(id, "FH-1", landrelease.MethodReduced, strip(b, 0.2, 0.3), on)); err != nil {
			t.Fatalf("a release on %s: %v", on, err)
		}
		got, err := r.releases.FindLandRelease(r.ctx, id, landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.releases.WithdrawLandRelease(r.ctx, id, got.Version, "test"); err != nil {
			t.Fatal(err)
		}
	}
	// Moving the first release into the closed period is refused too.
	cur, err := r.releases.FindLandRelease(r.ctx, "FH-1-R1", landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	cur.CompletedOn = time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC)
	_, err = r.releases.UpdateLandRelease(r.ctx, "FH-1-R1", landrelease.LandReleaseChange{LandRelease: cur, IfVersion: cur.Version})
	refused("a release moved into the closed period", err, "completed_on", "leaves release FH-1-R1 (2022-04-01) after the area was closed (2022-03-01)")
}

// TestRedrawKeepsReleasedLand: a new boundary that leaves out released land is refused, naming the release and
// where; one that keeps it (or leaves out land of a withdrawn release) is recorded.
func TestRedrawKeepsReleasedLand(t *testing.T) {
	r := newRegistry(t)
	b := box(102.7, 20.1, 200, 100)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("RD-1", b, "2022-01-10")); err != nil {
		t.Fatal(err)
	}
	if err := r.releases.CreateLandRelease(r.ctx, release("RD-1-R1", "RD-1", landrelease.MethodCleared, strip(b, 0.8, 1), "2022-03-01")); err != nil {
		t.Fatal(err)
	}
	redraw := func(g orb.MultiPolygon, on string) error {
		cur, err := r.hazards.FindHazardArea(r.ctx, "RD-1", landrelease.Temporal{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Geometry = g
		d := date(on)
		_, err = r.hazards.UpdateHazardArea(r.ctx, "RD-1", landrelease.HazardAreaChange{HazardArea: cur, ChangedOn: &d, IfVersion: cur.Version})
		return err
	}
	before := r.counts(t)
	err := redraw(strip(b, 0, 0.8), "2022-06-01")
	var e *landrelease.Error
	if landrelease.ErrorCode(err) != landrelease.EINVALID || !errors.As(err, &e) || len(e.Details) != 1 || e.Details[0].Field != "geometry" ||
		!strings.HasPrefix(e.Details[0].Reason, "leaves ") || !strings.HasSuffix(e.Details[0].Reason, " m2 of release RD-1-R1 (2022-03-01) outside the area") ||
		len(e.Details[0].Location) != 2 {
		t.Fatalf("redraw leaving out the release: %v (%+v)", err, e)
	}
	if got := r.counts(t); got != before {
		t.Fatalf("a refused redraw wrote: %v, before %v", got, before)
	}
	if err := redraw(strip(b, 0.2, 1), "2022-06-01"); err != nil {
		t.Fatalf("a redraw keeping the released land: %v", err)
	}
	cur, err := r.releases.FindLandRelease(r.ctx, "RD-1-R1", landrelease.Temporal{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.releases.WithdrawLandRelease(r.ctx, "RD-1-R1", cur.Version, "recorded in error"); err != nil {
		t.Fatal(err)
	}
	if err := redraw(strip(b, 0.2, 0.8), "2022-07-01"); err != nil {
		t.Fatalf("a redraw leaving out a withdrawn release: %v", err)
	}
}
