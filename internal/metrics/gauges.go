package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The gauges below read their value from the part of the service that holds it, at each scrape: nothing is
// copied or kept here. Each registers once; a second call for the same series panics.

// HeavySlots exports the heavy requests being served and how many may be at once (the request limits).
func (m *Metrics) HeavySlots(inUse, capacity func() int) {
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "heavy_requests_in_flight",
			Help: "Heavy requests (uploads checked or approved, reports) holding a slot."}, func() float64 { return float64(inUse()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "http", Name: "heavy_requests_limit",
			Help: "Heavy requests served at once (--heavy-concurrency); more wait, then get 503."}, func() float64 { return float64(capacity()) }))
}

// IndexSize exports how many hazard areas the in-memory spatial index holds.
func (m *Metrics) IndexSize(size func() int) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "index", Name: "hazard_areas",
		Help: "Hazard areas in the in-memory spatial index (current, not withdrawn)."}, func() float64 { return float64(size()) }))
}

// FeedLag exports how far the spatial index may be behind the database: the time since the change feed last
// read every change committed before it. It stays under the feed's poll interval while the feed follows, and
// grows while it cannot read.
func (m *Metrics) FeedLag(lag func() time.Duration) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "feed", Name: "lag_seconds",
		Help: "Seconds since the change feed last brought the spatial index in step with the database."},
		func() float64 { return lag().Seconds() }))
}

// ReplicaLag exports the replay lag of the read replica; call it only when the service reads from one (a service
// without a replica has no such series).
func (m *Metrics) ReplicaLag(lag func() time.Duration) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: namespace, Subsystem: "db", Name: "replica_lag_seconds",
		Help: "Replay lag of the read replica behind the primary."}, func() float64 { return lag().Seconds() }))
}
