package geo

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/paulmach/orb"
)

// square is a closed counterclockwise ring used by the inline cases.
const square = `[[0,0],[1,0],[1,1],[0,1],[0,0]]`

func poly(coords string) string { return `{"type":"Polygon","coordinates":` + coords + `}` }
func multi(coords string) string {
	return `{"type":"MultiPolygon","coordinates":` + coords + `}`
}

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	xiengShell = orb.Ring{{103.1, 19.3}, {103.3, 19.3}, {103.3, 19.5}, {103.1, 19.5}, {103.1, 19.3}}
	xiengHole  = orb.Ring{{103.15, 19.35}, {103.15, 19.45}, {103.25, 19.45}, {103.25, 19.35}, {103.15, 19.35}}
	sepon      = orb.Polygon{{{106.4, 16.5}, {106.5, 16.5}, {106.5, 16.6}, {106.4, 16.5}}}
	unit       = orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}}
)

func TestDecode(t *testing.T) {
	cases := []struct {
		name     string
		data     string // or file, when it starts with "@"
		want     orb.MultiPolygon
		wantPoly bool
	}{
		{name: "polygon with hole", data: "@polygon.json",
			want: orb.MultiPolygon{{xiengShell, xiengHole}}, wantPoly: true},
		{name: "multipolygon", data: "@multipolygon.json",
			want: orb.MultiPolygon{{xiengShell, xiengHole}, sepon}},
		{name: "z dropped", data: "@polygon_z.json",
			want: orb.MultiPolygon{{xiengShell}}, wantPoly: true},
		{name: "type after coordinates", data: "@type_after.json",
			want: orb.MultiPolygon{{xiengShell}}, wantPoly: true},
		{name: "multipolygon type last", data: `{"coordinates":[[` + square + `]],"type":"MultiPolygon"}`,
			want: unit},
		{name: "escaped member name", data: `{"\u0074ype":"Polygon","coordinates":[` + square + `]}`,
			want: unit, wantPoly: true},
		{name: "blanks", data: " \n\t{ \"type\" : \"Polygon\" ,\r\n \"coordinates\" : [ " + square + " ] } \n",
			want: unit, wantPoly: true},
		{name: "range edges", data: poly(`[[[-180,-90],[180,-90],[180,90],[-180,-90]]]`),
			want: orb.MultiPolygon{{{{-180, -90}, {180, -90}, {180, 90}, {-180, -90}}}}, wantPoly: true},
		{name: "underflow is zero", data: poly(`[[[1e-400,0],[1,0],[1,1],[0,0]]]`),
			want: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, wantPoly: true},
		{name: "integers and exponents", data: poly(`[[[0,0],[1E0,0],[10e-1,1.0],[-0,-0.0]]]`),
			want: orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}}, wantPoly: true},
		{name: "foreign members ignored", data: `{"type":"Polygon","id":{"a":[[["x"]]]},"properties":null,"coordinates":[` + square + `]}`,
			want: unit, wantPoly: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(tc.data)
			if name, ok := strings.CutPrefix(tc.data, "@"); ok {
				data = fixture(t, name)
			}
			mp, isPoly, err := Decode(data, Limits{})
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !mp.Equal(tc.want) {
				t.Errorf("got %v, want %v", mp, tc.want)
			}
			if isPoly != tc.wantPoly {
				t.Errorf("polygon = %v, want %v", isPoly, tc.wantPoly)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	bomb := strings.Repeat("[", 1_000_000)
	cases := []struct {
		name    string
		data    string
		lim     Limits
		err     error
		pointer string
	}{
		// ErrSyntax
		{"empty input", ``, Limits{}, ErrSyntax, ""},
		{"truncated object", `{"type":"Polygon",`, Limits{}, ErrSyntax, ""},
		{"truncated ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0]`, Limits{}, ErrSyntax, "/coordinates/0"},
		{"missing comma", poly(`[[[0 0],[1,0],[1,1],[0,0]]]`), Limits{}, ErrSyntax, "/coordinates/0/0"},
		{"trailing comma", poly(`[[[0,0],[1,0],[1,1],[0,0],]]`), Limits{}, ErrSyntax, "/coordinates/0"},
		{"trailing garbage", poly(`[`+square+`]`) + `x`, Limits{}, ErrSyntax, ""},
		{"second value", poly(`[`+square+`]`) + ` {}`, Limits{}, ErrSyntax, ""},
		{"bad literal", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"x":tru}`, Limits{}, ErrSyntax, "/x"},
		{"duplicate type", `{"type":"Polygon","type":"Polygon","coordinates":[` + square + `]}`, Limits{}, ErrSyntax, "/type"},
		{"duplicate coordinates", `{"coordinates":[],"coordinates":[],"type":"Polygon"}`, Limits{}, ErrSyntax, "/coordinates"},
		{"null then more", `null x`, Limits{}, ErrSyntax, ""},

		// ErrType
		{"point", `{"type":"Point","coordinates":[0,0]}`, Limits{}, ErrType, "/type"},
		{"linestring", `{"type":"LineString","coordinates":[[0,0],[1,1]]}`, Limits{}, ErrType, "/type"},
		{"geometry collection", `{"type":"GeometryCollection","geometries":[]}`, Limits{}, ErrType, "/type"},
		{"feature", `{"type":"Feature","geometry":null,"properties":null}`, Limits{}, ErrType, "/type"},
		{"unknown type", `{"type":"Circle","coordinates":[0,0]}`, Limits{}, ErrType, "/type"},
		{"lowercase type", `{"type":"polygon","coordinates":[` + square + `]}`, Limits{}, ErrType, "/type"},
		{"type after coordinates", `{"coordinates":[0,0],"type":"Point"}`, Limits{}, ErrType, "/type"},
		{"type not string", `{"type":7,"coordinates":[` + square + `]}`, Limits{}, ErrType, "/type"},
		{"missing type", `{"coordinates":[` + square + `]}`, Limits{}, ErrType, ""},
		{"array", `[` + square + `]`, Limits{}, ErrType, ""},
		{"string", `"Polygon"`, Limits{}, ErrType, ""},

		// ErrNull
		{"null", `null`, Limits{}, ErrNull, ""},
		{"null with blanks", " null\n", Limits{}, ErrNull, ""},

		// ErrEmpty
		{"polygon no rings", poly(`[]`), Limits{}, ErrEmpty, "/coordinates"},
		{"multipolygon no polygons", multi(`[]`), Limits{}, ErrEmpty, "/coordinates"},
		{"multipolygon empty polygon", multi(`[[` + square + `],[]]`), Limits{}, ErrEmpty, "/coordinates/1"},
		{"missing coordinates", `{"type":"Polygon"}`, Limits{}, ErrEmpty, ""},

		// ErrPosition
		{"one number", poly(`[[[0],[1,0],[1,1],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/0"},
		{"no numbers", poly(`[[[0,0],[],[1,1],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/1"},
		{"four numbers", poly(`[[[0,0,0],[1,0,0,0],[1,1,0],[0,0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/1"},
		{"string coordinate", poly(`[[[0,"0"],[1,0],[1,1],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/0/1"},
		{"bool coordinate", poly(`[[[0,0],[true,0],[1,1],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/1/0"},
		{"null coordinate", multi(`[[[[0,0],[1,0],[1,null],[0,0]]]]`), Limits{}, ErrPosition, "/coordinates/0/0/2/1"},
		{"object coordinate", poly(`[[[0,0],[1,0],[1,{}],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/2/1"},
		{"object position", poly(`[[[0,0],{"x":1},[1,1],[0,0]]]`), Limits{}, ErrPosition, "/coordinates/0/1"},
		{"null coordinates", `{"type":"Polygon","coordinates":null}`, Limits{}, ErrPosition, "/coordinates"},
		{"string coordinates", `{"coordinates":"[]","type":"MultiPolygon"}`, Limits{}, ErrPosition, "/coordinates"},
		{"linestring coordinates", poly(`[[0,0],[1,0],[1,1],[0,0]]`), Limits{}, ErrPosition, "/coordinates/0/0"},
		{"multipolygon coordinates under Polygon", poly(`[[` + square + `]]`), Limits{}, ErrPosition, "/coordinates/0/0/0"},
		{"polygon coordinates under MultiPolygon", multi(`[` + square + `]`), Limits{}, ErrPosition, "/coordinates/0/0/0"},

		// ErrNotFinite
		{"huge longitude", poly(`[[[0,0],[1e400,0],[1,1],[0,0]]]`), Limits{}, ErrNotFinite, "/coordinates/0/1/0"},
		{"huge negative latitude", multi(`[[` + square + `],[[[0,0],[1,0],[1,-1e999],[0,0]]]]`), Limits{}, ErrNotFinite, "/coordinates/1/0/2/1"},

		// ErrRange
		{"longitude", poly(`[[[0,0],[1,0],[181,1],[0,0]]]`), Limits{}, ErrRange, "/coordinates/0/2/0"},
		{"latitude", poly(`[[[0,0],[1,0],[1,-90.5],[0,0]]]`), Limits{}, ErrRange, "/coordinates/0/2/1"},
		{"projected", poly(`[[[500000,2100000],[510000,2100000],[510000,2110000],[500000,2100000]]]`), Limits{}, ErrRange, "/coordinates/0/0/0"},
		{"hole out of range", poly(`[` + square + `,[[0,0],[0,91],[1,1],[0,0]]]`), Limits{}, ErrRange, "/coordinates/1/1/1"},

		// ErrDimension
		{"3D after 2D", poly(`[[[0,0],[1,0],[1,1,5],[0,0]]]`), Limits{}, ErrDimension, "/coordinates/0/2"},
		{"2D after 3D in another polygon", multi(`[[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]],[` + square + `]]`), Limits{}, ErrDimension, "/coordinates/1/0/0"},

		// ErrUnclosed
		{"unclosed shell", poly(`[[[0,0],[1,0],[1,1],[0,1]]]`), Limits{}, ErrUnclosed, "/coordinates/0"},
		{"unclosed hole", poly(`[` + square + `,[[0.2,0.2],[0.2,0.8],[0.8,0.8],[0.8,0.3]]]`), Limits{}, ErrUnclosed, "/coordinates/1"},
		{"unclosed in multipolygon", multi(`[[` + square + `],[[[0,0],[1,0],[1,1],[0,1]]]]`), Limits{}, ErrUnclosed, "/coordinates/1/0"},
		{"z differs", poly(`[[[0,0,1],[1,0,1],[1,1,1],[0,0,2]]]`), Limits{}, ErrUnclosed, "/coordinates/0"},

		// ErrTooFewPositions
		{"three positions", poly(`[[[0,0],[1,0],[0,0]]]`), Limits{}, ErrTooFewPositions, "/coordinates/0"},
		{"three unclosed", poly(`[[[0,0],[1,0],[1,1]]]`), Limits{}, ErrTooFewPositions, "/coordinates/0"},
		{"empty ring", multi(`[[` + square + `,[]]]`), Limits{}, ErrTooFewPositions, "/coordinates/0/1"},

		// ErrTooLarge
		{"vertices", poly(`[` + square + `]`), Limits{MaxVertices: 4}, ErrTooLarge, "/coordinates/0/4"},
		{"rings", poly(`[` + square + `,` + square + `]`), Limits{MaxRings: 1}, ErrTooLarge, "/coordinates/1"},
		{"rings across polygons", multi(`[[` + square + `],[` + square + `]]`), Limits{MaxRings: 1}, ErrTooLarge, "/coordinates/1/0"},
		{"five levels", multi(`[[[[[0,0]]]]]`), Limits{}, ErrTooLarge, "/coordinates/0/0/0/0"},
		{"bomb in polygon", `{"type":"Polygon","coordinates":` + bomb, Limits{}, ErrTooLarge, "/coordinates/0/0/0"},
		{"bomb in multipolygon", `{"type":"MultiPolygon","coordinates":` + bomb, Limits{}, ErrTooLarge, "/coordinates/0/0/0/0"},
		{"bomb before type", `{"coordinates":` + bomb, Limits{}, ErrTooLarge, "/coordinates"},
		{"bomb in foreign member", `{"type":"Polygon","bbox":` + bomb, Limits{}, ErrTooLarge, "/bbox"},
		{"bomb in escaped member", `{"a/b~c":` + bomb, Limits{}, ErrTooLarge, "/a~1b~0c"},
		{"bare bomb", bomb, Limits{}, ErrTooLarge, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mp, isPoly, err := Decode([]byte(tc.data), tc.lim)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Pointer != tc.pointer {
				t.Errorf("pointer %q, want %q (%v)", e.Pointer, tc.pointer, err)
			}
			if e.Msg == "" {
				t.Errorf("no message: %v", err)
			}
			if mp != nil || isPoly {
				t.Errorf("got %v, %v with an error", mp, isPoly)
			}
		})
	}
}

func TestDecodeMessages(t *testing.T) {
	cases := []struct {
		data     string
		want     string   // the whole message when contains is nil
		contains []string // parts of the message otherwise
		position []float64
	}{
		{data: poly(`[[[102.1,18.2],[102.3,18.2],[102.3,18.4],[102.3,18.1]]]`),
			want:     "geo: ring not closed at /coordinates/0: first position [102.1 18.2] differs from last [102.3 18.1]",
			position: []float64{102.3, 18.1}},
		{data: `{"type":"LineString","coordinates":[[0,0],[1,1]]}`,
			contains: []string{`"LineString"`, "Polygon or MultiPolygon is required"}},
		{data: `{"coordinates":[]}`,
			contains: []string{"Polygon or MultiPolygon is required"}},
		{data: `{"type":"multipolygon"}`,
			contains: []string{`"multipolygon"`, "case-sensitive"}},
		{data: `{"type":"` + strings.Repeat("X", 1000) + `"}`,
			contains: []string{`"XXXX`, `"...`}},
		{data: poly(`[[[500000,2100000],[510000,2100000],[510000,2110000],[500000,2100000]]]`),
			contains: []string{"longitude 500000", "projected", "RFC 7946"},
			position: []float64{500000, 2100000}},
		{data: poly(`[[[0,0,9],[1,0],[1,1],[0,0]]]`),
			contains: []string{"mixed dimensions at /coordinates/0/1"},
			position: []float64{1, 0}},
		{data: poly(`[[[0,0],[1,0],[0,0]]]`),
			want: "geo: ring has fewer than 4 positions at /coordinates/0: ring has 3 positions; a closed ring needs at least 4"},
	}
	for _, tc := range cases {
		_, _, err := Decode([]byte(tc.data), Limits{})
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%s: got %v, want *Error", tc.data, err)
		}
		msg := err.Error()
		if tc.contains == nil && msg != tc.want {
			t.Errorf("got  %q\nwant %q", msg, tc.want)
		}
		for _, s := range tc.contains {
			if !strings.Contains(msg, s) {
				t.Errorf("%q does not contain %q", msg, s)
			}
		}
		if !equalFloats(e.Position, tc.position) {
			t.Errorf("%s: position %v, want %v", msg, e.Position, tc.position)
		}
	}
	if msg := tooLong(t); len(msg) > 300 {
		t.Errorf("message not bounded: %d bytes", len(msg))
	}
}

func tooLong(t *testing.T) string {
	_, _, err := Decode([]byte(poly(`[[[0,0],[1`+strings.Repeat("0", 5000)+`,0],[1,1],[0,0]]]`)), Limits{})
	if !errors.Is(err, ErrNotFinite) {
		t.Fatalf("got %v, want ErrNotFinite", err)
	}
	return err.Error()
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDecodeBombMemory checks that a nesting bomb is rejected without
// reading, let alone allocating, much of the input.
func TestDecodeBombMemory(t *testing.T) {
	data := []byte(`{"type":"MultiPolygon","coordinates":` + strings.Repeat("[", 10_000_000))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := Decode(data, Limits{})
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("allocated %d bytes", n)
	}
}

func TestError(t *testing.T) {
	cases := []struct {
		err  *Error
		want string
	}{
		{&Error{Err: ErrNull}, "geo: null geometry"},
		{&Error{Err: ErrEmpty, Pointer: "/coordinates"}, "geo: empty geometry at /coordinates"},
		{&Error{Err: ErrType, Msg: "no type"}, "geo: geometry type not allowed: no type"},
		{&Error{Msg: "x"}, "geo: invalid geometry: x"},
	}
	for _, tc := range cases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	if !errors.Is(&Error{Err: ErrRange}, ErrRange) || errors.Is(&Error{Err: ErrRange}, ErrPosition) {
		t.Error("errors.Is does not match the sentinel")
	}
}

// TestDecodeFastPath checks that well-formed geometries take the fast path (FuzzDecodeFast checks that it agrees
// with the slow one).
func TestDecodeFastPath(t *testing.T) {
	for _, name := range []string{"polygon.json", "multipolygon.json", "polygon_z.json"} {
		if _, _, ok := decodeFast(fixture(t, name), Limits{}.withDefaults()); !ok {
			t.Errorf("%s: the fast path gave up on a well-formed geometry", name)
		}
	}
	if _, _, ok := decodeFast(fixture(t, "dirty.json"), Limits{}.withDefaults()); ok {
		t.Log("dirty.json takes the fast path") // allowed: dirty is about topology, which Decode does not check
	}
}
