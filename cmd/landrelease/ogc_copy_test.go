package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestOGCGDALCopy copies every collection of a demo registry (300 hazard areas and their land releases: several of
// GDAL's pages) into a GeoPackage with GDAL's OAPIF driver, as a GIS officer does, reads the GeoPackage back, and
// checks that each layer holds the registry's features: the count and total area PostGIS gives for what the
// collection lists (open hazard areas, known releases, the gazetteer). A bbox (-spat) copies the hazard areas the
// registry's own bbox list answers.
func TestOGCGDALCopy(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL's ogr2ogr is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	a := start(t)
	a.cli("demo", "load", "--hazards", "300", "--seed", "3", "--admin", "../../testdata/admin1-LA.geojson")
	gdal := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(ogr2ogr, args...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ogr2ogr %v: %v\n%s", args, err, stderr.String())
		}
		return out
	}
	gpkg := filepath.Join(t.TempDir(), "registry.gpkg")
	src := "OAPIF:" + a.base + "/api/v1"
	layers := []string{"hazard-areas", "land-releases", "admin-units"}
	for i, layer := range layers {
		args := []string{"-f", "GPKG", gpkg, src, layer}
		if i > 0 {
			args = append([]string{"-update"}, args...)
		}
		gdal(args...)
	}
	// read copies what args name (options, a source and its layer) as GeoJSON and decodes it.
	read := func(args ...string) geoPage {
		t.Helper()
		var p geoPage
		if err := json.Unmarshal(gdal(append([]string{"-f", "GeoJSON", "/vsistdout/"}, args...)...), &p); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return p
	}

	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	want := map[string]struct {
		sql, area string // count and total area; the property that holds each feature's area
	}{
		"hazard-areas": {`SELECT count(*), sum(v.area_m2) FROM hazard_area_version v
			WHERE v.is_current AND NOT v.withdrawn AND v.status = 'open'`, "area_m2"},
		"land-releases": {`SELECT count(*), sum(r.area_m2) FROM land_release_version r
			JOIN land_release l ON l.id = r.release_id AND l.version = r.version WHERE NOT r.withdrawn`, "area_m2"},
		"admin-units": {`SELECT count(*), 0::float8 FROM admin_unit`, ""},
	}
	for _, layer := range layers {
		var n int
		var total float64
		if err := conn.QueryRow(context.Background(), want[layer].sql).Scan(&n, &total); err != nil {
			t.Fatal(err)
		}
		if n < 17 {
			t.Fatalf("%s: the registry holds %d, too few to tell", layer, n)
		}
		p := read(gpkg, layer)
		var sum float64
		for _, f := range p.Features {
			if want[layer].area != "" {
				x, ok := f.Properties[want[layer].area].(float64)
				if !ok {
					t.Fatalf("%s: %s is %T, not a number", layer, want[layer].area, f.Properties[want[layer].area])
				}
				sum += x
			}
			if len(f.Geometry) == 0 || string(f.Geometry) == "null" {
				t.Fatalf("%s: a feature without geometry: %v", layer, f.Properties)
			}
		}
		if len(p.Features) != n || math.Abs(sum-total) > 0.01*float64(n) {
			t.Errorf("%s in the GeoPackage: %d features, %.2f m2; the registry: %d, %.2f m2", layer, len(p.Features), sum, n, total)
		}
	}

	// A bbox around some of the areas: GDAL's copy holds the areas the registry's bbox list answers.
	var w, so, e, n float64
	if err := conn.QueryRow(context.Background(), `SELECT ST_XMin(x), ST_YMin(x), ST_XMax(x), ST_YMax(x) FROM (
		SELECT ST_Extent(geom) AS x FROM (SELECT geom FROM hazard_area_version WHERE is_current AND status = 'open'
		ORDER BY hazard_id LIMIT 20) s) e`).Scan(&w, &so, &e, &n); err != nil {
		t.Fatal(err)
	}
	coord := func(x float64) string { return strconv.FormatFloat(x, 'f', 6, 64) }
	bbox := strings.Join([]string{coord(w), coord(so), coord(e), coord(n)}, ",")
	var listed struct {
		Features []struct {
			ID string `json:"id"`
		} `json:"features"`
	}
	if err := json.Unmarshal([]byte(a.get("/api/v1/hazard-areas?limit=10000&bbox="+bbox)), &listed); err != nil {
		t.Fatal(err)
	}
	var wantIDs []string
	for _, f := range listed.Features {
		wantIDs = append(wantIDs, f.ID)
	}
	if len(wantIDs) < 20 || len(wantIDs) > 250 {
		t.Fatalf("the bbox holds %d areas: choose one that selects some", len(wantIDs))
	}
	spat := read("-spat", coord(w), coord(so), coord(e), coord(n), src, "hazard-areas")
	var got []string
	for _, f := range spat.Features {
		id, _ := f.Properties["local_id"].(string)
		got = append(got, id)
	}
	slices.Sort(got)
	slices.Sort(wantIDs)
	if !slices.Equal(got, wantIDs) {
		t.Errorf("-spat %s: GDAL copied %d areas, the registry lists %d", bbox, len(got), len(wantIDs))
	}
}
