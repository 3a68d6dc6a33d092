package main

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/landrelease/landrelease/internal/api"
)

// stopping is how serve stops on SIGTERM or SIGINT; docs/DEPLOYMENT.md explains the sequence for a load balancer.
type stopping struct {
	drainDelay time.Duration // /healthz says draining, requests are still served
	timeout    time.Duration // the listener is closed, requests in flight may finish
}

// defaultStop: a load balancer checking health every 2 s sees the drain within the delay; a request in flight
// (a report, an upload's approval) gets half a minute to finish, as most orchestrators wait that long before
// SIGKILL (Kubernetes' terminationGracePeriodSeconds, systemd's TimeoutStopSec are 30 s and 90 s).
var defaultStop = stopping{drainDelay: 5 * time.Second, timeout: 30 * time.Second}

// run drains srv and stops hs: /healthz answers 503 {"status":"draining"} at once while requests are still
// served for drainDelay; then hs stops accepting connections (new ones are refused) and waits up to timeout for
// the requests in flight; those still running then are cut (cut cancels their context, so their database work
// is rolled back) and their connections closed. The change feed and the pool stop after it returns.
func (st stopping) run(e *env, srv *api.Server, hs *http.Server, cut context.CancelFunc) error {
	srv.Drain()
	e.log.Info("draining", "drain_delay", st.drainDelay.String(), "shutdown_timeout", st.timeout.String())
	time.Sleep(st.drainDelay)
	ctx, cancel := context.WithTimeout(context.Background(), st.timeout)
	defer cancel()
	err := hs.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		e.log.Warn("shutdown: requests still running at the deadline were cut", "shutdown_timeout", st.timeout.String())
		cut()
		return hs.Close()
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
