package api

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	th := newThrottle(3, 15*time.Minute)
	th.now = func() time.Time { return now }
	for i := range 3 {
		if w := th.blocked("user:amy", "ip:10.0.0.1"); w != 0 {
			t.Fatalf("blocked after %d failures", i)
		}
		th.fail("user:amy", "ip:10.0.0.1")
		now = now.Add(time.Minute)
	}
	if w := th.blocked("user:amy"); w != 12*time.Minute {
		t.Errorf("user blocked for %v, want 12m (until the first failure leaves the window)", w)
	}
	if w := th.blocked("user:bob", "ip:10.0.0.1"); w == 0 {
		t.Error("the address is not blocked for another user")
	}
	if w := th.blocked("user:bob", "ip:10.0.0.2"); w != 0 {
		t.Errorf("another user from another address is blocked for %v", w)
	}
	now = now.Add(13 * time.Minute)
	if w := th.blocked("user:amy"); w != 0 {
		t.Errorf("still blocked after the window: %v", w)
	}
	if len(th.fails["user:amy"]) != 2 {
		t.Errorf("old failures kept: %v", th.fails["user:amy"])
	}
}
