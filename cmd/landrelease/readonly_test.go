package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestReadOnlyDatabase sets the service's database read-only (default_transaction_read_only, as on a standby not
// yet promoted) under a running service: every write gets 503 with Retry-After and a message saying the registry
// is read-only, nothing of it is stored, reads still answer; once the database takes writes again, so does the
// service.
func TestReadOnlyDatabase(t *testing.T) {
	a := start(t)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hazard := func(id string) map[string]any {
		return feat(rect(103.20, 19.45, 103.2017, 19.4509), map[string]any{
			"local_id": id, "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
			"evidence_category": "former_combat_zone", "identified_on": "2022-03-15", "organisation": "UXO Lao"})
	}
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("RO-1")); res.status != http.StatusCreated {
		t.Fatalf("create before: %d %v", res.status, res.body)
	}
	rows := func() string {
		return fmt.Sprint(a.scalar(`SELECT count(*) FROM hazard_area`), a.scalar(`SELECT count(*) FROM hazard_area_version`),
			a.scalar(`SELECT count(*) FROM land_release`), a.scalar(`SELECT count(*) FROM upload`), a.scalar(`SELECT count(*) FROM audit_log`))
	}
	a.setReadOnly(true)
	before := rows()

	release := feat(rect(103.20, 19.45, 103.2005, 19.4509), map[string]any{"local_id": "RO-1-C1", "hazard_area": "RO-1",
		"method": "cleared", "completed_on": "2023-05-20", "organisation": "HALO Trust"})
	up := hazard("RO-2")
	up["properties"].(map[string]any)["record"] = "hazard_area"
	upload := map[string]any{"type": "FeatureCollection", "features": []any{up}}
	writes := []struct {
		name, method, path string
		header             map[string]string
		body               any
	}{
		{"create a hazard area", "POST", "/api/v1/hazard-areas", nil, hazard("RO-3")},
		{"update a hazard area", "PUT", "/api/v1/hazard-areas/RO-1", map[string]string{"If-Match": `"1"`}, hazard("RO-1")},
		{"record a land release", "POST", "/api/v1/land-releases", nil, release},
		{"submit an upload", "POST", "/api/v1/uploads", nil, upload},
		{"withdraw a hazard area", "DELETE", "/api/v1/hazard-areas/RO-1", map[string]string{"If-Match": `"1"`}, nil},
	}
	for _, w := range writes {
		res := a.do(w.method, w.path, dm, w.header, w.body)
		msg, _ := res.body["error"].(map[string]any)["message"].(string)
		if res.status != http.StatusServiceUnavailable || errCode(res) != "unavailable" || res.header.Get("Retry-After") == "" ||
			!strings.Contains(msg, "read-only") || !strings.Contains(msg, "Nothing was written") {
			t.Errorf("%s on a read-only database: %d, Retry-After %q, %v; want 503 with Retry-After saying the registry is read-only",
				w.name, res.status, res.header.Get("Retry-After"), res.body)
		}
	}
	if after := rows(); after != before {
		t.Errorf("rows (areas, versions, releases, uploads, audit) after refused writes: %s, before %s", after, before)
	}
	for _, path := range []string{"/api/v1/hazard-areas/RO-1", "/api/v1/hazard-areas/RO-1/history", "/api/v1/hazard-areas?bbox=103,19,104,20",
		"/api/v1/land-releases", "/api/v1/reports/article4", "/api/v1/workplan/productivity", "/api/v1/workplan/mix"} {
		if res := a.do("GET", path, dm, nil, nil); res.status != http.StatusOK {
			t.Errorf("GET %s on a read-only database: %d %v", path, res.status, res.body)
		}
	}

	a.setReadOnly(false)
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("RO-3")); res.status != http.StatusCreated {
		t.Fatalf("create once the database takes writes again: %d %v", res.status, res.body)
	}
}

// scalar runs a query of one value on the app's database.
func (a *app) scalar(sql string) any {
	a.t.Helper()
	conn := mustConnect(a.t, a.dbURL)
	defer conn.Close(context.Background())
	var v any
	if err := conn.QueryRow(context.Background(), sql).Scan(&v); err != nil {
		a.t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// setReadOnly makes the app's database read-only for new connections (or undoes it), ends the service's
// connections so that it opens new ones, and waits until the service is ready again.
func (a *app) setReadOnly(on bool) {
	a.t.Helper()
	conn := mustConnect(a.t, a.dbURL)
	defer conn.Close(context.Background())
	ctx := context.Background()
	var name string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		a.t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SET default_transaction_read_only = off`); err != nil { // this connection's
		a.t.Fatal(err)
	}
	stmt := "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " RESET default_transaction_read_only"
	if on {
		stmt = "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " SET default_transaction_read_only = on"
	}
	if _, err := conn.Exec(ctx, stmt); err != nil {
		a.t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`); err != nil {
		a.t.Fatal(err)
	}
	// The pool pings a connection idle for over a second before handing it out, and drops it if dead.
	time.Sleep(1100 * time.Millisecond)
	eventually(a.t, "healthy after the database's connections ended", 30*time.Second, func() bool {
		res, err := http.Get(a.base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// TestUnreachableDatabase refuses the service's connections to its database (ALLOW_CONNECTIONS false, its
// connections ended): writes get 503 with Retry-After and a message saying the database cannot be reached,
// nothing is stored, /healthz is 503; once the database takes connections again, so does the service.
func TestUnreachableDatabase(t *testing.T) {
	a := start(t)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hazard := func(id string) map[string]any {
		return feat(rect(103.20, 19.45, 103.2017, 19.4509), map[string]any{
			"local_id": id, "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
			"evidence_category": "former_combat_zone", "identified_on": "2022-03-15", "organisation": "UXO Lao"})
	}
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("UN-1")); res.status != http.StatusCreated {
		t.Fatalf("create before: %d %v", res.status, res.body)
	}
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
	allow(false)
	t.Cleanup(func() { allow(true) }) // before the database is dropped
	if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // past the pool's ping of idle connections, and the token cache

	res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("UN-2"))
	msg, _ := res.body["error"].(map[string]any)["message"].(string)
	if res.status != http.StatusServiceUnavailable || res.header.Get("Retry-After") == "" || !strings.Contains(msg, "cannot be reached") {
		t.Errorf("a write while the database refuses connections: %d, Retry-After %q, %v; want 503 with Retry-After saying it cannot be reached",
			res.status, res.header.Get("Retry-After"), res.body)
	}
	if res := a.do("GET", "/healthz", "", nil, nil); res.status != http.StatusServiceUnavailable {
		t.Errorf("/healthz while the database refuses connections: %d %v", res.status, res.body)
	}

	allow(true)
	eventually(t, "a write succeeds once the database takes connections", 10*time.Second, func() bool {
		return a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("UN-2")).status == http.StatusCreated
	})
	if n := a.scalar(`SELECT count(*) FROM hazard_area`); n != int64(2) {
		t.Errorf("%v hazard areas, want 2: the refused write stored nothing", n)
	}
}
