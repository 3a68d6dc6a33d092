package geo

import (
	"errors"
	"reflect"
	"testing"

	"github.com/paulmach/orb"
)

func TestClean(t *testing.T) {
	dirty, _, err := Decode(fixture(t, "dirty.json"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		in    orb.MultiPolygon
		want  orb.MultiPolygon
		fixes []Fix
	}{
		{
			name: "clockwise shell, counterclockwise hole, repeats",
			in:   dirty,
			want: orb.MultiPolygon{{xiengShell, xiengHole}, sepon},
			fixes: []Fix{
				{FixRepeated, "/coordinates/0/0", 1},
				{FixWinding, "/coordinates/0/0", 1},
				{FixRepeated, "/coordinates/0/1", 1},
				{FixWinding, "/coordinates/0/1", 1},
			},
		},
		{
			name: "already clean",
			in:   orb.MultiPolygon{{xiengShell, xiengHole}, sepon},
			want: orb.MultiPolygon{{xiengShell, xiengHole}, sepon},
		},
		{
			name:  "clockwise hole only",
			in:    orb.MultiPolygon{{xiengShell, reversed(xiengHole)}},
			want:  orb.MultiPolygon{{xiengShell, xiengHole}},
			fixes: []Fix{{FixWinding, "/coordinates/0/1", 1}},
		},
		{
			name:  "clockwise shell in second polygon",
			in:    orb.MultiPolygon{{xiengShell}, {reversed(sepon[0])}},
			want:  orb.MultiPolygon{{xiengShell}, sepon},
			fixes: []Fix{{FixWinding, "/coordinates/1/0", 1}},
		},
		{
			name:  "run of repeats at the start",
			in:    orb.MultiPolygon{{{{0, 0}, {0, 0}, {0, 0}, {1, 0}, {1, 1}, {0, 1}, {0, 0}}}},
			want:  unit,
			fixes: []Fix{{FixRepeated, "/coordinates/0/0", 2}},
		},
		{
			name: "zero area left alone",
			in:   orb.MultiPolygon{{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}},
			want: orb.MultiPolygon{{{{0, 0}, {1, 0}, {2, 0}, {0, 0}}}},
		},
		{
			name: "empty",
			in:   orb.MultiPolygon{},
			want: orb.MultiPolygon{},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.in.Clone()
			got, fixes, err := Clean(tc.in)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !got.Equal(tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if !reflect.DeepEqual(fixes, tc.fixes) {
				t.Errorf("fixes %v, want %v", fixes, tc.fixes)
			}
			if !tc.in.Equal(before) {
				t.Errorf("input modified: %v", tc.in)
			}
			if len(got) > 0 && len(got[0]) > 0 && len(got[0][0]) > 0 {
				got[0][0][0] = orb.Point{-1, -1}
				if !tc.in.Equal(before) {
					t.Error("result shares memory with the input")
				}
			}
		})
	}
}

func TestCleanErrors(t *testing.T) {
	cases := []struct {
		name    string
		in      orb.MultiPolygon
		err     error
		pointer string
	}{
		{"ring collapses", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 0}, {0, 0}}}}, ErrTooFewPositions, "/coordinates/0/0"},
		{"hole collapses", orb.MultiPolygon{unit[0], {xiengShell, {{103.2, 19.4}, {103.2, 19.4}, {103.2, 19.4}, {103.2, 19.4}}}}, ErrTooFewPositions, "/coordinates/1/1"},
		{"short ring", orb.MultiPolygon{{{{0, 0}, {1, 0}, {0, 0}}}}, ErrTooFewPositions, "/coordinates/0/0"},
		{"empty ring", orb.MultiPolygon{{{}}}, ErrTooFewPositions, "/coordinates/0/0"},
		{"unclosed ring", orb.MultiPolygon{{{{0, 0}, {1, 0}, {1, 1}, {0, 1}}}}, ErrUnclosed, "/coordinates/0/0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, fixes, err := Clean(tc.in)
			if !errors.Is(err, tc.err) {
				t.Fatalf("got error %v, want %v", err, tc.err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Pointer != tc.pointer {
				t.Errorf("got %v, want pointer %q", err, tc.pointer)
			}
			if got != nil || fixes != nil {
				t.Errorf("got %v, %v with an error", got, fixes)
			}
		})
	}
}

func TestFixKindString(t *testing.T) {
	for k, want := range map[FixKind]string{
		FixWinding:  "winding order fixed",
		FixRepeated: "repeated vertices removed",
		0:           "FixKind(0)",
		7:           "FixKind(7)",
	} {
		if got := k.String(); got != want {
			t.Errorf("%d: got %q, want %q", int(k), got, want)
		}
	}
}

func reversed(r orb.Ring) orb.Ring {
	c := r.Clone()
	c.Reverse()
	return c
}
