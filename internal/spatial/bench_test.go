package spatial_test

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

// starPolygon returns a star-shaped ring of k vertices around c with an
// area of about ha hectares.
func starPolygon(r *rand.Rand, c orb.Point, k int, ha float64) orb.Ring {
	mean := math.Sqrt(ha * 1e4 / math.Pi) // metres
	mx := 1 / (111320 * math.Cos(c[1]*math.Pi/180))
	my := 1 / 110574.0
	ring := make(orb.Ring, 0, k+1)
	for i := 0; i < k; i++ {
		θ := 2 * math.Pi * float64(i) / float64(k)
		ρ := mean * (0.7 + 0.6*r.Float64())
		ring = append(ring, orb.Point{c[0] + ρ*math.Cos(θ)*mx, c[1] + ρ*math.Sin(θ)*my})
	}
	return append(ring, ring[0])
}

// generate returns n items, deterministically: star-shaped polygons of 20
// to 200 vertices and 0.5 to 50 ha over lon 100..108, lat 14..22; one in
// ten closed with nothing remaining, one in five with a released quarter.
func generate(n int) []*spatial.Item {
	r := rand.New(rand.NewPCG(1, 2))
	items := make([]*spatial.Item, n)
	kinds := []landrelease.Kind{landrelease.KindSHA, landrelease.KindCHA}
	conts := []landrelease.Contamination{landrelease.ContaminationCMR, landrelease.ContaminationOther, landrelease.ContaminationMixed}
	for i := range items {
		c := orb.Point{100 + 8*r.Float64(), 14 + 8*r.Float64()}
		ring := starPolygon(r, c, 20+r.IntN(181), 0.5+49.5*r.Float64())
		g := orb.MultiPolygon{{ring}}
		it := &spatial.Item{
			ID: int64(i + 1), LocalID: "LA-B-" + strconv.Itoa(i+1),
			Kind: kinds[r.IntN(2)], Contamination: conts[r.IntN(3)],
			Status: landrelease.StatusOpen, Geometry: g, Remaining: g,
		}
		switch r.IntN(10) {
		case 0:
			it.Status, it.Remaining = landrelease.StatusClosed, orb.MultiPolygon{}
		case 1, 2:
			// Released: the quarter of the star east and north of its centre.
			rem := orb.Ring{c}
			for _, q := range ring[:len(ring)-1] {
				if !(q[0] > c[0] && q[1] > c[1]) {
					rem = append(rem, q)
				}
			}
			it.Remaining = orb.MultiPolygon{{append(rem, c)}}
		}
		items[i] = it
	}
	return items
}

var (
	dataMu sync.Mutex
	data   = map[int][]*spatial.Item{}
	built  = map[int]*spatial.Index{}
	perIt  = map[int]float64{}
	geomIt = map[int]float64{}
)

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// index returns a loaded index of n generated items, built once, and the
// heap bytes per item the index itself took (geometries excluded).
func index(b *testing.B, n int) (*spatial.Index, []*spatial.Item, float64) {
	dataMu.Lock()
	defer dataMu.Unlock()
	if ix, ok := built[n]; ok {
		return ix, data[n], perIt[n]
	}
	start := heap()
	items := generate(n)
	before := heap()
	ix := spatial.New()
	ix.Replace(items)
	after := heap()
	data[n], built[n], perIt[n] = items, ix, float64(after-before)/float64(n)
	geomIt[n] = float64(before-start) / float64(n)
	return ix, items, perIt[n]
}

// sizes are the scales of the benchmarks, as sub-benchmarks side by side: 10^4 and 10^5, and 10^6 when
// LANDRELEASE_BENCH_SCALE is 1000000 or more (about 2.5 GB of generated polygons).
func sizes() []int {
	s := []int{10_000, 100_000}
	if n, _ := strconv.Atoi(os.Getenv("LANDRELEASE_BENCH_SCALE")); n >= 1_000_000 {
		s = append(s, 1_000_000)
	}
	return s
}

// median returns the median and 99th percentile latency of q over one pass of ps.
func median(ps []orb.Point, q func(orb.Point)) (p50, p99 time.Duration) {
	lat := make([]time.Duration, len(ps))
	for i, p := range ps {
		t0 := time.Now()
		q(p)
		lat[i] = time.Since(t0)
	}
	slices.Sort(lat)
	return lat[len(lat)/2], lat[len(lat)*99/100]
}

// queryPoints returns points of which half are vertices' neighbourhoods of
// items (mostly hits) and half uniform over the region (mostly misses).
func queryPoints(items []*spatial.Item, n int) []orb.Point {
	r := rand.New(rand.NewPCG(3, 4))
	ps := make([]orb.Point, n)
	for i := range ps {
		if i%2 == 0 {
			ps[i] = orb.Point{100 + 8*r.Float64(), 14 + 8*r.Float64()}
			continue
		}
		ring := items[r.IntN(len(items))].Geometry[0][0]
		a, c := ring[0], ring[len(ring)/2]
		t := r.Float64()
		ps[i] = orb.Point{a[0] + t*(c[0]-a[0]), a[1] + t*(c[1]-a[1])}
	}
	return ps
}

// BenchmarkPoint is the in-process point query ("is it dangerous here?") at 10^4, 10^5 (and 10^6) items; besides
// ns/op over a mix of hits and misses it reports the median and 99th percentile of one timed pass, the heap the
// index takes per item (geometries excluded) and the heap of the generated items themselves (geometries).
func BenchmarkPoint(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix, items, per := index(b, n)
			s := ix.Snapshot()
			ps := queryPoints(items, 4096)
			p50, p99 := median(ps, func(p orb.Point) { s.Point(p, spatial.Filter{}) })
			hits := 0
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				hits += len(s.Point(ps[i%len(ps)], spatial.Filter{}))
			}
			b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
			b.ReportMetric(per, "index-B/item")
			dataMu.Lock()
			b.ReportMetric(geomIt[n], "items-B/item")
			dataMu.Unlock()
		})
	}
}

// bbox1km returns a box about 1 km across centred on p.
func bbox1km(p orb.Point) orb.Bound {
	const d = 0.005
	return orb.Bound{Min: orb.Point{p[0] - d, p[1] - d}, Max: orb.Point{p[0] + d, p[1] + d}}
}

func BenchmarkBBox(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix, items, _ := index(b, n)
			s := ix.Snapshot()
			ps := queryPoints(items, 4096)
			p50, p99 := median(ps, func(p orb.Point) { s.BBox(bbox1km(p), spatial.Filter{}) })
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				s.BBox(bbox1km(ps[i%len(ps)]), spatial.Filter{})
			}
			b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
		})
	}
}

func BenchmarkNear500m(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix, items, _ := index(b, n)
			s := ix.Snapshot()
			ps := queryPoints(items, 4096)
			p50, p99 := median(ps, func(p orb.Point) { s.Near(p, 500, spatial.Filter{}) })
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				s.Near(ps[i%len(ps)], 500, spatial.Filter{})
			}
			b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
		})
	}
}

func BenchmarkIntersecting(b *testing.B) {
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			ix, items, _ := index(b, n)
			s := ix.Snapshot()
			r := rand.New(rand.NewPCG(5, 6))
			qs := make([]orb.MultiPolygon, 256)
			for i := range qs {
				qs[i] = orb.MultiPolygon{{starPolygon(r, items[r.IntN(len(items))].Geometry[0][0][0], 64, 20)}}
			}
			for i := 0; b.Loop(); i++ {
				s.Intersecting(qs[i%len(qs)], spatial.Filter{})
			}
		})
	}
}

// BenchmarkApply upserts one item (moving it) into an index of 10^5.
func BenchmarkApply(b *testing.B) {
	items := generate(100_000)
	ix := spatial.New()
	ix.Replace(items)
	r := rand.New(rand.NewPCG(7, 8))
	for b.Loop() {
		it := *items[r.IntN(len(items))]
		c := orb.Point{100 + 8*r.Float64(), 14 + 8*r.Float64()}
		it.Geometry = orb.MultiPolygon{{starPolygon(r, c, 50, 5)}}
		it.Remaining = it.Geometry
		ix.Apply([]*spatial.Item{&it}, nil)
	}
}
