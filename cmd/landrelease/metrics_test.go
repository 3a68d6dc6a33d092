package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrape reads the metrics at url in Prometheus's text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("%s is not Prometheus's text format: %v", url, err)
	}
	return fams
}

// series returns the metrics of family name whose labels include labels.
func series(fams map[string]*dto.MetricFamily, name string, labels map[string]string) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range fams[name].GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range labels {
			match = match && have[k] == v
		}
		if match {
			out = append(out, m)
		}
	}
	return out
}

// value returns the value of the one metric of family name with labels: a counter's, a gauge's, or a
// histogram's count of observations; -1 when there is none.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	ms := series(fams, name, labels)
	if len(ms) != 1 {
		return -1
	}
	m := ms[0]
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	}
	return -1
}

// TestMetrics serves /metrics on --metrics-addr and checks its series after known requests: requests counted
// by route template and status (1000 distinct URLs make one series), latency histograms, uploads, the index, the
// feed, the pool, the limits, Go's runtime and the process; /metrics is not served on the API's listener.
func TestMetrics(t *testing.T) {
	addr := freeAddr(t)
	a := start(t, "--metrics-addr", addr)
	url := "http://" + addr + "/metrics"
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hazard := func(id string, lon float64) map[string]any {
		return feat(rect(lon, 19.45, lon+0.0017, 19.4509), map[string]any{"record": "hazard_area",
			"local_id": id, "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
			"evidence_category": "former_combat_zone", "identified_on": "2022-03-15", "organisation": "UXO Lao"})
	}
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazard("M-1", 103.2)); res.status != http.StatusCreated {
		t.Fatalf("create: %d %v", res.status, res.body)
	}
	const reads, distinct = 7, 1000
	for range reads {
		if res := a.do("GET", "/api/v1/hazard-areas/M-1", dm, nil, nil); res.status != http.StatusOK {
			t.Fatalf("read: %d", res.status)
		}
	}
	for i := range distinct {
		if res := a.do("GET", fmt.Sprintf("/api/v1/hazard-areas/NONE-%d", i), dm, nil, nil); res.status != http.StatusNotFound {
			t.Fatalf("read of a missing area: %d", res.status)
		}
		if res := a.do("GET", fmt.Sprintf("/api/v1/nothing/%d?x=%d", i, i), dm, nil, nil); res.status != http.StatusNotFound {
			t.Fatalf("a URL of no route: %d", res.status)
		}
	}
	upload := func(id string, lon float64) float64 {
		res := a.do("POST", "/api/v1/uploads", dm, nil, map[string]any{"type": "FeatureCollection", "features": []any{hazard(id, lon)}})
		if res.status != http.StatusCreated {
			t.Fatalf("upload: %d %v", res.status, res.body)
		}
		return res.body["id"].(float64)
	}
	if res := a.do("POST", fmt.Sprintf("/api/v1/uploads/%.0f/approve", upload("M-2", 103.3)), dm, nil, nil); res.status != http.StatusOK {
		t.Fatalf("approve: %d %v", res.status, res.body)
	}
	if res := a.do("POST", fmt.Sprintf("/api/v1/uploads/%.0f/reject", upload("M-3", 103.4)), dm, nil, map[string]string{"comment": "not ours"}); res.status != http.StatusOK {
		t.Fatalf("reject: %d %v", res.status, res.body)
	}
	eventually(t, "the index holds both areas", 10*time.Second, func() bool {
		return value(scrape(t, url), "landrelease_index_hazard_areas", nil) == 2
	})

	fams := scrape(t, url)
	route := func(method, route, code string) map[string]string {
		l := map[string]string{"method": method, "route": route}
		if code != "" {
			l["code"] = code
		}
		return l
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"landrelease_http_requests_total", route("GET", "/api/v1/hazard-areas/:id", "200"), reads},
		{"landrelease_http_requests_total", route("GET", "/api/v1/hazard-areas/:id", "404"), distinct},
		{"landrelease_http_requests_total", route("POST", "/api/v1/hazard-areas", "201"), 1},
		{"landrelease_http_requests_total", route("GET", "/api/v1/*", "404"), distinct},
		{"landrelease_http_requests_total", route("POST", "/api/v1/uploads/:id/approve", "200"), 1},
		{"landrelease_http_request_duration_seconds", route("GET", "/api/v1/hazard-areas/:id", ""), reads + distinct},
		{"landrelease_http_requests_in_flight", nil, 0}, // the scrape is on the other listener
		{"landrelease_uploads_total", map[string]string{"outcome": "submitted"}, 2},
		{"landrelease_uploads_total", map[string]string{"outcome": "approved"}, 1},
		{"landrelease_uploads_total", map[string]string{"outcome": "rejected"}, 1},
		{"landrelease_upload_approval_duration_seconds", nil, 1},
		{"landrelease_http_heavy_requests_limit", nil, 4},
		{"landrelease_http_heavy_requests_in_flight", nil, 0},
		{"landrelease_http_unavailable_total", map[string]string{"reason": "busy"}, 0},
		{"landrelease_index_hazard_areas", nil, 2},
	} {
		if got := value(fams, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	// Cardinality: one series per route template, method and status; no URL becomes a label.
	if n := len(fams["landrelease_http_requests_total"].GetMetric()); n > 12 {
		t.Errorf("%d series of landrelease_http_requests_total after requests to %d distinct URLs", n, 2*distinct+reads)
	}
	for _, m := range fams["landrelease_http_requests_total"].GetMetric() {
		for _, l := range m.GetLabel() {
			if strings.Contains(l.GetValue(), "NONE-") || strings.Contains(l.GetValue(), "nothing") {
				t.Errorf("a raw URL in a label: %v", m)
			}
		}
	}
	// The histogram's buckets are cumulative and its sum is a duration.
	h := series(fams, "landrelease_http_request_duration_seconds", route("GET", "/api/v1/hazard-areas/:id", ""))[0].GetHistogram()
	if b := h.GetBucket(); len(b) == 0 || b[len(b)-1].GetCumulativeCount() > h.GetSampleCount() || h.GetSampleSum() <= 0 || h.GetSampleSum() > 600 {
		t.Errorf("histogram: %v", h)
	}
	lag := value(fams, "landrelease_feed_lag_seconds", nil)
	if lag < 0 || lag > 5 {
		t.Errorf("feed lag %v s, want within the poll interval", lag)
	}
	acquired := value(fams, "landrelease_db_pool_connections", map[string]string{"state": "acquired"})
	idle := value(fams, "landrelease_db_pool_connections", map[string]string{"state": "idle"})
	maxConns := value(fams, "landrelease_db_pool_max_connections", nil)
	if acquired < 0 || idle < 1 || acquired+idle > maxConns || maxConns < 1 {
		t.Errorf("pool: %v acquired, %v idle, %v at most", acquired, idle, maxConns)
	}
	if n := value(fams, "landrelease_db_pool_acquires_total", nil); n < reads+distinct {
		t.Errorf("pool acquisitions %v, want at least one a database read", n)
	}
	for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes",
		"landrelease_db_pool_wait_duration_seconds_total", "landrelease_db_pool_waits_total"} {
		if value(fams, name, nil) < 0 {
			t.Errorf("no %s", name)
		}
	}
	if _, ok := fams["landrelease_db_replica_lag_seconds"]; ok {
		t.Error("a replica's lag without a replica")
	}

	// Not on the API's listener.
	res, err := http.Get(a.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(b), "landrelease_http_requests_total") {
		t.Error("/metrics is served on the API's listener")
	}
}
