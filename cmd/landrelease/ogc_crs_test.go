package main

import (
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

const utm48 = "http://www.opengis.net/def/crs/EPSG/0/32648"

// ogcFixture starts a server with Lao PDR's provinces and two hazard areas, and returns it.
func ogcFixture(t *testing.T) *app {
	t.Helper()
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	for i, id := range []string{"LA-XK-2024-0001", "LA-XK-2024-0002"} {
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(103.1+0.01*float64(i), 19.4, 103.105+0.01*float64(i), 19.405), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"identified_on": "2024-02-01", "organisation": "MAG"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}
	return a
}

// postgisTransform asks PostGIS for the coordinates of each stored hazard area's current polygon in srid, by
// local_id: the reference the service's crs answers and GDAL's reprojection are held to.
func (a *app) postgisTransform(srid int) map[string][][2]float64 {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(context.Background(), `
SELECT h.local_id, ST_AsGeoJSON(ST_Transform(v.geom, $1::int), 9)
FROM hazard_area h JOIN hazard_area_version v ON v.hazard_id = h.id AND v.is_current`, srid)
	if err != nil {
		a.t.Fatal(err)
	}
	out := map[string][][2]float64{}
	for rows.Next() {
		var id, g string
		if err := rows.Scan(&id, &g); err != nil {
			a.t.Fatal(err)
		}
		out[id] = coordinates(a.t, json.RawMessage(g))
	}
	if rows.Err() != nil || len(out) == 0 {
		a.t.Fatalf("no stored areas: %v", rows.Err())
	}
	return out
}

// coordinates flattens a Polygon's or MultiPolygon's positions.
func coordinates(t *testing.T, geometry json.RawMessage) [][2]float64 {
	t.Helper()
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal(geometry, &g); err != nil {
		t.Fatalf("geometry %s: %v", geometry, err)
	}
	var polys [][][][2]float64
	switch g.Type {
	case "Polygon":
		var p [][][2]float64
		if err := json.Unmarshal(g.Coordinates, &p); err != nil {
			t.Fatal(err)
		}
		polys = append(polys, p)
	case "MultiPolygon":
		if err := json.Unmarshal(g.Coordinates, &polys); err != nil {
			t.Fatal(err)
		}
	default:
		t.Fatalf("geometry type %q", g.Type)
	}
	var out [][2]float64
	for _, p := range polys {
		for _, r := range p {
			out = append(out, r...)
		}
	}
	return out
}

type geoPage struct {
	Features []struct {
		ID         any             `json:"id"`
		Geometry   json.RawMessage `json:"geometry"`
		Properties map[string]any  `json:"properties"`
	} `json:"features"`
	NumberMatched  *int `json:"numberMatched"`
	NumberReturned int  `json:"numberReturned"`
}

// sameCoordinates checks got against want, position by position, within tol.
func sameCoordinates(t *testing.T, what string, got, want [][2]float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d positions, want %d", what, len(got), len(want))
	}
	for i := range got {
		if math.Abs(got[i][0]-want[i][0]) > tol || math.Abs(got[i][1]-want[i][1]) > tol {
			t.Fatalf("%s: position %d is %v, want %v (within %g)", what, i, got[i], want[i], tol)
		}
	}
}

// TestOGCCRS: each collection lists the CRSs it answers in, the UTM zones derived from the gazetteer among them;
// crs transforms as PostGIS does, bbox-crs selects in another CRS, EPSG:4326 is latitude first, and an unknown
// CRS is refused naming the supported ones.
func TestOGCCRS(t *testing.T) {
	a := ogcFixture(t)
	cols := a.do("GET", "/api/v1/collections", "", nil, nil)
	want := []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3857",
		"http://www.opengis.net/def/crs/EPSG/0/32647", utm48}
	var ids []string
	for _, c := range cols.body["collections"].([]any) {
		m := c.(map[string]any)
		ids = append(ids, m["id"].(string))
		if got := toStrings(m["crs"]); !slices.Equal(got, want) || m["storageCrs"] != want[0] {
			t.Errorf("collection %s: crs %v, storageCrs %v; want %v (Lao PDR, 100.1 to 107.7 E, spans UTM zones 47 and 48)", m["id"], got, m["storageCrs"], want)
		}
	}
	if !slices.Equal(ids, []string{"hazard-areas", "land-releases", "admin-units"}) {
		t.Errorf("collections %v", ids)
	}

	ref := a.postgisTransform(32648)
	res, page := a.geoGet("/api/v1/collections/hazard-areas/items?crs=" + url.QueryEscape(utm48))
	if res.Header.Get("Content-Crs") != "<"+utm48+">" {
		t.Errorf("Content-Crs %q", res.Header.Get("Content-Crs"))
	}
	if len(page.Features) != 2 {
		t.Fatalf("%d features in UTM 48N", len(page.Features))
	}
	for _, f := range page.Features {
		id := f.ID.(string)
		sameCoordinates(t, "crs=32648 "+id, coordinates(t, f.Geometry), ref[id], 0.001)
	}
	// One item, and the index path (a bbox of the current state) and the database path (at) agree.
	res, _ = a.geoGet("/api/v1/collections/hazard-areas/items/LA-XK-2024-0002?crs=" + url.QueryEscape(utm48))
	var one struct {
		Geometry json.RawMessage `json:"geometry"`
	}
	if err := json.Unmarshal(res.raw, &one); err != nil {
		t.Fatal(err)
	}
	sameCoordinates(t, "item in 32648", coordinates(t, one.Geometry), ref["LA-XK-2024-0002"], 0.001)
	for _, q := range []string{"bbox=103,19,104,20", "datetime=2030-01-01", "bbox=103,19,104,20&datetime=2030-01-01"} {
		_, p := a.geoGet("/api/v1/collections/hazard-areas/items?crs=" + url.QueryEscape(utm48) + "&" + q)
		if len(p.Features) != 2 {
			t.Fatalf("%s: %d features", q, len(p.Features))
		}
		for _, f := range p.Features {
			sameCoordinates(t, q, coordinates(t, f.Geometry), ref[f.ID.(string)], 0.001)
		}
	}

	// EPSG:4326 is latitude first, in the answer and in bbox.
	res, _ = a.geoGet("/api/v1/collections/hazard-areas/items/LA-XK-2024-0001?crs=" + url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/4326"))
	if err := json.Unmarshal(res.raw, &one); err != nil {
		t.Fatal(err)
	}
	if c := coordinates(t, one.Geometry); c[0] != [2]float64{19.4, 103.1} {
		t.Errorf("EPSG:4326 first position %v, want [19.4 103.1]", c[0])
	}
	for _, tc := range []struct {
		bbox, crs string
		want      int
	}{
		{"19.39,103.09,19.41,103.106", "http://www.opengis.net/def/crs/EPSG/0/4326", 1},
		{"103.09,19.39,103.106,19.41", "http://www.opengis.net/def/crs/EPSG/0/4326", -1}, // lon first: latitude 103
		{"11475000,2200000,11477800,2205000", "http://www.opengis.net/def/crs/EPSG/0/3857", 1},
		{"11475000,2200000,11500000,2205000", "http://www.opengis.net/def/crs/EPSG/0/3857", 2},
	} {
		path := "/api/v1/collections/hazard-areas/items?bbox=" + tc.bbox + "&bbox-crs=" + url.QueryEscape(tc.crs)
		if tc.want < 0 {
			if res := a.do("GET", path, "", nil, nil); res.status != http.StatusBadRequest {
				t.Errorf("bbox %s in %s: %d, want 400", tc.bbox, tc.crs, res.status)
			}
			continue
		}
		_, p := a.geoGet(path)
		if len(p.Features) != tc.want {
			t.Errorf("bbox %s in %s: %d features, want %d", tc.bbox, tc.crs, len(p.Features), tc.want)
		}
	}
	bad := a.do("GET", "/api/v1/collections/hazard-areas/items?crs="+url.QueryEscape("http://www.opengis.net/def/crs/EPSG/0/2154"), "", nil, nil)
	if bad.status != http.StatusBadRequest || !strings.Contains(bad.body["error"].(map[string]any)["message"].(string), utm48) {
		t.Errorf("crs 2154: %d %v", bad.status, bad.body)
	}

	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL's ogr2ogr is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	// GDAL reads the service's answer in UTM 48N (crs) and reprojects the CRS84 layer itself (-t_srs): both are
	// PostGIS's transform within a millimetre.
	for name, args := range map[string][]string{
		"crs":    {a.base + "/api/v1/collections/hazard-areas/items?crs=" + url.QueryEscape(utm48)},
		"-t_srs": {"-t_srs", "EPSG:32648", "OAPIF:" + a.base + "/api/v1", "hazard-areas"},
	} {
		out, err := exec.Command(ogr2ogr, append([]string{"-f", "GeoJSON", "/vsistdout/"}, args...)...).Output()
		if err != nil {
			t.Fatalf("ogr2ogr %s: %v", name, err)
		}
		var p geoPage
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("ogr2ogr %s: %v\n%s", name, err, out)
		}
		if len(p.Features) != 2 {
			t.Fatalf("ogr2ogr %s: %d features", name, len(p.Features))
		}
		for _, f := range p.Features {
			id, _ := f.Properties["local_id"].(string)
			sameCoordinates(t, "ogr2ogr "+name+" "+id, coordinates(t, f.Geometry), ref[id], 0.01)
		}
	}
}

type rawResponse struct {
	http.Header
	raw []byte
}

// geoGet GETs a GeoJSON answer.
func (a *app) geoGet(path string) (rawResponse, geoPage) {
	a.t.Helper()
	res, err := http.Get(a.base + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	var p geoPage
	if err := json.Unmarshal(b, &p); err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	return rawResponse{res.Header, b}, p
}
