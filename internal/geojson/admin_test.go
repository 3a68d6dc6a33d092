package geojson_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

var adm1Fields = geojson.AdminFields{Code: "adm1_code", Name: "name"}

func TestReadAdminUnitsLaos(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "testdata", "admin1-LA.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	units, err := geojson.ReadAdminUnits(f, 1, adm1Fields)
	if err != nil {
		t.Fatalf("ReadAdminUnits: %v", err)
	}
	if len(units) != 17 {
		t.Fatalf("got %d units, want 17", len(units))
	}
	codes := map[string]bool{}
	for i, u := range units {
		if u.Level != 1 {
			t.Errorf("unit %d: level %d, want 1", i, u.Level)
		}
		if !strings.HasPrefix(u.Code, "LAO-") {
			t.Errorf("unit %d: code %q, want LAO-*", i, u.Code)
		}
		if codes[u.Code] {
			t.Errorf("unit %d: code %q repeated", i, u.Code)
		}
		codes[u.Code] = true
		if strings.TrimSpace(u.Name) == "" {
			t.Errorf("unit %d (%s): empty name", i, u.Code)
		}
		if u.ParentCode != "" {
			t.Errorf("unit %d (%s): parent %q without a parent field", i, u.Code, u.ParentCode)
		}
		if len(u.Geometry) == 0 {
			t.Errorf("unit %d (%s): empty geometry", i, u.Code)
		}
		for _, p := range u.Geometry {
			for _, r := range p {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Errorf("unit %d (%s): ring of %d positions not closed", i, u.Code, len(r))
				}
				for _, pt := range r {
					// Laos lies within 100-108 E, 13-23 N.
					if pt[0] < 100 || pt[0] > 108 || pt[1] < 13 || pt[1] > 23 {
						t.Fatalf("unit %d (%s): position %v outside Laos", i, u.Code, pt)
					}
				}
			}
		}
		if u.Properties["adm1_code"] != u.Code || u.Properties["name_en"] == nil || u.Properties["iso_3166_2"] == nil {
			t.Errorf("unit %d (%s): properties not kept: %v", i, u.Code, u.Properties)
		}
	}
	if u := units[0]; u.Code != "LAO-3291" || u.Name != "Phôngsali" || u.Properties["name_en"] != "Phongsaly" {
		t.Errorf("first unit %s %q %v, want LAO-3291 Phôngsali", u.Code, u.Name, u.Properties["name_en"])
	}
}

// unitFC wraps features in a FeatureCollection.
func unitFC(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func unitFeature(props, geometry string) string {
	return `{"type":"Feature","properties":` + props + `,"geometry":` + geometry + `}`
}

const (
	unitPolygon = `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`
	unitMulti   = `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[2,0],[3,0],[3,1],[2,0]]]]}`
)

func TestReadAdminUnits(t *testing.T) {
	data := unitFC(
		unitFeature(`{"ADM2_PCODE":"LA0101","ADM2_EN":"Chanthabuly","ADM1_PCODE":"LA01","pop":71000}`, unitPolygon),
		unitFeature(`{"ADM2_PCODE":"LA0102","ADM2_EN":"Sikhottabong","ADM1_PCODE":null}`, unitMulti),
		unitFeature(`{"ADM2_PCODE":3291,"ADM2_EN":"Numeric","ADM1_PCODE":17}`, unitPolygon),
	)
	units, err := geojson.ReadAdminUnits(strings.NewReader(data), 2, geojson.AdminFields{Code: "ADM2_PCODE", Name: "ADM2_EN", Parent: "ADM1_PCODE"})
	if err != nil {
		t.Fatalf("ReadAdminUnits: %v", err)
	}
	want := []struct {
		code, name, parent string
		parts              int
	}{
		{"LA0101", "Chanthabuly", "LA01", 1},
		{"LA0102", "Sikhottabong", "", 2},
		{"3291", "Numeric", "17", 1},
	}
	if len(units) != len(want) {
		t.Fatalf("got %d units, want %d", len(units), len(want))
	}
	for i, w := range want {
		u := units[i]
		if u.Level != 2 || u.Code != w.code || u.Name != w.name || u.ParentCode != w.parent || len(u.Geometry) != w.parts {
			t.Errorf("unit %d = level %d %q %q parent %q, %d parts; want %+v", i, u.Level, u.Code, u.Name, u.ParentCode, len(u.Geometry), w)
		}
	}
	if units[0].Properties["pop"] != 71000.0 {
		t.Errorf("properties %v: pop not kept", units[0].Properties)
	}
	wantPoly := orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
	if !units[0].Geometry.Equal(wantPoly) {
		t.Errorf("geometry %v, want %v", units[0].Geometry, wantPoly)
	}
}

func TestReadAdminUnitsEmpty(t *testing.T) {
	units, err := geojson.ReadAdminUnits(strings.NewReader(`{"type":"FeatureCollection","features":[]}`), 1, adm1Fields)
	if err != nil || len(units) != 0 {
		t.Errorf("got %v, %v; want no units", units, err)
	}
}

func TestReadAdminUnitsErrors(t *testing.T) {
	ok := unitFeature(`{"adm1_code":"X1","name":"One"}`, unitPolygon)
	cases := []struct {
		name   string
		data   string
		fields geojson.AdminFields
		want   []string // substrings of the error
	}{
		{"missing code property", unitFC(ok, unitFeature(`{"name":"Two"}`, unitPolygon)), adm1Fields,
			[]string{"feature 1", `"adm1_code"`, "missing"}},
		{"null code", unitFC(unitFeature(`{"adm1_code":null,"name":"Two"}`, unitPolygon)), adm1Fields,
			[]string{"feature 0", `"adm1_code"`, "missing"}},
		{"empty code", unitFC(unitFeature(`{"adm1_code":"","name":"Two"}`, unitPolygon)), adm1Fields,
			[]string{"feature 0", `"adm1_code"`, "empty"}},
		{"code not a string", unitFC(ok, ok, unitFeature(`{"adm1_code":true,"name":"Two"}`, unitPolygon)), adm1Fields,
			[]string{"feature 2", `"adm1_code"`, "not a string"}},
		{"missing name", unitFC(ok, unitFeature(`{"adm1_code":"X2"}`, unitPolygon)), adm1Fields,
			[]string{"feature 1 (X2)", `"name"`, "missing"}},
		{"name an object", unitFC(unitFeature(`{"adm1_code":"X2","name":{"en":"Two"}}`, unitPolygon)), adm1Fields,
			[]string{"feature 0 (X2)", `"name"`, "not a string"}},
		{"parent not a string", unitFC(unitFeature(`{"adm1_code":"X2","name":"Two","up":["X"]}`, unitPolygon)),
			geojson.AdminFields{Code: "adm1_code", Name: "name", Parent: "up"}, []string{"feature 0 (X2)", `"up"`, "not a string"}},
		{"wrong field names", unitFC(ok), geojson.AdminFields{Code: "ADM1_PCODE", Name: "ADM1_EN"},
			[]string{"feature 0", `"ADM1_PCODE"`, "missing"}},
		{"Point geometry", unitFC(ok, unitFeature(`{"adm1_code":"X2","name":"Two"}`, `{"type":"Point","coordinates":[102.6,17.97]}`)), adm1Fields,
			[]string{"feature 1 (X2)", "geometry is Point", "not Polygon or MultiPolygon"}},
		{"LineString geometry", unitFC(unitFeature(`{"adm1_code":"X2","name":"Two"}`, `{"type":"LineString","coordinates":[[0,0],[1,1]]}`)), adm1Fields,
			[]string{"feature 0 (X2)", "geometry is LineString"}},
		{"null geometry", unitFC(ok, unitFeature(`{"adm1_code":"X3","name":"Three"}`, `null`)), adm1Fields,
			[]string{"feature 1 (X3)", "geometry is null"}},
		{"not a FeatureCollection", ok, adm1Fields, []string{"not a GeoJSON FeatureCollection"}},
		{"a geometry", unitPolygon, adm1Fields, []string{"not a GeoJSON FeatureCollection"}},
		{"malformed JSON", `{"type":"FeatureCollection","features":[`, adm1Fields, []string{"not a GeoJSON FeatureCollection"}},
		{"empty input", ``, adm1Fields, []string{"read admin units"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			units, err := geojson.ReadAdminUnits(strings.NewReader(c.data), 1, c.fields)
			if err == nil {
				t.Fatalf("no error; got %d units", len(units))
			}
			if units != nil {
				t.Errorf("units %v with an error", units)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.HasPrefix(err.Error(), "read admin units") {
				t.Errorf("error %q does not start with read admin units", err)
			}
		})
	}
}

func TestReadAdminUnitsReadError(t *testing.T) {
	_, err := geojson.ReadAdminUnits(iotest.ErrReader(iotest.ErrTimeout), 1, adm1Fields)
	if err == nil || !strings.Contains(err.Error(), "read admin units") || !strings.Contains(err.Error(), iotest.ErrTimeout.Error()) {
		t.Errorf("error %v, want a wrapped read error", err)
	}
}

// TestReadAdminUnitsLargeNumericCode: a numeric code must read as the number written, not in exponent form.
func TestReadAdminUnitsLargeNumericCode(t *testing.T) {
	for _, code := range []string{"1000000", "1159315805"} {
		t.Run(code, func(t *testing.T) {
			data := unitFC(unitFeature(`{"id":`+code+`,"name":"N"}`, unitPolygon))
			units, err := geojson.ReadAdminUnits(strings.NewReader(data), 1, geojson.AdminFields{Code: "id", Name: "name"})
			if err != nil {
				t.Fatal(err)
			}
			if got := units[0].Code; got != code {
				t.Errorf("numeric code %s is read as %q: prop formats a float64 with fmt.Sprint, whose %%v "+
					"switches to exponent form once the exponent reaches 6, so any numeric code of 7 or more digits is mangled", code, got)
			}
		})
	}
}

// TestAdminUnits checks the admin units' FeatureCollection, with and without geometries, byte for byte (orb
// writes the members in its own order and escapes HTML characters in properties, whatever the encoder says).
func TestAdminUnits(t *testing.T) {
	units := []*landrelease.AdminUnit{
		{Level: 1, Code: "LA-XK", Name: "Xiangkhouang", Geometry: orb.MultiPolygon{{{{103, 19}, {104, 19}, {104, 20}, {103, 19}}}}},
		{Level: 2, Code: "LA-XK-01", Name: "Pek <ເມືອງແປກ>", ParentCode: "LA-XK", Geometry: orb.MultiPolygon{{{{103, 19}, {103.5, 19}, {103.5, 19.5}, {103, 19}}}}},
	}
	for _, c := range []struct {
		withGeometry bool
		want         string
	}{
		{true, `{"features":[` +
			`{"id":"LA-XK","type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[103,19],[104,19],[104,20],[103,19]]]]},"properties":{"code":"LA-XK","level":1,"name":"Xiangkhouang","parent_code":""}},` +
			`{"id":"LA-XK-01","type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[103,19],[103.5,19],[103.5,19.5],[103,19]]]]},"properties":{"code":"LA-XK-01","level":2,"name":"Pek \u003cເມືອງແປກ\u003e","parent_code":"LA-XK"}}],"type":"FeatureCollection"}`},
		{false, `{"features":[` +
			`{"id":"LA-XK","type":"Feature","geometry":null,"properties":{"code":"LA-XK","level":1,"name":"Xiangkhouang","parent_code":""}},` +
			`{"id":"LA-XK-01","type":"Feature","geometry":null,"properties":{"code":"LA-XK-01","level":2,"name":"Pek \u003cເມືອງແປກ\u003e","parent_code":"LA-XK"}}],"type":"FeatureCollection"}`},
	} {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(geojson.AdminUnits(units, c.withGeometry)); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSuffix(buf.String(), "\n"); got != c.want {
			t.Errorf("with geometry %v:\n got %s\nwant %s", c.withGeometry, got, c.want)
		}
	}
}
