package cql2_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/cql2"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// tv is a truth value of SQL's three-valued logic: false, unknown (a NULL took part) or true.
type tv int

const (
	tFalse tv = iota
	tUnknown
	tTrue
)

func truth(b bool) tv {
	if b {
		return tTrue
	}
	return tFalse
}

func (a tv) and(b tv) tv { return min(a, b) }
func (a tv) or(b tv) tv  { return max(a, b) }
func (a tv) not() tv     { return tTrue - a }

// is applies f to *p, unknown when p is nil (NULL).
func is[T any](p *T, f func(T) bool) tv {
	if p == nil {
		return tUnknown
	}
	return truth(f(*p))
}

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return &t
}

func instant(s string) *time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func box(x0, y0, x1, y1 float64) orb.Polygon {
	return orb.Polygon{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}
}

// dbRow is a row of the test table; a nil field is NULL. Geometries are points and axis-aligned boxes, so
// that the reference predicates can decide the spatial ones on bounds.
type dbRow struct {
	id      int
	name    *string
	status  *string
	area    *float64
	n       *int
	cleared *time.Time
	updated *time.Time
	active  *bool
	geom    orb.Geometry
}

var dbRows = []dbRow{
	{1, ptr("Xieng Khouang"), ptr("confirmed"), ptr(1500.5), ptr(3), day("2024-01-15"), instant("2024-01-15T08:00:00Z"), ptr(true), orb.Point{103.2, 19.4}},
	{2, ptr("xieng kho"), ptr("suspected"), ptr(20.0), ptr(1), nil, instant("2023-12-31T23:59:59.5Z"), ptr(false), box(102, 18, 102.5, 18.5)},
	{3, ptr("Savannakhet"), ptr("cancelled"), ptr(0.0), ptr(0), day("2023-06-01"), instant("2024-03-01T00:00:00Z"), ptr(true), orb.Point{105.8, 16.5}},
	{4, ptr("O'Brien Field"), ptr("confirmed"), ptr(250000.0), ptr(42), day("2024-02-29"), instant("2024-02-29T12:00:00Z"), nil, nil},
	{5, nil, nil, nil, nil, nil, nil, nil, orb.Point{100, 14}},
	{6, ptr("100% clear_a"), ptr("reduced"), ptr(99.99), ptr(-5), day("2022-12-31"), instant("2022-12-31T23:00:00Z"), ptr(false), box(106, 14, 107, 15)},
	{7, ptr("Attapeu"), ptr("CONFIRMED"), ptr(1e6), ptr(7), day("2024-01-01"), instant("2024-01-01T00:00:00.000001Z"), ptr(true), orb.Point{106.8, 14.8}},
	{8, ptr("Phongsaly"), ptr("cleared"), ptr(3.25), ptr(2), day("2025-06-30"), instant("2025-06-30T06:30:00Z"), ptr(true), orb.Point{102.1, 21.7}},
	{9, ptr(`back\slash`), ptr("suspected"), ptr(12.0), ptr(12), day("2024-01-14"), nil, ptr(false), box(101, 20, 101.5, 20.5)},
	{10, ptr("Élan"), ptr("Confirmed"), ptr(7.0), ptr(7), day("2024-01-31"), instant("2024-01-01T00:00:00Z"), nil, box(104, 17, 105, 18)},
}

// Statements of the test table: its columns are of each queryable type, its strings in the C collation, so
// that their order is the bytes' order, as in Go.
const (
	createRowsSQL = `CREATE TABLE cql2_rows (
	id integer PRIMARY KEY,
	name text COLLATE "C",
	status text COLLATE "C",
	area_m2 double precision,
	n integer,
	cleared_on date,
	updated_at timestamptz,
	active boolean,
	geom geometry(Geometry, 4326))`
	// insertRowSQL: $1 id, $2 name, $3 status, $4 area_m2, $5 n, $6 cleared_on, $7 updated_at, $8 active,
	// $9 the geometry's WKT.
	insertRowSQL = `INSERT INTO cql2_rows VALUES ($1, $2, $3, $4, $5, $6, $7, $8, ST_GeomFromText($9, 4326))`
	// selectRowsSQL is followed by the compiled filter and ORDER BY id.
	selectRowsSQL = `SELECT id FROM cql2_rows WHERE `
)

var dbQueryables = cql2.Queryables{
	"name":       {Column: "name", Type: cql2.TypeString},
	"status":     {Column: "status", Type: cql2.TypeString},
	"area":       {Column: "area_m2", Type: cql2.TypeNumber},
	"n":          {Column: "n", Type: cql2.TypeInteger},
	"cleared_on": {Column: "cleared_on", Type: cql2.TypeDate},
	"updated":    {Column: "updated_at", Type: cql2.TypeTimestamp},
	"active":     {Column: "active", Type: cql2.TypeBoolean},
	"geometry":   {Column: "geom", Type: cql2.TypeGeometry},
}

func str(r dbRow, f func(string) bool) tv { return is(r.name, f) }

// geomIs applies f to the bound of a row's geometry, unknown when it is NULL.
func geomIs(r dbRow, f func(orb.Bound) bool) tv {
	if r.geom == nil {
		return tUnknown
	}
	return truth(f(r.geom.Bound()))
}

// strictlyWithin reports whether a lies in the interior of b.
func strictlyWithin(a, b orb.Bound) bool {
	return a.Min[0] > b.Min[0] && a.Min[1] > b.Min[1] && a.Max[0] < b.Max[0] && a.Max[1] < b.Max[1]
}

func bound(x0, y0, x1, y1 float64) orb.Bound {
	return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
}

// dbFilters are filters with a reference predicate in Go: a row is selected when it is true.
var dbFilters = []struct {
	filter string
	want   func(r dbRow) tv
}{
	{`name = 'Xieng Khouang'`, func(r dbRow) tv { return str(r, func(s string) bool { return s == "Xieng Khouang" }) }},
	{`name <> 'Xieng Khouang'`, func(r dbRow) tv { return str(r, func(s string) bool { return s != "Xieng Khouang" }) }},
	{`name = 'O''Brien Field'`, func(r dbRow) tv { return str(r, func(s string) bool { return s == "O'Brien Field" }) }},
	{`name = 'Élan'`, func(r dbRow) tv { return str(r, func(s string) bool { return s == "Élan" }) }},
	{`name < 'P'`, func(r dbRow) tv { return str(r, func(s string) bool { return s < "P" }) }},
	{`name >= 'Phongsaly'`, func(r dbRow) tv { return str(r, func(s string) bool { return s >= "Phongsaly" }) }},
	{`area > 100`, func(r dbRow) tv { return is(r.area, func(v float64) bool { return v > 100 }) }},
	{`area <= 20`, func(r dbRow) tv { return is(r.area, func(v float64) bool { return v <= 20 }) }},
	{`area = 0`, func(r dbRow) tv { return is(r.area, func(v float64) bool { return v == 0 }) }},
	{`area = 99.99`, func(r dbRow) tv { return is(r.area, func(v float64) bool { return v == 99.99 }) }},
	{`area >= 1E6`, func(r dbRow) tv { return is(r.area, func(v float64) bool { return v >= 1e6 }) }},
	{`n >= 7`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v >= 7 }) }},
	{`n < -1`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v < -1 }) }},
	{`n > 2.5`, func(r dbRow) tv { return is(r.n, func(v int) bool { return float64(v) > 2.5 }) }},
	{`area > n`, func(r dbRow) tv {
		if r.area == nil || r.n == nil {
			return tUnknown
		}
		return truth(*r.area > float64(*r.n))
	}},
	{`cleared_on > DATE('2024-01-14')`, func(r dbRow) tv {
		return is(r.cleared, func(d time.Time) bool { return d.After(*day("2024-01-14")) })
	}},
	{`cleared_on = DATE('2024-02-29')`, func(r dbRow) tv {
		return is(r.cleared, func(d time.Time) bool { return d.Equal(*day("2024-02-29")) })
	}},
	{`updated < TIMESTAMP('2024-01-01T00:00:00.000001Z')`, func(r dbRow) tv {
		return is(r.updated, func(t time.Time) bool { return t.Before(*instant("2024-01-01T00:00:00.000001Z")) })
	}},
	{`updated >= TIMESTAMP('2024-01-01T00:00:00Z')`, func(r dbRow) tv {
		return is(r.updated, func(t time.Time) bool { return !t.Before(*instant("2024-01-01T00:00:00Z")) })
	}},
	{`active = TRUE`, func(r dbRow) tv { return is(r.active, func(b bool) bool { return b }) }},
	{`active <> TRUE`, func(r dbRow) tv { return is(r.active, func(b bool) bool { return !b }) }},
	{`name IS NULL`, func(r dbRow) tv { return truth(r.name == nil) }},
	{`active IS NOT NULL`, func(r dbRow) tv { return truth(r.active != nil) }},
	{`geometry IS NULL`, func(r dbRow) tv { return truth(r.geom == nil) }},
	{`name LIKE 'X%'`, func(r dbRow) tv { return str(r, func(s string) bool { return strings.HasPrefix(s, "X") }) }},
	{`name LIKE '%e%'`, func(r dbRow) tv { return str(r, func(s string) bool { return strings.Contains(s, "e") }) }},
	{`name NOT LIKE '%a%'`, func(r dbRow) tv { return str(r, func(s string) bool { return !strings.Contains(s, "a") }) }},
	{`name LIKE '100\%%'`, func(r dbRow) tv { return str(r, func(s string) bool { return strings.HasPrefix(s, "100%") }) }},
	{`name LIKE '%\_a'`, func(r dbRow) tv { return str(r, func(s string) bool { return strings.HasSuffix(s, "_a") }) }},
	{`name LIKE 'back\\slash'`, func(r dbRow) tv { return str(r, func(s string) bool { return s == `back\slash` }) }},
	{`name LIKE 'Phongsal_'`, func(r dbRow) tv {
		return str(r, func(s string) bool { return len(s) == 9 && strings.HasPrefix(s, "Phongsal") })
	}},
	{`CASEI(name) LIKE CASEI('XIENG%')`, func(r dbRow) tv {
		return str(r, func(s string) bool { return strings.HasPrefix(strings.ToLower(s), "xieng") })
	}},
	{`CASEI(status) = CASEI('confirmed')`, func(r dbRow) tv {
		return is(r.status, func(s string) bool { return strings.ToLower(s) == "confirmed" })
	}},
	{`status = 'confirmed'`, func(r dbRow) tv { return is(r.status, func(s string) bool { return s == "confirmed" }) }},
	{`area BETWEEN 3.25 AND 1500.5`, func(r dbRow) tv {
		return is(r.area, func(v float64) bool { return v >= 3.25 && v <= 1500.5 })
	}},
	{`n NOT BETWEEN 0 AND 7`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v < 0 || v > 7 }) }},
	{`cleared_on BETWEEN DATE('2024-01-01') AND DATE('2024-01-31')`, func(r dbRow) tv {
		return is(r.cleared, func(d time.Time) bool {
			return !d.Before(*day("2024-01-01")) && !d.After(*day("2024-01-31"))
		})
	}},
	{`status IN ('confirmed', 'suspected')`, func(r dbRow) tv {
		return is(r.status, func(s string) bool { return s == "confirmed" || s == "suspected" })
	}},
	{`n NOT IN (1, 2, 3)`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v < 1 || v > 3 }) }},
	{`CASEI(status) IN (CASEI('Confirmed'), CASEI('CLEARED'))`, func(r dbRow) tv {
		return is(r.status, func(s string) bool { s = strings.ToLower(s); return s == "confirmed" || s == "cleared" })
	}},
	{`S_INTERSECTS(geometry, BBOX(102, 18, 104, 20))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool { return b.Intersects(bound(102, 18, 104, 20)) })
	}},
	{`S_INTERSECTS(geometry, POLYGON((105 14, 108 14, 108 17, 105 17, 105 14)))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool { return b.Intersects(bound(105, 14, 108, 17)) })
	}},
	{`S_DISJOINT(geometry, BBOX(101, 15, 108, 23))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool { return !b.Intersects(bound(101, 15, 108, 23)) })
	}},
	{`S_WITHIN(geometry, BBOX(101.9, 17.9, 104, 20))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool { return strictlyWithin(b, bound(101.9, 17.9, 104, 20)) })
	}},
	{`S_INTERSECTS(geometry, POINT(103.2 19.4))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool { return b.Intersects(bound(103.2, 19.4, 103.2, 19.4)) })
	}},
	{`S_INTERSECTS(geometry, MULTIPOINT((100 14), (102.25 18.25)))`, func(r dbRow) tv {
		return geomIs(r, func(b orb.Bound) bool {
			return b.Intersects(bound(100, 14, 100, 14)) || b.Intersects(bound(102.25, 18.25, 102.25, 18.25))
		})
	}},
	{`status = 'confirmed' OR status = 'suspected' AND n > 5`, func(r dbRow) tv {
		return is(r.status, func(s string) bool { return s == "confirmed" }).
			or(is(r.status, func(s string) bool { return s == "suspected" }).and(is(r.n, func(v int) bool { return v > 5 })))
	}},
	{`(status = 'confirmed' OR status = 'suspected') AND n > 5`, func(r dbRow) tv {
		return is(r.status, func(s string) bool { return s == "confirmed" || s == "suspected" }).
			and(is(r.n, func(v int) bool { return v > 5 }))
	}},
	{`NOT (n = 3)`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v == 3 }).not() }},
	{`NOT name IS NULL AND NOT active = FALSE`, func(r dbRow) tv {
		return truth(r.name != nil).and(is(r.active, func(b bool) bool { return !b }).not())
	}},
	{`NOT (active = TRUE OR area > 1000)`, func(r dbRow) tv {
		return is(r.active, func(b bool) bool { return b }).or(is(r.area, func(v float64) bool { return v > 1000 })).not()
	}},
	{`TRUE`, func(dbRow) tv { return tTrue }},
	{`FALSE OR n = 12`, func(r dbRow) tv { return is(r.n, func(v int) bool { return v == 12 }) }},
	{`n = 7 AND name = 'Attapeu' OR n IS NULL`, func(r dbRow) tv {
		return is(r.n, func(v int) bool { return v == 7 }).and(str(r, func(s string) bool { return s == "Attapeu" })).
			or(truth(r.n == nil))
	}},
}

// TestFiltersOnPostGIS: each filter, compiled, selects from a PostGIS table exactly the rows its reference
// predicate in Go selects.
func TestFiltersOnPostGIS(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, createRowsSQL); err != nil {
		t.Fatalf("create table: %v", err)
	}
	for _, r := range dbRows {
		var wkt *string
		if r.geom != nil {
			wkt = ptr(cql2.WKT(r.geom))
		}
		if _, err := conn.Exec(ctx, insertRowSQL, r.id, r.name, r.status, r.area, r.n, r.cleared, r.updated, r.active, wkt); err != nil {
			t.Fatalf("insert row %d: %v", r.id, err)
		}
	}
	for _, tc := range dbFilters {
		e, err := cql2.Parse(tc.filter)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.filter, err)
			continue
		}
		sql, args, err := cql2.Compile(e, dbQueryables, 1)
		if err != nil {
			t.Errorf("Compile(%q): %v", tc.filter, err)
			continue
		}
		got := queryIDs(t, conn, selectRowsSQL+sql+` ORDER BY id`, args)
		var want []int
		for _, r := range dbRows {
			if tc.want(r) == tTrue {
				want = append(want, r.id)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s\n  SQL %s %v\n  got rows %v, want %v", tc.filter, sql, args, got, want)
		}
	}

	// After a parameter of the caller's own.
	e, err := cql2.Parse(`n IN (7, 12)`)
	if err != nil {
		t.Fatal(err)
	}
	sql, args, err := cql2.Compile(e, dbQueryables, 2)
	if err != nil {
		t.Fatal(err)
	}
	got := queryIDs(t, conn, selectRowsSQL+`id > $1 AND `+sql+` ORDER BY id`, append([]any{7}, args...))
	if want := []int{9, 10}; !slices.Equal(got, want) {
		t.Errorf("id > 7 AND n IN (7, 12): got %v, want %v", got, want)
	}
}

func queryIDs(t *testing.T, conn *pgx.Conn, sql string, args []any) []int {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		t.Errorf("%s %v: %v", sql, args, err)
		return nil
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Errorf("%s %v: %v", sql, args, err)
	}
	return ids
}
