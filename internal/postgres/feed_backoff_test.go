package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// lockedBuffer is a bytes.Buffer safe for a logger writing and a test reading at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestFeedReconnectsWithBackoff: while its database refuses connections (ALLOW_CONNECTIONS false and its
// connections ended, as in a restart) the change feed tries again after growing delays, not every few
// milliseconds, and logs the loss once (a warning) and the return once; back, it replays what it missed and
// follows again: a write made after the return reaches apply.
func TestFeedReconnectsWithBackoff(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	hazards := postgres.NewHazardAreaService(db)
	dm := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager})
	if err := hazards.CreateHazardArea(dm, hazard("B1", box(103.2, 19.45, 100, 100), "2023-01-01")); err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	feed := postgres.NewFeed(db, url, slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	feed.Interval = 100 * time.Millisecond
	_, w, err := feed.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu        sync.Mutex
		applied   = map[string]bool{}
		connected bool
	)
	fctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = feed.Run(fctx, w, func(ups []*landrelease.HazardArea, _ []int64) {
			mu.Lock()
			defer mu.Unlock()
			for _, h := range ups {
				applied[h.LocalID] = true
			}
		}, func(on bool) { mu.Lock(); connected = on; mu.Unlock() })
	}()
	defer func() { cancel(); <-done }()
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			v := ok()
			mu.Unlock()
			if v {
				return
			}
			if time.Now().After(end) {
				t.Fatalf("%s: not within %v\n%s", what, d, logs.String())
			}
		}
	}
	waitFor("the feed following", 10*time.Second, func() bool { return connected })

	admin, err := pgx.Connect(ctx, pgtest.URL(t)) // the base database: the test's own refuses connections
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(ctx) }) // after the cleanup below, which lets connections in again
	var name string
	if err := db.Pool.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	allow := func(on bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s ALLOW_CONNECTIONS %t", pgx.Identifier{name}.Sanitize(), on)); err != nil {
			t.Fatal(err)
		}
	}
	allow(false)
	t.Cleanup(func() { allow(true) }) // before the database is dropped
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, name); err != nil {
		t.Fatal(err)
	}
	const outage = 3 * time.Second
	time.Sleep(outage)
	out := logs.String()
	// From 100 ms doubling, each delay at least half its nominal value (and 100 ms): 100, 100, 200, 400, 800 and
	// 1,600 ms already make 3.2 s, so at most 7 attempts in 3 s; a fixed 250 ms retry makes 12.
	if n := strings.Count(out, "reconnection failed") + 1; n > 7 {
		t.Errorf("%d reconnection attempts in %v of an outage, want at most 7:\n%s", n, outage, out)
	}
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d warnings in %v of an outage, want 1 (when it began):\n%s", n, outage, out)
	}
	allow(true)
	back := time.Now()
	for {
		err := hazards.CreateHazardArea(dm, hazard("B2", box(103.3, 19.45, 100, 100), "2023-01-01"))
		if err == nil {
			break
		}
		if time.Since(back) > 5*time.Second {
			t.Fatalf("a write 5 s after the database's return: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The longest delay the outage reached is 1.6 s; then a replay and a poll.
	waitFor("B2, written after the return, applied by the feed", 5*time.Second, func() bool { return applied["B2"] && connected })
	out = logs.String()
	if n := strings.Count(out, "change feed: reconnected"); n != 1 || strings.Count(out, "level=INFO") != 1 {
		t.Errorf("the return logged %d times (info lines %d), want once:\n%s", n, strings.Count(out, "level=INFO"), out)
	}
	t.Logf("the feed's log of the outage:\n%s", out)
}
