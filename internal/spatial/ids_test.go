package spatial_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

// TestIDs checks upserts and removes by ID, negative and huge IDs included,
// against a plain map, and that every older snapshot keeps its own state.
func TestIDs(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	pool := []int64{0, 1, 31, 32, 1023, 1024, math.MaxInt64, math.MinInt64, -1, -32}
	for i := 0; i < 200; i++ {
		pool = append(pool, r.Int64N(5000), r.Int64())
	}
	ix := spatial.New()
	type state struct {
		s    *spatial.Snapshot
		want map[int64]float64 // id to the item's longitude
	}
	var history []state
	cur := map[int64]float64{}
	for step := 0; step < 300; step++ {
		var ups []*spatial.Item
		var rms []int64
		for k := r.IntN(5); k >= 0; k-- {
			id := pool[r.IntN(len(pool))]
			if r.IntN(3) == 0 {
				rms = append(rms, id)
				continue
			}
			lon := 100 + 8*r.Float64()
			g := square(lon, 15, lon+0.001, 15.001)
			ups = append(ups, &spatial.Item{ID: id, Status: "open", Geometry: g, Remaining: g})
		}
		var s *spatial.Snapshot
		if step%50 == 0 {
			s = ix.Replace(ups)
			cur = map[int64]float64{}
		} else {
			s = ix.Apply(ups, rms)
		}
		next := map[int64]float64{}
		for id, v := range cur {
			next[id] = v
		}
		for _, it := range ups {
			next[it.ID] = it.Geometry[0][0][0][0]
		}
		if step%50 != 0 {
			for _, id := range rms {
				delete(next, id)
			}
		}
		cur = next
		history = append(history, state{s, next})
	}
	for i, h := range history {
		if h.s.Len() != len(h.want) {
			t.Fatalf("snapshot %d: Len %d, want %d", i, h.s.Len(), len(h.want))
		}
		for _, id := range pool {
			it := h.s.Get(id)
			lon, ok := h.want[id]
			switch {
			case ok != (it != nil):
				t.Fatalf("snapshot %d: Get(%d) = %v, want present %v", i, id, it, ok)
			case ok && it.Geometry[0][0][0][0] != lon:
				t.Fatalf("snapshot %d: Get(%d) has the wrong version", i, id)
			}
		}
		all := h.s.BBox(orb.Bound{Min: orb.Point{99, 14}, Max: orb.Point{109, 16}}, spatial.Filter{})
		if len(all) != len(h.want) {
			t.Fatalf("snapshot %d: BBox found %d, want %d", i, len(all), len(h.want))
		}
		for j := 1; j < len(all); j++ {
			if all[j-1].ID >= all[j].ID {
				t.Fatalf("snapshot %d: BBox not ordered by ID", i)
			}
		}
	}
}
