package cql2_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/cql2"
)

// validFilters are filters Parse accepts, with their canonical text (String of the tree); "" when the filter
// is canonical already.
var validFilters = []struct{ in, want string }{
	// basic-cql2: comparisons
	{`name = 'Xieng Khouang'`, ``},
	{`NAME = 'a'`, ``}, // property names keep their case
	{`name<>'a'`, `name <> 'a'`},
	{`area < 10`, ``},
	{`area > 10`, ``},
	{`area <= 10.5`, ``},
	{`area >= -3`, ``},
	{`area = -0.5`, ``},
	{`area = 1.5e3`, `area = 1500`},
	{`area = 2E-3`, `area = 0.002`},
	{`area = .5`, `area = 0.5`},
	{`area = +7`, `area = 7`},
	{`area = 1.`, `area = 1`},
	{`area = 1e21`, `area = 1e+21`},
	{`name = 'O''Brien'`, ``},
	{`name = ''''`, ``},
	{`name = ''`, ``},
	{`name = 'back\slash'`, ``},
	{`name = other`, ``}, // property-property
	{`10 > area`, ``},
	// dates and timestamps
	{`"DATE" = DATE('2024-01-01')`, ``},
	{`cleared_on > date('2024-02-29')`, `cleared_on > DATE('2024-02-29')`},
	{`updated < TIMESTAMP('2024-01-01T10:20:30Z')`, ``},
	{`updated < TIMESTAMP('2024-01-01T10:20:30.123456Z')`, ``},
	{`updated = timestamp('2024-01-01T10:20:30.500Z')`, `updated = TIMESTAMP('2024-01-01T10:20:30.5Z')`},
	// booleans
	{`active = TRUE`, ``},
	{`active <> false`, `active <> FALSE`},
	{`TRUE`, ``},
	{`false OR n = 1`, `FALSE OR n = 1`},
	// precedence: NOT over AND over OR
	{`a = 1 AND b = 2 OR c = 3`, `(a = 1 AND b = 2) OR c = 3`},
	{`a = 1 OR b = 2 AND c = 3`, `a = 1 OR (b = 2 AND c = 3)`},
	{`(a = 1 OR b = 2) AND c = 3`, ``},
	{`NOT a = 1 AND b = 2`, `NOT (a = 1) AND b = 2`},
	{`NOT (a = 1 AND b = 2)`, ``},
	{`not a = 1 or B = 2`, `NOT (a = 1) OR B = 2`},
	{`a = 1 AND b = 2 AND c = 3`, ``},
	{`(a = 1 AND b = 2) AND c = 3`, ``},
	{`((a = 1))`, `a = 1`},
	{`NOT (NOT a = 1)`, `NOT (NOT (a = 1))`},
	{"name = 'a'\n\tAND n = 1", `name = 'a' AND n = 1`},
	// quoting of property names
	{`"name" = 'a'`, `name = 'a'`},
	{`"AND" = 'x'`, ``},
	{`"a b" = 1`, ``},
	{`"say ""hi""" = 1`, ``},
	{`"cleared_on" = DATE('2024-01-01')`, `cleared_on = DATE('2024-01-01')`},
	// as QGIS 3.32 writes them
	{`(("status" = 'confirmed') AND ("n" > 3))`, `status = 'confirmed' AND n > 3`},
	{`(NOT (("name" IS NULL)))`, `NOT (name IS NULL)`},
	{`(("updated" >= TIMESTAMP('2024-01-01T10:20:30.000Z')) OR ("name" IN ('a','b')))`,
		`updated >= TIMESTAMP('2024-01-01T10:20:30Z') OR name IN ('a', 'b')`},
	{`(CASEI("name") LIKE CASEI('xi%'))`, `CASEI(name) LIKE CASEI('xi%')`},
	{`S_INTERSECTS("geometry",BBOX(102.1,17.9,102.8,18.2))`, `S_INTERSECTS(geometry, BBOX(102.1, 17.9, 102.8, 18.2))`},
	{`admin:unit = 'x'`, ``},
	{`a.b = 1`, ``},
	{`área = 1`, ``},
	// advanced comparison operators
	{`name LIKE 'Xi%'`, ``},
	{`name NOT LIKE '_a\%'`, ``},
	{`name like 'a'`, `name LIKE 'a'`},
	{`area BETWEEN 1 AND 10`, ``},
	{`area not between 1 and 10 and n = 1`, `area NOT BETWEEN 1 AND 10 AND n = 1`},
	{`status IN ('a', 'b')`, ``},
	{`status NOT IN ('a')`, ``},
	{`n in (1,2,3)`, `n IN (1, 2, 3)`},
	{`name IS NULL`, ``},
	{`name is not null`, `name IS NOT NULL`},
	// case-insensitive comparison
	{`CASEI(name) = CASEI('Xieng')`, ``},
	{`casei(name) LIKE casei('xi%')`, `CASEI(name) LIKE CASEI('xi%')`},
	{`CASEI(name) IN (CASEI('a'), CASEI('B'))`, ``},
	// spatial
	{`S_INTERSECTS(geometry, POINT(102.6 17.97))`, ``},
	{`s_intersects(geometry,linestring(1 2,3 4))`, `S_INTERSECTS(geometry, LINESTRING(1 2, 3 4))`},
	{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 0)))`, ``},
	{`S_INTERSECTS(geometry, POLYGON((0 0, 4 0, 4 4, 0 4, 0 0), (1 1, 2 1, 2 2, 1 1)))`, ``},
	{`S_INTERSECTS(geometry, MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((2 2,3 2,3 3,2 2))))`,
		`S_INTERSECTS(geometry, MULTIPOLYGON(((0 0, 1 0, 1 1, 0 0)), ((2 2, 3 2, 3 3, 2 2))))`},
	{`S_INTERSECTS(geometry, MULTIPOINT((1 2), (3 4)))`, ``},
	{`S_INTERSECTS(geometry, MULTILINESTRING((1 2, 3 4), (5 6, 7 8)))`, ``},
	{`S_INTERSECTS(geometry, GEOMETRYCOLLECTION(POINT(1 2), LINESTRING(1 2, 3 4)))`, ``},
	{`S_INTERSECTS(geometry, BBOX(100, 13.9, 107.7, 22.5))`, ``},
	{`S_WITHIN(geometry, BBOX(-180,-90,180,90))`, `S_WITHIN(geometry, BBOX(-180, -90, 180, 90))`},
	{`S_CONTAINS(POLYGON((0 0, 1 0, 1 1, 0 0)), geometry)`, ``},
	{`S_DISJOINT(geometry, POINT(-1.5e2 2))`, `S_DISJOINT(geometry, POINT(-150 2))`},
	{`S_INTERSECTS(geometry, POINT(1 2)) AND NOT S_TOUCHES(geometry, POINT(1 2))`,
		`S_INTERSECTS(geometry, POINT(1 2)) AND NOT (S_TOUCHES(geometry, POINT(1 2)))`},
	{`geometry IS NOT NULL`, ``},
}

// TestParseValid: each valid filter parses, its String is the canonical text, and that parses to the same tree.
func TestParseValid(t *testing.T) {
	for _, tc := range validFilters {
		e, err := cql2.Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if got := e.String(); got != want {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.in, got, want)
		}
		again, err := cql2.Parse(e.String())
		if err != nil {
			t.Errorf("Parse(%q) again: %v", e.String(), err)
			continue
		}
		if !reflect.DeepEqual(withoutPositions(e), withoutPositions(again)) {
			t.Errorf("Parse(%q) and Parse(its String) differ", tc.in)
		}
	}
}

// TestParseTree: the trees of precedence and of values, not only their text.
func TestParseTree(t *testing.T) {
	e, err := cql2.Parse(`a = 1 OR NOT b = 'x' AND c IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	or, ok := e.(*cql2.Or)
	if !ok || len(or.Terms) != 2 {
		t.Fatalf("top: %#v", e)
	}
	and, ok := or.Terms[1].(*cql2.And)
	if !ok || len(and.Terms) != 2 {
		t.Fatalf("second term of OR: %#v", or.Terms[1])
	}
	if n, ok := and.Terms[0].(*cql2.Not); !ok || n.Pos.Column != 10 {
		t.Errorf("first term of AND: %#v", and.Terms[0])
	}
	if c := or.Terms[0].(*cql2.Compare); c.Right.(*cql2.NumberLit).Value != 1 {
		t.Errorf("a = 1: %#v", c)
	}
}

// invalidFilters are filters Parse refuses, with the position (line, column; line 0 for 1) and a part of the
// reason.
var invalidFilters = []struct {
	in         string
	line, col  int
	reasonPart string
}{
	{``, 0, 1, "the filter is empty"},
	{`   `, 0, 4, "the filter is empty"},
	{`name =`, 0, 7, "expected a value after '=', found the end of the filter"},
	{`name = )`, 0, 8, "expected a value after '=', found ')'"},
	{`name = 'abc`, 0, 8, "the string starting here has no closing quote"},
	{`"name = 1`, 0, 1, "no closing double quote"},
	{`"" = 1`, 0, 1, "cannot be empty"},
	{`name == 1`, 0, 7, "expected a value after '=', found '='"},
	{`name 1`, 0, 6, "expected a comparison (=, <>, <, >, <=, >=), LIKE, BETWEEN, IN or IS NULL after name, found the number 1"},
	{`a = 'x' AND b`, 0, 14, "after b, found the end of the filter"},
	{`a = 1 AND`, 0, 10, "expected a value here, found the end of the filter"},
	{`a = 1 OR`, 0, 9, "expected a value here, found the end of the filter"},
	{`(a = 1`, 0, 7, "expected ')' to close the '(' at 1"},
	{`a = 1)`, 0, 6, "expected AND, OR or the end of the filter, found ')'"},
	{`a = 1 b = 2`, 0, 7, "expected AND, OR or the end of the filter, found 'b'"},
	{`date = 1`, 0, 1, "DATE must be followed by '(' (a property named date must be written in double quotes)"},
	{`a = DATE('2024-13-01')`, 0, 10, "'2024-13-01' is not a valid date"},
	{`a = DATE('2024-02-30')`, 0, 10, "is not a valid date"},
	{`a = DATE('2024-1-1')`, 0, 10, "a date is written 'YYYY-MM-DD'"},
	{`a = DATE(2024)`, 0, 10, "expected a string after DATE(, found the number 2024"},
	{`a = DATE '2024-01-01'`, 0, 5, "DATE must be followed by '('"},
	{`a = timestamp`, 0, 5, "TIMESTAMP must be followed by '('"},
	{`a = BETWEEN`, 0, 5, "found the keyword BETWEEN (a property of that name must be written in double quotes)"},
	{`a = TIMESTAMP('2024-01-01T00:00:00+01:00')`, 0, 15, "in UTC"},
	{`a = TIMESTAMP('2024-01-01T00:00:00.1234567Z')`, 0, 15, "at most 6 decimals"},
	{`a = TIMESTAMP('2024-01-01T25:00:00Z')`, 0, 15, "is not a valid timestamp"},
	{`NOT NOT a = 1`, 0, 5, "NOT cannot follow NOT"},
	{`a LIKE b`, 0, 8, "the pattern after LIKE must be a string"},
	{`a BETWEEN 1 OR 2`, 0, 13, "expected AND after the lower bound of BETWEEN, found 'OR'"},
	{`a IN ()`, 0, 7, "expected a value after '(', found ')'"},
	{`a IN (1,)`, 0, 9, "expected a value after ',', found ')'"},
	{`a IN (1 2)`, 0, 9, "expected ',' or ')', found the number 2"},
	{`a IN 1`, 0, 6, "expected '(' after IN"},
	{`a IS NUL`, 0, 6, "expected NULL after IS, found 'NUL'"},
	{`a NOT = 1`, 0, 7, "expected LIKE, BETWEEN or IN after NOT"},
	{`a = 1 + 2`, 0, 7, "arithmetic is not supported"},
	{`a = -`, 0, 5, "arithmetic is not supported"},
	{`a = 1e`, 0, 5, "the exponent of the number \"1e\" has no digits"},
	{`a = 1e999`, 0, 5, "the number 1e999 is out of range"},
	{`a = 'x' !`, 0, 9, "unexpected character '!'"},
	{`a != 'x'`, 0, 3, "'!=' is not CQL2: write <> for 'not equal'"},
	{`foo(a) = 1`, 0, 1, "unknown function 'foo'"},
	{`T_BEFORE(a, b)`, 0, 1, "temporal functions such as T_BEFORE are not supported"},
	{`A_CONTAINS(a, b)`, 0, 1, "array functions such as A_CONTAINS are not supported"},
	{`ACCENTI(a) = 'x'`, 0, 1, "ACCENTI (accent-insensitive comparison) is not supported"},
	{`CASEI(1) = 'a'`, 0, 7, "CASEI takes a property or a string, not 1"},
	{`CASEI name = 'a'`, 0, 7, "expected '(' after CASEI"},
	{`S_INTERSECTS(geometry, POINT(1))`, 0, 31, "expected a coordinate, found ')'"},
	{`S_INTERSECTS(geometry, POINT Z(1 2 3))`, 0, 30, "only two-dimensional geometries are supported"},
	{`S_INTERSECTS(geometry, POINT EMPTY)`, 0, 30, "empty geometries are not supported"},
	{`S_INTERSECTS(geometry, POINT(1 2 3))`, 0, 34, "expected ')' after the point, found the number 3"},
	{`S_INTERSECTS(geometry, LINESTRING(1 2))`, 0, 24, "a line needs two points at least"},
	{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 1 1, 0 1)))`, 0, 32, "the ring is not closed"},
	{`S_INTERSECTS(geometry, POLYGON((0 0, 1 0, 0 0)))`, 0, 32, "a ring needs four points at least"},
	{`S_INTERSECTS(geometry, MULTIPOINT(1 2))`, 0, 35, "expected '(' before a point of MULTIPOINT"},
	{`S_INTERSECTS(geometry, GEOMETRYCOLLECTION(BBOX(0, 0, 1, 1)))`, 0, 43, "expected a geometry in GEOMETRYCOLLECTION"},
	{`S_INTERSECTS(geometry, BBOX(1,2,3))`, 0, 34, "expected ',' in BBOX, found ')'"},
	{`S_INTERSECTS(geometry, BBOX(1,2,0,3,4,5))`, 0, 36, "only two-dimensional BBOX"},
	{`S_INTERSECTS(geometry, BBOX(10,0,5,1))`, 0, 24, "crossing the antimeridian is not supported"},
	{`S_INTERSECTS(geometry, BBOX(0,10,5,1))`, 0, 24, "south 10 is north of its north 1"},
	{`S_INTERSECTS(geometry POINT(1 2))`, 0, 23, "expected ',' between the two geometries of S_INTERSECTS, found 'POINT'"},
	{"a = 1 AND\n  b = ", 2, 7, "expected a value after '=', found the end of the filter"},
	{"a = 1\nAND b = 'é\nx", 2, 9, "no closing quote"},
	{"a = '\xff'", 0, 1, "not valid UTF-8"},
	{"a = 1\x00", 0, 6, "NUL character"},
	{strings.Repeat("(", 101) + "a = 1" + strings.Repeat(")", 101), 0, 101, "nested more than 100 deep"},
	{"a = " + strings.Repeat("CASEI(", 101) + "'x'" + strings.Repeat(")", 101), 0, 610, "nested more than 100 deep"},
	{nestedAnds(101), 0, 101, "nested more than 100 deep"},
	{"b = 1 OR " + strings.Repeat("NOT (", 100) + "a = 1" + strings.Repeat(")", 100), 0, 505,
		"AND, OR and NOT are nested more than 100 deep"},
	{strings.Repeat("a = 1 AND ", cql2.MaxTerms) + "a = 1", 0, 10*cql2.MaxTerms + 1, "more than 512 terms"},
	{"a IN (" + strings.Repeat("1, ", cql2.MaxTerms) + "1)", 0, 7 + 3*(cql2.MaxTerms-1), "more than 512 terms"},
	{"S_INTERSECTS(geometry, LINESTRING(" + strings.Repeat("1 2, ", cql2.MaxVertices) + "1 2))", 0,
		35 + 5*cql2.MaxVertices, "more than 10000 vertices"},
	{"name = '" + strings.Repeat("x", cql2.MaxLength) + "'", 0, 1, "longer than 65536 bytes"},
}

// nestedAnds returns n terms ANDed as QGIS writes them, each AND in parentheses: (((a = 1) AND (a = 1)) AND ...).
func nestedAnds(n int) string {
	s := "(a = 1)"
	for range n - 1 {
		s = "(" + s + " AND (a = 1))"
	}
	return s
}

// TestParseNestedAnds: QGIS's parentheses, one level a term, pass up to MaxDepth terms.
func TestParseNestedAnds(t *testing.T) {
	if _, err := cql2.Parse(nestedAnds(cql2.MaxDepth)); err != nil {
		t.Error(err)
	}
}

// TestParseInvalid: each invalid filter gets an *Error at the expected position with the expected reason.
func TestParseInvalid(t *testing.T) {
	for _, tc := range invalidFilters {
		name := tc.in
		if len(name) > 60 {
			name = name[:60] + "..."
		}
		e, err := cql2.Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %v, want an error", name, e)
			continue
		}
		var ce *cql2.Error
		if !errors.As(err, &ce) {
			t.Errorf("Parse(%q): %T %v, want *cql2.Error", name, err, err)
			continue
		}
		line := tc.line
		if line == 0 {
			line = 1
		}
		if ce.Line != line || ce.Column != tc.col || !strings.Contains(ce.Reason, tc.reasonPart) {
			t.Errorf("Parse(%q): %v (line %d, column %d), want line %d, column %d, reason with %q",
				name, err, ce.Line, ce.Column, line, tc.col, tc.reasonPart)
		}
	}
}

// TestErrorMessage: the message a user reads names the position and the reason.
func TestErrorMessage(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`name = )`, `at 8: expected a value after '=', found ')'`},
		{"a = 1\nAND (b = 1", `at line 2, column 11: expected ')' to close the '(' at line 2, column 5, found the end of the filter`},
	} {
		_, err := cql2.Parse(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q): %v, want %q", tc.in, err, tc.want)
		}
	}
}

// TestParseOffsets: Offset counts bytes, Column characters.
func TestParseOffsets(t *testing.T) {
	_, err := cql2.Parse(`name = 'ééé' AND ?`)
	var ce *cql2.Error
	if !errors.As(err, &ce) {
		t.Fatalf("%v", err)
	}
	if ce.Offset != 20 || ce.Column != 18 {
		t.Errorf("offset %d, column %d, want 20 and 18", ce.Offset, ce.Column)
	}
}
