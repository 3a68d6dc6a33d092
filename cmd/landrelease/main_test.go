package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type app struct {
	t      *testing.T
	dbURL  string
	base   string
	getenv func(string) string
	// stop cancels serve's context, as SIGTERM does (the cleanup still waits for serve to return).
	stop func()
}

// start runs `landrelease serve` in process against a database of its own, with public reads on (as the demo
// of make run has them), and waits for /healthz. startClosed leaves reads to signed-in users, the default.
func start(t *testing.T, extra ...string) *app {
	t.Helper()
	url := pgtest.NewDatabase(t)
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "warn"}[k] }
	if err := run(context.Background(), []string{"setting", "set", "public_read", "true"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("setting set public_read true: %v\n%s", err, stderr.String())
	}
	return startOn(t, url, extra...)
}

// startClosed is start with reads for signed-in users only.
func startClosed(t *testing.T, extra ...string) *app {
	t.Helper()
	return startOn(t, pgtest.NewDatabase(t), extra...)
}

// startOn runs `landrelease serve` on an existing database.
func startOn(t *testing.T, dbURL string, extra ...string) *app {
	t.Helper()
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(context.Background())
	var stdout, stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		// No drain delay unless a test asks for one (extra comes after and wins): stopping takes no time.
		done <- run(ctx, append([]string{"serve", "--addr", addr, "--drain-delay", "0"}, extra...), getenv, &stdout, &stderr)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("serve did not stop")
		}
	})
	a := &app{t: t, dbURL: dbURL, base: "http://" + addr, getenv: getenv, stop: cancel}
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(a.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy after 30 s: %v\n%s", err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(stdout.String(), "serving on http://"+addr) {
		t.Errorf("serve did not print its address: %q", stdout.String())
	}
	return a
}

// cli runs a command in process and returns its standard output.
func (a *app) cli(args ...string) string {
	a.t.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, a.getenv, &stdout, &stderr); err != nil {
		a.t.Fatalf("landrelease %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

type response struct {
	status int
	header http.Header
	body   map[string]any
}

func (a *app) do(method, path, token string, header map[string]string, body any) response {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, a.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/geo+json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	raw, _ := io.ReadAll(res.Body)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			a.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	return response{res.StatusCode, res.Header, m}
}

// get returns the body of a successful GET.
func (a *app) get(path string) string {
	a.t.Helper()
	res, err := http.Get(a.base + path)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

func props(r response) map[string]any { p, _ := r.body["properties"].(map[string]any); return p }

func errCode(r response) string {
	e, _ := r.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

// rect is a rectangle polygon between two longitudes and two latitudes.
func rect(w, s, e, n float64) map[string]any {
	return map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}}}
}

func feat(geom map[string]any, p map[string]any) map[string]any {
	return map[string]any{"type": "Feature", "geometry": geom, "properties": p}
}

// geodesic asks PostGIS for the spheroidal area of a GeoJSON geometry.
func (a *app) geodesic(g map[string]any) float64 {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	j, _ := json.Marshal(g)
	var area float64
	if err := conn.QueryRow(context.Background(), `SELECT ST_Area(ST_GeomFromGeoJSON($1)::geography)`, string(j)).Scan(&area); err != nil {
		a.t.Fatal(err)
	}
	return area
}

// dbNow reads the database's clock, which stamps what is recorded (recorded_at), so that an as_of read against a
// remote DATABASE_URL does not depend on this machine's clock agreeing with the server's.
func (a *app) dbNow() time.Time {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var now time.Time
	if err := conn.QueryRow(context.Background(), `SELECT now()`).Scan(&now); err != nil {
		a.t.Fatal(err)
	}
	return now.UTC()
}

func within(t *testing.T, what string, got any, want, rel float64) {
	t.Helper()
	g, ok := got.(float64)
	if !ok || math.Abs(g-want) > rel*want+0.01 {
		t.Errorf("%s = %v, want %.2f (±%.3f%%)", what, got, want, rel*100)
	}
}

func TestEndToEnd(t *testing.T) {
	a := start(t)
	if out := a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name"); !strings.Contains(out, "imported 17 admin units") {
		t.Fatalf("admin import: %q", out)
	}
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	ro := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))

	// A 2 ha hazard area near Phonsavan, Xiangkhoang; the west 40 % cleared, the next 30 % cancelled.
	const w, s, e, n = 103.20, 19.45, 103.2017, 19.4509
	x1, x2 := w+0.4*(e-w), w+0.7*(e-w)
	hazard := feat(rect(w, s, e, n), map[string]any{
		"local_id": "LA-XK-2022-0001", "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
		"evidence_category": "former_combat_zone", "devices": []string{"BLU-26", "BLU-63"}, "marking": "marked",
		"priority": "high", "land_use": "agriculture", "identified_on": "2022-03-15", "organisation": "UXO Lao",
	})
	res := a.do("POST", "/api/v1/hazard-areas", "", nil, hazard)
	if res.status != http.StatusUnauthorized || errCode(res) != "unauthorized" {
		t.Fatalf("no token: %d %v", res.status, res.body)
	}
	if res = a.do("POST", "/api/v1/hazard-areas", ro, nil, hazard); res.status != http.StatusForbidden {
		t.Fatalf("reporting officer: %d %v", res.status, res.body)
	}
	if res = a.do("POST", "/api/v1/hazard-areas", "lr_bogus", nil, hazard); res.status != http.StatusUnauthorized {
		t.Fatalf("bad token: %d %v", res.status, res.body)
	}
	if res = a.do("POST", "/api/v1/hazard-areas", dm, map[string]string{"Content-Type": "text/plain"}, hazard); res.status != http.StatusUnsupportedMediaType {
		t.Fatalf("text/plain: %d %v", res.status, res.body)
	}
	res = a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard)
	if res.status != http.StatusCreated || res.header.Get("ETag") != `"1"` || res.header.Get("Location") != "/api/v1/hazard-areas/LA-XK-2022-0001" {
		t.Fatalf("create: %d %v %v", res.status, res.header, res.body)
	}
	full := a.geodesic(rect(w, s, e, n))
	p := props(res)
	within(t, "area_m2", p["area_m2"], full, 0.0001)
	if p["admin1_name"] != "Xiangkhoang" || p["kind"] != "SHA" || p["status"] != "open" {
		t.Errorf("created: %v", p)
	}
	createdAt := a.dbNow()
	time.Sleep(10 * time.Millisecond)

	cleared := feat(rect(w, s, x1, n), map[string]any{"local_id": "LA-XK-2022-0001-C1", "hazard_area": "LA-XK-2022-0001",
		"method": "cleared", "completed_on": "2023-05-20", "organisation": "HALO Trust", "depth_cm": 30,
		"items_destroyed": map[string]int{"BLU-26": 4, "BLU-63": 1}})
	if res = a.do("POST", "/api/v1/land-releases", dm, nil, cleared); res.status != http.StatusCreated {
		t.Fatalf("clearance: %d %v", res.status, res.body)
	}
	clearedArea := a.geodesic(rect(w, s, x1, n))
	within(t, "cleared area_m2", props(res)["area_m2"], clearedArea, 0.0001)
	clearedAt := a.dbNow()
	time.Sleep(10 * time.Millisecond)

	cancelled := feat(rect(x1, s, x2, n), map[string]any{"local_id": "LA-XK-2022-0001-N1", "hazard_area": "LA-XK-2022-0001",
		"method": "cancelled", "completed_on": "2023-09-02", "organisation": "UXO Lao", "criteria": "community interviews, no evidence"})
	if res = a.do("POST", "/api/v1/land-releases", dm, nil, cancelled); res.status != http.StatusCreated {
		t.Fatalf("cancellation: %d %v", res.status, res.body)
	}
	cancelledArea := a.geodesic(rect(x1, s, x2, n))

	// An overlapping release is refused with the reason, and nothing changes.
	overlap := feat(rect(x1-0.0001, s, x2, n), map[string]any{"local_id": "LA-XK-2022-0001-X", "hazard_area": "LA-XK-2022-0001",
		"method": "reduced", "completed_on": "2023-10-01", "organisation": "NPA"})
	if res = a.do("POST", "/api/v1/land-releases", dm, nil, overlap); res.status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(res.body), "overlaps release") {
		t.Fatalf("overlap: %d %v", res.status, res.body)
	}

	// Now: the remaining area is the hazard less both releases.
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001", "", nil, nil)
	within(t, "remaining now", props(res)["remaining_area_m2"], full-clearedArea-cancelledArea, 0.0001)
	if res.header.Get("ETag") != `"1"` {
		t.Errorf("ETag = %s", res.header.Get("ETag"))
	}
	// The ground before the clearance: nothing released yet.
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001?at=2023-05-19", "", nil, nil)
	within(t, "remaining at 2023-05-19", props(res)["remaining_area_m2"], full, 0.0001)
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001?at=2023-06-30", "", nil, nil)
	within(t, "remaining at 2023-06-30", props(res)["remaining_area_m2"], full-clearedArea, 0.0001)
	// The register as known before the clearance was recorded, and between the two records.
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001?as_of="+createdAt.Format(time.RFC3339Nano), "", nil, nil)
	within(t, "remaining as of creation", props(res)["remaining_area_m2"], full, 0.0001)
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001?as_of="+clearedAt.Format(time.RFC3339Nano)+"&at=2023-12-31", "", nil, nil)
	within(t, "remaining as of clearance, at 2023", props(res)["remaining_area_m2"], full-clearedArea, 0.0001)
	res = a.do("GET", "/api/v1/land-releases?hazard_area=LA-XK-2022-0001&as_of="+clearedAt.Format(time.RFC3339Nano), "", nil, nil)
	if fs, _ := res.body["features"].([]any); len(fs) != 1 {
		t.Errorf("releases known after the clearance was recorded: %d, want 1", len(fs))
	}

	// Reclassification after direct evidence: a new version; stale and missing versions are refused.
	update := feat(rect(w, s, e, n), map[string]any{
		"local_id": "LA-XK-2022-0001", "kind": "CHA", "contamination": "cmr", "evidence": "direct",
		"evidence_category": "items_seen", "devices": []string{"BLU-26"}, "marking": "fenced",
		"priority": "high", "identified_on": "2022-03-15", "organisation": "UXO Lao", "changed_on": "2023-04-01",
		"reason": "BLU-26 found during technical survey",
	})
	if res = a.do("PUT", "/api/v1/hazard-areas/LA-XK-2022-0001", dm, nil, update); res.status != http.StatusPreconditionRequired {
		t.Fatalf("PUT without If-Match: %d %v", res.status, res.body)
	}
	if res = a.do("PUT", "/api/v1/hazard-areas/LA-XK-2022-0001", dm, map[string]string{"If-Match": `"7"`}, update); res.status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d %v", res.status, res.body)
	}
	res = a.do("PUT", "/api/v1/hazard-areas/LA-XK-2022-0001", dm, map[string]string{"If-Match": `"1"`}, update)
	if res.status != http.StatusOK || props(res)["kind"] != "CHA" || res.header.Get("ETag") != `"2"` {
		t.Fatalf("reclassify: %d %v", res.status, res.body)
	}
	within(t, "remaining after reclassification", props(res)["remaining_area_m2"], full-clearedArea-cancelledArea, 0.0001)
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001?at=2023-03-31", "", nil, nil)
	if props(res)["kind"] != "SHA" {
		t.Errorf("kind at 2023-03-31 = %v, want SHA", props(res)["kind"])
	}
	res = a.do("GET", "/api/v1/hazard-areas/LA-XK-2022-0001/history", "", nil, nil)
	if fs, _ := res.body["features"].([]any); len(fs) != 2 {
		t.Errorf("history has %d versions, want 2", len(fs))
	}

	// Filters.
	code, _ := p["admin1_code"].(string)
	for admin, want := range map[string]float64{code: 1, "LAO-0000": 0} {
		res = a.do("GET", "/api/v1/hazard-areas?kind=CHA&admin="+admin, "", nil, nil)
		if res.body["numberReturned"] != want {
			t.Errorf("filter by admin %s: %v, want %v", admin, res.body["numberReturned"], want)
		}
	}
	res = a.do("GET", "/api/v1/hazard-areas?bbox=0,0,1,1", "", nil, nil)
	if res.body["numberReturned"] != float64(0) {
		t.Errorf("bbox far away: %v", res.body["numberReturned"])
	}

	// Bad input: one JSON error body naming the field, PostGIS's reason and location.
	bowtie := feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{103.0, 19.0}, {103.01, 19.01}, {103.01, 19.0}, {103.0, 19.01}, {103.0, 19.0}}}},
		map[string]any{"local_id": "LA-XK-2022-0002", "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
			"identified_on": "2022-03-15", "organisation": "UXO Lao"})
	res = a.do("POST", "/api/v1/hazard-areas", dm, nil, bowtie)
	ds, _ := res.body["error"].(map[string]any)["details"].([]any)
	if res.status != http.StatusUnprocessableEntity || len(ds) == 0 || ds[0].(map[string]any)["field"] != "geometry" {
		t.Fatalf("bow-tie: %d %v", res.status, res.body)
	}
	reason, _ := ds[0].(map[string]any)["reason"].(string)
	var at []float64
	loc, _ := ds[0].(map[string]any)["location"].([]any)
	for _, v := range loc {
		f, _ := v.(float64)
		at = append(at, f)
	}
	pgtest.WantDefect(t, reason, at, "Self-intersection", 103.005, 19.005)
	for _, tc := range []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"malformed JSON", `{"type":"Feature",`, http.StatusBadRequest, ""},
		{"unclosed ring", feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{103, 19}, {103.01, 19}, {103.01, 19.01}, {103, 19.01}}}}, map[string]any{"local_id": "A"}), http.StatusUnprocessableEntity, "geometry"},
		{"point", feat(map[string]any{"type": "Point", "coordinates": []float64{103, 19}}, map[string]any{"local_id": "A"}), http.StatusUnprocessableEntity, "geometry"},
		{"projected coordinates", feat(rect(500000, 2100000, 500100, 2100100), map[string]any{"local_id": "A"}), http.StatusUnprocessableEntity, "geometry"},
		{"wrong type", feat(rect(w, s, e, n), map[string]any{"local_id": 12}), http.StatusUnprocessableEntity, "local_id"},
	} {
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, tc.body)
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d: %v", tc.name, res.status, tc.status, res.body)
			continue
		}
		if tc.field != "" && !strings.Contains(fmt.Sprint(res.body["error"]), "field:"+tc.field) {
			t.Errorf("%s: error %v does not name %s", tc.name, res.body["error"], tc.field)
		}
	}
	if res = a.do("GET", "/api/v1/nowhere", "", nil, nil); res.status != http.StatusNotFound || errCode(res) != "not_found" {
		t.Errorf("unknown route: %d %v", res.status, res.body)
	}
	if res = a.do("GET", "/api/v1/hazard-areas?at=yesterday", "", nil, nil); res.status != http.StatusBadRequest {
		t.Errorf("bad at: %d", res.status)
	}
	// The Article 7 tables for 2023: reclassified to CHA on 1 April, cleared and cancelled later in the year.
	csvBody := a.get("/api/v1/reports/article7?year=2023&level=1&format=csv")
	lines := strings.Split(strings.TrimSpace(csvBody), "\n")
	if len(lines) != 3 || lines[0] != "admin_code,admin_name,sha_count,sha_area_m2,cha_count,cha_area_m2,new_count,new_area_m2,cancelled_area_m2,reduced_area_m2,cleared_area_m2,reclassified_area_m2,submunitions_destroyed,balance_diff_m2,beneficiaries_women,beneficiaries_girls,beneficiaries_boys,beneficiaries_men,beneficiaries_with_disabilities,releases_with_beneficiaries" {
		t.Fatalf("csv:\n%s", csvBody)
	}
	r := func(x float64) int64 { return int64(math.Round(x)) }
	// Releases are rounded cumulatively per area, in date order: the clearance, then the cancellation.
	full0, cl, cn := r(full), r(clearedArea), r(clearedArea+cancelledArea)-r(clearedArea)
	wantRow := fmt.Sprintf("%s,Xiangkhoang,0,0,1,%d,0,0,%d,0,%d,%d,5,0,0,0,0,0,0,0", code, full0-cl-cn, cn, cl, full0)
	if lines[1] != wantRow || !strings.HasPrefix(lines[2], "TOTAL,Total,0,0,1,") {
		t.Errorf("csv rows:\n%s\nwant %s", csvBody, wantRow)
	}
	if x := a.get("/api/v1/reports/article7?year=2023&format=xlsx"); !strings.HasPrefix(x, "PK") {
		t.Errorf("xlsx does not start as a zip: %q", x[:min(10, len(x))])
	}
	if h := a.get("/api/v1/reports/article7?year=2023&format=html"); !strings.Contains(h, "Form F") || !strings.Contains(h, "Xiangkhoang") {
		t.Errorf("html report lacks its title or unit")
	}
	if res := a.do("GET", "/api/v1/reports/article7?year=2023&format=pdf", "", nil, nil); res.status != http.StatusBadRequest {
		t.Errorf("format pdf: %d", res.status)
	}
	a.cli("deadline", "add", "--date", "2025-08-01", "--kind", "extension")
	a.cli("target", "set", "--year", "2023", "--area-m2", "1000")
	var progress struct {
		RemainingM2 int64 `json:"remaining_m2"`
		Deadline    struct {
			Deadline string `json:"deadline"`
		} `json:"deadline"`
		Years []struct {
			Year       int   `json:"year"`
			TargetM2   int64 `json:"target_area_m2"`
			ReleasedM2 int64 `json:"released_area_m2"`
		} `json:"years"`
	}
	if err := json.Unmarshal([]byte(a.get("/api/v1/reports/article4?on=2024-12-31")), &progress); err != nil {
		t.Fatal(err)
	}
	if progress.RemainingM2 != full0-cl-cn || !strings.HasPrefix(progress.Deadline.Deadline, "2025-08-01") {
		t.Errorf("article4: %+v", progress)
	}
	seen2023 := 0
	for _, y := range progress.Years {
		if y.Year == 2023 {
			seen2023++
			if y.TargetM2 != 1000 || y.ReleasedM2 != cl+cn {
				t.Errorf("2023 progress: %+v", y)
			}
		}
	}
	if seen2023 != 1 {
		t.Errorf("article4: 2023 appears %d times in the years, want once: %+v", seen2023, progress.Years)
	}
	if out := a.cli("report", "article7", "--year", "2023", "--level", "1", "--format", "csv"); out != csvBody {
		t.Errorf("the command line and the API differ:\n%s\n%s", out, csvBody)
	}

	// Nothing of the refused requests was written: still one hazard area with two versions and two releases.
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var nh, nv, nr int
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM hazard_area), (SELECT count(*) FROM hazard_area_version),
		(SELECT count(*) FROM land_release)`).Scan(&nh, &nv, &nr); err != nil {
		t.Fatal(err)
	}
	if nh != 1 || nv != 2 || nr != 2 {
		t.Errorf("rows: %d hazard areas, %d versions, %d releases; want 1, 2, 2", nh, nv, nr)
	}
}

func TestHelp(t *testing.T) {
	env := func(string) string { return "" }
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"migrate", "--help"}, {"admin", "import", "--help"},
		{"token", "create", "--help"}, {"token", "list", "--help"}, {"token", "revoke", "--help"}, {"user", "list", "--help"},
		{"user", "disable", "--help"}, {"user", "enable", "--help"}, {"user", "set-role", "--help"},
		{"demo", "load", "--help"}, {"demo", "generate", "--help"},
		{"report", "article7", "--help"}, {"setting", "set", "--help"}, {"report", "article4", "--help"},
		{"deadline", "add", "--help"}, {"target", "set", "--help"}, {"archive", "--help"},
		{"mapping", "list", "--help"}, {"mapping", "show", "--help"}, {"mapping", "save", "--help"}, {"mapping", "delete", "--help"},
		{"report", "workplan", "--help"}, {"workplan", "productivity", "--help"}, {"workplan", "mix", "--help"}} {
		var out, errb bytes.Buffer
		if err := run(context.Background(), args, env, &out, &errb); err != nil {
			t.Errorf("%v: %v", args, err)
		}
		if !strings.Contains(out.String(), "Usage: landrelease") {
			t.Errorf("%v: no usage on stdout: %q", args, out.String())
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"frobnicate"}, env, &out, &out); err == nil {
		t.Error("unknown command accepted")
	}
}

func TestBodyLimit(t *testing.T) {
	a := start(t, "--max-body", "2048")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	big := feat(rect(103, 19, 103.001, 19.001), map[string]any{"local_id": "LA-1", "notes": strings.Repeat("x", 4096)})
	res := a.do("POST", "/api/v1/hazard-areas", dm, nil, big)
	if res.status != http.StatusRequestEntityTooLarge || errCode(res) != "too_large" {
		t.Fatalf("over the limit: %d %v", res.status, res.body)
	}
	// A body without a declared length is cut at the limit too.
	pr, pw := io.Pipe()
	go func() {
		j, _ := json.Marshal(big)
		pw.Write(j)
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", a.base+"/api/v1/hazard-areas", pr)
	req.Header.Set("Content-Type", "application/geo+json")
	req.Header.Set("Authorization", "Bearer "+dm)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked body over the limit: %d", resp.StatusCode)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
