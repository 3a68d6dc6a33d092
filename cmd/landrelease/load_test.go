package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// TestLoad is make load: two `landrelease serve` processes on one database holding the demo's registry, and
// LOAD_CLIENTS (100) clients for LOAD_DURATION (60 s), on loopback, each in a closed loop mixing point, bbox and
// near reads, Form F reads, uploads of three new areas (each approved by a data manager) and conflicting edits
// of the same four records (read, then a merge patch with If-Match: a 412 is a lost race). Clients authenticate
// with tokens of the roles a user would have (anonymous reads too: the demo is public). Afterwards, from the
// database: no 5xx but 503s with Retry-After; no lost update (each record's counter equals its successful edits,
// and its versions are exactly those edits'); no record twice among the heads or current versions; every feature
// of every approved upload present exactly once; one audit row per version written. It logs the latency
// percentiles per request type and the counts by status (docs/BENCHMARKS.md, "Sustained load").
func TestLoad(t *testing.T) {
	if os.Getenv("LANDRELEASE_LOAD") == "" {
		t.Skip("make load runs it (LANDRELEASE_LOAD=1)")
	}
	duration := loadEnv(t, "LOAD_DURATION", 60*time.Second, time.ParseDuration)
	clients := loadEnv(t, "LOAD_CLIENTS", 100, strconv.Atoi)
	hazards := loadEnv(t, "LOAD_HAZARDS", 3000, strconv.Atoi)
	if duration > 10*time.Minute || clients > 1000 {
		t.Fatalf("LOAD_DURATION %v, LOAD_CLIENTS %d: at most 10 min and 1,000 clients", duration, clients)
	}
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	for _, args := range [][]string{
		{"demo", "load", "--hazards", strconv.Itoa(hazards), "--admin", "../../testdata/admin1-LA.geojson"},
		{"setting", "set", "public_read", "true"},
	} {
		if out, err := cliAt(dbURL, args...); err != nil {
			t.Fatalf("landrelease %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	token := func(user, role string) string {
		out, err := cliAt(dbURL, "token", "create", "--user", user, "--role", role)
		if err != nil {
			t.Fatalf("token create: %v\n%s", err, out)
		}
		// stdout and stderr together: the token is the word that looks like one.
		for _, w := range strings.Fields(out) {
			if strings.HasPrefix(w, "lr_") {
				return w
			}
		}
		t.Fatalf("token create printed no token: %s", out)
		return ""
	}
	l := &loadRun{
		reader: token("officer", "reporting_officer"), field: token("team", "field_team"),
		manager: token("manager", "data_manager"), counters: 4,
		http: &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}},
	}
	bin := filepath.Join(t.TempDir(), "landrelease")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l.bases = []string{serveProcess(t, bin, dbURL).base, serveProcess(t, bin, dbURL).base}
	db := mustConnect(t, dbURL)
	if err := db.QueryRow(ctx, `SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
		FROM (SELECT ST_Extent(geom) AS e FROM hazard_area_version WHERE is_current) x`).Scan(&l.ext[0], &l.ext[1], &l.ext[2], &l.ext[3]); err != nil {
		t.Fatal(err)
	}
	for c := range l.counters {
		f := restartHazard(fmt.Sprintf("LC-%d", c), 103.20+0.01*float64(c))
		f["properties"].(map[string]any)["notes"] = "0"
		if st, body := l.send("POST", l.bases[0]+"/api/v1/hazard-areas", l.manager, "application/geo+json", "", f, nil); st != http.StatusCreated {
			t.Fatalf("create LC-%d: %d %s", c, st, body)
		}
	}
	var began time.Time
	if err := db.QueryRow(ctx, `SELECT now()`).Scan(&began); err != nil {
		t.Fatal(err)
	}
	load := loadAverage()
	deadline := time.Now().Add(duration)
	var wg sync.WaitGroup
	stats := make([]*loadStats, clients)
	for i := range clients {
		stats[i] = newLoadStats()
		wg.Go(func() { l.client(i, deadline, stats[i]) })
	}
	wg.Wait()
	took := duration + time.Since(deadline)
	all := newLoadStats()
	for _, s := range stats {
		all.merge(s)
	}
	t.Logf("machine: %d CPUs (GOMAXPROCS %d), %s memory; load average %s before, %s after; %d hazard areas; %d clients for %v",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), memTotal(), load, loadAverage(), hazards, clients, took.Round(time.Second))
	t.Logf("\n%s", all.table(took))

	// No 5xx but documented 503s (with Retry-After); no request lost.
	for _, f := range all.failures[:min(len(all.failures), 10)] {
		t.Errorf("failure: %s", f)
	}
	if n := len(all.failures); n > 0 {
		t.Errorf("%d requests failed (5xx other than a 503 with Retry-After, a transport error, or an unexpected status)", n)
	}
	if all.total() < int64(clients) {
		t.Errorf("%d requests in all: the load did not run", all.total())
	}
	for _, op := range []string{"point", "bbox", "near", "report", "upload", "approve", "edit"} {
		if all.ok[op] == 0 {
			t.Errorf("no %s succeeded: the mix did not run", op)
		}
	}
	l.verify(t, ctx, db, all, began)
}

// loadEnv reads the environment variable name with parse, def when unset.
func loadEnv[V any](t *testing.T, name string, def V, parse func(string) (V, error)) V {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := parse(s)
	if err != nil {
		t.Fatalf("%s=%q: %v", name, s, err)
	}
	return v
}

// loadRun is what the clients of TestLoad share.
type loadRun struct {
	bases                  []string // the two instances
	reader, field, manager string   // tokens: a reporting officer, a field team, a data manager
	counters               int      // records LC-0 ... edited by every client
	ext                    [4]float64
	http                   *http.Client
}

// loadStats is what one client saw: latencies and statuses per request type, the successful edits and the
// approved uploads' areas.
type loadStats struct {
	lat      map[string][]time.Duration
	status   map[string]map[int]int64
	ok       map[string]int64
	failures []string
	edits    map[string][]int // local id: the versions its successful edits made
	approved []string         // local ids of approved uploads' areas
}

func newLoadStats() *loadStats {
	return &loadStats{lat: map[string][]time.Duration{}, status: map[string]map[int]int64{}, ok: map[string]int64{},
		edits: map[string][]int{}}
}

func (s *loadStats) merge(o *loadStats) {
	for k, v := range o.lat {
		s.lat[k] = append(s.lat[k], v...)
	}
	for k, m := range o.status {
		if s.status[k] == nil {
			s.status[k] = map[int]int64{}
		}
		for st, n := range m {
			s.status[k][st] += n
		}
	}
	for k, n := range o.ok {
		s.ok[k] += n
	}
	s.failures = append(s.failures, o.failures...)
	for k, v := range o.edits {
		s.edits[k] = append(s.edits[k], v...)
	}
	s.approved = append(s.approved, o.approved...)
}

func (s *loadStats) total() (n int64) {
	for _, m := range s.status {
		for _, c := range m {
			n += c
		}
	}
	return n
}

// record notes one request of type op: its latency and status; want are the statuses expected of it (a 503
// with Retry-After is always accepted); anything else is a failure.
func (s *loadStats) record(op string, took time.Duration, status int, retryAfter string, body []byte, want ...int) bool {
	s.lat[op] = append(s.lat[op], took)
	if s.status[op] == nil {
		s.status[op] = map[int]int64{}
	}
	s.status[op][status]++
	switch {
	case slices.Contains(want, status):
		if status < 300 {
			s.ok[op]++
		}
		return status < 300
	case status == http.StatusServiceUnavailable && retryAfter != "":
		return false
	}
	s.failures = append(s.failures, fmt.Sprintf("%s: %d %.300s", op, status, body))
	return false
}

// table prints the latency percentiles and the statuses per request type, as docs/BENCHMARKS.md shows them.
func (s *loadStats) table(took time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "| request | count | per s | p50 | p90 | p99 | max | statuses |\n|---|---|---|---|---|---|---|---|\n")
	ops := make([]string, 0, len(s.lat))
	for op := range s.lat {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64) + " ms"
	}
	for _, op := range ops {
		l := slices.Clone(s.lat[op])
		slices.Sort(l)
		q := func(p float64) time.Duration { return l[min(len(l)-1, int(p*float64(len(l))))] }
		var sts []string
		for st, n := range s.status[op] {
			sts = append(sts, fmt.Sprintf("%d: %d", st, n))
		}
		slices.Sort(sts)
		fmt.Fprintf(&b, "| %s | %d | %.0f | %s | %s | %s | %s | %s |\n", op, len(l), float64(len(l))/took.Seconds(),
			ms(q(0.5)), ms(q(0.9)), ms(q(0.99)), ms(l[len(l)-1]), strings.Join(sts, ", "))
	}
	return b.String()
}

// send makes one request (with If-Match when ifMatch is not empty) and returns its status and body; header, when
// not nil, receives the response's.
func (l *loadRun) send(method, url, token, contentType, ifMatch string, body any, header *http.Header) (int, []byte) {
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, []byte(err.Error())
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	res, err := l.http.Do(req)
	if err != nil {
		return 0, []byte(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if header != nil {
		*header = res.Header
	}
	return res.StatusCode, b
}

// client runs one client until deadline: client i talks to instance i%2 and draws its requests with seed i.
func (l *loadRun) client(i int, deadline time.Time, s *loadStats) {
	rnd := rand.New(rand.NewPCG(uint64(i), 7))
	base := l.bases[i%len(l.bases)]
	reader := []string{l.reader, ""}[i%2] // half the readers anonymous
	lon := func() float64 { return l.ext[0] + rnd.Float64()*(l.ext[2]-l.ext[0]) }
	lat := func() float64 { return l.ext[1] + rnd.Float64()*(l.ext[3]-l.ext[1]) }
	// timed sends one request to this client's instance and records it.
	timed := func(r loadRequest, want ...int) (bool, []byte, http.Header) {
		var h http.Header
		began := time.Now()
		st, b := l.send(r.method, base+r.path, r.token, r.contentType, r.ifMatch, r.body, &h)
		return s.record(r.op, time.Since(began), st, h.Get("Retry-After"), b, want...), b, h
	}
	for n := 0; time.Now().Before(deadline); n++ {
		switch w := rnd.IntN(100); {
		case w < 25:
			timed(loadRequest{op: "point", method: "GET", path: fmt.Sprintf("/api/v1/hazard-areas?point=%.5f,%.5f", lon(), lat()), token: reader}, 200)
		case w < 45:
			x, y := lon(), lat()
			timed(loadRequest{op: "bbox", method: "GET", path: fmt.Sprintf("/api/v1/hazard-areas?bbox=%.5f,%.5f,%.5f,%.5f&limit=100", x, y, x+0.05, y+0.05), token: reader}, 200)
		case w < 65:
			timed(loadRequest{op: "near", method: "GET", path: fmt.Sprintf("/api/v1/hazard-areas?near=%.5f,%.5f&within_m=2000&limit=50", lon(), lat()), token: reader}, 200)
		case w < 70:
			year := 2015 + rnd.IntN(11)
			timed(loadRequest{op: "report", method: "GET", path: fmt.Sprintf("/api/v1/reports/article7?year=%d&level=%d&format=%s",
				year, 1+rnd.IntN(2), []string{"json", "csv"}[rnd.IntN(2)]), token: reader}, 200)
		case w < 75:
			l.upload(i, n, lon, lat, timed, s)
		default:
			l.edit(rnd, timed, s)
		}
	}
}

// upload submits three new areas as the field team and approves them as the data manager.
func (l *loadRun) upload(i, n int, lon, lat func() float64, timed func(loadRequest, ...int) (bool, []byte, http.Header), s *loadStats) {
	var fs []any
	var ids []string
	for k := range 3 {
		id := fmt.Sprintf("LD-%d-%d-%d", i, n, k)
		x, y := lon(), lat()
		fs = append(fs, hazardFeature(id, x, y, x+0.0005, y+0.0005))
		ids = append(ids, id)
	}
	ok, b, _ := timed(loadRequest{op: "upload", method: "POST", path: "/api/v1/uploads", token: l.field,
		contentType: "application/geo+json", body: collection(fs...)}, http.StatusCreated)
	if !ok {
		return
	}
	var up struct {
		ID     int64  `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &up); err != nil || up.Status != "submitted" {
		s.failures = append(s.failures, fmt.Sprintf("upload: %v, status %q: %.300s", err, up.Status, b))
		return
	}
	if ok, _, _ := timed(loadRequest{op: "approve", method: "POST", path: fmt.Sprintf("/api/v1/uploads/%d/approve", up.ID),
		token: l.manager, contentType: "application/json", body: map[string]any{"comment": "load"}}, http.StatusOK); ok {
		s.approved = append(s.approved, ids...)
	}
}

// edit reads one of the counters and writes its notes plus one with If-Match, through this client's instance:
// a 412 is a lost race.
func (l *loadRun) edit(rnd *rand.Rand, timed func(loadRequest, ...int) (bool, []byte, http.Header), s *loadStats) {
	id := fmt.Sprintf("LC-%d", rnd.IntN(l.counters))
	ok, b, h := timed(loadRequest{op: "edit-read", method: "GET", path: "/api/v1/hazard-areas/" + id, token: l.manager}, http.StatusOK)
	if !ok {
		return
	}
	var f struct {
		Properties struct {
			Notes string `json:"notes"`
		} `json:"properties"`
	}
	n, err := 0, json.Unmarshal(b, &f)
	if err == nil {
		n, err = strconv.Atoi(f.Properties.Notes)
	}
	if err != nil {
		s.failures = append(s.failures, fmt.Sprintf("edit-read %s: notes %q: %v", id, f.Properties.Notes, err))
		return
	}
	ok, _, h = timed(loadRequest{op: "edit", method: "PATCH", path: "/api/v1/collections/hazard-areas/items/" + id,
		token: l.manager, contentType: "application/merge-patch+json", ifMatch: h.Get("ETag"),
		body: map[string]any{"properties": map[string]any{"notes": strconv.Itoa(n + 1)}}}, http.StatusOK, http.StatusPreconditionFailed)
	if !ok {
		return
	}
	v, err := strconv.Atoi(strings.Trim(h.Get("ETag"), `"`))
	if err != nil {
		s.failures = append(s.failures, fmt.Sprintf("edit %s: ETag %q", id, h.Get("ETag")))
		return
	}
	s.edits[id] = append(s.edits[id], v)
}

// loadRequest is one request of a load client.
type loadRequest struct {
	op, method, path, token, contentType, ifMatch string
	body                                          any
}
