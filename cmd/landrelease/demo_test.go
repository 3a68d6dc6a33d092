package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestDemoLoadResumes interrupts `demo load --if-empty` half-way, as a newcomer's Ctrl-C during the first
// `make run` does, and checks that the next run finishes the demo: the same records and the same Form F figures
// as a load that was never interrupted, and that a third run loads nothing.
func TestDemoLoadResumes(t *testing.T) {
	args := []string{"demo", "load", "--hazards", "60", "--if-empty", "--admin", "../../testdata/admin1-LA.geojson"}
	cli := func(ctx context.Context, dbURL string, args ...string) (string, error) {
		var out, errs bytes.Buffer
		getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}[k] }
		if err := run(ctx, args, getenv, &out, &errs); err != nil {
			return out.String(), fmt.Errorf("%w\n%s", err, errs.String())
		}
		return out.String(), nil // stdout: the report's footer (the time it was made) goes to stderr
	}
	count := func(dbURL string) (hazards, releases, versions int) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM hazard_area), (SELECT count(*) FROM land_release),
			(SELECT count(*) FROM hazard_area_version)`).Scan(&hazards, &releases, &versions); err != nil {
			t.Fatal(err)
		}
		return
	}
	report := func(dbURL string) string {
		t.Helper()
		out, err := cli(context.Background(), dbURL, "report", "article7", "--year", "2024", "--level", "1", "--format", "csv")
		if err != nil {
			t.Fatalf("report: %v\n%s", err, out)
		}
		return out
	}

	whole := pgtest.NewDatabase(t)
	if out, err := cli(context.Background(), whole, args...); err != nil {
		t.Fatalf("demo load: %v\n%s", err, out)
	}
	wantH, wantR, wantV := count(whole)
	// The demo carries productivity and costs, so that a newcomer's work plan has figures to plan with.
	if out, err := cli(context.Background(), whole, "report", "workplan", "--teams", "30", "--format", "csv"); err != nil || !strings.Contains(out, "cleared") {
		t.Errorf("the demo's work plan: %v\n%.300s", err, out)
	}

	parts := pgtest.NewDatabase(t)
	// The load is stopped deterministically, however fast it runs: once gateAfter hazard areas are committed, each
	// further insert into hazard_area waits for an advisory lock that this test holds. When a writer waits there,
	// the test cancels the load (as Ctrl-C does), then lets the writers go, so that each finishes the hazard area
	// it started. The trigger is dropped before the load is run again.
	const gateAfter, gateKey = 15, 8_172_017
	gate, err := pgx.Connect(context.Background(), parts)
	if err != nil {
		t.Fatal(err)
	}
	defer gate.Close(context.Background())
	if _, err := gate.Exec(context.Background(), fmt.Sprintf(`
CREATE FUNCTION test_demo_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF (SELECT count(*) FROM hazard_area) >= %d THEN
		PERFORM pg_advisory_xact_lock_shared(%d);
	END IF;
	RETURN NEW;
END $$;
CREATE TRIGGER test_demo_gate BEFORE INSERT ON hazard_area FOR EACH ROW EXECUTE FUNCTION test_demo_gate();
SELECT pg_advisory_lock(%d);`, gateAfter, gateKey, gateKey)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := cli(ctx, parts, args...); done <- err }()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := gate.QueryRow(context.Background(), `SELECT count(*) FROM pg_locks
			WHERE locktype = 'advisory' AND NOT granted AND objid = $1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
			gateKey).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the load ended before it reached the gate after %d hazard areas: %v", gateAfter, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no writer waiting at the gate after %d hazard areas after two minutes", gateAfter)
		}
	}
	cancel()
	if _, err := gate.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, gateKey); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("the interrupted load returned no error")
	}
	if _, err := gate.Exec(context.Background(), `DROP TRIGGER test_demo_gate ON hazard_area; DROP FUNCTION test_demo_gate()`); err != nil {
		t.Fatal(err)
	}
	h, _, _ := count(parts)
	t.Logf("interrupted after %d of %d hazard areas", h, wantH)
	if h == 0 || h >= wantH {
		t.Fatalf("interrupted after %d of %d hazard areas: not half-way", h, wantH)
	}
	out, err := cli(context.Background(), parts, args...)
	if err != nil || !strings.Contains(out, "finishing an interrupted demo load") {
		t.Fatalf("second run: %v\n%s", err, out)
	}
	if gotH, gotR, gotV := count(parts); gotH != wantH || gotR != wantR || gotV != wantV {
		t.Errorf("after the second run: %d hazard areas, %d releases, %d versions; a whole load gives %d, %d, %d", gotH, gotR, gotV, wantH, wantR, wantV)
	}
	if got, want := report(parts), report(whole); got != want {
		t.Errorf("Form F 2024 after an interrupted load:\n%s\nafter a whole one:\n%s", got, want)
	}
	if out, err := cli(context.Background(), parts, args...); err != nil || !strings.Contains(out, "loaded already") {
		t.Errorf("third run: %v\n%s", err, out)
	}
}
