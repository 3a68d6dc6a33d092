package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
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
// cache's TTL: point, bbox and near reads, with a token verified before and anonymously with public_read on, keep
// answering 200 from the index; a write gets 503 with Retry-After; once the database takes connections again a
// write succeeds within 5 s, and the feed brings it into the index.
func TestDatabaseRestartUnderReads(t *testing.T) {
	a := start(t)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hazard := func(id string, w float64) map[string]any {
		return feat(rect(w, 19.45, w+0.0017, 19.4509), map[string]any{
			"local_id": id, "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
			"evidence_category": "former_combat_zone", "identified_on": "2022-03-15", "organisation": "UXO Lao"})
	}
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("RS-1", 103.20)); res.status != http.StatusCreated {
		t.Fatalf("create before: %d %v", res.status, res.body)
	}
	reads := []string{
		"/api/v1/hazard-areas?point=103.2008,19.4504",
		"/api/v1/hazard-areas?bbox=103.19,19.44,103.21,19.46",
		"/api/v1/hazard-areas?near=103.199,19.45&within_m=2000",
	}
	// read answers path with token ("" anonymous): its status and numberReturned.
	read := func(path, token string) (int, float64, error) {
		req, err := http.NewRequest("GET", a.base+path, nil)
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
	for _, p := range reads {
		eventually(t, "RS-1 in the index: "+p, 10*time.Second, func() bool {
			st, n, err := read(p, dm)
			return err == nil && st == http.StatusOK && n == 1
		})
		if st, n, err := read(p, ""); err != nil || st != http.StatusOK || n != 1 {
			t.Fatalf("anonymous %s before: %d, %v features, %v", p, st, n, err)
		}
	}

	// The read load: every answer must be 200 with RS-1.
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		answered atomic.Int64
	)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := []string{dm, ""}[i%2]
			for j := 0; !stop.Load(); j++ {
				p := reads[j%len(reads)]
				st, n, err := read(p, token)
				answered.Add(1)
				if err != nil || st != http.StatusOK || n != 1 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("GET %s (token %t): %d, %v features, %v", p, token != "", st, n, err))
					mu.Unlock()
				}
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()

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
	time.Sleep(200 * time.Millisecond) // the load running before the outage
	allow(false)
	t.Cleanup(func() { allow(true) }) // before the database is dropped
	if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	before := answered.Load()
	time.Sleep(2500 * time.Millisecond) // past the pool's ping of idle connections and the credential cache's TTL

	res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("RS-2", 103.30))
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" {
		t.Errorf("a write while the database is away: %d, Retry-After %q, %v; want 503 with Retry-After", res.status, res.header.Get("Retry-After"), res.body)
	}
	if n := answered.Load() - before; n < 10 {
		t.Errorf("%d reads answered during the outage: the load did not run", n)
	}

	allow(true)
	back := time.Now()
	for {
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("RS-2", 103.30))
		if res.status == http.StatusCreated {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("a write 5 s after the database's return: %d %v", res.status, res.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("a write succeeded %s after the database's return", time.Since(back).Round(time.Millisecond))
	stop.Store(true)
	wg.Wait()
	mu.Lock()
	if len(failures) > 0 {
		t.Errorf("%d of %d reads under the outage failed, the first: %s", len(failures), answered.Load(), strings.Join(failures[:min(5, len(failures))], "; "))
	}
	mu.Unlock()
	eventually(t, "the feed brings RS-2, written after the return, into the index", 10*time.Second, func() bool {
		st, n, err := read("/api/v1/hazard-areas?point=103.3008,19.4504", "")
		return err == nil && st == http.StatusOK && n == 1
	})
}
