package gdal

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// testLayer has a field of every type, two of them with long names.
var testLayer = landrelease.ExportLayer{Name: "hazard_areas", Label: "local_id", Fields: []landrelease.ExportField{
	{Name: "local_id", Short: "local_id", Type: landrelease.FieldString},
	{Name: "devices", Short: "devices", Type: landrelease.FieldJSON},
	{Name: "identified_on", Short: "ident_on", Type: landrelease.FieldDate},
	{Name: "area_m2", Short: "area_m2", Type: landrelease.FieldReal},
	{Name: "version", Short: "version", Type: landrelease.FieldInteger},
	{Name: "recorded_at", Short: "rec_at", Type: landrelease.FieldDateTime},
	{Name: "withdrawn", Short: "withdrawn", Type: landrelease.FieldBoolean},
	{Name: "releases_since", Short: "rel_since", Type: landrelease.FieldDate},
	{Name: "notes", Short: "notes", Type: landrelease.FieldString},
}}

// testNotes is longer than a Shapefile's default 80 characters, in Lao script.
const testNotes = "ບ້ານນາ " + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

// testFeatures: areas written as whole numbers (which GDAL would read as integers without the casts), a
// MultiPolygon, text past a Shapefile's default 80 characters, Lao script.
const testFeatures = `{"type":"FeatureCollection","features":[
{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[[[102,18],[102.01,18],[102.01,18.01],[102,18]]]},
 "properties":{"local_id":"LA-1","devices":["BLU-26","M42"],"identified_on":"2024-01-02","area_m2":1234,"version":1,
  "recorded_at":"2024-01-02T03:04:05.123Z","withdrawn":false,"releases_since":null,"notes":"` + testNotes + `"}},
{"type":"Feature","id":"LA-2","geometry":{"type":"MultiPolygon","coordinates":[[[[103,19],[103.01,19],[103.01,19.01],[103,19]]],[[[103.02,19],[103.03,19],[103.03,19.01],[103.02,19]]]]},
 "properties":{"local_id":"LA-2","devices":[],"identified_on":"2024-01-03","area_m2":12,"version":2,
  "recorded_at":"2024-02-02T00:00:00Z","withdrawn":true,"releases_since":"2024-05-05","notes":""}}
]}`

func feed(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

// TestExportFormats exports two features to each format and reads the file back with GDAL: the fields with
// their types (as far as the format has them), names within ten characters in a Shapefile, the CRS, the
// features and their values.
func TestExportFormats(t *testing.T) {
	tools(t)
	long := []string{"local_id", "devices", "identified_on", "area_m2", "version", "recorded_at", "withdrawn", "releases_since", "notes"}
	short := []string{"local_id", "devices", "ident_on", "area_m2", "version", "rec_at", "withdrawn", "rel_since", "notes"}
	for _, tc := range []struct {
		format landrelease.ExportFormat
		names  []string
		types  []string // ogrinfo's type of each field, in names' order
	}{
		{landrelease.FormatGeoPackage, long, []string{"String", "String(JSON)", "Date", "Real", "Integer", "DateTime", "Integer(Boolean)", "Date", "String"}},
		{landrelease.FormatFlatGeobuf, long, []string{"String", "String", "DateTime", "Real", "Integer", "DateTime", "Integer(Boolean)", "DateTime", "String"}},
		{landrelease.FormatShapefile, short, []string{"String", "String", "Date", "Real", "Integer", "String", "Integer", "Date", "String"}},
		{landrelease.FormatKML, append([]string{"Name"}, long...), []string{"String", "String", "String", "String", "Real", "Integer", "String", "Integer", "String", "String"}},
		{landrelease.FormatCSV, append([]string{"WKT"}, long...), nil}, // CSV is text: GDAL reads every column as a String
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			var out bytes.Buffer
			e := New(Config{TempDir: t.TempDir()})
			if err := e.Export(context.Background(), &out, tc.format, testLayer, feed(testFeatures)); err != nil {
				t.Fatal(err)
			}
			rb, entries := read(t, tc.format, out.Bytes())
			if tc.format == landrelease.FormatShapefile {
				want := []string{"hazard_areas.shp", "hazard_areas.shx", "hazard_areas.dbf", "hazard_areas.prj", "hazard_areas.cpg"}
				if !slices.Equal(entries, want) {
					t.Errorf("zip holds %v, want %v", entries, want)
				}
			}
			var names []string
			for _, n := range rb.Order {
				if !slices.Contains(kmlOwnFields, n) || tc.format != landrelease.FormatKML {
					names = append(names, n)
				}
			}
			if tc.format == landrelease.FormatKML {
				names = append([]string{"Name"}, names...)
			}
			if !slices.Equal(names, tc.names) {
				t.Errorf("fields %v, want %v", names, tc.names)
			}
			for i, n := range tc.names {
				want := "String"
				if tc.types != nil {
					want = tc.types[i]
				}
				if got := rb.Fields[n]; got != want {
					t.Errorf("field %s is %s, want %s", n, got, want)
				}
			}
			if tc.format != landrelease.FormatCSV && !rb.EPSG4326 {
				t.Errorf("the CRS is not WGS 84")
			}
			if len(rb.Features) != 2 {
				t.Fatalf("%d features, want 2", len(rb.Features))
			}
			first, second := rb.Features[0], rb.Features[1]
			if first.Properties["local_id"] != "LA-1" { // FlatGeobuf's spatial index orders features on its curve
				first, second = second, first
			}
			p := first.Properties
			id, notes, area, date := tc.names[0], "notes", "area_m2", "identified_on"
			if tc.format == landrelease.FormatShapefile {
				date = "ident_on"
			}
			if tc.format == landrelease.FormatKML || tc.format == landrelease.FormatCSV {
				id = "local_id"
			}
			if p[id] != "LA-1" || p[notes] != testNotes {
				t.Errorf("text values: %s %v, notes %q", id, p[id], p[notes])
			}
			if a := p[area]; a != 1234.0 && a != "1234" {
				t.Errorf("area_m2 = %#v", a)
			}
			if d, _ := p[date].(string); !strings.HasPrefix(d, "2024-01-02") && !strings.HasPrefix(d, "2024/01/02") {
				t.Errorf("%s = %v", date, p[date])
			}
			var g struct {
				Type string `json:"type"`
			}
			if err := json.Unmarshal(second.Geometry, &g); err != nil || g.Type != "MultiPolygon" {
				t.Errorf("second geometry: %s", second.Geometry)
			}
		})
	}
}

// kmlOwnFields are the fields GDAL's KML driver reads in every file.
var kmlOwnFields = []string{"Name", "description", "timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude", "visibility", "drawOrder", "icon"}

// TestExportEmpty writes a file with the layer's fields and no feature when nothing is fed.
func TestExportEmpty(t *testing.T) {
	tools(t)
	var out bytes.Buffer
	err := New(Config{}).Export(context.Background(), &out, landrelease.FormatGeoPackage, testLayer,
		feed(`{"type":"FeatureCollection","features":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	rb, _ := read(t, landrelease.FormatGeoPackage, out.Bytes())
	if len(rb.Features) != 0 || rb.Fields["identified_on"] != "Date" || rb.Fields["area_m2"] != "Real" {
		t.Errorf("empty export: %d features, fields %v", len(rb.Features), rb.Fields)
	}
}

// TestExportGeoJSON streams the feed as it is, without GDAL.
func TestExportGeoJSON(t *testing.T) {
	var out bytes.Buffer
	if err := New(Config{Ogr2ogr: "/nonexistent"}).Export(context.Background(), &out, landrelease.FormatGeoJSON, testLayer, feed(testFeatures)); err != nil {
		t.Fatal(err)
	}
	if out.String() != testFeatures {
		t.Error("the GeoJSON export is not the feed")
	}
}

// TestExportErrors: an unknown format, a failing feed, ogr2ogr failing or missing, a layer whose names cannot
// be written; none leaves a file behind in the temporary directory nor writes to w.
func TestExportErrors(t *testing.T) {
	tools(t)
	fake := filepath.Join(t.TempDir(), "ogr2ogr")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'ERROR 1: something broke' >&2\nexit 1\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	slow := filepath.Join(t.TempDir(), "ogr2ogr")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nexec sleep 30\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	bad := testLayer
	bad.Fields = append(slices.Clone(bad.Fields), landrelease.ExportField{Name: `x"; DROP`, Short: "x", Type: landrelease.FieldString})
	clash := testLayer
	clash.Fields = append(slices.Clone(clash.Fields), landrelease.ExportField{Name: "notes_2", Short: "notes", Type: landrelease.FieldString})
	for _, tc := range []struct {
		name   string
		cfg    Config
		format landrelease.ExportFormat
		layer  landrelease.ExportLayer
		feed   func(io.Writer) error
		want   string
	}{
		{"unknown format", Config{}, "xlsx", testLayer, feed(testFeatures), "must be one of gpkg, shp, kml, csv, geojson, fgb"},
		{"feed fails", Config{}, landrelease.FormatGeoPackage, testLayer, func(w io.Writer) error { return landrelease.Errorf(landrelease.EINTERNAL, "database gone") }, "database gone"},
		{"ogr2ogr fails", Config{Ogr2ogr: fake}, landrelease.FormatGeoPackage, testLayer, feed(testFeatures), "ERROR 1: something broke"},
		{"ogr2ogr missing", Config{Ogr2ogr: "/nonexistent/ogr2ogr"}, landrelease.FormatKML, testLayer, feed(testFeatures), "no such file"},
		{"ogr2ogr too slow", Config{Ogr2ogr: slow, Timeout: 200 * time.Millisecond}, landrelease.FormatKML, testLayer, feed(testFeatures), "stopped after 200ms"},
		{"bad field name", Config{}, landrelease.FormatCSV, bad, feed(testFeatures), "not a name"},
		{"short names clash", Config{}, landrelease.FormatCSV, clash, feed(testFeatures), `named "notes" in a Shapefile`},
		{"not GeoJSON", Config{}, landrelease.FormatCSV, testLayer, feed(`{"type":`), "not a GeoJSON FeatureCollection"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.TempDir = t.TempDir()
			var out bytes.Buffer
			err := New(tc.cfg).Export(context.Background(), &out, tc.format, tc.layer, tc.feed)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if out.Len() != 0 {
				t.Errorf("%d bytes written on error", out.Len())
			}
			if left, _ := os.ReadDir(tc.cfg.TempDir); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

// TestShapefileCPG: the zip's .cpg says the .dbf is UTF-8.
func TestShapefileCPG(t *testing.T) {
	tools(t)
	var out bytes.Buffer
	if err := New(Config{}).Export(context.Background(), &out, landrelease.FormatShapefile, testLayer, feed(testFeatures)); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "hazard_areas.cpg" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			if strings.TrimSpace(string(b)) != "UTF-8" {
				t.Errorf(".cpg says %q", b)
			}
		}
	}
}

// TestZipShapefileMissingPart: a Shapefile without one of its five files is an error, and nothing is written.
func TestZipShapefileMissingPart(t *testing.T) {
	dir := t.TempDir()
	for _, ext := range []string{".shp", ".shx", ".dbf", ".prj"} { // no .cpg
		if err := os.WriteFile(filepath.Join(dir, "l"+ext), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := zipShapefile(&out, dir, "l"); err == nil || !strings.Contains(err.Error(), ".cpg") || out.Len() != 0 {
		t.Errorf("zip without .cpg: %v, %d bytes written", err, out.Len())
	}
}

// TestExportStamp exports the same features twice a second apart: with a Stamp the GeoPackages are the same
// bytes, and the stamp is their last change; without one they differ.
func TestExportStamp(t *testing.T) {
	tools(t)
	stamp := time.Date(2025, time.March, 4, 5, 6, 7, 0, time.UTC)
	for _, tc := range []struct {
		stamp time.Time
		same  bool
	}{{stamp, true}, {time.Time{}, false}} {
		var files [2][]byte
		for i := range files {
			if i == 1 {
				time.Sleep(1100 * time.Millisecond)
			}
			var out bytes.Buffer
			if err := New(Config{Stamp: tc.stamp}).Export(context.Background(), &out, landrelease.FormatGeoPackage, testLayer, feed(testFeatures)); err != nil {
				t.Fatal(err)
			}
			files[i] = out.Bytes()
		}
		if same := bytes.Equal(files[0], files[1]); same != tc.same {
			t.Errorf("stamp %v: the two GeoPackages are the same bytes: %v, want %v", tc.stamp, same, tc.same)
		}
		if tc.same && !bytes.Contains(files[0], []byte("2025-03-04T05:06:07.000Z")) {
			t.Errorf("stamp %v: the GeoPackage does not hold it", tc.stamp)
		}
	}
}
