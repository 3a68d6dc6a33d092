package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestGrantCommand: `landrelease grant --service-url-env VAR`, run as the owner, takes the role from the URL in
// VAR, and that role then appends to the audit trail but cannot truncate it; the flags are checked.
func TestGrantCommand(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	role := fmt.Sprintf("lr_test_cli_%d_%d", os.Getpid(), time.Now().UnixNano())
	owner, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close(ctx)
	id := pgx.Identifier{role}.Sanitize()
	if _, err := owner.Exec(ctx, `CREATE ROLE `+id+` LOGIN PASSWORD 'grant-test-0123456789'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1`, role) //nolint:errcheck
		for _, q := range []string{`DROP OWNED BY ` + id, `DROP ROLE ` + id} {
			if _, err := c.Exec(context.Background(), q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, "grant-test-0123456789")
	env := map[string]string{"DATABASE_URL": dbURL, "LR_SVC": u.String()}
	getenv := func(k string) string { return env[k] }
	cli := func(args ...string) (string, error) {
		var stdout, stderr bytes.Buffer
		err := run(ctx, args, getenv, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	for _, args := range [][]string{{"grant"}, {"grant", "--role", role, "--service-url-env", "LR_SVC"}, {"grant", "--service-url-env", "LR_NONE"}} {
		if _, err := cli(args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	for range 2 {
		out, err := cli("grant", "--service-url-env", "LR_SVC")
		if err != nil || !strings.Contains(out, "granted "+role) || strings.Contains(out, "warning") {
			t.Fatalf("grant: %v\n%s", err, out)
		}
	}
	svc, err := pgx.Connect(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(ctx)
	if _, err := svc.Exec(ctx, `INSERT INTO audit_log (actor, action, entity) VALUES ('test', 'check', 'audit_log')`); err != nil {
		t.Errorf("insert into audit_log as the service: %v", err)
	}
	var pe *pgconn.PgError
	if _, err := svc.Exec(ctx, `TRUNCATE audit_log`); !errors.As(err, &pe) || pe.Code != "42501" {
		t.Errorf("TRUNCATE audit_log as the service: %v", err)
	}

	// The server runs as the role (its start-up checks the schema is up to date without creating anything) and
	// writes through it; the audit trail it writes stays out of its reach.
	a := startOn(t, u.String())
	a.cli("setting", "set", "public_read", "true")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hz := hazardFeature("RO-1", 103.20, 19.45, 103.2017, 19.4509)
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hz); res.status != http.StatusCreated {
		t.Fatalf("a write through the server as the service role: %d %v", res.status, res.body)
	}
	a.get("/api/v1/reports/article7?year=2022&format=csv")
	// The work plan's data is written (a version superseded, a removal) and read through the role.
	for range 2 {
		if res := a.do("PUT", "/api/v1/workplan/productivity", dm, nil, map[string]any{"method": "cleared", "m2_per_team_year": 1000}); res.status != http.StatusOK {
			t.Fatalf("set productivity as the service role: %d %v", res.status, res.body)
		}
	}
	for _, method := range []string{"PUT", "DELETE", "PUT"} {
		res := a.do(method, "/api/v1/workplan/mix", dm, nil, map[string]any{"kind": "SHA", "shares": map[string]any{"cleared": 1}})
		if method == "DELETE" {
			res = a.do(method, "/api/v1/workplan/mix/SHA", dm, nil, nil)
		}
		if res.status >= 300 {
			t.Fatalf("%s the mix as the service role: %d %v", method, res.status, res.body)
		}
	}
	a.get("/api/v1/reports/workplan?teams=1&format=csv")
	if _, err := svc.Exec(ctx, `DELETE FROM audit_log WHERE local_id = 'RO-1'`); !errors.As(err, &pe) || pe.Code != "42501" {
		t.Errorf("DELETE FROM audit_log as the service: %v", err)
	}
}
