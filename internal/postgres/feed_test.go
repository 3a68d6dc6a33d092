package postgres_test

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// TestFeedLongTransaction: a transaction that stays open neither makes every poll re-read what was applied, nor
// loses its change when it commits after others with larger change ids.
func TestFeedLongTransaction(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	for _, id := range []string{"F1", "F2", "F3"} {
		if err := r.hazards.CreateHazardArea(r.ctx, hazard(id, box(103.2+float64(len(id))*0.01, 19.45, 100, 100), "2023-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	feed := postgres.NewFeed(r.db, "", slog.Default())
	_, w, err := feed.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(hs []*landrelease.HazardArea) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.LocalID)
		}
		return out
	}

	// A long transaction changes F1 and stays open.
	long, err := r.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer long.Rollback(ctx)
	if _, err := long.Exec(ctx, `UPDATE hazard_area_version SET status = 'closed' WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'F1')`); err != nil {
		t.Fatal(err)
	}
	// Meanwhile F2 changes and commits.
	if _, err := r.db.Pool.Exec(ctx, `UPDATE hazard_area_version SET kind = 'CHA' WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'F2')`); err != nil {
		t.Fatal(err)
	}
	up, rm, w, err := feed.Changes(ctx, w)
	if err != nil || len(rm) != 0 || len(up) != 1 || up[0].LocalID != "F2" {
		t.Fatalf("first poll: %v %v %v", err, ids(up), rm)
	}
	// Nothing new: nothing re-read, although the long transaction holds the snapshot's xmin back.
	up, rm, w, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 0 || len(rm) != 0 {
		t.Fatalf("second poll re-read: %v %v %v", err, ids(up), rm)
	}
	// The long transaction commits, after F2's larger change ids: its change is not lost.
	if err := long.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	up, _, _, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 1 || up[0].LocalID != "F1" || up[0].Status != landrelease.StatusClosed {
		t.Fatalf("after the late commit: %v %v", err, ids(up))
	}
}

// TestFeedLoadConnections: Load reads the same areas, field for field, over one connection or several sharing
// a snapshot, and as FindHazardArea does; a remaining polygon equal to the whole is shared, not read twice.
func TestFeedLoadConnections(t *testing.T) {
	r := newRegistry(t)
	ctx := context.Background()
	var ids []string
	for i := range 7 {
		id := fmt.Sprintf("L%d", i)
		ids = append(ids, id)
		g := box(103.2+float64(i)*0.01, 19.45, 100, 100)
		if err := r.hazards.CreateHazardArea(r.ctx, hazard(id, g, "2023-01-01")); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			west, _ := split(g, 0.4)
			if err := r.releases.CreateLandRelease(r.ctx, release("R"+id, id, landrelease.MethodCleared, west, "2024-03-01")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := r.hazards.WithdrawHazardArea(r.ctx, "L6", 1, "entered twice"); err != nil {
		t.Fatal(err)
	}
	feed := postgres.NewFeed(r.db, "", slog.Default())
	for _, n := range []int{1, 2, 3, 8} {
		feed.LoadConnections = n
		hs, w, err := feed.Load(ctx)
		if err != nil {
			t.Fatalf("%d connections: %v", n, err)
		}
		if w.Xmin == "" || w.MaxID == 0 {
			t.Errorf("%d connections: watermark %+v", n, w)
		}
		if len(hs) != 6 {
			t.Fatalf("%d connections: %d areas, want 6 (L6 withdrawn)", n, len(hs))
		}
		for i, h := range hs {
			if h.LocalID != ids[i] {
				t.Fatalf("%d connections: area %d is %s, want %s", n, i, h.LocalID, ids[i])
			}
			want, err := r.hazards.FindHazardArea(ctx, h.LocalID, landrelease.Temporal{})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, want) {
				t.Errorf("%d connections: %s\n got %+v\nwant %+v", n, h.LocalID, h, want)
			}
			released := i%2 == 1
			if shared := &h.Remaining[0] == &h.Geometry[0]; shared == released {
				t.Errorf("%d connections: %s released %v, remaining polygon shared %v", n, h.LocalID, released, shared)
			}
		}
	}
}
