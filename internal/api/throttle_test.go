package api

import (
	"fmt"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

var errWrong = landrelease.Errorf(landrelease.EUNAUTHORIZED, "Wrong name or password.")

// throttleStep is n sign-ins in a throttle test: as user from addr (%d in either is the sign-in's number, from 1),
// with the outcome err once admitted.
type throttleStep struct {
	after      time.Duration // the clock moves on first, by this much
	n          int           // 1 when 0
	user, addr string
	err        error         // nil (the right password), errWrong, or another error
	refused    bool          // every one is refused
	wait       time.Duration // for exactly that long, when set
	hold       bool          // admitted and left in flight (done is not called)
}

// TestThrottle plays sign-ins against the server's limits with a fake clock.
func TestThrottle(t *testing.T) {
	const A, B, C = "198.51.100.1", "198.51.100.2", "198.51.100.3"
	for _, c := range []struct {
		name  string
		steps []throttleStep
	}{
		{"an address is limited over all user names", []throttleStep{
			{n: 10, user: "user%d", addr: A, err: errWrong},
			{after: 5 * time.Minute, user: "amy", addr: A, err: nil, refused: true, wait: 10 * time.Minute},
			{user: "amy", addr: B, err: nil},
		}},
		{"a user name from an address is limited; others are not", []throttleStep{
			{n: 5, user: "amy", addr: A, err: errWrong},
			{user: "amy", addr: A, err: nil, refused: true, wait: 15 * time.Minute},
			{user: "bob", addr: A, err: nil},
			{user: "amy", addr: B, err: nil},
			{after: 15 * time.Minute, user: "amy", addr: A, err: nil},
		}},
		{"user names count without case or spaces", []throttleStep{
			{n: 5, user: "Amy", addr: A, err: errWrong},
			{user: "amy", addr: A, refused: true},
		}},
		{"a flood of wrong passwords from elsewhere does not lock the user out of a clean address", []throttleStep{
			{n: 200, user: "amy", addr: "203.0.113.%d", err: errWrong},
			{n: 60, user: "amy", addr: "2001:db8:%d::1", err: errWrong},
			{user: "amy", addr: B, err: nil},      // the right password from a clean address: signed in
			{user: "amy", addr: C, err: errWrong}, // a clean address is checked once...
			{user: "amy", addr: C, refused: true}, // ... then bound by the spent budget
			{user: "amy", addr: "203.0.113.7", refused: true},
		}},
		{"the account's budget binds the addresses that have failed for it", []throttleStep{
			{n: 10, user: "amy", addr: "192.0.2.%d", err: errWrong},
			{after: 10 * time.Minute, n: 10, user: "amy", addr: "192.0.2.%d", err: errWrong}, // 20 in all
			{after: 10 * time.Minute, user: "amy", addr: "192.0.2.3", err: nil, refused: true, wait: 40 * time.Minute},
			{user: "bob", addr: "192.0.2.3", err: errWrong}, // other names from there are not held up
			{user: "amy", addr: A, err: errWrong},           // a fresh address: one guess
			{user: "amy", addr: A, refused: true, wait: 40 * time.Minute},
			{after: 40 * time.Minute, n: 9, user: "amy", addr: "192.0.2.%d", err: errWrong}, // the first 10 left the hour
			{user: "amy", addr: "192.0.2.10", refused: true, wait: 10 * time.Minute},        // 20 again, with A's
		}},
		{"a right password ends the failures of the name at the address", []throttleStep{
			{n: 4, user: "amy", addr: A, err: errWrong},
			{user: "amy", addr: A, err: nil},
			{n: 5, user: "amy", addr: A, err: errWrong},
			{user: "amy", addr: A, refused: true},
			{user: "bob", addr: A, err: errWrong},
			{user: "carl", addr: A, refused: true}, // the address's 10 failures stand
		}},
		{"other errors count as nothing", []throttleStep{
			{n: 30, user: "amy", addr: A, err: landrelease.Errorf(landrelease.EUNAVAILABLE, "down")},
			{user: "amy", addr: A, err: nil},
		}},
		{"attempts in flight count", []throttleStep{
			{n: 5, user: "amy", addr: A, hold: true},
			{user: "amy", addr: A, refused: true, wait: time.Second},
			{n: 5, user: "bob%d", addr: A, hold: true},
			{user: "carl", addr: A, refused: true, wait: time.Second},
		}},
		{"one attempt at a time from a clean address once the budget is spent", []throttleStep{
			{n: 20, user: "amy", addr: "192.0.2.%d", err: errWrong},
			{user: "amy", addr: A, hold: true},
			{user: "amy", addr: A, refused: true},
			{user: "amy", addr: B, err: nil},
		}},
		{"IPv6 counts by /64", []throttleStep{
			{n: 10, user: "user%d", addr: "2001:db8:1:2::%d", err: errWrong},
			{user: "amy", addr: "2001:db8:1:2:ffff::1", refused: true},
			{user: "amy", addr: "2001:db8:1:3::1", err: nil},
			{user: "amy", addr: "::ffff:" + A, err: nil}, // an IPv4-mapped address is the IPv4 one
		}},
		{"failures expire", []throttleStep{
			{n: 10, user: "amy%d", addr: A, err: errWrong},
			{after: 15*time.Minute - time.Second, user: "amy", addr: A, refused: true, wait: time.Second},
			{after: time.Second, user: "amy", addr: A, err: nil},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
			th := newThrottle(signInLimits)
			th.now = func() time.Time { return now }
			for i, s := range c.steps {
				now = now.Add(s.after)
				for k := 1; k <= max(s.n, 1); k++ {
					user := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(s.user, "%d", fmt.Sprint(k))))
					addr := throttleAddr(strings.ReplaceAll(s.addr, "%d", fmt.Sprint(k)))
					wait := th.admit(user, addr)
					if (wait > 0) != s.refused || (s.refused && s.wait != 0 && wait != s.wait) {
						t.Fatalf("step %d, sign-in %d (%s from %s): wait %v, want refused %v (%v)", i, k, user, addr, wait, s.refused, s.wait)
					}
					if wait == 0 && !s.hold {
						th.done(user, addr, s.err)
					}
				}
			}
		})
	}
}

// TestThrottleAccountBound: a guesser with a few addresses trying a password every 10 seconds for three hours gets
// no more than 20 guesses against one account in any hour (20 plus one per address it had not used in that hour,
// at most).
func TestThrottleAccountBound(t *testing.T) {
	start := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	now := start
	th := newThrottle(signInLimits)
	th.now = func() time.Time { return now }
	addrs := []string{"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}
	var guesses []time.Time
	for i := 0; now.Before(start.Add(3 * time.Hour)); i++ {
		a := addrs[i%len(addrs)]
		if th.admit("amy", a) == 0 {
			guesses = append(guesses, now)
			th.done("amy", a, errWrong)
		}
		now = now.Add(10 * time.Second)
	}
	for i := range guesses {
		n := 0
		for _, g := range guesses[i:] {
			if g.Sub(guesses[i]) < time.Hour {
				n++
			}
		}
		if n > signInLimits.account.limit {
			t.Fatalf("%d guesses in the hour from %v", n, guesses[i].Sub(start))
		}
	}
	if len(guesses) < 2*signInLimits.account.limit {
		t.Errorf("%d guesses in 3 hours: the budget does not come back", len(guesses))
	}
}

// TestThrottleMemory: the counters forget expired keys and hold at most maxKeys, the least recently failed going.
func TestThrottleMemory(t *testing.T) {
	now := time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)
	lim := signInLimits
	lim.maxKeys = 100
	th := newThrottle(lim)
	th.now = func() time.Time { return now }
	sizes := func() (int, int, int) { return len(th.address.keys), len(th.pair.keys), len(th.account.keys) }
	for i := range 5000 {
		user, addr := fmt.Sprintf("user%d", i), throttleAddr(fmt.Sprintf("10.%d.%d.%d", i>>16, i>>8&255, i&255))
		if th.admit(user, addr) != 0 {
			t.Fatalf("sign-in %d refused", i)
		}
		th.done(user, addr, errWrong)
		if a, p, u := sizes(); a > 100 || p > 100 || u > 100 || a != th.address.order.Len() {
			t.Fatalf("after %d failures: %d, %d, %d keys", i+1, a, p, u)
		}
		now = now.Add(time.Millisecond)
	}
	if _, ok := th.account.keys["user4999"]; !ok {
		t.Error("the last key was evicted")
	}
	if _, ok := th.account.keys["user0"]; ok {
		t.Error("the first key was kept")
	}
	if len(th.address.busy)+len(th.pair.busy)+len(th.account.busy) != 0 {
		t.Error("attempts left in flight")
	}
	now = now.Add(16 * time.Minute)
	th.admit("amy", "192.0.2.1")
	if a, p, u := sizes(); a != 0 || p != 100 || u != 100 {
		t.Errorf("after 16 minutes: %d, %d, %d keys, want the addresses gone", a, p, u)
	}
	now = now.Add(time.Hour)
	th.done("amy", "192.0.2.1", nil)
	if a, p, u := sizes(); a+p+u != 0 || len(th.address.busy)+len(th.pair.busy)+len(th.account.busy) != 0 {
		t.Errorf("after an hour: %d, %d, %d keys", a, p, u)
	}
}

// TestClientAddress: X-Forwarded-For counts only from a trusted proxy, and then its right-most untrusted hop.
func TestClientAddress(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, c := range []struct {
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"192.0.2.1:1234", nil, nil, "192.0.2.1"},
		{"192.0.2.1:1234", []string{"203.0.113.9"}, nil, "192.0.2.1"},
		{"192.0.2.1:1234", []string{"203.0.113.9"}, proxies, "192.0.2.1"}, // not from a proxy
		{"10.0.0.5:1234", []string{"203.0.113.9"}, proxies, "203.0.113.9"},
		{"10.0.0.5:1234", []string{"1.1.1.1, 203.0.113.9"}, proxies, "203.0.113.9"}, // the client's own claim is left
		{"10.0.0.5:1234", []string{"1.1.1.1, 203.0.113.9, 10.0.0.7"}, proxies, "203.0.113.9"},
		{"10.0.0.5:1234", []string{"1.1.1.1", "203.0.113.9,10.0.0.7"}, proxies, "203.0.113.9"},
		{"10.0.0.5:1234", []string{"1.1.1.1", "10.0.0.7"}, proxies, "1.1.1.1"}, // two header lines
		{"10.0.0.5:1234", nil, proxies, "10.0.0.5"},
		{"10.0.0.5:1234", []string{"10.0.0.6"}, proxies, "10.0.0.6"},
		{"10.0.0.5:1234", []string{"203.0.113.9, junk"}, proxies, "10.0.0.5"},
		{"10.0.0.5:1234", []string{"203.0.113.9, junk, 10.0.0.7"}, proxies, "10.0.0.7"},
		{"10.0.0.5:1234", []string{" 203.0.113.9:5555 "}, proxies, "203.0.113.9"},
		{"10.0.0.5:1234", []string{"[2001:db8::1]:5555"}, proxies, "2001:db8::1"},
		{"10.0.0.5:1234", []string{""}, proxies, "10.0.0.5"},
		{"[2001:db8:ffff::1]:443", []string{"2001:db8::2"}, proxies, "2001:db8::2"},
		{"[::ffff:10.0.0.5]:443", []string{"::ffff:203.0.113.9"}, proxies, "203.0.113.9"},
		{"[fe80::1%eth0]:443", nil, proxies, "fe80::1"},
	} {
		r := httptest.NewRequest("POST", sessionPath, nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddress(r, c.trusted); got != c.want {
			t.Errorf("%s, X-Forwarded-For %q, trusting %v: %s, want %s", c.remote, c.xff, c.trusted, got, c.want)
		}
	}
}
