package main

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/gdal"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// BenchmarkExport exports every open hazard area (LANDRELEASE_BENCH_SCALE of them, default 10^4, loaded by
// pgtest.BenchDB without releases) to each format, as GET /api/v1/exports/hazard-areas does (api.ExportFeed's
// feed, paging through PostGIS, into gdal.Exporter), the file counted and discarded. Besides the time it reports
// the file's size, the peak of this process's live heap while exporting (sampled every 10 ms: streamed, it must
// not grow with the export; a page of 10^4 areas is the most it holds) and ogr2ogr's peak resident set (VmHWM, sampled every 20 ms).
func BenchmarkExport(b *testing.B) {
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	n := pgtest.BenchScale(b)
	db, _ := pgtest.BenchDB(b, n, -1)
	hazards := postgres.NewHazardAreaService(db)
	ex := gdal.New(gdal.Config{TempDir: b.TempDir()})
	for _, f := range landrelease.ExportFormats() {
		b.Run(string(f), func(b *testing.B) {
			var size int64
			peakHeap, peakChild := watchMemory()
			for b.Loop() {
				w := &countingWriter{}
				feed := geojson.FeedHazardAreas(context.Background(), hazards, landrelease.HazardAreaFilter{},
					geojson.FeedOptions{Centroid: f == landrelease.FormatCSV})
				if err := ex.Export(context.Background(), w, f, geojson.ExportLayer(landrelease.ExportHazardAreas, f == landrelease.FormatCSV), feed); err != nil {
					b.Fatal(err)
				}
				size = w.n
			}
			heap, child := peakHeap(), peakChild()
			b.ReportMetric(float64(size)/(1<<20), "file-MiB")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-growth-MiB")
			b.ReportMetric(float64(child)/(1<<20), "ogr2ogr-peak-RSS-MiB")
		})
	}
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// watchMemory samples, until the returned functions are called, this process's live heap and the peak
// resident set of its child processes; each function stops the sampling and returns its peak in bytes, the
// heap's above what was live when the watch began (after a collection).
func watchMemory() (heap, child func() uint64) {
	runtime.GC()
	base := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(base)
	var (
		mu                    sync.Mutex
		maxHeap, maxChild     uint64
		stop                  = make(chan struct{})
		once                  sync.Once
		done                  = make(chan struct{})
		sample                = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		lastChildScan         time.Time
		pid                   = strconv.Itoa(os.Getpid())
		heapTick, stopSampler = time.NewTicker(10 * time.Millisecond), func() { once.Do(func() { close(stop); <-done }) }
	)
	go func() {
		defer close(done)
		defer heapTick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-heapTick.C:
			}
			metrics.Read(sample)
			h := sample[0].Value.Uint64()
			var c uint64
			if time.Since(lastChildScan) >= 20*time.Millisecond {
				c, lastChildScan = childrenHWM(pid), time.Now()
			}
			mu.Lock()
			maxHeap, maxChild = max(maxHeap, h), max(maxChild, c)
			mu.Unlock()
		}
	}()
	read := func(v *uint64) func() uint64 {
		return func() uint64 {
			stopSampler()
			mu.Lock()
			defer mu.Unlock()
			if v == &maxHeap {
				return max(*v, base[0].Value.Uint64()) - base[0].Value.Uint64()
			}
			return *v
		}
	}
	return read(&maxHeap), read(&maxChild)
}

// childrenHWM returns the largest VmHWM (peak resident set) of the processes whose parent is pid (Linux /proc;
// 0 elsewhere).
func childrenHWM(pid string) uint64 {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var peak uint64
	for _, s := range stats {
		b, err := os.ReadFile(s)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
		rest := string(b[strings.LastIndexByte(string(b), ')')+1:])
		if f := strings.Fields(rest); len(f) < 2 || f[1] != pid {
			continue
		}
		st, err := os.Open(filepath.Join(filepath.Dir(s), "status"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(st)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				peak = max(peak, kb<<10)
			}
		}
		st.Close()
	}
	return peak
}
