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

	parts := pgtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := cli(ctx, parts, args...); done <- err }()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		if h, _, _ := count(parts); h >= 15 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no hazard areas loaded after a minute")
		}
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the interrupted load returned no error")
	}
	h, _, _ := count(parts)
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
