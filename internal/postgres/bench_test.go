package postgres_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/internal/spatial"
)

// benchScale is the number of hazard areas the benchmarks load: LANDRELEASE_BENCH_SCALE, default 10000.
func benchScale(b *testing.B) int {
	if s := os.Getenv("LANDRELEASE_BENCH_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("LANDRELEASE_BENCH_SCALE=%q is not a positive number", s)
		}
		return n
	}
	return 10000
}

// benchDB returns a database with the 17 provinces and n generated hazards (mean releases per hazard as given)
// loaded by BulkLoad.
func benchDB(b *testing.B, n int, meanReleases float64) *postgres.DB {
	b.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	db := pgtest.Open(b)
	units := pgtest.ImportLaoProvinces(b, db)
	start := time.Now()
	data, err := demo.Generate(units, demo.Options{Hazards: n, Seed: 1, MeanReleases: meanReleases,
		Today: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	gen := time.Since(start)
	start = time.Now()
	if err := pgtest.BulkLoadQuiet(context.Background(), db, data.Hazards, data.Releases); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	if _, err := db.Pool.Exec(context.Background(), `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d hazards, %d releases: generated in %v, BulkLoad %v, vacuum analyze %v",
		len(data.Hazards), len(data.Releases), gen, load, time.Since(start)-load)
	return db
}

// BenchmarkArticle7Year computes the 2024 report at level 1 with about ten releases per hazard area:
// cold (a new service, nothing cached) and warm (the same service: its cache while nothing changed).
func BenchmarkArticle7Year(b *testing.B) {
	n := benchScale(b)
	db := benchDB(b, n, 10)
	req := landrelease.Article7Request{From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC), Level: 1}
	ctx := context.Background()
	b.Run("n="+strconv.Itoa(n)+"/cold", func(b *testing.B) {
		for b.Loop() {
			if _, err := postgres.NewReportService(db).Article7(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("n="+strconv.Itoa(n)+"/warm", func(b *testing.B) {
		s := postgres.NewReportService(db)
		if _, err := s.Article7(ctx, req); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, err := s.Article7(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFeedLoad reads every current hazard area through the change feed and builds the spatial index from
// them, as the server does at start; it reports the heap kept per indexed area (geometries included).
func BenchmarkFeedLoad(b *testing.B) {
	n := benchScale(b)
	db := benchDB(b, n, 0)
	feed := postgres.NewFeed(db, "", nil)
	ctx := context.Background()
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		var perItem float64
		for b.Loop() {
			before := heapAlloc()
			hs, _, err := feed.Load(ctx)
			if err != nil {
				b.Fatal(err)
			}
			s := spatial.NewService()
			s.Load(hs)
			hs = nil
			after := heapAlloc()
			if s.Index.Snapshot().Len() == 0 {
				b.Fatal("nothing indexed")
			}
			perItem = float64(after-before) / float64(s.Index.Snapshot().Len())
			runtime.KeepAlive(s)
		}
		b.ReportMetric(perItem, "bytes/polygon")
	})
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
