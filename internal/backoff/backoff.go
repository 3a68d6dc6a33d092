// Package backoff spaces out the attempts to reach a service that does not answer: exponential delays with
// jitter, capped, and a gate that remembers an outage so that its callers ask again only when the delay is over,
// and can log once when the outage begins and once when it ends.
package backoff

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Policy is an exponential backoff: the n-th delay after the first failure (n from 0) is Min x 2^n, at most Max,
// shortened by a random fraction of up to Jitter (0 to 1) of itself, so that clients that failed together do not
// retry together; never below Min.
type Policy struct {
	Min, Max time.Duration
	Jitter   float64
}

// Default returns the policy of reconnections to the database: 100 ms, doubling, to 5 s, up to half of it jitter.
func Default() Policy {
	return Policy{Min: 100 * time.Millisecond, Max: 5 * time.Second, Jitter: 0.5}
}

// Delay returns the delay after failure n (0 the first) for r, a random number in [0, 1): between
// max(Min, (1-Jitter) x d) and d, where d is min(Max, Min x 2^n).
func (p Policy) Delay(n int, r float64) time.Duration {
	d := p.Max
	if n < 62 && p.Min<<n > 0 && p.Min<<n < p.Max { // no overflow
		d = p.Min << n
	}
	j := min(max(p.Jitter, 0), 1)
	return max(p.Min, d-time.Duration(float64(d)*j*r))
}

// Gate tracks whether a service is in an outage and when it may be asked again. Its methods are safe for
// concurrent use. The zero Gate, with a zero Policy, lets every attempt through.
type Gate struct {
	Policy Policy
	// Rand returns a random number in [0, 1) for the jitter; nil: math/rand/v2's Float64.
	Rand func() float64

	mu       sync.Mutex
	failures int       // consecutive failures; 0: not in an outage
	since    time.Time // the first of them
	next     time.Time // no attempt before
}

// Allow reports whether an attempt may be made at now: outside an outage, or once the outage's current delay is
// over.
func (g *Gate) Allow(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failures == 0 || !now.Before(g.next)
}

// Fail records a failed attempt at now and schedules the next one, delay from now; began reports whether it
// began an outage (the moment to log it).
func (g *Gate) Fail(now time.Time) (delay time.Duration, began bool) {
	r := rand.Float64
	if g.Rand != nil {
		r = g.Rand
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	began = g.failures == 0
	if began {
		g.since = now
	}
	delay = g.Policy.Delay(g.failures, r())
	g.next = now.Add(delay)
	g.failures++
	return delay, began
}

// Succeed records a successful attempt; if it ended an outage, ended is true with the outage's failed attempts
// and when the first failed (the moment to log its end).
func (g *Gate) Succeed() (ended bool, failures int, since time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	ended, failures, since = g.failures > 0, g.failures, g.since
	g.failures = 0
	return ended, failures, since
}

// Failures returns the consecutive failed attempts of the current outage (0: none).
func (g *Gate) Failures() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.failures
}
