package metrics

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestRequests: requests are counted by method, route template and status; a method of no standard name and a
// request of no route each fall into one series, whatever clients send.
func TestRequests(t *testing.T) {
	m := New()
	m.RequestStarted()
	m.RequestStarted()
	if got := testutil.ToFloat64(m.inFlight); got != 2 {
		t.Errorf("in flight %v, want 2", got)
	}
	m.RequestDone(http.MethodGet, "/api/v1/hazard-areas/:id", 200, 30*time.Millisecond)
	m.RequestDone(http.MethodGet, "/api/v1/hazard-areas/:id", 200, 3*time.Second)
	want := `
# HELP landrelease_http_request_duration_seconds Time from a request's routing to the end of its answer, by method and route template.
# TYPE landrelease_http_request_duration_seconds histogram
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.001"} 0
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.0025"} 0
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.005"} 0
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.01"} 0
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.025"} 0
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.05"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.1"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.25"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="0.5"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="1"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="2.5"} 1
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="5"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="10"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="30"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="60"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="300"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="900"} 2
landrelease_http_request_duration_seconds_bucket{method="GET",route="/api/v1/hazard-areas/:id",le="+Inf"} 2
landrelease_http_request_duration_seconds_sum{method="GET",route="/api/v1/hazard-areas/:id"} 3.03
landrelease_http_request_duration_seconds_count{method="GET",route="/api/v1/hazard-areas/:id"} 2
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want), "landrelease_http_request_duration_seconds"); err != nil {
		t.Error(err)
	}
	for i := range 50 {
		m.RequestStarted()
		m.RequestDone(strings.Repeat("X", i+1), "", 405, time.Millisecond)
	}
	if got := testutil.ToFloat64(m.inFlight); got != 0 {
		t.Errorf("in flight %v, want 0", got)
	}
	for _, c := range []struct {
		method, route, code string
		want                float64
	}{
		{"GET", "/api/v1/hazard-areas/:id", "200", 2},
		{"other", "unmatched", "405", 50},
	} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.method, c.route, c.code)); got != c.want {
			t.Errorf("requests %s %s %s = %v, want %v", c.method, c.route, c.code, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.requests); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
}

// fakeUploads answers Submit, Approve and Reject with err, replayed as given.
type fakeUploads struct {
	landrelease.UploadService
	err      error
	replayed bool
}

func (f fakeUploads) Submit(context.Context, landrelease.UploadBody, landrelease.UploadSource, string) (*landrelease.Upload, bool, error) {
	return &landrelease.Upload{}, f.replayed, f.err
}
func (f fakeUploads) Approve(context.Context, int64, string) (*landrelease.Upload, error) {
	return &landrelease.Upload{}, f.err
}
func (f fakeUploads) Reject(context.Context, int64, string) (*landrelease.Upload, error) {
	return &landrelease.Upload{}, f.err
}

// TestUploads: an upload is counted when the registry stored it: not when the service failed, nor when a
// submission was replayed.
func TestUploads(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		svc                           fakeUploads
		submitted, approved, rejected float64
	}{
		{"stored", fakeUploads{}, 1, 1, 1},
		{"replayed submission", fakeUploads{replayed: true}, 0, 1, 1},
		{"failed", fakeUploads{err: errors.New("no")}, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			s := m.Uploads(tc.svc)
			ctx := context.Background()
			_, _, _ = s.Submit(ctx, nil, landrelease.UploadSource{}, "k")
			_, _ = s.Approve(ctx, 1, "")
			_, _ = s.Reject(ctx, 1, "why")
			for outcome, want := range map[string]float64{Submitted: tc.submitted, Approved: tc.approved, Rejected: tc.rejected} {
				if got := testutil.ToFloat64(m.uploads.WithLabelValues(outcome)); got != want {
					t.Errorf("%s: %v, want %v", outcome, got, want)
				}
			}
			if got := testutil.CollectAndCount(m.approval); got != 1 {
				t.Errorf("approval histogram series %d", got)
			}
		})
	}
}

// stat is a PoolStat of fixed values.
type stat struct{}

func (stat) AcquiredConns() int32                { return 3 }
func (stat) IdleConns() int32                    { return 2 }
func (stat) ConstructingConns() int32            { return 1 }
func (stat) TotalConns() int32                   { return 6 }
func (stat) MaxConns() int32                     { return 10 }
func (stat) AcquireCount() int64                 { return 100 }
func (stat) AcquireDuration() time.Duration      { return 1500 * time.Millisecond }
func (stat) EmptyAcquireCount() int64            { return 7 }
func (stat) EmptyAcquireWaitTime() time.Duration { return 250 * time.Millisecond }
func (stat) CanceledAcquireCount() int64         { return 1 }
func (stat) NewConnsCount() int64                { return 12 }

// TestGauges: the pool's statistics, the index's size, the feed's and a replica's lag are read at each scrape,
// in base units.
func TestGauges(t *testing.T) {
	m := New()
	size := 5
	m.Pool(func() PoolStat { return stat{} })
	m.IndexSize(func() int { return size })
	m.FeedLag(func() time.Duration { return 1500 * time.Millisecond })
	m.ReplicaLag(func() time.Duration { return 2 * time.Second })
	m.HeavySlots(func() int { return 1 }, func() int { return 4 })
	size = 8
	want := `
# HELP landrelease_db_pool_connections Connections of the database pool by state: acquired (in use), idle, constructing.
# TYPE landrelease_db_pool_connections gauge
landrelease_db_pool_connections{state="acquired"} 3
landrelease_db_pool_connections{state="constructing"} 1
landrelease_db_pool_connections{state="idle"} 2
# HELP landrelease_db_pool_max_connections Connections the database pool may open (pool_max_conns).
# TYPE landrelease_db_pool_max_connections gauge
landrelease_db_pool_max_connections 10
# HELP landrelease_db_pool_acquires_total Connections acquired from the pool.
# TYPE landrelease_db_pool_acquires_total counter
landrelease_db_pool_acquires_total 100
# HELP landrelease_db_pool_acquire_duration_seconds_total Time spent acquiring connections, waits and new connections included.
# TYPE landrelease_db_pool_acquire_duration_seconds_total counter
landrelease_db_pool_acquire_duration_seconds_total 1.5
# HELP landrelease_db_pool_waits_total Acquisitions that found no idle connection and waited for one.
# TYPE landrelease_db_pool_waits_total counter
landrelease_db_pool_waits_total 7
# HELP landrelease_db_pool_wait_duration_seconds_total Time spent waiting for a connection by acquisitions that found none idle.
# TYPE landrelease_db_pool_wait_duration_seconds_total counter
landrelease_db_pool_wait_duration_seconds_total 0.25
# HELP landrelease_index_hazard_areas Hazard areas in the in-memory spatial index (current, not withdrawn).
# TYPE landrelease_index_hazard_areas gauge
landrelease_index_hazard_areas 8
# HELP landrelease_feed_lag_seconds Seconds since the change feed last brought the spatial index in step with the database.
# TYPE landrelease_feed_lag_seconds gauge
landrelease_feed_lag_seconds 1.5
# HELP landrelease_db_replica_lag_seconds Replay lag of the read replica behind the primary.
# TYPE landrelease_db_replica_lag_seconds gauge
landrelease_db_replica_lag_seconds 2
# HELP landrelease_http_heavy_requests_in_flight Heavy requests (uploads checked or approved, reports) holding a slot.
# TYPE landrelease_http_heavy_requests_in_flight gauge
landrelease_http_heavy_requests_in_flight 1
`
	if err := testutil.GatherAndCompare(m.Registry(), strings.NewReader(want),
		"landrelease_db_pool_connections", "landrelease_db_pool_max_connections", "landrelease_db_pool_acquires_total",
		"landrelease_db_pool_acquire_duration_seconds_total", "landrelease_db_pool_waits_total", "landrelease_db_pool_wait_duration_seconds_total",
		"landrelease_index_hazard_areas", "landrelease_feed_lag_seconds", "landrelease_db_replica_lag_seconds",
		"landrelease_http_heavy_requests_in_flight"); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.GatherAndLint(m.Registry()); err != nil || len(problems) > 0 {
		t.Errorf("names against Prometheus's conventions: %v %v", problems, err)
	}
}
