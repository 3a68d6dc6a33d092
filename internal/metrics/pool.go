package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStat is what the database pool tells of itself; *pgxpool.Stat has these methods.
type PoolStat interface {
	AcquiredConns() int32
	IdleConns() int32
	ConstructingConns() int32
	TotalConns() int32
	MaxConns() int32
	AcquireCount() int64
	AcquireDuration() time.Duration
	EmptyAcquireCount() int64
	EmptyAcquireWaitTime() time.Duration
	CanceledAcquireCount() int64
	NewConnsCount() int64
}

// Pool exports the database pool's connections and acquisitions, read from stat at each scrape.
func (m *Metrics) Pool(stat func() PoolStat) { m.reg.MustRegister(&poolCollector{stat: stat}) }

// The pool's series: gauges of connections now, counters since the pool opened.
var (
	poolConns = prometheus.NewDesc(namespace+"_db_pool_connections",
		"Connections of the database pool by state: acquired (in use), idle, constructing.", []string{"state"}, nil)
	poolMax = prometheus.NewDesc(namespace+"_db_pool_max_connections",
		"Connections the database pool may open (pool_max_conns).", nil, nil)
	poolAcquires = prometheus.NewDesc(namespace+"_db_pool_acquires_total",
		"Connections acquired from the pool.", nil, nil)
	poolAcquireSeconds = prometheus.NewDesc(namespace+"_db_pool_acquire_duration_seconds_total",
		"Time spent acquiring connections, waits and new connections included.", nil, nil)
	poolWaits = prometheus.NewDesc(namespace+"_db_pool_waits_total",
		"Acquisitions that found no idle connection and waited for one.", nil, nil)
	poolWaitSeconds = prometheus.NewDesc(namespace+"_db_pool_wait_duration_seconds_total",
		"Time spent waiting for a connection by acquisitions that found none idle.", nil, nil)
	poolCanceled = prometheus.NewDesc(namespace+"_db_pool_canceled_acquires_total",
		"Acquisitions given up (their request ended or ran out of time) before a connection came.", nil, nil)
	poolNew = prometheus.NewDesc(namespace+"_db_pool_new_connections_total",
		"Connections the pool opened.", nil, nil)
)

// poolCollector reads the pool's statistics when scraped.
type poolCollector struct{ stat func() PoolStat }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolAcquires, poolAcquireSeconds, poolWaits, poolWaitSeconds, poolCanceled, poolNew} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stat()
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolAcquires, prometheus.CounterValue, float64(s.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolAcquireSeconds, prometheus.CounterValue, s.AcquireDuration().Seconds())
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWaitSeconds, prometheus.CounterValue, s.EmptyAcquireWaitTime().Seconds())
	ch <- prometheus.MustNewConstMetric(poolCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolNew, prometheus.CounterValue, float64(s.NewConnsCount()))
}
