package postgres_test

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestReplicaChecksBackOff: a replica that does not answer (here a port that takes each connection and closes it
// at once, counting them) is asked again after growing delays, not at every check interval, and its loss is
// logged once; reads meanwhile go to the primary.
func TestReplicaChecksBackOff(t *testing.T) {
	url := pgtest.NewDatabase(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var attempts atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			attempts.Add(1)
			c.Close()
		}
	}()
	var logs lockedBuffer
	const interval = 50 * time.Millisecond
	db, err := postgres.OpenWith(context.Background(), url, postgres.Options{
		ReadURL:      "postgres://nobody@" + ln.Addr().String() + "/none?sslmode=disable&connect_timeout=1",
		ReplicaCheck: interval,
		Logger:       slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	const watched = 3 * time.Second
	time.Sleep(watched)
	db.Close()
	// From 50 ms doubling to 5 s, each delay at least half its nominal value and 50 ms: 50, 50, 100, 200, 400, 800
	// and 1,600 ms make 3.2 s, so at most 8 checks in 3 s; each connects about twice (pgx retries), so 20 leaves room;
	// every 50 ms would be 60 checks.
	if n := attempts.Load(); n == 0 || n > 20 {
		t.Errorf("%d connection attempts to a replica down for %v, checked every %v: want 1 to 20", n, watched, interval)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 || !strings.Contains(out, "replica: reads go to the primary") {
		t.Errorf("%d warnings, want the replica's loss once:\n%s", n, out)
	}
	st, _ := db.ReplicaStatus()
	if st.Serving {
		t.Errorf("reads go to a replica that does not answer: %+v", st)
	}
	t.Logf("%d connection attempts in %v; %s", attempts.Load(), watched, out)
}
