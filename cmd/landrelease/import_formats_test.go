package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// ogr2ogr runs GDAL's ogr2ogr with args, or skips (fails under CI) when it is not installed.
func ogr2ogr(t *testing.T, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("ogr2ogr")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("GDAL is not installed: make test installs it (.ci/gdal)")
		}
		t.Skip("GDAL's ogr2ogr is not installed")
	}
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("ogr2ogr %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// zipFiles zips the named files of dir (under their base names) and returns the zip.
func zipFiles(t *testing.T, dir string, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// multipartUpload is a multipart/form-data body with the file part and, when mapping is not "", a mapping part.
func multipartUpload(t *testing.T, filename string, file []byte, mapping string) (contentType string, body []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(file)
	if mapping != "" {
		mw.WriteField("mapping", mapping)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// fixture is one import format made from the sample: how it is sent.
type fixture struct {
	name        string
	contentType string
	query       string
	body        []byte
}

// shapefileMapping maps the Shapefile's ten-character field names back to ours.
const shapefileMapping = `{"fields": {"hazard_are": "hazard_area", "contaminat": "contamination", "evidence_c": "evidence_category",
 "identified": "identified_on", "completed_": "completed_on", "organisati": "organisation", "items_dest": "items_destroyed"}}`

// gpxMapping maps the GPX extension fields GDAL writes (ogr_ and our name) to ours.
const gpxMapping = `{"name": "gpx-extensions", "fields": {"ogr_record": "record", "ogr_local_id": "local_id", "ogr_kind": "kind",
 "ogr_contamination": "contamination", "ogr_evidence": "evidence", "ogr_evidence_category": "evidence_category",
 "ogr_devices": "devices", "ogr_marking": "marking", "ogr_priority": "priority", "ogr_land_use": "land_use",
 "ogr_identified_on": "identified_on", "ogr_organisation": "organisation", "ogr_notes": "notes", "ogr_hazard_area": "hazard_area",
 "ogr_method": "method", "ogr_completed_on": "completed_on", "ogr_criteria": "criteria", "ogr_depth_cm": "depth_cm",
 "ogr_items_destroyed": "items_destroyed"}}`

// importFixtures makes every import format from the sample with ogr2ogr, in dir.
func importFixtures(t *testing.T, dir string) []fixture {
	t.Helper()
	sample := filepath.Join("testdata", "import", "sample.geojson")
	named := `SELECT *, local_id AS Name FROM sample` // a placemark's, a track's name
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	ogr2ogr(t, "-f", "LIBKML", filepath.Join(dir, "sample.kml"), sample, "-oo", "DATE_AS_STRING=YES", "-sql", named, "-nln", "areas")
	ogr2ogr(t, "-f", "LIBKML", filepath.Join(dir, "sample.kmz"), sample, "-oo", "DATE_AS_STRING=YES", "-sql", named, "-nln", "areas")
	ogr2ogr(t, "-f", "GPX", filepath.Join(dir, "sample.gpx"), sample, "-oo", "DATE_AS_STRING=YES", "-sql", named,
		"-nlt", "MULTILINESTRING", "-nln", "tracks", "-dsco", "GPX_USE_EXTENSIONS=YES")
	shp := filepath.Join(dir, "shp")
	os.Mkdir(shp, 0o755)
	ogr2ogr(t, "-f", "ESRI Shapefile", filepath.Join(shp, "areas.shp"), sample, "-t_srs", "EPSG:32648", "-lco", "ENCODING=UTF-8")
	gpkg := filepath.Join(dir, "sample.gpkg")
	ogr2ogr(t, "-f", "GPKG", gpkg, sample, "-nln", "areas")
	ogr2ogr(t, "-f", "GPKG", "-update", gpkg, sample, "-nln", "other_areas", "-where", "record = 'land_release'")

	mpShp, shpBody := multipartUpload(t, "areas.shp.zip", zipFiles(t, shp, "areas.shp", "areas.shx", "areas.dbf", "areas.prj", "areas.cpg"), shapefileMapping)
	return []fixture{
		{"kml", "application/vnd.google-earth.kml+xml", "", read(filepath.Join(dir, "sample.kml"))},
		{"kmz", "application/octet-stream", "filename=sample.kmz", read(filepath.Join(dir, "sample.kmz"))},
		{"gpx", "application/gpx+xml", "mapping=gpx-extensions", read(filepath.Join(dir, "sample.gpx"))},
		{"shapefile", mpShp, "", shpBody},
		{"gpkg", "application/geopackage+sqlite3", "layer=areas", read(gpkg)},
	}
}

// send posts an upload's body as it is, with its Content-Type.
func (a *app) send(path, token, contentType string, body []byte) response {
	a.t.Helper()
	return a.do("POST", path, token, map[string]string{"Content-Type": contentType}, string(body))
}

// withoutSources is a report with every source member and source_field removed, and its source_fields.
func withoutSources(rep map[string]any) map[string]any {
	var strip func(v any) any
	strip = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range x {
				if k != "source" && k != "source_field" && k != "source_fields" {
					out[k] = strip(e)
				}
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, e := range x {
				out[i] = strip(e)
			}
			return out
		}
		return v
	}
	return strip(rep).(map[string]any)
}

// records returns the registry's hazard areas and land releases, by local id, without what a write stamps.
func (a *app) records(token string) map[string]map[string]any {
	a.t.Helper()
	out := map[string]map[string]any{}
	for _, coll := range []string{"hazard-areas", "land-releases"} {
		res := a.do("GET", "/api/v1/"+coll+"?limit=100", token, nil, nil)
		if res.status != http.StatusOK {
			a.t.Fatalf("GET %s: %d %v", coll, res.status, res.body)
		}
		fs, _ := res.body["features"].([]any)
		for _, f := range fs {
			m := f.(map[string]any)
			p := m["properties"].(map[string]any)
			delete(p, "recorded_at")
			p["geometry"] = m["geometry"]
			out[p["local_id"].(string)] = p
		}
	}
	return out
}

// TestImportFormats: the sample as KML, KMZ, GPX (closed tracks), a zipped Shapefile in UTM zone 48N and a
// GeoPackage, each made by ogr2ogr and uploaded over HTTP (with a mapping where the format cannot carry our
// names), gives the GeoJSON upload's report (apart from where each feature is in the file) and, approved, its
// records (the Shapefile's areas within 0.01 %).
func TestImportFormats(t *testing.T) {
	fixtures := importFixtures(t, t.TempDir())
	sample, err := os.ReadFile(filepath.Join("testdata", "import", "sample.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	// upload checks, submits and approves body in a registry of its own, with the mappings saved first (by the
	// field team, under their names), and returns the check's report, the upload as submitted and the records.
	upload := func(t *testing.T, contentType, query string, body []byte, mappings ...string) (map[string]any, map[string]any, map[string]map[string]any) {
		a := start(t)
		team := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
		dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
		for _, doc := range mappings {
			var m struct{ Name string }
			if err := json.Unmarshal([]byte(doc), &m); err != nil || m.Name == "" {
				t.Fatalf("mapping without a name: %v", err)
			}
			if res := a.do("PUT", "/api/v1/mappings/"+m.Name, team, map[string]string{"Content-Type": "application/json"}, doc); res.status != http.StatusCreated {
				t.Fatalf("save mapping %s: %d %v", m.Name, res.status, res.body)
			}
		}
		q := "?dry_run=true"
		if query != "" {
			q += "&" + query
		}
		res := a.send("/api/v1/uploads"+q, team, contentType, body)
		if res.status != http.StatusOK {
			t.Fatalf("dry run: %d %v", res.status, res.body)
		}
		rep := res.body["report"].(map[string]any)
		q = ""
		if query != "" {
			q = "?" + query
		}
		res = a.send("/api/v1/uploads"+q, team, contentType, body)
		if res.status != http.StatusCreated {
			t.Fatalf("submit: %d %v", res.status, res.body)
		}
		up := res.body
		id := int(up["id"].(float64))
		if res := a.do("GET", "/api/v1/uploads/"+itoa(id), dm, nil, nil); res.status != http.StatusOK ||
			!reflect.DeepEqual(withoutSources(res.body["report"].(map[string]any)), withoutSources(up["report"].(map[string]any))) {
			t.Fatalf("review: %d %v", res.status, res.body)
		}
		if res := a.do("POST", "/api/v1/uploads/"+itoa(id)+"/approve", dm, nil, map[string]any{"comment": "ok"}); res.status != http.StatusOK {
			t.Fatalf("approve: %d %v", res.status, res.body)
		}
		return rep, up, a.records(dm)
	}
	wantRep, _, wantRecs := upload(t, "application/geo+json", "", sample)
	if wantRep["new"] != float64(3) || wantRep["accepted"] != true {
		t.Fatalf("the GeoJSON sample: %v", wantRep)
	}
	for _, fx := range fixtures {
		t.Run(fx.name, func(t *testing.T) {
			var saved []string
			if fx.name == "gpx" { // named in the query: saved by the team first (the Shapefile's goes in a multipart part)
				saved = append(saved, gpxMapping)
			}
			rep, up, recs := upload(t, fx.contentType, fx.query, fx.body, saved...)
			if got := withoutSources(rep); !reflect.DeepEqual(got, withoutSources(wantRep)) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(withoutSources(wantRep), "", " ")
				t.Fatalf("report:\n%s\nwant (as GeoJSON):\n%s", g, w)
			}
			if up["format"] != fx.name {
				t.Errorf("format %v, want %s", up["format"], fx.name)
			}
			// Each feature points into the file: its layer, its number there, its name where the format has one.
			for i, f := range rep["features"].([]any) {
				src, _ := f.(map[string]any)["source"].(map[string]any)
				if src == nil || src["feature"] != float64(i+1) {
					t.Errorf("feature %d: source %v", i, src)
				}
				if fx.name == "kml" || fx.name == "kmz" || fx.name == "gpx" {
					if src["name"] != f.(map[string]any)["local_id"] {
						t.Errorf("feature %d: source name %v, want the placemark's or track's name %v", i, src["name"], f.(map[string]any)["local_id"])
					}
				}
			}
			if fields, _ := rep["source_fields"].([]any); len(fields) == 0 {
				t.Errorf("no source_fields: %v", rep["source_fields"])
			}
			if len(recs) != len(wantRecs) {
				t.Fatalf("%d records, want %d", len(recs), len(wantRecs))
			}
			for id, want := range wantRecs {
				got := recs[id]
				if fx.name == "shapefile" { // reprojected from UTM: the same area within 0.01 %
					for _, k := range []string{"area_m2", "remaining_area_m2"} {
						if w, ok := want[k].(float64); ok {
							if g, _ := got[k].(float64); math.Abs(g-w) > 1e-4*w {
								t.Errorf("%s %s: %v, want %v within 0.01 %%", id, k, g, w)
							}
						}
					}
					got, want = clone(got), clone(want)
					for _, k := range []string{"geometry", "area_m2", "remaining_area_m2"} {
						delete(got, k)
						delete(want, k)
					}
				}
				if !reflect.DeepEqual(got, want) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want)
					t.Errorf("%s:\n%s\nwant\n%s", id, g, w)
				}
			}
		})
	}
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

var _ = io.EOF

// zipBomb is a zip whose one entry declares 8 GiB uncompressed (its data is a few bytes: the size it declares is
// refused before anything is extracted).
func zipBomb(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "areas.shp", Method: zip.Deflate, CompressedSize64: 2, UncompressedSize64: 8 << 30})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte{0x03, 0x00})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestImportRefusals: each bad file gets a clear error (what, where, why) and nothing is written.
func TestImportRefusals(t *testing.T) {
	dir := t.TempDir()
	fixtures := importFixtures(t, dir)
	var gpkg []byte
	for _, fx := range fixtures {
		if fx.name == "gpkg" {
			gpkg = fx.body
		}
	}
	shp := filepath.Join(dir, "shp")
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("the areas of Ban Nakhong"), 0o644)
	noShp := zipFiles(t, dir, "README.txt")
	os.WriteFile(filepath.Join(shp, "areas.prj"), []byte(`PROJCS["District grid",GEOGCS["unknown",DATUM["unknown",SPHEROID["x",0,0]]]]`), 0o644)
	badPrj := zipFiles(t, shp, "areas.shp", "areas.shx", "areas.dbf", "areas.prj")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", "import", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	openTrackType, openTrack := multipartUpload(t, "walk.gpx", read("open-track.gpx"),
		`{"constants": {"record": "hazard_area", "local_id": "LA-VT-2024-0300", "kind": "sha", "contamination": "cmr", "evidence": "indirect",
		  "evidence_category": "verbal_report", "identified_on": "2024-02-01", "organisation": "NPA"}}`)
	unknownFieldType, unknownField := multipartUpload(t, "areas.gpkg", gpkg, `{"fields": {"HAZ_ID": "local_id"}}`)
	wrongFieldType, wrongField := multipartUpload(t, "areas.gpkg", gpkg, `{"fields": {"marking": "kind"}}`)

	a := start(t)
	team := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	before := a.rows()
	for _, tc := range []struct {
		name, contentType, query string
		body                     []byte
		status                   int
		want                     []string // in the error's message or details
	}{
		{"zip without .shp", "application/zip", "", noShp, 422, []string{"no .shp"}},
		{"unknown .prj", "application/x-zipped-shp", "", badPrj, 422, []string{".prj names no coordinate reference system"}},
		{"KML of points", "application/vnd.google-earth.kml+xml", "", read("points.kml"), 422, []string{"only points (2)"}},
		{"GPX open track", openTrackType, "", openTrack, 422, []string{`"Ban Nakhong east field"`, "is open: its ends are 134 m apart"}},
		{"GeoPackage without the layer", "application/geopackage+sqlite3", "layer=hazards", gpkg, 422, []string{`no layer "hazards" (layers: areas, other_areas)`}},
		{"GeoPackage of two layers, none named", "application/geopackage+sqlite3", "", gpkg, 422, []string{"several layers (areas, other_areas)"}},
		{"zip bomb", "application/zip", "", zipBomb(t), 422, []string{"more than 1073741824 bytes uncompressed"}},
		{"mapping naming an unknown field", unknownFieldType, "layer=areas", unknownField, 422, []string{`reads field "HAZ_ID" for local_id, but the file has no such field`}},
		{"a mapped field of wrong values", wrongFieldType, "layer=areas", wrongField, 422, []string{`"field":"kind"`, `"source_field":"marking"`, `"source":{"feature":1,"layer":"areas"}`}},
		{"a saved mapping that does not exist", "application/geopackage+sqlite3", "layer=areas&mapping=district-team", gpkg, 422, []string{`no saved mapping or preset called \"district-team\"`}},
		{"unknown extension", "application/octet-stream", "filename=areas.xlsx", gpkg, 415, []string{".gpkg"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := ""
			if tc.query != "" {
				q = "?" + tc.query
			}
			res := a.send("/api/v1/uploads"+q, team, tc.contentType, tc.body)
			b, _ := json.Marshal(res.body)
			if res.status != tc.status {
				t.Fatalf("%d, want %d: %s", res.status, tc.status, b)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), w) && !strings.Contains(string(b), strings.ReplaceAll(w, `"`, `\"`)) {
					t.Errorf("the error does not say %q: %s", w, b)
				}
			}
			if got := a.rows(); got != before {
				t.Errorf("wrote: %s -> %s", before, got)
			}
		})
	}
}
