package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// bigUpload generates an upload of hazards hazard areas with a mean of releases land releases each (0: none) in
// the Lao provinces, runs `landrelease import --approve` on it against PostGIS, and checks what the registry holds:
// at least minFeatures features, releases among them when releases is not "0".
func bigUpload(t *testing.T, hazards int, releases string, minFeatures int) {
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson")
	file := filepath.Join(t.TempDir(), "upload.geojson")
	a.cli("demo", "generate", "--hazards", strconv.Itoa(hazards), "--seed", "5", "--releases", releases,
		"--admin", "../../testdata/admin1-LA.geojson", "--out", file)
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
	var nh, nr, features, wrong, staged int
	var status string
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM hazard_area), (SELECT count(*) FROM land_release),
		feature_count, status,
		(SELECT count(*) FROM hazard_area_version v WHERE v.admin1_id IS NULL OR v.area_m2 <> ST_Area(v.geom::geography)),
		(SELECT count(*) FROM upload_staged_hazard)
		FROM upload`).Scan(&nh, &nr, &features, &status, &wrong, &staged); err != nil {
		t.Fatal(err)
	}
	if nh != hazards || nh+nr != features || features < minFeatures || (releases != "0") != (nr > 0) ||
		status != "approved" || wrong != 0 || staged != 0 {
		t.Errorf("after approval: %d hazard areas, %d releases, upload of %d features %s, %d versions without admin unit or with a wrong area, %d staged rows left",
			nh, nr, features, status, wrong, staged)
	}
}

// TestUploadTenThousandFeatures submits and approves 10^4 new hazard areas through `landrelease import --approve`.
func TestUploadTenThousandFeatures(t *testing.T) { bigUpload(t, 10000, "0", 10000) }

// TestUploadTenThousandMixed does the same with 4,000 hazard areas and about 6,000 land releases of them, which go
// through the per-record path (a few ms each): minutes, so only with LANDRELEASE_LONG_TESTS=1 (make long-test).
func TestUploadTenThousandMixed(t *testing.T) {
	if os.Getenv("LANDRELEASE_LONG_TESTS") == "" {
		t.Skip("a long run: set LANDRELEASE_LONG_TESTS=1 (make long-test)")
	}
	bigUpload(t, 4000, "1.5", 10000)
}

// TestUploadMixed runs the paths of TestUploadTenThousandMixed at the size make test affords: 300 new hazard areas
// (set-based) and their land releases (per record, in file order, each settling its area), submitted and approved.
func TestUploadMixed(t *testing.T) { bigUpload(t, 300, "1.5", 600) }
