package postgres_test

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/internal/spatial"
)

// touchAreasSQL marks hazard areas changed without changing them: the change_log trigger logs each row ($1: the
// ids), as it logs a new version or a release, so the feed reads and applies those areas again.
const touchAreasSQL = `UPDATE hazard_area SET remaining_area_m2 = remaining_area_m2 WHERE id = ANY($1)`

// BenchmarkFeedChanges measures what the change feed applies to a loaded index (BenchDB's areas with the
// generator's 1.5 releases each, the data of BenchmarkFeedLoad): per batch of k changed areas, the poll that reads
// them (Feed.Changes: the change log after the watermark, then the areas' current rows) and the index's Apply,
// reported as changes/s with each part's seconds per batch. k=1 is a single write, k=100 an upload's approval or
// a burst, k=10000 a catch-up after an outage. The areas are chosen at random (seed 1) and touched by SQL outside
// the timed part. "notify" is one change from its commit to the index, as a running feed (Feed.Run) sees it: the
// notification, the poll and the Apply.
func BenchmarkFeedChanges(b *testing.B) {
	n := pgtest.BenchScale(b)
	db, url := pgtest.BenchDB(b, n, 0)
	ctx := context.Background()
	rows, _ := db.Pool.Query(ctx, `SELECT id FROM hazard_area ORDER BY id`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	feed := postgres.NewFeed(db, url, slog.New(slog.DiscardHandler))
	hs, w, err := feed.Load(ctx)
	if err != nil {
		b.Fatal(err)
	}
	index := spatial.NewService()
	index.Load(hs)
	hs = nil
	r := rand.New(rand.NewPCG(1, 0))
	pick := func(k int) []int64 {
		out := make([]int64, k)
		for i := range out {
			out[i] = ids[r.IntN(len(ids))]
		}
		return out
	}
	for _, k := range []int{1, 100, 10_000} {
		b.Run("n="+strconv.Itoa(n)+"/k="+strconv.Itoa(k), func(b *testing.B) {
			var read, apply time.Duration
			changes := 0
			for b.Loop() {
				b.StopTimer()
				if _, err := db.Pool.Exec(ctx, touchAreasSQL, pick(k)); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				t0 := time.Now()
				up, rm, next, err := feed.Changes(ctx, w)
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				index.Apply(up, rm)
				read, apply = read+t1.Sub(t0), apply+time.Since(t1)
				if len(up)+len(rm) == 0 {
					b.Fatal("the feed read no change")
				}
				changes += len(up) + len(rm)
				w = next
			}
			b.ReportMetric(float64(changes)/(read+apply).Seconds(), "changes/s")
			b.ReportMetric(read.Seconds()/float64(b.N), "read-s/op")
			b.ReportMetric(apply.Seconds()/float64(b.N), "apply-s/op")
		})
	}
	b.Run("n="+strconv.Itoa(n)+"/notify", func(b *testing.B) {
		applied := make(chan []*landrelease.HazardArea, 16)
		following := make(chan bool, 16)
		runCtx, stop := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = feed.Run(runCtx, w, func(up []*landrelease.HazardArea, rm []int64) {
				index.Apply(up, rm)
				select {
				case applied <- up:
				case <-runCtx.Done():
				}
			}, func(ok bool) { following <- ok })
		}()
		defer func() { stop(); <-done }()
		for ok := false; !ok; {
			ok = <-following
		}
		for b.Loop() {
			id := pick(1)
			if _, err := db.Pool.Exec(ctx, touchAreasSQL, id); err != nil {
				b.Fatal(err)
			}
			for seen := false; !seen; {
				select {
				case up := <-applied:
					for _, h := range up {
						seen = seen || h.ID == id[0]
					}
				case <-time.After(10 * time.Second):
					b.Fatal("the change did not reach the index within 10 s")
				}
			}
		}
	})
}
