package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// replicaHealth returns the replica member of the instance's /healthz.
func (a *app) replicaHealth() map[string]any {
	a.t.Helper()
	res := a.do("GET", "/healthz", "", nil, nil)
	r, _ := res.body["replica"].(map[string]any)
	if res.status != http.StatusOK || r == nil {
		a.t.Fatalf("/healthz: %d %v", res.status, res.body)
	}
	return r
}

// jsonDiff returns where two JSON bodies differ ("" where they do not), but for the members that tell when they
// were made (timeStamp, generated_at, and as_of, the time of the read when none is asked for).
func jsonDiff(t *testing.T, a, b string) string {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, a)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("not JSON: %v: %.200s", err, b)
	}
	return diffAt("", x, y)
}

func diffAt(at string, x, y any) string {
	switch x := x.(type) {
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %.300v != %.300v", at, x, y)
		}
		for k, v := range x {
			if k == "timeStamp" || k == "generated_at" || k == "as_of" {
				continue
			}
			if d := diffAt(at+"/"+k, v, y[k]); d != "" {
				return d
			}
		}
		return ""
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return fmt.Sprintf("%s: %.300v != %.300v", at, x, y)
		}
		for i := range x {
			if d := diffAt(fmt.Sprintf("%s/%d", at, i), x[i], y[i]); d != "" {
				return d
			}
		}
		return ""
	}
	if !reflect.DeepEqual(x, y) {
		return fmt.Sprintf("%s: %v != %v", at, x, y)
	}
	return ""
}

// same compares the answers of r and p to a GET of path, links aside (each names its own instance).
func same(t *testing.T, r, p *app, path string) string {
	t.Helper()
	return jsonDiff(t, r.get(path), strings.ReplaceAll(p.get(path), p.base, r.base))
}

// TestReadReplica runs an instance on a real streaming replica of the test cluster (pgtest.NewReplica) and a
// second instance on the primary alone: the first one's reports, pages and histories come from the replica and
// equal the second one's; while the replica's replay is paused, the writer reads its own write at once, and
// every client, the index included, sees it within the bound of docs/DEPLOYMENT.md (the lag limit and 1.5 s);
// once replay resumes, reads return to the replica.
func TestReadReplica(t *testing.T) {
	url := pgtest.NewDatabase(t)
	var stderr bytes.Buffer
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "warn"}[k] }
	if err := run(context.Background(), []string{"setting", "set", "public_read", "true"}, getenv, &bytes.Buffer{}, &stderr); err != nil {
		t.Fatalf("setting set public_read true: %v\n%s", err, stderr.String())
	}
	replicaURL := pgtest.NewReplica(t, url)
	const maxLag = 2 * time.Second
	bound := maxLag + 1500*time.Millisecond // docs/DEPLOYMENT.md, "Read replicas"
	r := startOn(t, url, "--read-database-url", replicaURL, "--replica-max-lag", maxLag.String())
	p := startOn(t, url)
	dm := strings.TrimSpace(r.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	ctx := context.Background()
	replica, err := pgx.Connect(ctx, replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(ctx)

	hazard := func(id string, x float64) {
		t.Helper()
		res := r.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(x, 17.40, x+0.002, 17.402), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"identified_on": "2023-02-01", "organisation": "MAG"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}
	for i, id := range []string{"RP-1", "RP-2", "RP-3"} {
		hazard(id, 104.10+float64(i)*0.01)
	}
	res := r.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(104.10, 17.40, 104.101, 17.402), map[string]any{
		"local_id": "RP-1-C1", "hazard_area": "RP-1", "method": "cleared", "completed_on": "2024-05-20", "organisation": "HALO Trust"}))
	if res.status != http.StatusCreated {
		t.Fatalf("release: %d %v", res.status, res.body)
	}
	// The manager's writes replayed, the replica serves everyone, and the index follows it.
	eventually(t, "the replica serves", feedWithin, func() bool {
		h := r.replicaHealth()
		return h["serving"] == true && h["pending_writes"] == float64(0) && h["feed_on_replica"] == true
	})

	// Reports, pages and histories come from the replica, and equal the primary's.
	reads := []string{
		"/api/v1/reports/article7?year=2024&level=1&format=json",
		"/api/v1/reports/article4",
		"/api/v1/workplan/mix",
		"/api/v1/hazard-areas?limit=50",
		"/api/v1/hazard-areas/RP-1/history",
		"/api/v1/land-releases?limit=50",
		"/api/v1/land-releases/RP-1-C1/history",
	}
	before := r.replicaHealth()["replica_reads"].(float64)
	for _, path := range reads {
		if d := same(t, r, p, path); d != "" {
			t.Errorf("GET %s from the replica differs from the primary's at %s", path, d)
		}
	}
	if n := r.replicaHealth()["replica_reads"].(float64) - before; n < float64(len(reads)) {
		t.Errorf("%v reads went to the replica, want at least %d", n, len(reads))
	}
	var conns int
	if err := replica.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()`,
		postgres.ReplicaApplicationName).Scan(&conns); err != nil || conns == 0 {
		t.Errorf("the replica has %d connections of the service (%v)", conns, err)
	}
	// The feed on the replica polls each second: the index holds RP-3 within the bound, not at once.
	point := fmt.Sprintf("/api/v1/hazard-areas?point=%f,%f", 104.1205, 17.401)
	eventually(t, "a point query over RP-3", 4*bound, func() bool { return r.count(point) == 1 })

	// The replica stops replaying: it lags more and more.
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	paused := time.Now()
	resumed := false
	defer func() {
		if !resumed {
			replica.Exec(ctx, `SELECT pg_wal_replay_resume()`) //nolint:errcheck
		}
	}()
	hazard("RP-4", 104.13)
	wrote := time.Now()
	// The writer reads its own write at once, from the primary.
	if res := r.do("GET", "/api/v1/hazard-areas/RP-4/history", dm, nil, nil); res.status != http.StatusOK {
		t.Errorf("the writer's own read: %d %v", res.status, res.body)
	}
	// Anyone else reads from the replica while its lag is within the limit: not yet RP-4.
	if res := r.do("GET", "/api/v1/hazard-areas/RP-4/history", "", nil, nil); time.Since(paused) < maxLag-500*time.Millisecond {
		if res.status != http.StatusNotFound {
			t.Errorf("an anonymous read %s after the pause: %d, want 404 from the paused replica", time.Since(paused), res.status)
		}
	} else {
		t.Logf("the write took %s: no read within the lag limit", wrote.Sub(paused))
	}
	// Past the limit, reads go to the primary: every client sees RP-4, the index too.
	took := eventually(t, "an anonymous read of RP-4", 4*bound, func() bool {
		return r.do("GET", "/api/v1/hazard-areas/RP-4/history", "", nil, nil).status == http.StatusOK
	})
	t.Logf("anonymous read of the write after %s (the lag limit %s)", took, maxLag)
	if took > bound {
		t.Errorf("an anonymous read saw the write after %s, more than the bound %s", took, bound)
	}
	pointRP4 := fmt.Sprintf("/api/v1/hazard-areas?point=%f,%f", 104.1305, 17.401)
	eventually(t, "a point query over RP-4", 4*bound, func() bool { return r.count(pointRP4) == 1 })
	took = time.Since(wrote)
	// The index follows a feed that polls each second: it meets the bound on a machine that is not starved
	// (docs/DEPLOYMENT.md), and the test fails only past four times the bound, so that load does not decide it.
	t.Logf("the index answered the write after %s (the bound %s)", took, bound)
	h := r.replicaHealth()
	if h["serving"] != false || !strings.Contains(fmt.Sprint(h["reason"]), "lags") || h["lag_seconds"].(float64) < maxLag.Seconds() || h["feed_on_replica"] != false {
		t.Errorf("/healthz of a lagging replica: %v", h)
	}

	// Replay resumes: reads return to the replica, and equal the primary's again.
	if _, err := replica.Exec(ctx, `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	resumed = true
	eventually(t, "the replica serves again, to the index too", feedWithin, func() bool {
		h := r.replicaHealth()
		return h["serving"] == true && h["feed_on_replica"] == true
	})
	before = r.replicaHealth()["replica_reads"].(float64)
	for _, path := range []string{"/api/v1/hazard-areas/RP-4/history", "/api/v1/hazard-areas?limit=50"} {
		if d := same(t, r, p, path); d != "" {
			t.Errorf("GET %s after the replica caught up differs from the primary's at %s", path, d)
		}
	}
	if n := r.replicaHealth()["replica_reads"].(float64) - before; n < 2 {
		t.Errorf("%v reads went to the replica after it caught up, want 2", n)
	}
}
