package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"

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

// benchDB returns a database with the 17 provinces and n generated hazard areas (seed 1, today 2025-06-30)
// loaded by BulkLoadQuiet, then VACUUM ANALYZE. meanReleases is the generator's mean number of releases per
// area (0: its default, 1.5); below 0, the areas are loaded without their releases.
//
// With LANDRELEASE_BENCH_KEEP=PREFIX the database is named PREFIX_<n>_r<releases>, is not dropped at the end,
// and a later run with the same prefix, scale and releases reuses it (after applying any new migration)
// instead of generating and loading again: at 10^5 that saves several minutes a run. A database whose load did
// not finish is dropped and loaded again. Drop kept databases by hand when done.
func benchDB(b *testing.B, n int, meanReleases float64) *postgres.DB {
	b.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	ctx := context.Background()
	prefix := os.Getenv("LANDRELEASE_BENCH_KEEP")
	var db *postgres.DB
	name := ""
	if prefix == "" {
		db = pgtest.Open(b)
	} else {
		rel := strconv.FormatFloat(meanReleases, 'f', -1, 64)
		if meanReleases < 0 {
			rel = "none"
		}
		name = fmt.Sprintf("%s_%d_r%s", prefix, n, rel)
		var loaded bool
		db, loaded = keptDB(b, name)
		if loaded {
			b.Logf("reusing database %s (LANDRELEASE_BENCH_KEEP)", name)
			return db
		}
	}
	units := pgtest.ImportLaoProvinces(b, db)
	start := time.Now()
	opt := demo.Options{Hazards: n, Seed: 1, MeanReleases: max(meanReleases, 0),
		Today: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	var hs []*landrelease.HazardArea
	var rs []*landrelease.LandRelease
	if meanReleases < 0 {
		hs = benchHazards(b, units, opt)
	} else {
		data, err := demo.Generate(units, opt)
		if err != nil {
			b.Fatal(err)
		}
		hs, rs = data.Hazards, data.Releases
	}
	gen := time.Since(start)
	start = time.Now()
	if err := pgtest.BulkLoadQuiet(ctx, db, hs, rs); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d hazards, %d releases: generated in %v, BulkLoad %v, vacuum analyze %v",
		len(hs), len(rs), gen, load, time.Since(start)-load)
	if name != "" {
		admin, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
		if err != nil {
			b.Fatal(err)
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, `COMMENT ON DATABASE `+pgx.Identifier{name}.Sanitize()+` IS '`+benchLoaded+`'`); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// benchCopyBase is the number of areas benchHazards generates when asked for more than the generator can place
// in the 17 provinces (about 3 x 10^5).
const benchCopyBase = 100_000

// benchHazards returns opt.Hazards generated areas without their releases. Beyond what the generator can place
// in the provinces it returns copies of its benchCopyBase areas: copy k renamed LOCALID-k and moved k x 0.001
// degrees (about 100 m) east, so that every polygon and its 20 to 200 vertices are the generator's.
func benchHazards(b *testing.B, units []*landrelease.AdminUnit, opt demo.Options) []*landrelease.HazardArea {
	n := opt.Hazards
	if n > 3*benchCopyBase {
		opt.Hazards = benchCopyBase
	}
	hs := make([]*landrelease.HazardArea, 0, n)
	err := demo.Stream(units, opt, func(h *landrelease.HazardArea, _ []*landrelease.LandRelease, _ *demo.Reclassification) error {
		hs = append(hs, h)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	base := hs
	for k := 1; len(hs) < n; k++ {
		for _, h := range base[:min(len(base), n-len(hs))] {
			c := *h
			c.LocalID = fmt.Sprintf("%s-%d", h.LocalID, k)
			c.Geometry = make(orb.MultiPolygon, len(h.Geometry))
			for i, p := range h.Geometry {
				c.Geometry[i] = make(orb.Polygon, len(p))
				for j, r := range p {
					c.Geometry[i][j] = make(orb.Ring, len(r))
					for v, q := range r {
						c.Geometry[i][j][v] = orb.Point{q[0] + float64(k)*0.001, q[1]}
					}
				}
			}
			hs = append(hs, &c)
		}
	}
	return hs
}

// benchLoaded marks, as its comment, a kept benchmark database whose load finished.
const benchLoaded = "landrelease benchmark data: loaded"

// keptDB opens the database name on the server of DATABASE_URL, creating and migrating it when it does not exist
// or its load did not finish; loaded reports whether it holds a finished load.
func keptDB(b *testing.B, name string) (db *postgres.DB, loaded bool) {
	b.Helper()
	ctx := context.Background()
	base := os.Getenv("DATABASE_URL")
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		b.Fatal(err)
	}
	defer admin.Close(ctx)
	var comment *string
	err = admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	switch {
	case err == pgx.ErrNoRows:
	case err != nil:
		b.Fatal(err)
	case comment != nil && *comment == benchLoaded:
		loaded = true
	default:
		if _, err := admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			b.Fatal(err)
		}
		err = pgx.ErrNoRows
	}
	if err == pgx.ErrNoRows {
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			b.Fatal(err)
		}
	}
	u, err := url.Parse(base)
	if err != nil {
		b.Fatal(err)
	}
	u.Path = "/" + name
	db, err = postgres.Open(ctx, u.String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	applied, err := db.Migrate(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if loaded && len(applied) > 0 {
		b.Logf("applied %v to %s", applied, name)
		if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	return db, loaded
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
// them, as the server does at start; besides ns/op (both) it reports each part's seconds and the heap kept per
// indexed area (geometries and full records included), measured outside the timed part. At 10^6 and above the
// areas are loaded without their releases (the index needs only the areas; the releases' bulk load would take
// long), so every remaining polygon is the whole; below, with the generator's 1.5 releases per area.
func BenchmarkFeedLoad(b *testing.B) {
	n := benchScale(b)
	releases := 0.0
	if n >= 1_000_000 {
		releases = -1
	}
	db := benchDB(b, n, releases)
	feed := postgres.NewFeed(db, "", nil)
	ctx := context.Background()
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		var perItem float64
		var feedTime, indexTime time.Duration
		for b.Loop() {
			b.StopTimer()
			before := heapAlloc()
			b.StartTimer()
			t0 := time.Now()
			hs, _, err := feed.Load(ctx)
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			s := spatial.NewService()
			s.Load(hs)
			feedTime, indexTime = feedTime+t1.Sub(t0), indexTime+time.Since(t1)
			b.StopTimer()
			hs = nil
			after := heapAlloc()
			if s.Index.Snapshot().Len() == 0 {
				b.Fatal("nothing indexed")
			}
			perItem = float64(after-before) / float64(s.Index.Snapshot().Len())
			runtime.KeepAlive(s)
			b.StartTimer()
		}
		b.ReportMetric(feedTime.Seconds()/float64(b.N), "feed-s/op")
		b.ReportMetric(indexTime.Seconds()/float64(b.N), "index-s/op")
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
