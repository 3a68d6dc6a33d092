package api

import (
	"log/slog"
	"sync"
	"time"

	"github.com/landrelease/landrelease/internal/backoff"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// credentialBackoff spaces the database checks of credentials and of the public_read setting while the database
// is unavailable: from 100 ms, doubling with jitter, to 2 s. A request arriving meanwhile is answered from the
// caches within their grace, or with the outage's 503, without a connection attempt of its own; a credential
// never verified is thus refused for at most 2 s after the database's return.
func credentialBackoff() backoff.Policy {
	return backoff.Policy{Min: 100 * time.Millisecond, Max: 2 * time.Second, Jitter: 0.5}
}

// dbOutage remembers that the database was found unavailable (EUNAVAILABLE) by a check of a credential or of a
// setting, so that the many requests of a read load do not each try to connect while it is down; it logs the
// outage's beginning and end once each. Its methods are safe for concurrent use; a nil *dbOutage lets every
// check through and records nothing.
type dbOutage struct {
	gate backoff.Gate
	log  *slog.Logger

	mu   sync.Mutex
	last error // the EUNAVAILABLE error that began or continued the outage
}

func newDBOutage(log *slog.Logger) *dbOutage {
	return &dbOutage{gate: backoff.Gate{Policy: credentialBackoff()}, log: log}
}

// shut returns nil when a check may ask the database at now, else the outage's EUNAVAILABLE error.
func (o *dbOutage) shut(now time.Time) error {
	if o == nil || o.gate.Allow(now) {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// observe records the outcome of a check that asked the database at now: an EUNAVAILABLE error begins or
// continues the outage; success ends it; other errors say nothing of the database's availability.
func (o *dbOutage) observe(now time.Time, err error) {
	if o == nil {
		return
	}
	switch {
	case err == nil:
		if ended, n, since := o.gate.Succeed(); ended {
			o.log.Info("database available again to credential checks", "after", now.Sub(since).Round(time.Millisecond).String(), "failed_checks", n)
		}
	case landrelease.ErrorCode(err) == landrelease.EUNAVAILABLE:
		o.mu.Lock()
		o.last = err
		o.mu.Unlock()
		if _, began := o.gate.Fail(now); began {
			o.log.Warn("database unavailable to credential checks: credentials verified within their grace are honoured, others get 503; checking again with backoff", "err", err)
		}
	}
}
