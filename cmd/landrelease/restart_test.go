package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestDatabaseRestartUnderReads takes the service's database away under a read load (ALLOW_CONNECTIONS false and
// its connections ended, as a restart does, without stopping the shared cluster) for longer than the credential
// cache's TTL, then gives it back, as outageUnderReads checks.
func TestDatabaseRestartUnderReads(t *testing.T) {
	a := start(t)
	var name string
	admin := mustConnect(t, pgtest.URL(t)) // the base database: the test's own will refuse connections
	if err := mustConnect(t, a.dbURL).QueryRow(context.Background(), `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(context.Background(), fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", pgx.Identifier{name}.Sanitize(), on)); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { allow(true) }) // before the database is dropped
	r := newReadLoad(t, a)
	r.outage("refused", func() {
		allow(false)
		if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
			t.Fatal(err)
		}
	}, func() { allow(true) })
	r.stop()
}

// TestPostgresRestartUnderReads stops and starts a real PostgreSQL server under the service while a read load
// runs, as outageUnderReads checks: the server is a throw-away cluster of the test's own (pgtest.NewCluster, on a
// port below the ephemeral range), never the shared one. make test stops it with pg_ctl -m fast once; with
// LANDRELEASE_FAULT_TESTS set (make test-faults) it also crashes it (-m immediate: crash recovery at the start)
// and restarts it three times with pg_ctl restart -m fast, the load running throughout.
func TestPostgresRestartUnderReads(t *testing.T) {
	if testing.Short() {
		t.Skip("makes a PostgreSQL cluster")
	}
	pgtest.URL(t) // skipped without a database, as the other tests (and failed under CI)
	c := pgtest.NewCluster(t)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": c.URL, "LOG_LEVEL": "warn"}[k] }
	var stdout, stderr strings.Builder
	if err := run(context.Background(), []string{"setting", "set", "public_read", "true"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("setting set public_read true: %v\n%s", err, stderr.String())
	}
	a := startOn(t, c.URL)
	r := newReadLoad(t, a)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	r.outage("pg_ctl stop -m fast", func() { must(c.Stop("fast")) }, func() { must(c.Start()) })
	if os.Getenv("LANDRELEASE_FAULT_TESTS") != "" {
		r.outage("pg_ctl stop -m immediate", func() { must(c.Stop("immediate")) }, func() { must(c.Start()) })
		for range 3 {
			must(c.Restart("fast"))
			r.writeAfterReturn("pg_ctl restart -m fast", time.Now())
		}
	}
	r.stop()
}

// readLoad is a read load on a service: 6 clients, half with a data manager's token and half anonymously,
// asking for one area (RS-1) by point, bbox and near, in turn; every answer must be 200 with that area.
type readLoad struct {
	t        *testing.T
	a        *app
	dm       string // the data manager's token
	halt     atomic.Bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	failures []string
	answered atomic.Int64
	written  int // areas RS-2, RS-3, ... written so far after outages
}

// restartReads are the reads of the load: a point, a bbox and a near query that each find RS-1 only.
func restartReads() []string {
	return []string{
		"/api/v1/hazard-areas?point=103.2008,19.4504",
		"/api/v1/hazard-areas?bbox=103.19,19.44,103.21,19.46",
		"/api/v1/hazard-areas?near=103.199,19.45&within_m=2000",
	}
}

// restartHazard is the area id at longitude w, a 190 m by 100 m rectangle.
func restartHazard(id string, w float64) map[string]any {
	return feat(rect(w, 19.45, w+0.0017, 19.4509), map[string]any{
		"local_id": id, "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
		"evidence_category": "former_combat_zone", "identified_on": "2022-03-15", "organisation": "UXO Lao"})
}

// newReadLoad writes RS-1, waits until every read finds it, and starts the load; a public_read on the service's
// database is expected.
func newReadLoad(t *testing.T, a *app) *readLoad {
	r := &readLoad{t: t, a: a}
	r.dm = strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	if res := a.do("POST", "/api/v1/hazard-areas", r.dm, nil, restartHazard("RS-1", 103.20)); res.status != http.StatusCreated {
		t.Fatalf("create before: %d %v", res.status, res.body)
	}
	reads := restartReads()
	for _, p := range reads {
		eventually(t, "RS-1 in the index: "+p, 10*time.Second, func() bool {
			st, n, err := r.read(p, r.dm)
			return err == nil && st == http.StatusOK && n == 1
		})
		if st, n, err := r.read(p, ""); err != nil || st != http.StatusOK || n != 1 {
			t.Fatalf("anonymous %s before: %d, %v features, %v", p, st, n, err)
		}
	}
	for i := range 6 {
		r.wg.Go(func() {
			token := []string{r.dm, ""}[i%2]
			for j := 0; !r.halt.Load(); j++ {
				p := reads[j%len(reads)]
				st, n, err := r.read(p, token)
				r.answered.Add(1)
				if err != nil || st != http.StatusOK || n != 1 {
					r.mu.Lock()
					r.failures = append(r.failures, fmt.Sprintf("GET %s (token %t): %d, %v features, %v", p, token != "", st, n, err))
					r.mu.Unlock()
				}
			}
		})
	}
	t.Cleanup(func() { r.halt.Store(true); r.wg.Wait() })
	time.Sleep(200 * time.Millisecond) // the load running before the outage
	return r
}

// read answers path with token ("" anonymous): its status and numberReturned.
func (r *readLoad) read(path, token string) (int, float64, error) {
	req, err := http.NewRequest("GET", r.a.base+path, nil)
	if err != nil {
		return 0, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer res.Body.Close()
	var body struct {
		NumberReturned float64 `json:"numberReturned"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.NumberReturned, nil
}

// outage takes the database away with down for longer than the credential cache's TTL, under the load: reads
// keep answering 200 from the index; a write gets 503 with Retry-After. Then it gives the database back with up,
// and checks writeAfterReturn.
func (r *readLoad) outage(how string, down, up func()) {
	t := r.t
	t.Helper()
	down()
	before := r.answered.Load()
	time.Sleep(2500 * time.Millisecond) // past the pool's ping of idle connections and the credential cache's TTL
	res := r.a.do("POST", "/api/v1/hazard-areas", r.dm, nil, restartHazard("RS-X", 103.10))
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("%s: a write while the database is away: %d, Retry-After %q, %v; want 503 with Retry-After", how, res.status, res.header.Get("Retry-After"), res.body)
	}
	if n := r.answered.Load() - before; n < 10 {
		t.Errorf("%s: %d reads answered during the outage: the load did not run", how, n)
	}
	up()
	r.writeAfterReturn(how, time.Now())
}

// writeAfterReturn checks that, the database back since back, a write succeeds within 5 s of it, and the feed
// brings the area written into the index; and that no read failed so far.
func (r *readLoad) writeAfterReturn(how string, back time.Time) {
	t := r.t
	t.Helper()
	r.written++
	id, lon := fmt.Sprintf("RS-%d", r.written+1), 103.20+0.1*float64(r.written)
	for {
		res := r.a.do("POST", "/api/v1/hazard-areas", r.dm, nil, restartHazard(id, lon))
		if res.status == http.StatusCreated {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("%s: a write 5 s after the database's return: %d %v", how, res.status, res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("%s: a write succeeded %s after the database's return", how, time.Since(back).Round(time.Millisecond))
	eventually(t, how+": the feed brings "+id+", written after the return, into the index", 10*time.Second, func() bool {
		st, n, err := r.read(fmt.Sprintf("/api/v1/hazard-areas?point=%.4f,19.4504", lon+0.0008), "")
		return err == nil && st == http.StatusOK && n == 1
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.failures) > 0 {
		t.Errorf("%s: %d of %d reads failed, the first: %s", how, len(r.failures), r.answered.Load(), strings.Join(r.failures[:min(5, len(r.failures))], "; "))
		r.failures = nil
	}
}

// stop ends the load.
func (r *readLoad) stop() {
	r.halt.Store(true)
	r.wg.Wait()
	r.t.Logf("%d reads answered", r.answered.Load())
}
