package spatial

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// TestBoundOf: boundOf gives orb's bounds (Bound.Extend over every vertex) for random multipolygons, and the
// zero Bound for none.
func TestBoundOf(t *testing.T) {
	if b := boundOf(nil); b != (orb.Bound{}) {
		t.Errorf("no vertices: %v", b)
	}
	if b := boundOf(orb.MultiPolygon{{{}}}); b != (orb.Bound{}) {
		t.Errorf("an empty ring: %v", b)
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		var mp orb.MultiPolygon
		for range 1 + r.IntN(3) {
			var p orb.Polygon
			for range 1 + r.IntN(3) {
				var ring orb.Ring
				for range 1 + r.IntN(20) {
					ring = append(ring, orb.Point{-180 + 360*r.Float64(), -90 + 180*r.Float64()})
				}
				p = append(p, ring)
			}
			mp = append(mp, p)
		}
		want := orb.Bound{Min: mp[0][0][0], Max: mp[0][0][0]}
		for _, p := range mp {
			for _, ring := range p {
				for _, q := range ring {
					want = want.Extend(q)
				}
			}
		}
		if got := boundOf(mp); got != want {
			t.Fatalf("%v: got %v, want %v", mp, got, want)
		}
	}
}
