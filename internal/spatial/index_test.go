package spatial_test

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

type fixture struct {
	ID            int64                     `json:"id"`
	LocalID       string                    `json:"local_id"`
	Kind          landrelease.Kind          `json:"kind"`
	Status        landrelease.Status        `json:"status"`
	Contamination landrelease.Contamination `json:"contamination"`
	Geometry      [][][][2]float64          `json:"geometry"`
	Remaining     [][][][2]float64          `json:"remaining"`
}

func toMP(c [][][][2]float64) orb.MultiPolygon {
	mp := orb.MultiPolygon{}
	for _, p := range c {
		var poly orb.Polygon
		for _, r := range p {
			var ring orb.Ring
			for _, q := range r {
				ring = append(ring, orb.Point(q))
			}
			poly = append(poly, ring)
		}
		mp = append(mp, poly)
	}
	return mp
}

func loadItems(t testing.TB) []*spatial.Item {
	t.Helper()
	b, err := os.ReadFile("testdata/areas.json")
	if err != nil {
		t.Fatal(err)
	}
	var fs []fixture
	if err := json.Unmarshal(b, &fs); err != nil {
		t.Fatal(err)
	}
	var items []*spatial.Item
	for _, f := range fs {
		items = append(items, &spatial.Item{
			ID: f.ID, LocalID: f.LocalID, Kind: f.Kind, Status: f.Status, Contamination: f.Contamination,
			Geometry: toMP(f.Geometry), Remaining: toMP(f.Remaining),
		})
	}
	return items
}

func loaded(t testing.TB) *spatial.Index {
	ix := spatial.New()
	ix.Replace(loadItems(t))
	return ix
}

func ids(items []*spatial.Item) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, it.ID)
	}
	return out
}

func square(x0, y0, x1, y1 float64) orb.MultiPolygon {
	return orb.MultiPolygon{{{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}, {x0, y0}}}}
}

var all = spatial.Filter{Status: landrelease.StatusAll}

func TestPoint(t *testing.T) {
	s := loaded(t).Snapshot()
	if s.Len() != 5 {
		t.Fatalf("Len = %d, want 5", s.Len())
	}
	tests := []struct {
		name string
		p    orb.Point
		f    spatial.Filter
		want []int64
	}{
		{"inside", orb.Point{102.001, 19.001}, spatial.Filter{}, []int64{1}},
		{"in hole", orb.Point{102.005, 19.005}, spatial.Filter{}, []int64{}},
		{"on hole boundary", orb.Point{102.004, 19.005}, spatial.Filter{}, []int64{1}},
		{"on hole corner", orb.Point{102.006, 19.006}, spatial.Filter{}, []int64{1}},
		{"on outer edge", orb.Point{102.01, 19.005}, spatial.Filter{}, []int64{1}},
		{"on outer corner", orb.Point{102.0, 19.0}, spatial.Filter{}, []int64{1}},
		{"just outside", orb.Point{102.0100001, 19.005}, spatial.Filter{}, []int64{}},
		{"unreleased part", orb.Point{102.022, 19.005}, spatial.Filter{}, []int64{2}},
		{"released part", orb.Point{102.027, 19.005}, spatial.Filter{}, []int64{}},
		{"edge of release", orb.Point{102.025, 19.005}, spatial.Filter{}, []int64{2}},
		{"closed, nothing remains", orb.Point{102.045, 19.005}, all, []int64{}},
		{"overlap, default open", orb.Point{102.007, 19.027}, spatial.Filter{}, []int64{4}},
		{"overlap, all", orb.Point{102.007, 19.027}, all, []int64{4, 5}},
		{"overlap, closed", orb.Point{102.007, 19.027}, spatial.Filter{Status: landrelease.StatusClosed}, []int64{5}},
		{"overlap, kind CHA", orb.Point{102.007, 19.027}, spatial.Filter{Kind: landrelease.KindCHA, Status: landrelease.StatusAll}, []int64{4}},
		{"overlap, kind SHA open", orb.Point{102.007, 19.027}, spatial.Filter{Kind: landrelease.KindSHA}, []int64{}},
		{"overlap, cmr", orb.Point{102.007, 19.027}, spatial.Filter{Contamination: landrelease.ContaminationCMR, Status: landrelease.StatusAll}, []int64{5}},
		{"overlap, mixed", orb.Point{102.007, 19.027}, spatial.Filter{Contamination: landrelease.ContaminationMixed}, []int64{4}},
		{"far away", orb.Point{0, 0}, all, []int64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(s.Point(tt.p, tt.f)); !slices.Equal(got, tt.want) {
				t.Errorf("Point(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestBBox(t *testing.T) {
	s := loaded(t).Snapshot()
	b := func(x0, y0, x1, y1 float64) orb.Bound {
		return orb.Bound{Min: orb.Point{x0, y0}, Max: orb.Point{x1, y1}}
	}
	tests := []struct {
		name string
		b    orb.Bound
		f    spatial.Filter
		want []int64
	}{
		{"released part matches by geometry", b(102.026, 19.004, 102.028, 19.006), spatial.Filter{}, []int64{2}},
		{"inside the hole", b(102.0045, 19.0045, 102.0055, 19.0055), spatial.Filter{}, []int64{}},
		{"touches the hole's edge", b(102.0045, 19.0045, 102.006, 19.0055), spatial.Filter{}, []int64{1}},
		{"inside the area, no vertex or edge in it", b(102.001, 19.001, 102.002, 19.002), spatial.Filter{}, []int64{1}},
		{"touches an edge from outside", b(102.01, 19.001, 102.011, 19.002), spatial.Filter{}, []int64{1}},
		{"touches a corner", b(102.01, 19.01, 102.011, 19.011), spatial.Filter{}, []int64{1}},
		{"just misses", b(102.0100001, 19.001, 102.011, 19.002), spatial.Filter{}, []int64{}},
		{"degenerate point box on an edge", b(102.01, 19.005, 102.01, 19.005), spatial.Filter{}, []int64{1}},
		{"crosses an edge", b(102.009, 19.0, 102.021, 19.001), spatial.Filter{}, []int64{1, 2}},
		{"closed area, default", b(102.041, 19.001, 102.042, 19.002), spatial.Filter{}, []int64{}},
		{"closed area, all", b(102.041, 19.001, 102.042, 19.002), all, []int64{3}},
		{"everything", b(101, 18, 103, 20), all, []int64{1, 2, 3, 4, 5}},
		{"everything open", b(101, 18, 103, 20), spatial.Filter{}, []int64{1, 2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ids(s.BBox(tt.b, tt.f)); !slices.Equal(got, tt.want) {
				t.Errorf("BBox(%v) = %v, want %v", tt.b, got, tt.want)
			}
		})
	}
}

func TestIntersecting(t *testing.T) {
	s := loaded(t).Snapshot()
	tri := orb.MultiPolygon{{{{102.01, 19.005}, {102.02, 19.004}, {102.02, 19.006}, {102.01, 19.005}}}}
	tests := []struct {
		name string
		g    orb.MultiPolygon
		f    spatial.Filter
		want []int64
	}{
		{"shares an edge from outside", square(102.01, 19.002, 102.012, 19.004), spatial.Filter{}, []int64{1}},
		{"touches a corner only", square(102.01, 19.01, 102.011, 19.011), spatial.Filter{}, []int64{1}},
		{"triangle touching both at vertices", tri, spatial.Filter{}, []int64{1, 2}},
		{"strictly in the hole", square(102.0045, 19.0045, 102.0055, 19.0055), spatial.Filter{}, []int64{}},
		{"fills the hole exactly", square(102.004, 19.004, 102.006, 19.006), spatial.Filter{}, []int64{1}},
		{"strictly inside", square(102.001, 19.001, 102.002, 19.002), spatial.Filter{}, []int64{1}},
		{"contains the area", square(101.9, 18.9, 102.015, 19.015), spatial.Filter{}, []int64{1}},
		{"in the released part", square(102.026, 19.001, 102.029, 19.009), spatial.Filter{}, []int64{}},
		{"touches the release line", square(102.025, 19.001, 102.029, 19.009), spatial.Filter{}, []int64{2}},
		{"just misses", square(102.0100001, 19.002, 102.012, 19.004), spatial.Filter{}, []int64{}},
		{"closed with nothing remaining", square(102.04, 19.0, 102.05, 19.01), all, []int64{}},
		{"two polygons", append(square(102.0045, 19.0045, 102.0055, 19.0055), square(102.005, 19.028, 102.006, 19.029)[0]), all, []int64{4, 5}},
		{"empty", orb.MultiPolygon{}, all, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.Intersecting(tt.g, tt.f)
			if tt.want == nil {
				if len(got) != 0 {
					t.Errorf("Intersecting = %v, want none", ids(got))
				}
				return
			}
			if g := ids(got); !slices.Equal(g, tt.want) {
				t.Errorf("Intersecting = %v, want %v", g, tt.want)
			}
		})
	}
}

func TestSegmentsIntersect(t *testing.T) {
	p := func(x, y float64) orb.Point { return orb.Point{x, y} }
	tests := []struct {
		name       string
		a, b, c, d orb.Point
		want       bool
	}{
		{"cross", p(0, 0), p(1, 1), p(0, 1), p(1, 0), true},
		{"T touch", p(0, 0), p(2, 0), p(1, 0), p(1, 1), true},
		{"shared endpoint", p(0, 0), p(1, 0), p(1, 0), p(2, 5), true},
		{"collinear overlap", p(0, 0), p(2, 0), p(1, 0), p(3, 0), true},
		{"collinear disjoint", p(0, 0), p(1, 0), p(2, 0), p(3, 0), false},
		{"parallel", p(0, 0), p(1, 0), p(0, 1), p(1, 1), false},
		{"near miss", p(0, 0), p(2, 0), p(1, 1e-300), p(1, 1), false},
		{"touching at dyadic lon/lat", p(102.0, 19.5), p(102.5, 19.0), p(102.25, 19.25), p(102.25, 19.9), true},
		{"tiny gap", p(102.0, 19.5), p(102.5, 19.0), p(102.25, 19.25+1e-13), p(102.25, 19.9), false},
		{"degenerate point on segment", p(0, 0), p(2, 2), p(1, 1), p(1, 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spatial.SegmentsIntersect(tt.a, tt.b, tt.c, tt.d); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := spatial.SegmentsIntersect(tt.c, tt.d, tt.a, tt.b); got != tt.want {
				t.Errorf("swapped: got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestApplyCopyOnWrite(t *testing.T) {
	ix := loaded(t)
	old := ix.Snapshot()
	moved := *old.Get(2)
	moved.Geometry = square(103.02, 19.0, 103.03, 19.01)
	moved.Remaining = moved.Geometry
	s := ix.Apply([]*spatial.Item{&moved}, []int64{1, 999})
	if s != ix.Snapshot() {
		t.Fatal("Apply did not return the published snapshot")
	}
	check := func(name string, s *spatial.Snapshot, p orb.Point, want []int64) {
		t.Helper()
		if got := ids(s.Point(p, spatial.Filter{})); !slices.Equal(got, want) {
			t.Errorf("%s: Point(%v) = %v, want %v", name, p, got, want)
		}
	}
	check("new", s, orb.Point{102.022, 19.005}, []int64{})
	check("new", s, orb.Point{103.025, 19.005}, []int64{2})
	check("new", s, orb.Point{102.001, 19.001}, []int64{})
	check("old", old, orb.Point{102.022, 19.005}, []int64{2})
	check("old", old, orb.Point{103.025, 19.005}, []int64{})
	check("old", old, orb.Point{102.001, 19.001}, []int64{1})
	if s.Len() != 4 || old.Len() != 5 {
		t.Errorf("Len new %d old %d, want 4 and 5", s.Len(), old.Len())
	}
	if got := ids(s.BBox(orb.Bound{Min: orb.Point{101, 18}, Max: orb.Point{104, 20}}, all)); !slices.Equal(got, []int64{2, 3, 4, 5}) {
		t.Errorf("new BBox = %v", got)
	}
	if s.Get(1) != nil || old.Get(1) == nil {
		t.Error("Get(1) wrong after remove")
	}
	// The index keeps its own copy: changing the caller's item changes nothing.
	moved.Status = landrelease.StatusClosed
	check("after caller edit", s, orb.Point{103.025, 19.005}, []int64{2})

	// Re-adding and Replace.
	s = ix.Apply(old.Point(orb.Point{102.001, 19.001}, spatial.Filter{}), nil)
	check("re-added", s, orb.Point{102.001, 19.001}, []int64{1})
	s = ix.Replace(nil)
	if s.Len() != 0 || len(s.BBox(orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, all)) != 0 {
		t.Error("Replace(nil) left items")
	}
}

// meridianArc is the length in metres of the WGS 84 meridian between
// latitudes lat1 and lat2 (degrees), by Simpson's rule on the meridional
// radius of curvature: an independent check of the geodesic code.
func meridianArc(lat1, lat2 float64) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	e2 := f * (2 - f)
	M := func(φ float64) float64 {
		s := math.Sin(φ)
		return a * (1 - e2) / math.Pow(1-e2*s*s, 1.5)
	}
	φ1, φ2 := lat1*math.Pi/180, lat2*math.Pi/180
	const n = 1000
	h := (φ2 - φ1) / n
	sum := M(φ1) + M(φ2)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		sum += w * M(φ1+float64(i)*h)
	}
	return sum * h / 3
}

func TestInverse(t *testing.T) {
	dms := func(d, m, s float64) float64 { return math.Copysign(math.Abs(d)+m/60+s/3600, d) }
	tests := []struct {
		name string
		a, b orb.Point
		want float64
		tol  float64
	}{
		// Geoscience Australia's worked example (GRS80; WGS 84 differs by
		// well under a millimetre at this distance).
		{"Flinders Peak to Buninyong",
			orb.Point{dms(144, 25, 29.52440), dms(-37, 57, 3.72030)},
			orb.Point{dms(143, 55, 35.38390), dms(-37, 39, 10.15610)}, 54972.271, 0.001},
		{"meridian 100 m at 19 N", orb.Point{102, 19.01}, orb.Point{102, 19.0109}, meridianArc(19.01, 19.0109), 1e-6},
		{"meridian 1 degree", orb.Point{-70, 0}, orb.Point{-70, 1}, meridianArc(0, 1), 1e-6},
		{"equator 1 degree", orb.Point{0, 0}, orb.Point{1, 0}, 6378137.0 * math.Pi / 180, 1e-6},
		{"same point", orb.Point{102, 19}, orb.Point{102, 19}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spatial.Inverse(tt.a, tt.b); math.Abs(got-tt.want) > tt.tol {
				t.Errorf("Inverse = %.6f, want %.6f", got, tt.want)
			}
		})
	}
}

func TestNear(t *testing.T) {
	ix := loaded(t)
	// A twin of A (same remaining) to test ties.
	twin := *ix.Snapshot().Get(1)
	twin.ID, twin.LocalID = 6, "LA-T-0006"
	s := ix.Apply([]*spatial.Item{&twin}, nil)

	north := orb.Point{102.002, 19.0109}
	dNorth := meridianArc(19.01, 19.0109) // ~99.6 m due north of A's north edge
	tests := []struct {
		name   string
		p      orb.Point
		meters float64
		f      spatial.Filter
		want   []int64
		dist   []float64 // expected distances, NaN: not checked
		tol    float64
	}{
		{"100 m north, ties by ID", north, 150, spatial.Filter{}, []int64{1, 6}, []float64{dNorth, dNorth}, 0.001},
		{"just beyond threshold", north, dNorth - 0.005, spatial.Filter{}, []int64{}, nil, 0},
		{"just within threshold", north, dNorth + 0.005, spatial.Filter{}, []int64{1, 6}, nil, 0},
		{"inside is 0", orb.Point{102.001, 19.001}, 10, spatial.Filter{}, []int64{1, 6}, []float64{0, 0}, 0},
		{"on boundary is 0", orb.Point{102.01, 19.001}, 0, spatial.Filter{}, []int64{1, 6}, []float64{0, 0}, 0},
		{"in the hole, to the hole's south edge", orb.Point{102.005, 19.0041}, 50, spatial.Filter{}, []int64{1, 6},
			[]float64{meridianArc(19.004, 19.0041), meridianArc(19.004, 19.0041)}, 0.001},
		// Due south of B's remaining part at 19.0 - 0.001: about 110.7 m; A is further (its
		// east edge at 102.01 is ~1.05 km west).
		{"nearest first", orb.Point{102.021, 18.999}, 2000, spatial.Filter{}, []int64{2, 1, 6},
			[]float64{meridianArc(18.999, 19.0), math.NaN(), math.NaN()}, 0.001},
		{"released part is not near", orb.Point{102.03, 19.005}, 600, spatial.Filter{}, []int64{2}, []float64{math.NaN()}, 0},
		{"filter", orb.Point{102.007, 19.036}, 700, all, []int64{5, 4}, []float64{meridianArc(19.035, 19.036), math.NaN()}, 0.001},
		{"filter open", orb.Point{102.007, 19.036}, 700, spatial.Filter{}, []int64{4}, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits := s.Near(tt.p, tt.meters, tt.f)
			got := []int64{}
			for _, h := range hits {
				got = append(got, h.Item.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Near = %v (%v), want %v", got, hits, tt.want)
			}
			for i, d := range tt.dist {
				if !math.IsNaN(d) && math.Abs(hits[i].DistanceM-d) > tt.tol {
					t.Errorf("hit %d distance %.6f, want %.6f", i, hits[i].DistanceM, d)
				}
			}
			for i := 1; i < len(hits); i++ {
				if hits[i].DistanceM < hits[i-1].DistanceM {
					t.Errorf("not ordered: %v", hits)
				}
			}
		})
	}
}

// TestConcurrent runs 4 readers while a writer applies 1000 changes; run
// it with -race.
func TestConcurrent(t *testing.T) {
	ix := loaded(t)
	base := ix.Snapshot().Get(4)
	var done atomic.Bool
	var wg sync.WaitGroup
	var queries atomic.Int64
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !done.Load() || i < 10; i++ {
				s := ix.Snapshot()
				p := orb.Point{102.001 + float64(i%50)*0.0002, 19.021}
				for _, it := range s.Point(p, all) {
					if !geo.Covers(it.Remaining, p) {
						t.Errorf("Point returned %d which does not cover %v", it.ID, p)
					}
				}
				n := len(s.BBox(orb.Bound{Min: orb.Point{101, 18}, Max: orb.Point{104, 20}}, all))
				if n != s.Len() {
					t.Errorf("BBox found %d of %d items in one snapshot", n, s.Len())
				}
				s.Near(p, 300, all)
				s.Intersecting(square(102.0, 19.02, 102.02, 19.04), all)
				queries.Add(1)
			}
		}()
	}
	for i := 0; i < 1000; i++ {
		switch i % 4 {
		case 3:
			ix.Apply(nil, []int64{int64(100 + i - 1)})
		default:
			it := *base
			it.ID = int64(100 + i)
			dx := float64(i%97) * 0.0001
			it.Geometry = square(102.0+dx, 19.02, 102.01+dx, 19.03)
			it.Remaining = it.Geometry
			ix.Apply([]*spatial.Item{&it}, nil)
		}
	}
	done.Store(true)
	wg.Wait()
	if want := 5 + 750 - 250; ix.Snapshot().Len() != want {
		t.Errorf("Len = %d, want %d", ix.Snapshot().Len(), want)
	}
	t.Logf("%d reader rounds", queries.Load())
}
