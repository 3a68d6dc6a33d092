package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// TestOGCAPIFeatures reads the registry as OGC API - Features clients do: landing page, conformance, collections,
// items and one item, each found by following links; and, where GDAL is installed, with its OAPIF driver.
func TestOGCAPIFeatures(t *testing.T) {
	a := start(t)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	for i, id := range []string{"LA-XK-2024-0001", "LA-XK-2024-0002"} {
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(103.1+0.01*float64(i), 19.4, 103.105+0.01*float64(i), 19.405), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"identified_on": "2024-02-01", "organisation": "MAG"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}
	href := func(body map[string]any, rel string) string {
		t.Helper()
		links, _ := body["links"].([]any)
		for _, l := range links {
			m, _ := l.(map[string]any)
			if m["rel"] == rel {
				h, _ := m["href"].(string)
				if !strings.HasPrefix(h, a.base+"/") {
					t.Fatalf("link %s is not absolute on this server: %q", rel, h)
				}
				return strings.TrimPrefix(h, a.base)
			}
		}
		t.Fatalf("no link %q in %v", rel, body)
		return ""
	}
	get := func(path string) map[string]any {
		t.Helper()
		res := a.do("GET", path, "", nil, nil)
		if res.status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, res.status, res.body)
		}
		return res.body
	}
	landing := get("/api/v1")
	conf := get(href(landing, "conformance"))
	if !strings.Contains(strings.Join(toStrings(conf["conformsTo"]), " "), "ogcapi-features-1/1.0/conf/core") {
		t.Errorf("conformance: %v", conf)
	}
	cols := get(href(landing, "data"))
	var items string
	for _, c := range cols["collections"].([]any) {
		if m := c.(map[string]any); m["id"] == "hazard-areas" {
			items = href(m, "items")
		}
	}
	if items == "" {
		t.Fatalf("no hazard-areas collection: %v", cols)
	}
	page := get(items + "?limit=1")
	fs, _ := page["features"].([]any)
	if len(fs) != 1 || page["type"] != "FeatureCollection" {
		t.Fatalf("items: %v", page)
	}
	next := get(href(page, "next"))
	if nf, _ := next["features"].([]any); len(nf) != 1 || nf[0].(map[string]any)["id"] == fs[0].(map[string]any)["id"] {
		t.Errorf("next page: %v", next)
	}
	one := get(items + "/LA-XK-2024-0002")
	if one["type"] != "Feature" || one["id"] != "LA-XK-2024-0002" {
		t.Errorf("item: %v", one)
	}
	if res := a.do("GET", "/api/v1/collections/minefields/items", "", nil, nil); res.status != http.StatusNotFound {
		t.Errorf("unknown collection: %d %v", res.status, res.body)
	}

	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL's ogr2ogr is not installed: make test installs it (.ci/gdal)")
		}
		t.Log("GDAL's ogr2ogr is not installed: the OAPIF driver check is skipped (make test installs it)")
		return
	}
	// ogr reads the collection with GDAL's OAPIF driver and returns what GDAL read, written by it as GeoJSON on
	// its standard output (GDAL 3.6 has no ogrinfo -json; ogrinfo's summary is text meant for people).
	ogr := func(args ...string) (gdalCollection, error) {
		t.Helper()
		cmd := exec.Command(ogr2ogr, append(args, "-f", "GeoJSON", "/vsistdout/", "OAPIF:"+a.base+"/api/v1", "hazard-areas")...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			return gdalCollection{}, fmt.Errorf("ogr2ogr OAPIF: %w\n%s", err, stderr.String())
		}
		var c gdalCollection
		if err := json.Unmarshal(stdout.Bytes(), &c); err != nil {
			return gdalCollection{}, fmt.Errorf("ogr2ogr OAPIF wrote no GeoJSON: %w\n%s\n%s", err, stdout.String(), stderr.String())
		}
		return c, nil
	}
	want := map[string]bool{"LA-XK-2024-0001": true, "LA-XK-2024-0002": true}
	if c, err := ogr(); err != nil {
		t.Error(err)
	} else if got := c.localIDs(); !maps.Equal(got, want) || len(c.Features) != len(want) {
		t.Errorf("GDAL read local ids %v from %d features, want %v", got, len(c.Features), want)
	} else {
		for _, f := range c.Features {
			if f.Geometry.Type != "Polygon" && f.Geometry.Type != "MultiPolygon" {
				t.Errorf("GDAL read %v with a %q geometry", f.Properties["local_id"], f.Geometry.Type)
			}
		}
	}
	// With reads for signed-in users only, GDAL (and QGIS, whose "API Header" authentication does the same) reads
	// with a bearer token.
	a.cli("setting", "set", "public_read", "false")
	token := strings.TrimSpace(a.cli("token", "create", "--user", "gis-officer", "--role", "reporting_officer"))
	eventually(t, "the server reads public_read=false", feedWithin, func() bool {
		return a.do("GET", items, "", nil, nil).status == http.StatusUnauthorized
	})
	if c, err := ogr(); err == nil {
		t.Errorf("ogr2ogr without a token read a registry that is not public: %d features", len(c.Features))
	}
	if c, err := ogr("--config", "GDAL_HTTP_HEADERS", "Authorization: Bearer "+token); err != nil {
		t.Error(err)
	} else if got := c.localIDs(); !maps.Equal(got, want) || len(c.Features) != len(want) {
		t.Errorf("GDAL with a token read local ids %v from %d features, want %v", got, len(c.Features), want)
	}
}

// gdalCollection is the GeoJSON ogr2ogr writes: what GDAL read.
type gdalCollection struct {
	Type     string `json:"type"`
	Features []struct {
		Properties map[string]any `json:"properties"`
		Geometry   struct {
			Type string `json:"type"`
		} `json:"geometry"`
	} `json:"features"`
}

// localIDs returns the string local_id of each feature (a local_id GDAL read as another type is left out).
func (c gdalCollection) localIDs() map[string]bool {
	ids := map[string]bool{}
	for _, f := range c.Features {
		if id, ok := f.Properties["local_id"].(string); ok {
			ids[id] = true
		}
	}
	return ids
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestOGCGDAL reads every collection with GDAL's OAPIF driver as data: the admin-units layer holds the
// gazetteer, and GDAL reads the OpenAPI document without a warning and, finding filter-lang and the items'
// parameters in it, sends an attribute filter to the server as CQL text instead of filtering what it downloaded.
func TestOGCGDAL(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL's ogr2ogr is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	a := ogcFixture(t)
	read := func(layer string, args ...string) (geoPage, string) {
		t.Helper()
		cmd := exec.Command(ogr2ogr, append(append([]string{"-f", "GeoJSON", "/vsistdout/"}, args...), "OAPIF:"+a.base+"/api/v1", layer)...)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ogr2ogr %s: %v\n%s", layer, err, stderr.String())
		}
		var p geoPage
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("ogr2ogr %s: %v\n%s", layer, err, out)
		}
		return p, stderr.String()
	}
	var units int
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM admin_unit`).Scan(&units); err != nil || units == 0 {
		t.Fatalf("%d admin units: %v", units, err)
	}
	admin, _ := read("admin-units")
	if len(admin.Features) != units {
		t.Errorf("admin-units: %d features, the gazetteer has %d", len(admin.Features), units)
	}
	for _, f := range admin.Features {
		code, _ := f.Properties["code"].(string)
		if f.Properties["id"] != "1-"+code || f.Properties["level"] != float64(1) || f.Properties["name"] == "" || len(f.Geometry) == 0 {
			t.Fatalf("admin unit %v", f.Properties)
		}
	}
	if p, _ := read("hazard-areas"); len(p.Features) != 2 {
		t.Errorf("hazard-areas: %d features", len(p.Features))
	}
	if p, _ := read("land-releases"); len(p.Features) != 0 {
		t.Errorf("land-releases: %d features", len(p.Features))
	}
	p, debug := read("hazard-areas", "--debug", "on", "-where", "kind = 'CHA' AND status = 'open'")
	if len(p.Features) != 2 {
		t.Errorf("-where kind = 'CHA': %d features", len(p.Features))
	}
	if !strings.Contains(debug, "Fetch("+a.base+"/api/v1/api)") {
		t.Errorf("GDAL did not read the OpenAPI document:\n%s", debug)
	}
	if sent := sentFilters(t, debug); !slices.Equal(sent, []string{"(kind = 'CHA') AND (status = 'open')"}) || strings.Contains(debug, "client side") {
		t.Errorf("GDAL did not send the filter to the server (%q):\n%s", sent, debug)
	}
	for _, line := range strings.Split(debug, "\n") {
		if strings.HasPrefix(line, "Warning") || strings.HasPrefix(line, "ERROR") {
			t.Errorf("GDAL: %s", line)
		}
	}
}

// TestOGCGDALFilter copies hazard areas with GDAL's -where and compares each copy with the registry's answer,
// which the test derives from the whole list: GDAL 3.6 finds filter-lang cql-text in the OpenAPI document and
// the queryables among the items' parameters, and sends its -where as a CQL text filter, dates as '2024-01-01T'.
func TestOGCGDALFilter(t *testing.T) {
	ogr2ogr, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL's ogr2ogr is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	a := start(t)
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	areas := []struct{ id, kind, identified string }{
		{"LA-F-1", "SHA", "2023-06-01"}, {"LA-F-2", "CHA", "2024-01-01"}, {"LA-F-3", "CHA", "2024-02-01"},
		{"LA-F-4", "SHA", "2024-03-15"}, {"LA-F-5", "CHA", "2023-12-31"},
	}
	for i, h := range areas {
		x := 103.1 + 0.01*float64(i)
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(x, 19.4, x+0.005, 19.405), map[string]any{
			"local_id": h.id, "kind": h.kind, "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"identified_on": h.identified, "organisation": "MAG"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", h.id, res.status, res.body)
		}
	}
	// LA-F-4 is closed: a filter on status lists both open and closed areas.
	if res := a.do("PUT", "/api/v1/hazard-areas/LA-F-4", dm, map[string]string{"If-Match": `"1"`}, feat(rect(103.13, 19.4, 103.135, 19.405), map[string]any{
		"local_id": "LA-F-4", "kind": "SHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
		"identified_on": "2024-03-15", "organisation": "MAG", "status": "closed", "status_reason": "cancelled by survey",
		"changed_on": "2024-04-01", "reason": "closed"})); res.status != http.StatusOK {
		t.Fatalf("close LA-F-4: %d %v", res.status, res.body)
	}
	all := a.do("GET", "/api/v1/hazard-areas?status=all", "", nil, nil)
	registry := func(keep func(p map[string]any) bool) []string {
		var ids []string
		for _, f := range all.body["features"].([]any) {
			p := f.(map[string]any)["properties"].(map[string]any)
			if keep(p) {
				ids = append(ids, p["local_id"].(string))
			}
		}
		return ids
	}
	for _, tc := range []struct {
		where string
		sent  string // in the filter GDAL sent
		want  []string
	}{
		{"identified_on >= '2024-01-01'", "identified_on >= '2024-01-01T'",
			registry(func(p map[string]any) bool {
				return p["identified_on"].(string) >= "2024-01-01" && p["status"] == "open"
			})},
		{"identified_on = '2024-02-01'", "identified_on = '2024-02-01T'",
			registry(func(p map[string]any) bool { return p["identified_on"] == "2024-02-01" && p["status"] == "open" })},
		{"kind = 'CHA' AND identified_on < '2024-01-15'", "(kind = 'CHA') AND (identified_on < '2024-01-15T')",
			registry(func(p map[string]any) bool {
				return p["kind"] == "CHA" && p["identified_on"].(string) < "2024-01-15" && p["status"] == "open"
			})},
		{"status = 'closed'", "status = 'closed'",
			registry(func(p map[string]any) bool { return p["status"] == "closed" })},
	} {
		cmd := exec.Command(ogr2ogr, "-f", "GeoJSON", "/vsistdout/", "--debug", "on", "-where", tc.where, "OAPIF:"+a.base+"/api/v1", "hazard-areas")
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("ogr2ogr -where %q: %v\n%s", tc.where, err, stderr.String())
		}
		var p geoPage
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatalf("ogr2ogr -where %q: %v\n%s", tc.where, err, out)
		}
		var got []string
		for _, f := range p.Features {
			got = append(got, f.Properties["local_id"].(string))
		}
		debug := stderr.String()
		if !slices.Equal(got, tc.want) || len(tc.want) == 0 {
			t.Errorf("-where %q: %v, the registry %v\n%s", tc.where, got, tc.want, debug)
		}
		if sent := sentFilters(t, debug); !slices.Equal(sent, []string{tc.sent}) || strings.Contains(debug, "client side") {
			t.Errorf("-where %q: GDAL sent the filters %q, not %q:\n%s", tc.where, sent, tc.sent, debug)
		}
	}
}

// sentFilters reads the filters GDAL sent for items from its debug output, refusing any datetime parameter.
func sentFilters(t *testing.T, debug string) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(debug, "\n") {
		_, u, ok := strings.Cut(line, "HTTP: Fetch(")
		if !ok || !strings.Contains(u, "/items?") {
			continue
		}
		_, query, _ := strings.Cut(strings.TrimSuffix(u, ")"), "?")
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Fatalf("GDAL's query %q: %v", query, err)
		}
		if q.Has("datetime") {
			t.Errorf("GDAL sent datetime=%s", q.Get("datetime"))
		}
		if q.Has("filter") {
			out = append(out, q.Get("filter"))
		}
	}
	return out
}
