package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/metrics"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/spatial"
)

// observe registers with m the gauges read from the parts serve wires together: the server's heavy slots, the
// database pool, the spatial index's size and the change feed's lag. A read replica's lag is registered with
// m.ReplicaLag where serve opens one.
func observe(m *metrics.Metrics, db *postgres.DB, index *spatial.Service, feed *postgres.Feed, srv *api.Server) {
	m.HeavySlots(srv.HeavyInFlight, srv.HeavyLimit)
	m.Pool(func() metrics.PoolStat { return db.Pool.Stat() })
	m.IndexSize(func() int { return index.Index.Snapshot().Len() })
	started := time.Now()
	m.FeedLag(func() time.Duration {
		if s := feed.Synced(); !s.IsZero() {
			return time.Since(s)
		}
		return time.Since(started) // not loaded yet: behind since the start
	})
	if db.HasReplica() {
		m.ReplicaLag(func() time.Duration {
			st, _ := db.ReplicaStatus()
			return st.Lag
		})
	}
}

// serveMetrics serves /metrics on a listener of its own at addr, without credentials (docs/DEPLOYMENT.md: keep it
// on loopback or a private network), until the returned stop is called.
func serveMetrics(e *env, addr string, m *metrics.Metrics) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute}
	go func() { _ = hs.Serve(ln) }()
	fmt.Fprintf(e.stdout, "landrelease metrics on http://%s/metrics\n", ln.Addr())
	e.log.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
	}, nil
}
