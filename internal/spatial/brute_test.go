package spatial_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

// refDistance is a slow reference for Near: for each edge, a golden-section search of the distance (refChord)
// along the edge's parameter.
func refDistance(p orb.Point, mp orb.MultiPolygon) float64 {
	if refCovers(mp, p) {
		return 0
	}
	best := math.Inf(1)
	for _, poly := range mp {
		for _, r := range poly {
			for i := range r {
				a, b := r[i], r[(i+1)%len(r)]
				at := func(t float64) float64 {
					return refChord(p, orb.Point{a[0] + t*(b[0]-a[0]), a[1] + t*(b[1]-a[1])})
				}
				lo, hi := 0.0, 1.0
				const g = 0.6180339887498949
				for k := 0; k < 45; k++ {
					m1, m2 := hi-g*(hi-lo), lo+g*(hi-lo)
					if at(m1) < at(m2) {
						hi = m2
					} else {
						lo = m1
					}
				}
				best = min(best, at(0), at(1), at((lo+hi)/2))
			}
		}
	}
	return best
}

// TestAgainstBruteForce compares every query with a linear scan over the items with independent predicates
// (reference_test.go), and Near's distances with a slow reference, on generated data.
func TestAgainstBruteForce(t *testing.T) {
	items := generate(3000)
	// Crowd them: move the areas 20 times closer to the region's centre so they overlap.
	for _, it := range items {
		c := it.Geometry.Bound().Center()
		dx, dy := (104+(c[0]-104)/20)-c[0], (18+(c[1]-18)/20)-c[1]
		shift := func(mp orb.MultiPolygon) {
			for _, poly := range mp {
				for _, r := range poly {
					for i := range r {
						r[i] = orb.Point{r[i][0] + dx, r[i][1] + dy}
					}
				}
			}
		}
		shift(it.Geometry)
		if len(it.Remaining) > 0 && &it.Remaining[0][0][0] != &it.Geometry[0][0][0] {
			shift(it.Remaining)
		}
	}
	ix := spatial.New()
	s := ix.Replace(items)
	r := rand.New(rand.NewPCG(9, 10))
	filters := []spatial.Filter{{}, {Status: landrelease.StatusAll}, {Kind: landrelease.KindCHA, Contamination: landrelease.ContaminationCMR}}
	var nPoint, nBox, nNear, nInter int
	for q := 0; q < 100; q++ {
		p := orb.Point{104 + 0.2*(r.Float64()-0.5), 18 + 0.2*(r.Float64()-0.5)}
		f := filters[q%len(filters)]
		match := func(it *spatial.Item) bool {
			return (f.Kind == "" || it.Kind == f.Kind) &&
				(f.Contamination == "" || it.Contamination == f.Contamination) &&
				(f.Status == landrelease.StatusAll || it.Status == landrelease.StatusOpen)
		}
		var want []int64
		for _, it := range items {
			if match(it) && refCovers(it.Remaining, p) {
				want = append(want, it.ID)
			}
		}
		got := ids(s.Point(p, f))
		if len(got)+len(want) > 0 && !slices.Equal(got, want) {
			t.Fatalf("Point(%v) = %v, want %v", p, got, want)
		}
		nPoint += len(got)

		box := orb.Bound{Min: p, Max: orb.Point{p[0] + 0.003*r.Float64(), p[1] + 0.003*r.Float64()}}
		want = want[:0]
		for _, it := range items {
			if match(it) && refIntersectsBox(it.Geometry, box) {
				want = append(want, it.ID)
			}
		}
		got = ids(s.BBox(box, f))
		if len(got)+len(want) > 0 && !slices.Equal(got, want) {
			t.Fatalf("BBox(%v) = %v, want %v", box, got, want)
		}
		nBox += len(got)

		g := orb.MultiPolygon{{starPolygon(r, p, 30, 5)}}
		want = want[:0]
		for _, it := range items {
			if match(it) && refIntersects(g, it.Remaining) {
				want = append(want, it.ID)
			}
		}
		got = ids(s.Intersecting(g, f))
		if len(got)+len(want) > 0 && !slices.Equal(got, want) {
			t.Fatalf("Intersecting = %v, want %v", got, want)
		}
		nInter += len(got)

		const meters = 300
		hits := s.Near(p, meters, f)
		ref := map[int64]float64{}
		for _, it := range items {
			if match(it) && len(it.Remaining) > 0 && it.Remaining.Bound().Pad(0.01).Contains(p) {
				if d := refDistance(p, it.Remaining); d <= meters+0.01 {
					ref[it.ID] = d
				}
			}
		}
		for _, h := range hits {
			d, ok := ref[h.Item.ID]
			if !ok {
				t.Fatalf("Near(%v) found %d at %.4f m, reference says beyond %d m", p, h.Item.ID, h.DistanceM, meters)
			}
			if math.Abs(d-h.DistanceM) > 0.001 {
				t.Errorf("Near(%v) item %d: %.6f m, reference %.6f m", p, h.Item.ID, h.DistanceM, d)
			}
			delete(ref, h.Item.ID)
		}
		for id, d := range ref {
			if d < meters-0.01 {
				t.Fatalf("Near(%v) missed %d at %.4f m", p, id, d)
			}
		}
		nNear += len(hits)
	}
	t.Logf("matches: point %d, bbox %d, intersecting %d, near %d", nPoint, nBox, nInter, nNear)
	if nPoint == 0 || nBox == 0 || nInter == 0 || nNear == 0 {
		t.Error("test data too sparse")
	}
}
