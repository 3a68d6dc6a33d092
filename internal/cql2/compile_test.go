package cql2_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/cql2"
)

// TestCompile: the SQL and arguments of each kind of predicate, parameters numbered from 1.
func TestCompile(t *testing.T) {
	day := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	at := time.Date(2024, 1, 31, 10, 20, 30, 500000000, time.UTC)
	for _, tc := range []struct {
		in   string
		sql  string
		args []any
	}{
		{`name = 'Xieng'`, `(name = $1::text)`, []any{"Xieng"}},
		{`name <> 'O''Brien'`, `(name <> $1::text)`, []any{"O'Brien"}},
		{`area > 1.5`, `(area_m2 > $1::double precision)`, []any{1.5}},
		{`area <= 2e3`, `(area_m2 <= $1::bigint)`, []any{int64(2000)}},
		{`n = -3`, `(n = $1::bigint)`, []any{int64(-3)}},
		{`n < 1e300`, `(n < $1::double precision)`, []any{1e300}},
		{`cleared_on >= DATE('2024-01-31')`, `(cleared_on >= $1::date)`, []any{day}},
		{`"DATE" = DATE('2024-01-31')`, `(d2 = $1::date)`, []any{day}},
		{`updated < TIMESTAMP('2024-01-31T10:20:30.5Z')`, `(updated_at < $1::timestamptz)`, []any{at}},
		{`active = TRUE`, `(active = $1::boolean)`, []any{true}},
		{`FALSE`, `$1::boolean`, []any{false}},
		{`name = status`, `(name = status)`, nil},
		{`admin:unit = 'x'`, `((h.admin ->> 'unit') = $1::text)`, []any{"x"}},
		{`CASEI(name) = CASEI('Xieng')`, `(lower(name) = lower($1::text))`, []any{"Xieng"}},
		{`name LIKE 'Xi%'`, `(name LIKE $1::text)`, []any{"Xi%"}},
		{`CASEI(name) NOT LIKE CASEI('x\_y\\')`, `(lower(name) NOT LIKE lower($1::text))`, []any{`x\_y\\`}},
		{`area BETWEEN 1 AND 10.5`, `(area_m2 BETWEEN $1::bigint AND $2::double precision)`, []any{int64(1), 10.5}},
		{`cleared_on NOT BETWEEN DATE('2024-01-31') AND DATE('2024-01-31')`,
			`(cleared_on NOT BETWEEN $1::date AND $2::date)`, []any{day, day}},
		{`status IN ('a', 'b')`, `(status IN ($1::text, $2::text))`, []any{"a", "b"}},
		{`n NOT IN (1)`, `(n NOT IN ($1::bigint))`, []any{int64(1)}},
		{`name IS NULL`, `(name IS NULL)`, nil},
		{`geometry IS NOT NULL`, `(geom IS NOT NULL)`, nil},
		{`S_INTERSECTS(geometry, POINT(102.5 18))`, `ST_Intersects(geom, ST_GeomFromText($1, 4326))`,
			[]any{"POINT(102.5 18)"}},
		{`S_WITHIN(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))`, `ST_Within(geom, ST_GeomFromText($1, 4326))`,
			[]any{"POLYGON((0 0, 1 0, 1 1, 0 0))"}},
		{`S_INTERSECTS(geometry, BBOX(100, 13.5, 108, 22.5))`,
			`ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`, []any{100.0, 13.5, 108.0, 22.5}},
		{`S_CONTAINS(BBOX(0, 0, 1, 1), geometry)`, `ST_Contains(ST_MakeEnvelope($1, $2, $3, $4, 4326), geom)`,
			[]any{0.0, 0.0, 1.0, 1.0}},
		{`n = 1 AND name = 'a' OR NOT active = TRUE`,
			`(((n = $1::bigint) AND (name = $2::text)) OR (NOT (active = $3::boolean)))`, []any{int64(1), "a", true}},
		{`n = 1 AND (name = 'a' OR status = 'b')`,
			`((n = $1::bigint) AND ((name = $2::text) OR (status = $3::text)))`, []any{int64(1), "a", "b"}},
	} {
		e, err := cql2.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		sql, args, err := cql2.Compile(e, testQueryables, 1)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.in, err)
			continue
		}
		if sql != tc.sql || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("Compile(%q) = %s %#v, want %s %#v", tc.in, sql, args, tc.sql, tc.args)
		}
	}
}

// TestCompileFirstParam: parameters start at firstParam, for a filter added to a query that has some.
func TestCompileFirstParam(t *testing.T) {
	e, err := cql2.Parse(`name = 'a' AND n IN (1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := cql2.Compile(e, testQueryables, 4)
	if err != nil {
		t.Fatal(err)
	}
	if want := `((name = $4::text) AND (n IN ($5::bigint, $6::bigint)))`; sql != want || len(args) != 3 {
		t.Errorf("got %s %v, want %s and 3 arguments", sql, args, want)
	}
}

// TestCompileInvalid: filters that parse but cannot be compiled against testQueryables, with the position and
// a part of the reason.
func TestCompileInvalid(t *testing.T) {
	for _, tc := range []struct {
		in         string
		line, col  int
		reasonPart string
	}{
		{`nope = 1`, 1, 1, "unknown property 'nope' (the queryables are DATE, active, admin:unit, area, cleared_on"},
		{`n = 1 AND Name = 'x'`, 1, 11, "unknown property 'Name'"},
		{"n = 1\nAND nope = 2", 2, 5, "unknown property 'nope'"},
		{`cleared_on = 5`, 1, 1, "cannot compare the property 'cleared_on' (a date) with a number"},
		{`name = 5`, 1, 1, "cannot compare the property 'name' (a string) with a number"},
		{`5 = name`, 1, 1, "cannot compare a number with the property 'name' (a string)"},
		{`updated = DATE('2024-01-01')`, 1, 1, "cannot compare the property 'updated' (a timestamp) with a date"},
		{`cleared_on = '2024-01-01'`, 1, 1, "cannot compare the property 'cleared_on' (a date) with a string"},
		{`area = active`, 1, 1, "cannot compare the property 'area' (a number) with the property 'active' (a boolean)"},
		{`geometry = 'x'`, 1, 1, "cannot compare the property 'geometry' (a geometry) with a string"},
		{`geometry = POINT(1 2)`, 1, 1, "geometries are compared with S_INTERSECTS"},
		{`active < TRUE`, 1, 1, "booleans are compared with = and <> only, not <"},
		{`S_INTERSECTS(name, POINT(1 2))`, 1, 14, "S_INTERSECTS takes geometries, and the property 'name' (a string) is not one"},
		{`S_INTERSECTS(geometry, 'POINT(1 2)')`, 1, 24, "a string is not one"},
		{`area LIKE 'a%'`, 1, 1, "LIKE matches strings, and the property 'area' (a number) is not one"},
		{`name LIKE 'abc\'`, 1, 11, "the pattern ends with a backslash that escapes nothing"},
		{`name LIKE CASEI('\\\')`, 1, 17, "the pattern ends with a backslash"},
		{`CASEI(area) = 'x'`, 1, 1, "CASEI takes a string, and the property 'area' (a number) is not one"},
		{`name BETWEEN 'a' AND 'b'`, 1, 1, "BETWEEN compares numbers, dates or timestamps, and the property 'name' (a string) is none"},
		{`area BETWEEN 1 AND DATE('2024-01-01')`, 1, 1, "cannot compare the property 'area' (a number) with a date"},
		{`n IN (1, 'a')`, 1, 10, "cannot compare the property 'n' (a number) with a string"},
		{`geometry IN (POINT(1 2))`, 1, 1, "IN does not compare geometries"},
		{`n = 1 OR nope IS NULL`, 1, 10, "unknown property 'nope'"},
	} {
		e, err := cql2.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		_, _, err = cql2.Compile(e, testQueryables, 1)
		var ce *cql2.Error
		if !errors.As(err, &ce) {
			t.Errorf("Compile(%q): %v, want a *cql2.Error", tc.in, err)
			continue
		}
		if ce.Line != tc.line || ce.Column != tc.col || !strings.Contains(ce.Reason, tc.reasonPart) {
			t.Errorf("Compile(%q): %v (line %d, column %d), want line %d, column %d, reason with %q",
				tc.in, err, ce.Line, ce.Column, tc.line, tc.col, tc.reasonPart)
		}
	}
}

// TestJSONSchema: the queryables document of OGC API - Features - Part 3.
func TestJSONSchema(t *testing.T) {
	q := cql2.Queryables{
		"name":       {Column: "name", Type: cql2.TypeString, Title: "Name", Description: "the local name"},
		"area":       {Column: "area_m2", Type: cql2.TypeNumber, Title: "Area (m²)"},
		"n":          {Column: "n", Type: cql2.TypeInteger},
		"cleared_on": {Column: "cleared_on", Type: cql2.TypeDate},
		"updated":    {Column: "updated_at", Type: cql2.TypeTimestamp},
		"active":     {Column: "active", Type: cql2.TypeBoolean},
		"geometry":   {Column: "geom", Type: cql2.TypeGeometry},
		"footprint":  {Column: "fp", Type: cql2.TypeGeometry, Format: "geometry-polygon"},
	}
	got, err := json.Marshal(q.JSONSchema("https://example.org/api/v1/collections/hazard-areas/queryables", "Hazard areas"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"$schema":"https://json-schema.org/draft/2020-12/schema",` +
		`"$id":"https://example.org/api/v1/collections/hazard-areas/queryables","type":"object","title":"Hazard areas",` +
		`"properties":{` +
		`"active":{"type":"boolean"},` +
		`"area":{"title":"Area (m²)","type":"number"},` +
		`"cleared_on":{"type":"string","format":"date"},` +
		`"footprint":{"format":"geometry-polygon"},` +
		`"geometry":{"format":"geometry-any"},` +
		`"n":{"type":"integer"},` +
		`"name":{"title":"Name","description":"the local name","type":"string"},` +
		`"updated":{"type":"string","format":"date-time"}},` +
		`"additionalProperties":false}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
