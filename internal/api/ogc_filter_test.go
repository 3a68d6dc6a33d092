package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/landrelease/landrelease/internal/cql2"
	"github.com/landrelease/landrelease/internal/landrelease"
)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestOGCFilter sends filters and property parameters to the hazard areas' items and reads the condition the
// registry's list was given, compiled as the database adapter compiles it (its parameters after its own 13); a
// bad filter is 400 naming the parameter, the position and the reason.
func TestOGCFilter(t *testing.T) {
	fx := newOGCFixture(3)
	for _, tc := range []struct {
		query  string
		sql    string
		args   []any
		status landrelease.Status
	}{
		{query: "filter=kind='CHA'", sql: "(v.kind = $14::text)", args: []any{"CHA"}, status: ""},
		{query: "filter=identified_on >= '2024-01-01T'&filter-lang=cql-text", sql: "(v.identified_on >= $14::date)", args: []any{day("2024-01-01")}},
		{query: "filter=identified_on BETWEEN '2024-01-01' AND DATE('2024-02-01')&filter-lang=cql2-text",
			sql: "(v.identified_on BETWEEN $14::date AND $15::date)", args: []any{day("2024-01-01"), day("2024-02-01")}},
		{query: "filter=recorded_at < '2024-01-01T10Z'", sql: "(v.recorded_at < $14::timestamptz)", args: []any{time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)}},
		{query: "filter=CASEI(organisation) LIKE 'mag%' AND admin1_code IN ('LA09', 'LA01')",
			sql: "((lower(v.organisation) LIKE $14::text) AND (a1.code IN ($15::text, $16::text)))", args: []any{"mag%", "LA09", "LA01"}},
		{query: "filter=S_INTERSECTS(geometry, BBOX(103, 19, 104, 20))&filter-crs=http://www.opengis.net/def/crs/OGC/1.3/CRS84",
			sql: "ST_Intersects(v.geom, ST_MakeEnvelope($14, $15, $16, $17, 4326))", args: []any{103.0, 19.0, 104.0, 20.0}},
		{query: "identified_on=2024-02-01", sql: "(v.identified_on = $14::date)", args: []any{day("2024-02-01")}},
		{query: "local_id=LA-1&area_m2=1.5&filter=notes <> ''",
			sql: "((v.area_m2 = $14::double precision) AND (h.local_id = $15::text) AND (v.notes <> $16::text))", args: []any{1.5, "LA-1", ""}},
		{query: "filter=status = 'closed'", sql: "(v.status = $14::text)", args: []any{"closed"}, status: landrelease.StatusAll},
		{query: "status=closed&filter=status = 'closed'", sql: "(v.status = $14::text)", args: []any{"closed"}, status: landrelease.StatusClosed},
		{query: "kind=CHA&status=open"},
	} {
		fx.hazards.last = landrelease.HazardAreaFilter{}
		fx.get(t, items+"?"+encodeQuery(tc.query), nil, http.StatusOK)
		f := fx.hazards.last
		if f.Status != tc.status && tc.sql != "" {
			t.Errorf("%s: status %q, want %q", tc.query, f.Status, tc.status)
		}
		if tc.sql == "" {
			if f.Where != nil {
				t.Errorf("%s: a condition, where the list's own filters do", tc.query)
			}
			continue
		}
		if f.Where == nil {
			t.Errorf("%s: no condition", tc.query)
			continue
		}
		sql, args, err := f.Where.SQL(14)
		if err != nil || sql != tc.sql || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("%s:\n got %s %v %v\nwant %s %v", tc.query, sql, args, err, tc.sql, tc.args)
		}
	}
	for _, tc := range []struct{ query, want string }{
		{"filter=kind = ", "Query parameter filter: at 8: "},
		{"filter=nope = 1", "at 1: unknown property 'nope'"},
		{"filter=identified_on > 3", "cannot compare the property 'identified_on' (a date) with a number"},
		{"filter=identified_on > 'soon'", "cannot compare the property 'identified_on' (a date) with a string"},
		{"filter=kind = 'CHA'&filter-lang=cql2-json", "filter-lang must be cql2-text"},
		{"filter=kind = 'CHA'&filter-crs=http://www.opengis.net/def/crs/EPSG/0/4326", "filter-crs must be"},
		{"filter-lang=cql2-text", "filter is missing"},
		{"identified_on=yesterday", "identified_on must be a date"},
		{"area_m2=big", "area_m2 must be a number"},
		{"near=103.1,19.4&filter=kind = 'CHA'", "filter cannot be combined with near"},
	} {
		rec := fx.get(t, items+"?"+encodeQuery(tc.query), nil, http.StatusBadRequest)
		var body errorBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !strings.Contains(body.Error.Message, tc.want) || body.Error.Code != landrelease.EBADREQUEST {
			t.Errorf("%s: %s, want %q", tc.query, rec.Body, tc.want)
		}
	}
}

// TestOGCFilterUsesDatabase: a bbox of the current state comes from the index, unless a filter goes with it,
// which only the database answers.
func TestOGCFilterUsesDatabase(t *testing.T) {
	fx := newOGCFixture(3)
	for _, tc := range []struct {
		query    string
		database bool
	}{
		{"bbox=100,10,110,25", false},
		{"bbox=100,10,110,25&filter=kind='CHA'", true},
		{"point=103.1,19.4&filter=kind='CHA'", true},
		{"bbox=100,10,110,25&kind=CHA", false},
		{"bbox=100,10,110,25&identified_on=2024-01-01", true},
	} {
		fx.hazards.last = landrelease.HazardAreaFilter{}
		fx.get(t, "/api/v1/hazard-areas?"+encodeQuery(tc.query), nil, http.StatusOK)
		asked := fx.hazards.last.BBox != nil || fx.hazards.last.Point != nil
		if asked != tc.database {
			t.Errorf("%s: database asked %v, want %v", tc.query, asked, tc.database)
		}
	}
}

// encodeQuery escapes the values of a query written plainly (name=value&...).
func encodeQuery(q string) string {
	var parts []string
	for _, kv := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return strings.Join(parts, "&")
}

// ogcReleases answers the land releases' list with nothing, keeping the filter asked.
type ogcReleases struct {
	landrelease.LandReleaseService
	last landrelease.LandReleaseFilter
}

func (r *ogcReleases) FindLandReleases(_ context.Context, f landrelease.LandReleaseFilter) ([]*landrelease.LandRelease, error) {
	r.last = f
	return nil, nil
}

func TestOGCFilterLandReleases(t *testing.T) {
	rs := &ogcReleases{}
	fx := newOGCFixture(1)
	fx.srv.cfg.Releases = rs
	fx.get(t, "/api/v1/collections/land-releases/items?"+encodeQuery("method=cleared&depth_cm=30&filter=completed_on >= '2024-01-01' AND hazard_area = 'LA-1'"), nil, http.StatusOK)
	if rs.last.Method != landrelease.MethodCleared || rs.last.Where == nil {
		t.Fatalf("filter %+v", rs.last)
	}
	sql, args, err := rs.last.Where.SQL(10)
	if want := "((r.depth_cm = $10::bigint) AND ((r.completed_on >= $11::date) AND (h.local_id = $12::text)))"; err != nil || sql != want ||
		!reflect.DeepEqual(args, []any{int64(30), day("2024-01-01"), "LA-1"}) {
		t.Errorf("got %s %v %v, want %s", sql, args, err, want)
	}
}

// TestOGCQueryables: the queryables of each collection as JSON Schema, linked from the collection, and the
// conformance classes of Part 3 and CQL2 declared.
func TestOGCQueryables(t *testing.T) {
	fx := newOGCFixture(1)
	rec := fx.get(t, "/api/v1/collections/hazard-areas/queryables", nil, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != mediaJSONSchema {
		t.Errorf("Content-Type %q", ct)
	}
	var s cql2.Schema
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.ID != "http://example.com/api/v1/collections/hazard-areas/queryables" || s.Type != "object" || len(s.Properties) != len(hazardQueryables) {
		t.Errorf("schema %+v", s)
	}
	if p := s.Properties["identified_on"]; p.Type != "string" || p.Format != "date" {
		t.Errorf("identified_on: %+v", p)
	}
	if p := s.Properties["geometry"]; p.Format != "geometry-multipolygon" {
		t.Errorf("geometry: %+v", p)
	}
	if rec := fx.get(t, "/api/v1/collections/land-releases/queryables?f=html", nil, http.StatusOK); !strings.Contains(rec.Body.String(), "<td>completed_on</td>") {
		t.Errorf("HTML: %s", rec.Body)
	}
	fx.get(t, "/api/v1/collections/admin-units/queryables", nil, http.StatusNotFound)

	var col collectionDoc
	if err := json.Unmarshal(fx.get(t, "/api/v1/collections/land-releases", nil, http.StatusOK).Body.Bytes(), &col); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(col.Links, link{"http://example.com/api/v1/collections/land-releases/queryables", relQueryables, mediaJSONSchema, "what a filter may name"}) {
		t.Errorf("no queryables link: %v", col.Links)
	}
	var conf conformanceDoc
	if err := json.Unmarshal(fx.get(t, "/api/v1/conformance", nil, http.StatusOK).Body.Bytes(), &conf); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"ogcapi-features-3/1.0/conf/filter", "ogcapi-features-3/1.0/conf/features-filter", "ogcapi-features-3/1.0/conf/queryables",
		"cql2/1.0/conf/cql2-text", "cql2/1.0/conf/basic-cql2", "cql2/1.0/conf/advanced-comparison-operators",
		"cql2/1.0/conf/case-insensitive-comparison", "cql2/1.0/conf/basic-spatial-functions"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/"+c) {
			t.Errorf("conformance lacks %s", c)
		}
	}
}

// TestOpenAPIQueryables: each collection's items path lists filter, filter-lang with cql-text (how GDAL 3.6
// finds that it may send CQL text) and a parameter per queryable that is no geometry (how GDAL 3.6 learns the
// queryables; geometry, of hazard areas, is the registry's choice of polygon).
func TestOpenAPIQueryables(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range collections {
		if c.queryables == nil {
			continue
		}
		op := doc.Paths.Find("/collections/" + c.id + "/items").Get
		param := func(name string) *openapi3.Parameter {
			for _, p := range op.Parameters {
				if p.Value.Name == name && p.Value.In == "query" {
					return p.Value
				}
			}
			return nil
		}
		if p := param("filter-lang"); p == nil || !slices.Contains(p.Schema.Value.Enum, any("cql-text")) || !slices.Contains(p.Schema.Value.Enum, any("cql2-text")) {
			t.Errorf("%s: filter-lang %+v", c.id, p)
		}
		for name, q := range c.queryables {
			if p := param(name); p == nil && q.Type != cql2.TypeGeometry {
				t.Errorf("%s: no parameter for the queryable %s", c.id, name)
			}
		}
	}
}
