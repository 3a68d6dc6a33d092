package spatial_test

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

// squares returns n items, deterministically (seed 9): squares of 0.5 to 50 ha (five positions, the ring closed)
// at uniform centres over lon 100..108, lat 14..22, open, each remaining polygon the whole one, shared (as the
// feed shares an area not released). The index's own structures do not depend on the vertex count; the squares
// keep the geometries small so that 10^7 items fit in a few GB.
func squares(n int) []*spatial.Item {
	r := rand.New(rand.NewPCG(9, 9))
	items := make([]*spatial.Item, n)
	for i := range items {
		c := orb.Point{100 + 8*r.Float64(), 14 + 8*r.Float64()}
		half := math.Sqrt((0.5+49.5*r.Float64())*1e4) / 2 // metres
		dx, dy := half/(111320*math.Cos(c[1]*math.Pi/180)), half/110574
		g := orb.MultiPolygon{{{{c[0] - dx, c[1] - dy}, {c[0] + dx, c[1] - dy}, {c[0] + dx, c[1] + dy},
			{c[0] - dx, c[1] + dy}, {c[0] - dx, c[1] - dy}}}}
		items[i] = &spatial.Item{ID: int64(i + 1), Kind: landrelease.KindSHA, Status: landrelease.StatusOpen,
			Geometry: g, Remaining: g}
	}
	return items
}

// scaleSizes are 10^4, 10^5 and each further power of ten up to LANDRELEASE_BENCH_SCALE.
func scaleSizes() []int {
	s := []int{10_000, 100_000}
	most, _ := strconv.Atoi(os.Getenv("LANDRELEASE_BENCH_SCALE"))
	for n := 1_000_000; n <= most; n *= 10 {
		s = append(s, n)
	}
	return s
}

// allocated returns the bytes allocated on the heap so far.
func allocated() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// processCPU returns the CPU seconds (user and system) the process has used so far: unlike the wall time, it
// hardly grows with other processes' load on the machine.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// gcCPU returns the CPU seconds the garbage collector has spent so far (runtime/metrics' estimate).
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// BenchmarkScale is what the index costs as it grows, at each of scaleSizes (one at a time: 10^7 squares take
// about 5 GB): "build" is Replace of every item, as the server's start-up does after reading them (ns/op), with
// the heap the index takes per item, geometries excluded (index-B/item), the geometries' (items-B/item), and one
// full garbage collection with the index live (gc-s: its duration, gc-cpu-s: the CPU it took), which every GC
// cycle of a server holding that index repeats; cpu-s/op is the CPU the build took, garbage collection included; "apply1" and "apply1000" upsert one item or a batch of 1,000
// (each redrawn: moved by up to 100 m) into the built index, each Apply publishing a snapshot: ns/apply and
// B/apply (allocated) are the copy-on-write cost of a change; "point" is a point query at uniform places (p50-ns,
// p99-ns over 4,096).
//
//	LANDRELEASE_BENCH_SCALE=10000000 GOMEMLIMIT=9GiB go test -run '^$' -bench BenchmarkScale -benchtime 1x -timeout 60m ./internal/spatial
func BenchmarkScale(b *testing.B) {
	for _, n := range scaleSizes() {
		func() {
			start := heap()
			items := squares(n)
			before := heap()
			ix := spatial.New()
			b.Run("n="+strconv.Itoa(n)+"/build", func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					ix = spatial.New()
					ix.Replace(items)
				}
				b.ReportMetric((processCPU()-cpu0)/float64(b.N), "cpu-s/op")
				after := heap()
				t0, cpu0 := time.Now(), gcCPU()
				runtime.GC()
				b.ReportMetric(time.Since(t0).Seconds(), "gc-s")
				b.ReportMetric(gcCPU()-cpu0, "gc-cpu-s")
				b.ReportMetric(float64(after-before)/float64(n), "index-B/item")
				b.ReportMetric(float64(before-start)/float64(n), "items-B/item")
			})
			if ix.Snapshot().Len() != n { // build was not among the benchmarks run
				ix.Replace(items)
			}
			r := rand.New(rand.NewPCG(10, 10))
			moved := func() *spatial.Item {
				it := *items[r.IntN(n)]
				d := orb.Point{0.002 * (r.Float64() - 0.5), 0.002 * (r.Float64() - 0.5)}
				ring := make(orb.Ring, len(it.Geometry[0][0]))
				for i, q := range it.Geometry[0][0] {
					ring[i] = orb.Point{q[0] + d[0], q[1] + d[1]}
				}
				it.Geometry = orb.MultiPolygon{{ring}}
				it.Remaining = it.Geometry
				return &it
			}
			for _, k := range []int{1, 1000} {
				b.Run("n="+strconv.Itoa(n)+"/apply"+strconv.Itoa(k), func(b *testing.B) {
					// Each iteration applies 1,000 changes (1,000 single ones or one batch), so that even -benchtime 1x
					// (the build's, at 10^7) gives a steady figure.
					batch := make([]*spatial.Item, k)
					var took time.Duration
					var alloc uint64
					applies := 0
					for b.Loop() {
						for range 1000 / k {
							for i := range batch {
								batch[i] = moved()
							}
							a0, t0 := allocated(), time.Now()
							ix.Apply(batch, nil)
							took, alloc = took+time.Since(t0), alloc+allocated()-a0
							applies++
						}
					}
					b.ReportMetric(float64(took.Nanoseconds())/float64(applies), "ns/apply")
					b.ReportMetric(float64(alloc)/float64(applies), "B/apply")
				})
			}
			b.Run("n="+strconv.Itoa(n)+"/point", func(b *testing.B) {
				s := ix.Snapshot()
				ps := make([]orb.Point, 4096)
				for i := range ps {
					ps[i] = orb.Point{100 + 8*r.Float64(), 14 + 8*r.Float64()}
				}
				p50, p99 := median(ps, func(p orb.Point) { s.Point(p, spatial.Filter{}) })
				for i := 0; b.Loop(); i++ {
					s.Point(ps[i%len(ps)], spatial.Filter{})
				}
				b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
			})
			runtime.KeepAlive(items)
		}()
		runtime.GC()
	}
}
