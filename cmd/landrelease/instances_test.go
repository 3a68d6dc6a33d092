package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres"
)

// eventually polls check until it holds or the deadline passes, and returns how long it took.
func eventually(t *testing.T, what string, within time.Duration, check func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !check() {
		if time.Since(start) > within {
			t.Fatalf("%s: not seen after %s", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return time.Since(start)
}

// count returns numberReturned of a GET.
func (a *app) count(path string) float64 {
	res := a.do("GET", path, "", nil, nil)
	n, _ := res.body["numberReturned"].(float64)
	return n
}

// feedWithin is how long an instance may take to see a write made elsewhere. The feed polls every second and
// reconnects after a dropped connection; the deadline is generous so that a loaded machine (two CPUs, tests in
// parallel) does not fail the test, and the time each step took is logged.
const feedWithin = 30 * time.Second

func TestTwoInstances(t *testing.T) {
	a := start(t)
	b := startOn(t, a.dbURL)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())

	const w, s, e, n = 104.10, 17.40, 104.102, 17.402
	point := fmt.Sprintf("/api/v1/hazard-areas?point=%f,%f", (w+e)/2, (s+n)/2)
	create := func(id string, dx float64) {
		t.Helper()
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w+dx, s, e+dx, n), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"identified_on": "2024-02-01", "organisation": "MAG"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}

	// A write through one instance shows in the other's answers.
	create("KH-1", 0)
	took := eventually(t, "instance B sees KH-1", feedWithin, func() bool { return b.count(point) == 1 })
	t.Logf("instance B saw the write after %s", took)

	// A write typed in SQL, behind both services' backs, shows too.
	if _, err := conn.Exec(context.Background(), `UPDATE hazard_area_version SET status = 'closed'
		WHERE is_current AND hazard_id = (SELECT id FROM hazard_area WHERE local_id = 'KH-1')`); err != nil {
		t.Fatal(err)
	}
	eventually(t, "both instances see the SQL write", feedWithin, func() bool { return a.count(point) == 0 && b.count(point) == 0 })
	if b.count(point+"&status=closed") != 1 {
		t.Error("the closed area is not answered with status=closed")
	}

	// Drop B's listening connection: B reconnects, replays what it missed, and sees a write made meanwhile.
	var killed int
	if err := conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND datname = current_database()`, postgres.FeedApplicationName).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 2 {
		t.Fatalf("terminated %d feed connections, want 2 (one per instance)", killed)
	}
	create("KH-2", 0.0005)
	pointKH2 := fmt.Sprintf("/api/v1/hazard-areas?point=%f,%f", (w+e)/2+0.0005, (s+n)/2)
	// Both lost their feed: each must catch up by itself, the writer included.
	took = eventually(t, "instance B sees KH-2 after losing its connection", feedWithin, func() bool { return b.count(pointKH2) == 1 })
	t.Logf("after the dropped connection, instance B saw the write after %s", took)
	took = eventually(t, "instance A sees KH-2 after losing its connection", feedWithin, func() bool { return a.count(pointKH2) == 1 })
	t.Logf("after the dropped connection, instance A saw the write after %s", took)
	for _, x := range []*app{a, b} {
		eventually(t, "instance healthy again", feedWithin, func() bool {
			res, err := http.Get(x.base + "/healthz")
			if err != nil {
				return false
			}
			res.Body.Close()
			return res.StatusCode == http.StatusOK
		})
	}
	// Both instances answer near queries from their own index alike.
	near := fmt.Sprintf("/api/v1/hazard-areas?near=%f,%f&within_m=2000", w-0.001, s)
	if a.count(near) != b.count(near) || a.count(near) != 1 {
		t.Errorf("near: A %v, B %v, want 1 each (KH-2 open, KH-1 closed)", a.count(near), b.count(near))
	}
}
