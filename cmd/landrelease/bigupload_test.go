package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestUploadTenThousandFeatures submits and approves a generated upload of about 10^4 features (4,000 hazard
// areas in the Lao provinces and their releases) through `landrelease import --approve`, against PostGIS.
// It takes minutes with the per-feature path, so it runs only with LANDRELEASE_LONG_TESTS=1 (make long-test).
func TestUploadTenThousandFeatures(t *testing.T) {
	if os.Getenv("LANDRELEASE_LONG_TESTS") == "" {
		t.Skip("a long run: set LANDRELEASE_LONG_TESTS=1 (make long-test)")
	}
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson")
	file := filepath.Join(t.TempDir(), "upload.geojson")
	a.cli("demo", "generate", "--hazards", "4000", "--seed", "5", "--releases", "1.5", "--admin", "../../testdata/admin1-LA.geojson", "--out", file)
	if fi, err := os.Stat(file); err != nil || fi.Size() < 10<<20 {
		t.Fatalf("generated file: %v", err)
	}
	out := a.cli("import", file, "--approve")
	if !strings.Contains(out, "submitted") || !strings.Contains(out, "approved") || !strings.Contains(out, " 0 rejected") {
		t.Fatalf("import: %s", out)
	}
	t.Log(strings.TrimSpace(out))
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var hazards, releases, features int
	var status string
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM hazard_area), (SELECT count(*) FROM land_release),
		feature_count, status FROM upload`).Scan(&hazards, &releases, &features, &status); err != nil {
		t.Fatal(err)
	}
	if hazards != 4000 || hazards+releases != features || features < 10000 || status != "approved" {
		t.Errorf("after approval: %d hazard areas, %d releases, upload of %d features %s", hazards, releases, features, status)
	}
}
