package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestFeedOnReplica: the feed follows a real hot standby, which lists no transaction in progress in its
// snapshots: a transaction open on the primary across a poll, committed after others with larger change ids, is
// not lost there; a feed on the replica falls back to the primary while the replica is paused.
func TestFeedOnReplica(t *testing.T) {
	url := pgtest.NewDatabase(t)
	replicaURL := pgtest.NewReplica(t, url)
	ctx := context.Background()
	db, err := postgres.OpenWith(ctx, url, postgres.Options{ReadURL: replicaURL, ReplicaMaxLag: time.Second, ReplicaCheck: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hazards := postgres.NewHazardAreaService(db)
	uctx := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager})
	for i, id := range []string{"F1", "F2"} {
		if err := hazards.CreateHazardArea(uctx, hazard(id, box(103.2+float64(i)*0.01, 19.45, 100, 100), "2023-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	// caughtUp waits until the replica serves and has replayed the primary's position now.
	caughtUp := func(what string) {
		t.Helper()
		var s string
		if err := db.Pool.QueryRow(ctx, `SELECT pg_current_wal_insert_lsn()::text`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		lsn, err := postgres.ParseLSN(s)
		if err != nil {
			t.Fatal(err)
		}
		for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
			if st, _ := db.ReplicaStatus(); st.Serving && st.ReplayLSN >= lsn {
				return
			}
			if time.Since(start) > 2*time.Minute {
				st, _ := db.ReplicaStatus()
				t.Fatalf("%s: the replica has not caught up: %+v", what, st)
			}
		}
	}
	caughtUp("created")
	feed := postgres.NewFeed(db, url, slog.Default())
	hs, w, err := feed.Load(ctx)
	if err != nil || len(hs) != 2 || !w.Standby {
		t.Fatalf("load: %d areas, %+v, %v; want 2 from the standby", len(hs), w, err)
	}

	// A long transaction changes F1 and stays open; F2 changes and commits meanwhile.
	long, err := db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer long.Rollback(ctx)
	if _, err := long.Exec(ctx, `UPDATE hazard_area_version SET status = 'closed' WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'F1')`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE hazard_area_version SET kind = 'CHA' WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'F2')`); err != nil {
		t.Fatal(err)
	}
	caughtUp("F2 changed")
	up, rm, w, err := feed.Changes(ctx, w)
	if err != nil || len(rm) != 0 || len(up) != 1 || up[0].LocalID != "F2" || !w.Standby {
		t.Fatalf("first poll: %v %v %v standby %v", err, up, rm, w.Standby)
	}
	up, rm, w, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 0 || len(rm) != 0 {
		t.Fatalf("second poll re-read: %v %v %v", err, up, rm)
	}
	if err := long.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	caughtUp("F1 committed")
	up, _, w, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 1 || up[0].LocalID != "F1" || up[0].Status != landrelease.StatusClosed || !w.Standby {
		t.Fatalf("after the late commit: %v %v standby %v", err, up, w.Standby)
	}

	// The replica pauses: past the lag limit the feed reads the primary, and returns once the replica caught up.
	replica, err := postgres.Open(ctx, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	if _, err := replica.Pool.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer replica.Pool.Exec(ctx, `SELECT pg_wal_replay_resume()`) //nolint:errcheck
	if _, err := db.Pool.Exec(ctx, `UPDATE hazard_area_version SET status = 'open' WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'F1')`); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		// Keep the primary's position moving: the lag is measured from it.
		if _, err := db.Pool.Exec(ctx, `SELECT pg_switch_wal() IS NULL OR true`); err != nil {
			t.Fatal(err)
		}
		if st, _ := db.ReplicaStatus(); !st.Serving {
			break
		}
		if time.Since(start) > 2*time.Minute {
			t.Fatal("the paused replica still serves")
		}
	}
	up, _, w, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 1 || up[0].LocalID != "F1" || up[0].Status != landrelease.StatusOpen || w.Standby {
		t.Fatalf("with the replica paused: %v %v standby %v, want F1 open from the primary", err, up, w.Standby)
	}
	if _, err := replica.Pool.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	caughtUp("resumed")
	up, _, w, err = feed.Changes(ctx, w)
	if err != nil || len(up) != 0 || !w.Standby {
		t.Fatalf("after the replica caught up: %v %v standby %v, want nothing new, from the standby", err, up, w.Standby)
	}
}
