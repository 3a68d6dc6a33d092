package backoff

import (
	"testing"
	"time"
)

func TestDelay(t *testing.T) {
	ms := time.Millisecond
	p := Policy{Min: 100 * ms, Max: 5 * time.Second, Jitter: 0.5}
	for _, c := range []struct {
		name string
		p    Policy
		n    int
		r    float64
		want time.Duration
	}{
		{"first, no jitter drawn", p, 0, 0, 100 * ms},
		{"first, most jitter: never below Min", p, 0, 0.999, 100 * ms},
		{"doubles", p, 1, 0, 200 * ms},
		{"doubles again", p, 2, 0, 400 * ms},
		{"jitter takes up to half", p, 3, 0.5, 600 * ms},
		{"jitter takes up to half, most", p, 3, 0.99, 404 * ms},
		{"just below the cap", p, 5, 0, 3200 * ms},
		{"capped", p, 6, 0, 5 * time.Second},
		{"capped, jittered", p, 6, 0.5, 3750 * ms},
		{"capped long after", p, 40, 0, 5 * time.Second},
		{"no overflow at 62", p, 62, 0, 5 * time.Second},
		{"no overflow at 1000", p, 1000, 0.25, 4375 * ms},
		{"no jitter", Policy{Min: 100 * ms, Max: time.Second}, 2, 0.9, 400 * ms},
		{"jitter above 1 is 1: Min bounds it", Policy{Min: 100 * ms, Max: time.Second, Jitter: 3}, 3, 0.99, 100 * ms},
		{"negative jitter is none", Policy{Min: 100 * ms, Max: time.Second, Jitter: -1}, 1, 0.5, 200 * ms},
		{"Default", Default(), 10, 0, 5 * time.Second},
	} {
		if got := c.p.Delay(c.n, c.r); got != c.want {
			t.Errorf("%s: Delay(%d, %v) = %v, want %v", c.name, c.n, c.r, got, c.want)
		}
	}
}

// TestDelayBounds: over many draws each delay lies in [max(Min, d/2), d] with d = min(Max, Min x 2^n), and the
// n-th delay's mean grows until the cap.
func TestDelayBounds(t *testing.T) {
	p := Default()
	for n := range 12 {
		d := min(p.Max, p.Min<<n)
		lo := max(p.Min, d/2)
		for i := range 1000 {
			r := float64(i) / 1000
			if got := p.Delay(n, r); got < lo || got > d {
				t.Fatalf("Delay(%d, %v) = %v, outside [%v, %v]", n, r, got, lo, d)
			}
		}
	}
}

func TestGate(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ms := time.Millisecond
	g := &Gate{Policy: Policy{Min: 100 * ms, Max: 400 * ms}, Rand: func() float64 { return 0 }}
	if !g.Allow(t0) {
		t.Fatal("a new gate refuses")
	}
	if ended, _, _ := g.Succeed(); ended {
		t.Error("a success outside an outage ended one")
	}
	if _, began := g.Fail(t0); !began {
		t.Error("the first failure did not begin an outage")
	}
	// The delays: 100, 200, 400, 400 ms.
	at := t0
	for i, d := range []time.Duration{100 * ms, 200 * ms, 400 * ms, 400 * ms} {
		if g.Allow(at.Add(d - ms)) {
			t.Errorf("failure %d: allowed %v after it, before its delay %v", i+1, d-ms, d)
		}
		if !g.Allow(at.Add(d)) {
			t.Errorf("failure %d: refused at its delay %v", i+1, d)
		}
		at = at.Add(d)
		if next, began := g.Fail(at); began || next != []time.Duration{200 * ms, 400 * ms, 400 * ms, 400 * ms}[i] {
			t.Errorf("failure %d: began %t, next delay %v", i+2, began, next)
		}
	}
	if n := g.Failures(); n != 5 {
		t.Errorf("%d failures, want 5", n)
	}
	ended, n, since := g.Succeed()
	if !ended || n != 5 || !since.Equal(t0) {
		t.Errorf("Succeed: ended %t after %d failures since %v, want true, 5, %v", ended, n, since, t0)
	}
	if !g.Allow(at) || g.Failures() != 0 {
		t.Error("the gate stays shut after a success")
	}
	if _, began := g.Fail(at); !began {
		t.Error("a failure after a success did not begin a new outage")
	}
	if !g.Allow(at.Add(100*ms)) || g.Allow(at.Add(99*ms)) {
		t.Error("a new outage does not start again from Min")
	}
}

func TestZeroGate(t *testing.T) {
	var g Gate
	now := time.Now()
	g.Fail(now)
	if !g.Allow(now) {
		t.Error("the zero gate refuses after a failure")
	}
}
