package geo

import (
	"math"
	"testing"

	"github.com/paulmach/orb"
)

func TestLongSegments(t *testing.T) {
	const degree = 6371008.8 * math.Pi / 180 // meters along a great circle
	cases := []struct {
		name     string
		mp       orb.MultiPolygon
		max      float64
		pointers []string
		meters   []float64 // checked when set
	}{
		{
			name:     "meridian and equator",
			mp:       orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 0}}}},
			max:      degree - 1,
			pointers: []string{"/coordinates/0/0/0", "/coordinates/0/0/1", "/coordinates/0/0/2"},
			meters:   []float64{degree, degree, 157249.598},
		},
		{
			name:     "shells not holes",
			mp:       orb.MultiPolygon{{xiengShell, xiengHole}, sepon},
			max:      16000,
			pointers: []string{"/coordinates/0/0/0", "/coordinates/0/0/1", "/coordinates/0/0/2", "/coordinates/0/0/3"},
		},
		{
			name: "everything",
			mp:   orb.MultiPolygon{{xiengShell, xiengHole}},
			max:  5000,
			pointers: []string{
				"/coordinates/0/0/0", "/coordinates/0/0/1", "/coordinates/0/0/2", "/coordinates/0/0/3",
				"/coordinates/0/1/0", "/coordinates/0/1/1", "/coordinates/0/1/2", "/coordinates/0/1/3",
			},
		},
		{
			name:     "across the antimeridian the short way",
			mp:       orb.MultiPolygon{{{{179.9, 0}, {-179.9, 0}, {-179.9, 0.1}, {179.9, 0}}}},
			max:      20000,
			pointers: []string{"/coordinates/0/0/0", "/coordinates/0/0/2"},
			meters:   []float64{0.2 * degree, 24863.966},
		},
		{
			name: "none",
			mp:   orb.MultiPolygon{{xiengShell}},
			max:  1e9,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			segs := LongSegments(tc.mp, tc.max)
			if len(segs) != len(tc.pointers) {
				t.Fatalf("got %d segments %v, want %d", len(segs), segs, len(tc.pointers))
			}
			for i, s := range segs {
				if s.Pointer != tc.pointers[i] {
					t.Errorf("segment %d pointer %q, want %q", i, s.Pointer, tc.pointers[i])
				}
				if s.Meters <= tc.max {
					t.Errorf("segment %d is %f m, not over %f", i, s.Meters, tc.max)
				}
				if tc.meters != nil && math.Abs(s.Meters-tc.meters[i]) > 0.01 {
					t.Errorf("segment %d is %f m, want %f", i, s.Meters, tc.meters[i])
				}
			}
		})
	}
	s := LongSegments(orb.MultiPolygon{{xiengShell}}, 0)[1]
	if s.From != xiengShell[1] || s.To != xiengShell[2] {
		t.Errorf("segment 1 is %v to %v, want %v to %v", s.From, s.To, xiengShell[1], xiengShell[2])
	}
}

func TestVertices(t *testing.T) {
	cases := []struct {
		mp   orb.MultiPolygon
		want int
	}{
		{nil, 0},
		{orb.MultiPolygon{{}}, 0},
		{orb.MultiPolygon{{xiengShell, xiengHole}}, 10},
		{orb.MultiPolygon{{xiengShell, xiengHole}, sepon}, 14},
	}
	for _, tc := range cases {
		if got := Vertices(tc.mp); got != tc.want {
			t.Errorf("Vertices(%v) = %d, want %d", tc.mp, got, tc.want)
		}
	}
}
