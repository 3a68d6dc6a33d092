package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// benchServe runs `landrelease serve` in process on dbURL and waits until /healthz answers 200 (the spatial index
// loaded); it returns the base URL. The server stops when b ends.
func benchServe(b *testing.B, dbURL string) string {
	b.Helper()
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", addr}, getenv, io.Discard, io.Discard) }()
	b.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			b.Error("serve did not stop")
		}
	})
	base := "http://" + addr
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-done:
			b.Fatalf("serve exited: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatal("not healthy after 5 minutes")
		}
	}
}

// BenchmarkHTTPSpatial measures GET /api/v1/hazard-areas?point= and ?bbox= (about 1 km) with concurrent keep-alive
// clients, answered by the in-memory index (source=index) and by PostGIS (source=database), side by side.
// Scale: LANDRELEASE_BENCH_SCALE hazard areas (default 10000), loaded by pgtest.BulkLoadQuiet.
func BenchmarkHTTPSpatial(b *testing.B) {
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	n := 10000
	if s := os.Getenv("LANDRELEASE_BENCH_SCALE"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n <= 0 {
			b.Fatalf("LANDRELEASE_BENCH_SCALE=%q is not a positive number", s)
		}
	}
	dbURL := pgtest.NewDatabase(b)
	db, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	units := pgtest.ImportLaoProvinces(b, db)
	data, err := demo.Generate(units, demo.Options{Hazards: n, Seed: 1, Today: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		b.Fatal(err)
	}
	if err := pgtest.BulkLoadQuiet(context.Background(), db, data.Hazards, data.Releases); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(context.Background(), `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	db.Close()
	base := benchServe(b, dbURL)

	// Query points: a vertex of a random area pulled a third of the way to its first vertex's opposite, so that
	// most fall inside an area; boxes of about 1 km around them.
	r := rand.New(rand.NewPCG(1, 2))
	const nq = 4096
	points := make([]string, nq)
	boxes := make([]string, nq)
	for i := range points {
		ring := data.Hazards[r.IntN(len(data.Hazards))].Geometry[0][0]
		a, c := ring[r.IntN(len(ring)-1)], ring[(len(ring)-1)/2]
		p := [2]float64{a[0] + (c[0]-a[0])/3, a[1] + (c[1]-a[1])/3}
		points[i] = fmt.Sprintf("%.7f,%.7f", p[0], p[1])
		boxes[i] = fmt.Sprintf("%.7f,%.7f,%.7f,%.7f", p[0]-0.0047, p[1]-0.0045, p[0]+0.0047, p[1]+0.0045)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 64, MaxIdleConnsPerHost: 64}}
	for _, q := range []struct {
		name, param string
		vals        []string
	}{{"point", "point", points}, {"bbox", "bbox", boxes}} {
		for _, src := range []string{"index", "database"} {
			b.Run(fmt.Sprintf("n=%d/%s/%s", n, q.name, src), func(b *testing.B) {
				b.SetParallelism(4)
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					i := rand.IntN(nq)
					for pb.Next() {
						i = (i + 1) % nq
						res, err := client.Get(base + "/api/v1/hazard-areas?" + q.param + "=" + q.vals[i] + "&source=" + src)
						if err != nil {
							b.Error(err)
							return
						}
						io.Copy(io.Discard, res.Body) //nolint:errcheck
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
			})
		}
	}
}
