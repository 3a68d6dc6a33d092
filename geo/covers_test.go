package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

func TestCovers(t *testing.T) {
	withHole := orb.MultiPolygon{{xiengShell, xiengHole}, sepon}
	diamond := orb.MultiPolygon{{{{0, -1}, {1, 0}, {0, 1}, {-1, 0}, {0, -1}}}}
	cases := []struct {
		name string
		mp   orb.MultiPolygon
		p    orb.Point
		want bool
	}{
		{"inside shell", withHole, orb.Point{103.12, 19.32}, true},
		{"inside hole", withHole, orb.Point{103.2, 19.4}, false},
		{"on shell edge", withHole, orb.Point{103.2, 19.3}, true},
		{"on shell vertex", withHole, orb.Point{103.1, 19.3}, true},
		{"on hole edge", withHole, orb.Point{103.15, 19.4}, true},
		{"on hole vertex", withHole, orb.Point{103.25, 19.45}, true},
		{"outside", withHole, orb.Point{103.0, 19.4}, false},
		{"outside level with a vertex", withHole, orb.Point{103.0, 19.5}, false},
		{"in second polygon", withHole, orb.Point{106.45, 16.52}, true},
		{"on second polygon's diagonal", withHole, orb.Point{106.45, 16.55}, true},
		{"beside second polygon's diagonal", withHole, orb.Point{106.45, 16.56}, false},
		{"ray through two vertices, outside", diamond, orb.Point{-2, 0}, false},
		{"ray through a vertex, inside", diamond, orb.Point{0.5, 0}, true},
		{"ray through a vertex, beyond", diamond, orb.Point{1.5, 0}, false},
		{"below the bottom vertex", diamond, orb.Point{0, -1.5}, false},
		{"empty", nil, orb.Point{0, 0}, false},
		{"polygon without rings", orb.MultiPolygon{{}}, orb.Point{0, 0}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Covers(tc.mp, tc.p); got != tc.want {
				t.Errorf("Covers(%v) = %v, want %v", tc.p, got, tc.want)
			}
		})
	}
}

// TestCoversOrientation checks that ring orientation does not matter.
func TestCoversOrientation(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	a := orb.MultiPolygon{{xiengShell, xiengHole}}
	b := orb.MultiPolygon{{reversed(xiengShell), reversed(xiengHole)}}
	for range 1000 {
		p := orb.Point{103 + 0.4*rng.Float64(), 19.2 + 0.4*rng.Float64()}
		if Covers(a, p) != Covers(b, p) {
			t.Fatalf("orientation changes the answer at %v", p)
		}
	}
}

func BenchmarkCovers(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	shell := star(rng, orb.Point{103.2, 19.4}, 0.2, 200)
	hole := reversed(star(rng, orb.Point{103.2, 19.4}, 0.05, 20))
	mp := orb.MultiPolygon{{shell, hole}}
	bound := mp.Bound()
	points := make([]orb.Point, 1024)
	for i := range points {
		points[i] = orb.Point{
			bound.Min[0] + rng.Float64()*(bound.Max[0]-bound.Min[0]),
			bound.Min[1] + rng.Float64()*(bound.Max[1]-bound.Min[1]),
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		Covers(mp, points[i%len(points)])
		i++
	}
}
