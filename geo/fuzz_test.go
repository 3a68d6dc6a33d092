package geo

import (
	"errors"
	"math"
	"testing"

	"github.com/paulmach/orb"
)

var sentinels = []error{
	ErrSyntax, ErrType, ErrNull, ErrEmpty, ErrPosition, ErrNotFinite,
	ErrRange, ErrDimension, ErrUnclosed, ErrTooFewPositions, ErrTooLarge,
}

// FuzzDecode checks that Decode never panics, that every error is an *Error
// wrapping a sentinel, and that what it accepts is closed, in range, within
// the limits and survives a round trip through GeoJSON. The seed corpus is
// the fixtures plus testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"polygon.json", "multipolygon.json", "polygon_z.json", "type_after.json", "dirty.json"} {
		f.Add(fixture(f, name))
	}
	for _, s := range []string{
		`null`,
		poly(`[` + square + `]`),
		multi(`[[` + square + `],[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]]]`),
		`{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Polygon"}`,
		poly(`[[[0,0],[1e400,0],[1,1],[0,0]]]`),
		`{"type":"Polygon","coordinates":[[[[[`,
	} {
		f.Add([]byte(s))
	}

	lim := Limits{MaxVertices: 256, MaxRings: 16}
	f.Fuzz(func(t *testing.T, data []byte) {
		mp, isPoly, err := Decode(data, lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if !isSentinel(e.Err) {
				t.Fatalf("error wraps %v, not a sentinel", e.Err)
			}
			if mp != nil || isPoly {
				t.Fatalf("got %v, %v with error %v", mp, isPoly, err)
			}
			return
		}

		if len(mp) == 0 || (isPoly && len(mp) != 1) {
			t.Fatalf("got %d polygons, polygon %v", len(mp), isPoly)
		}
		rings := 0
		for _, p := range mp {
			if len(p) == 0 {
				t.Fatal("polygon without rings")
			}
			for _, r := range p {
				rings++
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Fatalf("ring %v not closed or too short", r)
				}
				for _, pt := range r {
					if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) ||
						pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
						t.Fatalf("position %v out of range", pt)
					}
				}
			}
		}
		if Vertices(mp) > lim.MaxVertices || rings > lim.MaxRings {
			t.Fatalf("%d positions and %d rings exceed %+v", Vertices(mp), rings, lim)
		}

		again, againPoly, err := Decode(marshal(t, mp), lim)
		if err != nil || againPoly || !again.Equal(mp) {
			t.Fatalf("MultiPolygon round trip: got %v, %v, %v; want %v", again, againPoly, err, mp)
		}
		if isPoly {
			again, againPoly, err := Decode(marshal(t, mp[0]), lim)
			if err != nil || !againPoly || !again.Equal(mp) {
				t.Fatalf("Polygon round trip: got %v, %v, %v; want %v", again, againPoly, err, mp)
			}
		}

		clean, fixes, err := Clean(mp)
		if err != nil {
			if !errors.Is(err, ErrTooFewPositions) {
				t.Fatalf("Clean: %v", err)
			}
			return
		}
		removed := 0
		for _, f := range fixes {
			if f.Kind == FixRepeated {
				removed += f.Count
			}
		}
		if Vertices(clean)+removed != Vertices(mp) {
			t.Fatalf("Clean kept %d of %d positions but reports %d removed", Vertices(clean), Vertices(mp), removed)
		}
		for _, p := range clean {
			for j, r := range p {
				if len(r) < 4 || r[0] != r[len(r)-1] {
					t.Fatalf("cleaned ring %v not closed or too short", r)
				}
				for k := 1; k < len(r); k++ {
					if r[k] == r[k-1] {
						t.Fatalf("cleaned ring %v repeats a position", r)
					}
				}
				if a := area2(r); clearly(a, r) && ((j == 0 && a < 0) || (j > 0 && a > 0)) {
					t.Fatalf("ring %d of %v wound the wrong way", j, p)
				}
			}
		}
	})
}

func isSentinel(err error) bool {
	for _, s := range sentinels {
		if err == s {
			return true
		}
	}
	return false
}

// clearly reports whether the sign of a, twice the area of r, is beyond
// rounding error: summing in the other direction could flip a tinier one.
func clearly(a float64, r orb.Ring) bool {
	var scale float64
	o := r[0]
	for i := 1; i+1 < len(r); i++ {
		p, q := r[i], r[i+1]
		scale += math.Abs((p[0]-o[0])*(q[1]-o[1])) + math.Abs((q[0]-o[0])*(p[1]-o[1]))
	}
	return math.Abs(a) > 1e-9*scale
}

// FuzzDecodeFast checks Decode's fast path against the token-by-token one: whenever the fast path accepts an
// input, the slow path accepts it too, with the same result. The seed corpus is FuzzDecode's plus
// testdata/fuzz/FuzzDecodeFast.
func FuzzDecodeFast(f *testing.F) {
	for _, name := range []string{"polygon.json", "multipolygon.json", "polygon_z.json", "type_after.json", "dirty.json"} {
		f.Add(fixture(f, name))
	}
	for _, s := range []string{
		poly(`[` + square + `]`),
		multi(`[[` + square + `],[[[0,0,1],[1,0,1],[1,1,1],[0,0,1]]]]`),
		`{"coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"type":"Polygon"}`,
		` { "type" : "Polygon" , "coordinates" : [ [ [ 0 , 0 ] , [ 1e0 , -0 ] , [ 1.5 , 1E-2 ] , [ 0 , 0 ] ] ] } `,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]],"bbox":[0,0,1,1]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0.0]]]}`,
		`{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`,
		`{"type":"Polygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[181,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[01,1],[0,0]]]}`,
		`{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}x`,
	} {
		f.Add([]byte(s))
	}
	lim := Limits{MaxVertices: 256, MaxRings: 16}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		fast, fastPoly, ok := decodeFast(data, lim)
		if !ok {
			return
		}
		slow, slowPoly, err := decodeSlow(data, lim)
		if err != nil {
			t.Fatalf("fast path accepted what the slow path rejects (%v): %q", err, data)
		}
		if fastPoly != slowPoly || !fast.Equal(slow) {
			t.Fatalf("fast %v (polygon %v), slow %v (polygon %v) for %q", fast, fastPoly, slow, slowPoly, data)
		}
	})
}
