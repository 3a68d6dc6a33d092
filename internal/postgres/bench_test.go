package postgres_test

import (
	"context"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/internal/report"
	"github.com/landrelease/landrelease/internal/spatial"
)

// BenchmarkArticle7Year computes the 2024 report at level 1 with about ten releases per hazard area:
// cold (a new service, nothing cached) and warm (the same service: its cache while nothing changed).
func BenchmarkArticle7Year(b *testing.B) {
	n := pgtest.BenchScale(b)
	db, _ := pgtest.BenchDB(b, n, 10)
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
// them, as the server does at start; besides ns/op (both) it reports each part's seconds, the heap kept per
// indexed area (geometries and full records included), measured outside the timed part, and the peak of the heap's
// live and not yet collected objects during the load per indexed area (sampled every millisecond: what a process
// needs at start, above what it keeps). At 10^6 and above the
// areas are loaded without their releases (the index needs only the areas; the releases' bulk load would take
// long), so every remaining polygon is the whole; below, with the generator's 1.5 releases per area.
func BenchmarkFeedLoad(b *testing.B) {
	n := pgtest.BenchScale(b)
	releases := 0.0
	if n >= 1_000_000 {
		releases = -1
	}
	db, _ := pgtest.BenchDB(b, n, releases)
	feed := postgres.NewFeed(db, "", nil)
	ctx := context.Background()
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		var perItem, peakItem float64
		var feedTime, indexTime time.Duration
		for b.Loop() {
			b.StopTimer()
			before := heapAlloc()
			peak := sampleHeap()
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
			top := peak()
			hs = nil
			after := heapAlloc()
			if s.Index.Snapshot().Len() == 0 {
				b.Fatal("nothing indexed")
			}
			perItem = float64(after-before) / float64(s.Index.Snapshot().Len())
			peakItem = float64(top-before) / float64(s.Index.Snapshot().Len())
			runtime.KeepAlive(s)
			b.StartTimer()
		}
		b.ReportMetric(feedTime.Seconds()/float64(b.N), "feed-s/op")
		b.ReportMetric(indexTime.Seconds()/float64(b.N), "index-s/op")
		b.ReportMetric(perItem, "bytes/polygon")
		b.ReportMetric(peakItem, "peak-bytes/polygon")
	})
}

// sampleHeap samples the bytes of heap objects (live or not yet collected) every millisecond until the function
// it returns is called, which returns the largest sample.
func sampleHeap() func() int64 {
	stop, top := make(chan struct{}), make(chan int64)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var most int64
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			most = max(most, int64(s[0].Value.Uint64()))
			select {
			case <-stop:
				top <- most
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 { close(stop); return <-top }
}

func heapAlloc() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkWorkPlan plans every open area of the generated history (pgtest.BenchDB, without releases) with 300
// teams and a mix set for both kinds: the read in one snapshot and landrelease.PlanWork.
func BenchmarkWorkPlan(b *testing.B) {
	n := pgtest.BenchScale(b)
	db, _ := pgtest.BenchDB(b, n, -1)
	ctx := landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "bench", Role: landrelease.RoleDataManager})
	wp := postgres.NewWorkPlanService(db)
	for _, p := range []landrelease.Productivity{{Method: landrelease.MethodCancelled, M2PerTeamYear: 5_000_000, CostPerTeamYear: 5000},
		{Method: landrelease.MethodReduced, M2PerTeamYear: 1_000_000, CostPerTeamYear: 40000},
		{Method: landrelease.MethodCleared, M2PerTeamYear: 400_000, CostPerM2: 0.5, CostPerTeamYear: 90000}} {
		if err := wp.SetProductivity(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
	for _, o := range []landrelease.MixOverride{{Kind: landrelease.KindSHA, Shares: landrelease.MethodShares{Cancelled: 0.5, Reduced: 0.3, Cleared: 0.2}},
		{Kind: landrelease.KindCHA, Shares: landrelease.MethodShares{Reduced: 0.4, Cleared: 0.6}}} {
		if err := wp.SetMix(ctx, o); err != nil {
			b.Fatal(err)
		}
	}
	req := landrelease.WorkPlanRequest{FromYear: 2026, Teams: 300, Level: 1}
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		for b.Loop() {
			p, err := wp.WorkPlan(ctx, time.Now(), req)
			if err != nil || p.Areas == 0 {
				b.Fatal(p, err)
			}
		}
	})
}

// BenchmarkCompletionSummary computes the State's completion summary on 2025-06-30 of the generated history with
// about ten releases per area: every CMR area and its releases read in one snapshot, and ComputeCompletion.
func BenchmarkCompletionSummary(b *testing.B) {
	n := pgtest.BenchScale(b)
	db, _ := pgtest.BenchDB(b, n, 10)
	ctx := context.Background()
	s := postgres.NewCompletionService(db)
	req := landrelease.CompletionRequest{On: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
		for b.Loop() {
			sum, err := s.Summary(ctx, req)
			if err != nil || len(sum.Areas) == 0 {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompletionStream writes the State's completion summary on 2025-06-30 of the generated history with about
// ten releases per area, draft (areas remain open), to io.Discard: streamed (StreamSummary, the figures' pass then
// the areas' pass) as CSV and as JSON, and, for comparison, read into memory (Summary) then written as CSV.
// Besides time and allocations it reports the peak of the heap (live and not yet collected objects, sampled every
// millisecond) above the heap before the run, in MiB: bounded for the streamed summary, growing with the areas
// for the one in memory.
func BenchmarkCompletionStream(b *testing.B) {
	n := pgtest.BenchScale(b)
	db, _ := pgtest.BenchDB(b, n, 10)
	ctx := context.Background()
	s := postgres.NewCompletionService(db)
	req := landrelease.CompletionRequest{On: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	streamed := func(write func(io.Writer, *landrelease.CompletionSummary, landrelease.CompletionAreas) error) func() (int, error) {
		return func() (int, error) {
			var count int
			err := s.StreamSummary(ctx, req, func(sum *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
				count = sum.AreaCount
				return write(io.Discard, sum, areas)
			})
			return count, err
		}
	}
	for _, c := range []struct {
		name string
		run  func() (int, error)
	}{
		{"csv", streamed(report.StreamCompletionCSV)},
		{"json", streamed(report.StreamCompletionJSON)},
		{"csv-in-memory", func() (int, error) {
			sum, err := s.Summary(ctx, req)
			if err != nil {
				return 0, err
			}
			return len(sum.Areas), report.CompletionCSV(io.Discard, sum)
		}},
	} {
		b.Run("n="+strconv.Itoa(n)+"/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			var most int64
			for b.Loop() {
				b.StopTimer()
				before := heapAlloc()
				peak := sampleHeap()
				b.StartTimer()
				count, err := c.run()
				if err != nil || count == 0 {
					b.Fatal(count, err)
				}
				b.StopTimer()
				most = max(most, peak()-before)
				b.StartTimer()
			}
			b.ReportMetric(float64(most)/(1<<20), "peak-MiB")
		})
	}
}
