package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"

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
// clients, answered by the in-memory index (source=index) and by PostGIS (source=database), each anonymous (public_read
// true) and with a bearer token, side by side.
// Scale: LANDRELEASE_BENCH_SCALE hazard areas (default 10000), loaded by pgtest.BenchDB as BenchmarkFeedLoad of
// internal/postgres loads them (the generator's 1.5 releases per area; at 10^6 and above, no releases and the
// generator's 10^5 areas copied in SQL), kept and reused with LANDRELEASE_BENCH_KEEP=PREFIX. The server's
// start-up (index build included, until /healthz answers 200) is logged.
func BenchmarkHTTPSpatial(b *testing.B) {
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	n := pgtest.BenchScale(b)
	releases := 0.0
	if n >= 1_000_000 {
		releases = -1
	}
	db, dbURL := pgtest.BenchDB(b, n, releases)
	polys := benchPolygons(b, db, 4096)
	db.Close()
	// Reads as both kinds of users make them: a client with a token, and anyone on a registry whose reads are
	// public (public_read true).
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}[k] }
	var out bytes.Buffer
	for _, args := range [][]string{{"setting", "set", "public_read", "true"}, {"token", "create", "--user", "bench-reader", "--role", "reporting_officer"}} {
		out.Reset()
		if err := run(context.Background(), args, getenv, &out, io.Discard); err != nil {
			b.Fatalf("%v: %v", args, err)
		}
	}
	token := strings.TrimSpace(out.String())
	start := time.Now()
	base := benchServe(b, dbURL)
	b.Logf("n=%d: server ready (index loaded) in %.2f s", n, time.Since(start).Seconds())

	// Query points: a vertex of a random area pulled a third of the way to its middle vertex, so that most fall
	// inside an area; boxes of about 1 km around them. The areas are read back from the database: at 10^6 most
	// are copies the generator never held.
	r := rand.New(rand.NewPCG(1, 2))
	const nq = 4096
	points := make([]string, nq)
	boxes := make([]string, nq)
	for i := range points {
		ring := polys[r.IntN(len(polys))][0]
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
		for _, v := range []struct{ src, auth string }{{"index", "anonymous"}, {"index", "token"}, {"database", "anonymous"}, {"database", "token"}} {
			src := v.src
			b.Run(fmt.Sprintf("n=%d/%s/%s/%s", n, q.name, src, v.auth), func(b *testing.B) {
				b.SetParallelism(4)
				var bytes atomic.Int64
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					i := rand.IntN(nq)
					for pb.Next() {
						i = (i + 1) % nq
						req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/hazard-areas?"+q.param+"="+q.vals[i]+"&source="+src, nil)
						if v.auth == "token" {
							req.Header.Set("Authorization", "Bearer "+token)
						}
						res, err := client.Do(req)
						if err != nil {
							b.Error(err)
							return
						}
						m, _ := io.Copy(io.Discard, res.Body)
						bytes.Add(m)
						res.Body.Close()
						if res.StatusCode != http.StatusOK {
							b.Errorf("status %d", res.StatusCode)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
				b.ReportMetric(float64(bytes.Load())/float64(b.N), "bytes/req")
			})
		}
	}
}

// benchPolygons reads the current polygons of about k areas drawn at random (seed 1) from db, the first polygon
// of each area's multipolygon.
func benchPolygons(b *testing.B, db *postgres.DB, k int) []orb.Polygon {
	b.Helper()
	ctx := context.Background()
	var lo, hi int64
	if err := db.Pool.QueryRow(ctx, `SELECT min(id), max(id) FROM hazard_area`).Scan(&lo, &hi); err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 1))
	ids := make([]int64, k)
	for i := range ids {
		ids[i] = lo + r.Int64N(hi-lo+1)
	}
	rows, err := db.Pool.Query(ctx, `SELECT ST_AsBinary(geom) FROM hazard_area_version WHERE hazard_id = ANY($1) AND is_current`, ids)
	if err != nil {
		b.Fatal(err)
	}
	var polys []orb.Polygon
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			b.Fatal(err)
		}
		g, err := wkb.Unmarshal(raw)
		if err != nil {
			b.Fatal(err)
		}
		switch g := g.(type) {
		case orb.MultiPolygon:
			if len(g) > 0 {
				polys = append(polys, g[0])
			}
		case orb.Polygon:
			polys = append(polys, g)
		}
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	if len(polys) == 0 {
		b.Fatal("no hazard areas in the database")
	}
	return polys
}
