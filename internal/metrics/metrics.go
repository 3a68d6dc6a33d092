// Package metrics exposes the service's Prometheus series: its HTTP requests, its limits, its database pool,
// its spatial index and change feed, its uploads, and Go's runtime and the process. Each Metrics owns its
// registry (never Prometheus's global one); docs/DEPLOYMENT.md lists the series.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// namespace prefixes every series of the service.
const namespace = "landrelease"

// Metrics are the service's series on a registry of their own. Its methods are safe for concurrent use.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec   // by method, route template, status code
	duration *prometheus.HistogramVec // by method, route template
	inFlight prometheus.Gauge
	refused  *prometheus.CounterVec // 503s of the request limits, by reason
	uploads  *prometheus.CounterVec // by outcome
	approval prometheus.Histogram
}

// New returns Metrics on a new registry holding the service's series and Go's runtime and process collectors.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests answered, by method, route template (never the raw URL) and status code."},
			[]string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from a request's routing to the end of its answer, by method and route template.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900}},
			[]string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "requests_in_flight",
			Help: "HTTP requests being served."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http", Name: "unavailable_total",
			Help: "Requests answered 503 by the request limits: busy (no slot for heavy work within its wait), deadline (the work ran past its limit)."},
			[]string{"reason"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "uploads_total",
			Help: "Uploads submitted, approved and rejected (outcome), counted when the registry stored the decision."},
			[]string{"outcome"}),
		approval: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Name: "upload_approval_duration_seconds",
			Help:    "Time to approve an upload (re-check and write), successful approvals only.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 14)}), // 50 ms to ~7 min
	}
	for _, o := range []string{Submitted, Approved, Rejected} {
		m.uploads.WithLabelValues(o) // every outcome is exported from the start, at 0
	}
	for _, r := range []string{Busy, Deadline} {
		m.refused.WithLabelValues(r)
	}
	m.reg.MustRegister(m.requests, m.duration, m.inFlight, m.refused, m.uploads, m.approval,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry the series are on, for a caller's own collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in Prometheus's text format (or OpenMetrics, when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// Reasons for a 503 of the request limits (Refused).
const (
	Busy     = "busy"     // no slot for heavy work within its wait
	Deadline = "deadline" // the work ran past its limit and was stopped
)

// methods are the HTTP methods counted under their own name; any other is "other", so that a client cannot make
// series at will.
var methods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

// RequestStarted counts a request in flight until its RequestDone.
func (m *Metrics) RequestStarted() { m.inFlight.Inc() }

// RequestDone counts a request answered with status after d. route is the route's template as registered
// (/api/v1/hazard-areas/:id), never the request's URL: the series stay as many as the routes.
func (m *Metrics) RequestDone(method, route string, status int, d time.Duration) {
	m.inFlight.Dec()
	if !methods[method] {
		method = "other"
	}
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(method, route).Observe(d.Seconds())
}

// Refused counts a 503 of the request limits for reason (Busy, Deadline).
func (m *Metrics) Refused(reason string) { m.refused.WithLabelValues(reason).Inc() }
