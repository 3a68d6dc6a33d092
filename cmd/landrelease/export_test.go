package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb/geo"
	orbjson "github.com/paulmach/orb/geojson"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// exported is an export as GDAL reads it back.
type exported struct {
	fields   []string          // in the file's order, KML's own fields left out
	types    map[string]string // ogrinfo's type of each field
	wgs84    bool              // its CRS is EPSG:4326
	features *orbjson.FeatureCollection
	entries  []string // a Shapefile zip's entries
}

var ogrField = regexp.MustCompile(`(?m)^([A-Za-z0-9_]+): ([A-Za-z0-9()]+) \(`)

// readExport opens an exported file with GDAL: the schema and CRS with ogrinfo -so, the features through
// ogr2ogr -f GeoJSON /vsistdout/.
func readExport(t *testing.T, f landrelease.ExportFormat, data []byte) exported {
	t.Helper()
	ogrinfo, err1 := exec.LookPath("ogrinfo")
	ogr2ogr, err2 := exec.LookPath("ogr2ogr")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogrinfo and ogr2ogr are not installed (make test installs them)")
	}
	var e exported
	dir := t.TempDir()
	path := filepath.Join(dir, "export"+f.Extension())
	if f == landrelease.FormatShapefile {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatalf("the Shapefile export is not a zip: %v", err)
		}
		for _, z := range zr.File {
			e.entries = append(e.entries, z.Name)
			rc, _ := z.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if err := os.WriteFile(filepath.Join(dir, z.Name), b, 0o600); err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(z.Name, ".shp") {
				path = filepath.Join(dir, z.Name)
			}
		}
	} else if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command(ogrinfo, "-ro", "-so", "-al", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ogrinfo: %v\n%s", err, info)
	}
	e.types = map[string]string{}
	for _, m := range ogrField.FindAllStringSubmatch(string(info), -1) {
		if m[1] == "Geometry" || f == landrelease.FormatKML && slices.Contains([]string{"description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"}, m[1]) {
			continue
		}
		e.fields = append(e.fields, m[1])
		e.types[m[1]] = m[2]
	}
	e.wgs84 = strings.Contains(string(info), `ID["EPSG",4326]`) || strings.Contains(string(info), `GEOGCRS["WGS 84"`)
	out, err := exec.Command(ogr2ogr, "-f", "GeoJSON", "/vsistdout/", path).Output()
	if err != nil {
		t.Fatalf("ogr2ogr to GeoJSON: %v", err)
	}
	if e.features, err = orbjson.UnmarshalFeatureCollection(out); err != nil {
		t.Fatalf("ogr2ogr's GeoJSON: %v\n%.300s", err, out)
	}
	return e
}

// wantTypes is the type ogrinfo reads for each field type in each format (CSV: every column is text).
var wantTypes = map[landrelease.ExportFormat]map[landrelease.FieldType]string{
	landrelease.FormatGeoPackage: {landrelease.FieldString: "String", landrelease.FieldJSON: "String(JSON)", landrelease.FieldInteger: "Integer",
		landrelease.FieldReal: "Real", landrelease.FieldDate: "Date", landrelease.FieldDateTime: "DateTime", landrelease.FieldBoolean: "Integer(Boolean)"},
	landrelease.FormatFlatGeobuf: {landrelease.FieldString: "String", landrelease.FieldJSON: "String", landrelease.FieldInteger: "Integer",
		landrelease.FieldReal: "Real", landrelease.FieldDate: "DateTime", landrelease.FieldDateTime: "DateTime", landrelease.FieldBoolean: "Integer(Boolean)"},
	landrelease.FormatShapefile: {landrelease.FieldString: "String", landrelease.FieldJSON: "String", landrelease.FieldInteger: "Integer",
		landrelease.FieldReal: "Real", landrelease.FieldDate: "Date", landrelease.FieldDateTime: "String", landrelease.FieldBoolean: "Integer"},
	landrelease.FormatKML: {landrelease.FieldString: "String", landrelease.FieldJSON: "String", landrelease.FieldInteger: "Integer",
		landrelease.FieldReal: "Real", landrelease.FieldDate: "String", landrelease.FieldDateTime: "String", landrelease.FieldBoolean: "Integer"},
}

// sphericalArea sums the areas of the collection's polygons on the sphere.
func sphericalArea(fc *orbjson.FeatureCollection) float64 {
	var a float64
	for _, f := range fc.Features {
		if f.Geometry != nil {
			a += geo.Area(f.Geometry)
		}
	}
	return a
}

// sumOf sums a numeric property (a number, or text as CSV has it).
func sumOf(fc *orbjson.FeatureCollection, name string) float64 {
	var s float64
	for _, f := range fc.Features {
		switch v := f.Properties[name].(type) {
		case float64:
			s += v
		case string:
			var x float64
			if err := json.Unmarshal([]byte(v), &x); err == nil {
				s += x
			}
		}
	}
	return s
}

func localIDs(fc *orbjson.FeatureCollection, name string) []string {
	var ids []string
	for _, f := range fc.Features {
		id, _ := f.Properties[name].(string)
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// TestExports exports each collection of a demo registry in every format through the API, reads each file back
// with GDAL, and checks it against the registry's list: the features, the fields named and typed as documented
// (ten characters in a Shapefile, whose zip holds its five files), the CRS, the total area (the attribute and the
// polygons); and that a filtered export holds the filtered list, that an unknown format is refused naming the
// formats, and that each export is in the audit trail.
func TestExports(t *testing.T) {
	a := startClosed(t)
	a.cli("demo", "load", "--hazards", "40", "--admin", "../../testdata/admin1-LA.geojson")
	a.cli("setting", "set", "public_read", "false") // the demo opens reads to anyone
	time.Sleep(1100 * time.Millisecond)             // the server reads public_read again after a second
	reader := strings.TrimSpace(a.cli("token", "create", "--user", "gis", "--role", "reporting_officer"))
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))
	download := func(path string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", a.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+reader)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b
	}
	list := func(path string) *orbjson.FeatureCollection {
		t.Helper()
		status, _, b := download(path)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, b)
		}
		fc, err := orbjson.UnmarshalFeatureCollection(b)
		if err != nil {
			t.Fatal(err)
		}
		return fc
	}
	collections := []struct {
		name, list, id, area string
	}{
		{"hazard-areas", "/api/v1/hazard-areas?limit=10000", "local_id", "area_m2"},
		{"land-releases", "/api/v1/land-releases?limit=10000", "local_id", "area_m2"},
		{"admin-units", "/api/v1/admin-units", "code", ""},
	}
	exports := 0
	for _, c := range collections {
		want := list(c.list)
		if len(want.Features) < 5 {
			t.Fatalf("%s: the demo has %d", c.name, len(want.Features))
		}
		coll, _ := landrelease.ParseExportCollection(c.name)
		for _, f := range landrelease.ExportFormats() {
			t.Run(c.name+"/"+string(f), func(t *testing.T) {
				status, h, body := download("/api/v1/exports/" + c.name + "?format=" + string(f))
				exports++
				if status != http.StatusOK {
					t.Fatalf("%d %s", status, body)
				}
				if ct := h.Get("Content-Type"); ct != f.MediaType() {
					t.Errorf("Content-Type %q", ct)
				}
				if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+c.name+"-") || !strings.HasSuffix(cd, f.Extension()+`"`) {
					t.Errorf("Content-Disposition %q", cd)
				}
				var got exported
				if f == landrelease.FormatGeoJSON {
					fc, err := orbjson.UnmarshalFeatureCollection(body)
					if err != nil {
						t.Fatal(err)
					}
					got = exported{features: fc, wgs84: true}
				} else {
					got = readExport(t, f, body)
				}
				layer := geojson.ExportLayer(coll, f == landrelease.FormatCSV)
				id := c.id
				if f == landrelease.FormatShapefile {
					id = layer.Fields[slices.IndexFunc(layer.Fields, func(x landrelease.ExportField) bool { return x.Name == c.id })].Short
				}
				if g, w := localIDs(got.features, id), localIDs(want, c.id); !slices.Equal(g, w) {
					t.Errorf("%d features %v, want the list's %d %v", len(g), g, len(w), w)
				}
				if f != landrelease.FormatGeoJSON {
					var names []string
					if f == landrelease.FormatKML {
						names = append(names, "Name")
					}
					if f == landrelease.FormatCSV {
						names = append(names, "WKT")
					}
					for _, x := range layer.Fields {
						if f == landrelease.FormatKML && x.Name == "name" { // KML's own Name
							continue
						}
						n := x.Name
						if f == landrelease.FormatShapefile {
							n = x.Short
						}
						names = append(names, n)
						wantType := "String"
						if f != landrelease.FormatCSV {
							wantType = wantTypes[f][x.Type]
						}
						if got.types[n] != wantType {
							t.Errorf("field %s is %s, want %s", n, got.types[n], wantType)
						}
					}
					if !slices.Equal(got.fields, names) {
						t.Errorf("fields %v,\nwant %v", got.fields, names)
					}
				}
				if f != landrelease.FormatCSV && !got.wgs84 {
					t.Error("no WGS 84 CRS")
				}
				if f == landrelease.FormatShapefile {
					base := layer.Name
					if w := []string{base + ".shp", base + ".shx", base + ".dbf", base + ".prj", base + ".cpg"}; !slices.Equal(got.entries, w) {
						t.Errorf("zip entries %v, want %v", got.entries, w)
					}
				}
				if f == landrelease.FormatCSV {
					if wkt, _ := got.features.Features[0].Properties["WKT"].(string); !strings.HasPrefix(wkt, "MULTIPOLYGON (((") {
						t.Errorf("CSV's WKT column: %.60q", wkt)
					}
					if lon, _ := got.features.Features[0].Properties["centroid_lon"].(string); !strings.HasPrefix(lon, "10") {
						t.Errorf("CSV's centroid_lon: %q", lon)
					}
				}
				if c.area != "" {
					if g, w := sumOf(got.features, c.area), sumOf(want, c.area); math.Abs(g-w) > 0.01*float64(len(want.Features)) {
						t.Errorf("total %s %.2f, the list's %.2f", c.area, g, w)
					}
				}
				if f != landrelease.FormatCSV { // CSV's polygons are WKT text
					if g, w := sphericalArea(got.features), sphericalArea(want); math.Abs(g-w) > 1e-6*w {
						t.Errorf("the polygons cover %.1f m2, the list's %.1f m2", g, w)
					}
				}
			})
		}
	}

	// A filtered export holds the filtered list; CHA in the first province with an area.
	hz := list("/api/v1/hazard-areas?limit=10000&kind=CHA")
	if len(hz.Features) == 0 {
		t.Fatal("the demo has no CHA")
	}
	code, _ := hz.Features[0].Properties["admin1_code"].(string)
	q := "kind=CHA&admin=" + code + "&bbox=100,13,108,23&status=all"
	want := list("/api/v1/hazard-areas?limit=10000&" + q)
	for _, f := range []landrelease.ExportFormat{landrelease.FormatGeoJSON, landrelease.FormatGeoPackage} {
		status, _, body := download("/api/v1/exports/hazard-areas?format=" + string(f) + "&" + q)
		exports++
		if status != http.StatusOK {
			t.Fatalf("filtered export: %d %s", status, body)
		}
		var fc *orbjson.FeatureCollection
		if f == landrelease.FormatGeoJSON {
			var err error
			if fc, err = orbjson.UnmarshalFeatureCollection(body); err != nil {
				t.Fatal(err)
			}
		} else {
			fc = readExport(t, f, body).features
		}
		if g, w := localIDs(fc, "local_id"), localIDs(want, "local_id"); !slices.Equal(g, w) || len(w) == 0 {
			t.Errorf("filtered %s export %v, the list %v", f, g, w)
		}
	}

	// A CSV carries the WKT, the centroid's longitude and latitude, or both, as chosen.
	for _, tc := range []struct {
		geometry string
		first    string
		centroid bool
	}{{"wkt", "WKT", false}, {"lonlat", "record", true}, {"both", "WKT", true}} {
		status, _, body := download("/api/v1/exports/hazard-areas?format=csv&csv_geometry=" + tc.geometry)
		exports++
		if status != http.StatusOK {
			t.Fatalf("CSV with csv_geometry=%s: %d %s", tc.geometry, status, body)
		}
		got := readExport(t, landrelease.FormatCSV, body)
		last := got.fields[len(got.fields)-1]
		if got.fields[0] != tc.first || (last == "centroid_lat") != tc.centroid || slices.Contains(got.fields, "WKT") != (tc.first == "WKT") {
			t.Errorf("CSV with csv_geometry=%s: columns %v", tc.geometry, got.fields)
		}
		if len(got.features.Features) != len(list("/api/v1/hazard-areas?limit=10000").Features) {
			t.Errorf("CSV with csv_geometry=%s: %d rows", tc.geometry, len(got.features.Features))
		}
	}

	// A CQL2 filter, and a queryable given as a parameter, select as they do in the list.
	cql := url.Values{"filter": {"area_m2 > 100000 AND identified_on >= DATE('2020-01-01')"}, "priority": {"high"}}.Encode()
	want = list("/api/v1/hazard-areas?limit=10000&" + cql)
	status, _, body := download("/api/v1/exports/hazard-areas?format=geojson&" + cql)
	exports++
	if status != http.StatusOK {
		t.Fatalf("export with a filter: %d %s", status, body)
	}
	if fc, err := orbjson.UnmarshalFeatureCollection(body); err != nil {
		t.Fatal(err)
	} else if g, w := localIDs(fc, "local_id"), localIDs(want, "local_id"); !slices.Equal(g, w) || len(w) == 0 || len(w) == len(hz.Features) {
		t.Errorf("export with a CQL2 filter %v, the list %v", g, w)
	}

	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		{"/api/v1/exports/hazard-areas?format=xlsx", http.StatusBadRequest, "gpkg, shp, kml, csv, geojson, fgb"},
		{"/api/v1/exports/hazard-areas", http.StatusBadRequest, "gpkg, shp, kml, csv, geojson, fgb"},
		{"/api/v1/exports/minefields?format=gpkg", http.StatusNotFound, "hazard-areas, land-releases or admin-units"},
		{"/api/v1/exports/hazard-areas?format=gpkg&kind=XYZ", http.StatusBadRequest, "kind must be one of SHA, CHA"},
		{"/api/v1/exports/hazard-areas?format=gpkg&limit=10", http.StatusBadRequest, "does not apply to exports"},
		{"/api/v1/exports/hazard-areas?format=csv&csv_geometry=xy", http.StatusBadRequest, "both, wkt, lonlat"},
		{"/api/v1/exports/hazard-areas?format=gpkg&csv_geometry=wkt", http.StatusBadRequest, "CSV exports only"},
		{"/api/v1/exports/land-releases?format=csv&filter=area_m2%20%3E", http.StatusBadRequest, "filter"},
	} {
		status, h, body := download(tc.path)
		if status != tc.status || !strings.Contains(string(body), tc.want) || h.Get("Content-Disposition") != "" {
			t.Errorf("GET %s: %d %s (Content-Disposition %q), want %d saying %q", tc.path, status, body, h.Get("Content-Disposition"), tc.status, tc.want)
		}
	}
	if res := a.raw("GET", "/api/v1/exports/hazard-areas?format=gpkg", ""); res.status != http.StatusUnauthorized {
		t.Errorf("an export without credentials: %d", res.status)
	}

	res := a.do("GET", "/api/v1/audit?action=export&limit=1000", admin, nil, nil)
	entries, _ := res.body["entries"].([]any)
	if len(entries) != exports {
		t.Fatalf("%d exports in the audit trail, want %d: %v", len(entries), exports, res.body)
	}
	last := entries[0].(map[string]any)
	detail, _ := last["detail"].(map[string]any)
	if last["actor"] != "gis" || last["entity"] != "export" || !strings.HasPrefix(last["local_id"].(string), "hazard-areas-") ||
		detail["format"] != "geojson" || !strings.Contains(detail["filters"].(string), "priority=high") {
		t.Errorf("the last export in the audit trail: %v", last)
	}
}

// TestExportCommand: landrelease export writes the file the API does, with the same filters, and records it.
func TestExportCommand(t *testing.T) {
	a := startClosed(t)
	a.cli("demo", "load", "--hazards", "20", "--admin", "../../testdata/admin1-LA.geojson")
	reader := strings.TrimSpace(a.cli("token", "create", "--user", "gis", "--role", "reporting_officer"))
	out := filepath.Join(t.TempDir(), "cha.gpkg")
	a.cli("export", "hazard-areas", "--format", "gpkg", "--out", out, "--kind", "CHA", "--status", "all", "--filter", "area_m2 > 1000")
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := readExport(t, landrelease.FormatGeoPackage, data)
	req, _ := http.NewRequest("GET", a.base+"/api/v1/hazard-areas?limit=10000&kind=CHA&status=all&filter=area_m2%20%3E%201000", nil)
	req.Header.Set("Authorization", "Bearer "+reader)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	want, err := orbjson.UnmarshalFeatureCollection(b)
	if err != nil {
		t.Fatal(err)
	}
	if g, w := localIDs(got.features, "local_id"), localIDs(want, "local_id"); !slices.Equal(g, w) || len(w) == 0 {
		t.Errorf("landrelease export: %v, the list %v", g, w)
	}
	if geo := a.cli("export", "admin-units", "--format", "geojson", "--out", "-", "--level", "1"); !strings.Contains(geo, `"FeatureCollection"`) {
		t.Errorf("admin units to stdout: %.100s", geo)
	}
	var stdout, stderr bytes.Buffer
	err = run(t.Context(), []string{"export", "hazard-areas", "--format", "xlsx"}, a.getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "gpkg, shp, kml, csv, geojson, fgb") {
		t.Errorf("an unknown format: %v", err)
	}
	err = run(t.Context(), []string{"export", "hazard-areas", "--format", "csv", "--out", out + ".csv", "--kind", "XYZ"}, a.getenv, &stdout, &stderr)
	if _, statErr := os.Stat(out + ".csv"); err == nil || statErr == nil {
		t.Errorf("a bad filter: %v, file left: %v", err, statErr)
	}
	if n := strings.Count(a.cli("export", "admin-units", "--format", "csv", "--out", "-"), "\n"); n < 18 {
		t.Errorf("admin units as CSV: %d lines", n)
	}
}
