package api

import (
	"container/list"
	"net/netip"
	"sync"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// maxUserName bounds the user name a sign-in may send, in bytes: a longer one is refused before any work.
const maxUserName = 256

// rule is a limit on failures: limit of them within window block further attempts until the oldest of them
// leaves the window.
type rule struct {
	limit  int
	window time.Duration
}

// throttleLimits are the rules of sign-in throttling; throttle explains them.
type throttleLimits struct {
	address rule // failures from one address, over all user names
	pair    rule // failures for one user name from one address
	account rule // failures for one user name over all addresses, binding addresses that have failed for it
	maxKeys int  // keys each counter holds at most; beyond, the least recently failed goes
}

// signInLimits are the server's. Keys of up to 300 bytes (a user name of up to maxUserName and an address) with
// 5 to 20 failures of 8 bytes each: at most about 25 MB in all for the three counters.
var signInLimits = throttleLimits{
	address: rule{limit: 10, window: 15 * time.Minute},
	pair:    rule{limit: 5, window: 15 * time.Minute},
	account: rule{limit: 20, window: time.Hour},
	maxKeys: 20000,
}

// throttle limits failed sign-ins, by three counters, each of failures within a window, that expire:
//
//   - per address (an IPv4 address, or an IPv6 /64, see throttleAddr), over all user names: 10 in 15 minutes,
//     then every sign-in from that address waits. One machine cannot guess many passwords, of one user or of many.
//   - per user name and address: 5 in 15 minutes, then that user name from that address waits; other users
//     behind the same address (an office's NAT) are not held up by one who mistypes.
//   - per user name over all addresses: 20 in an hour. This budget binds only the addresses that have failed for
//     that user name within the hour (or have an attempt in flight): once it is spent they wait, while an address
//     that has not failed for the name still has its password checked. A flood of wrong passwords from elsewhere
//     therefore never locks the user out of a clean address, which a budget binding every address would do for
//     anyone who knows a user name. The price is that the bound on guesses against one account, per hour, is 20
//     plus one per further address the guesser controls (each of which also counts against its own per-address
//     limit): bounding it harder would hand that lock-out back to attackers; making fresh addresses scarce is
//     what the /64 grouping of IPv6 is for.
//
// A correct password ends the failures of that user name from that address (not those of the address or of the
// account, which the guesser could otherwise reset with an account of its own). Attempts in flight count as
// failures while they are checked, so that parallel requests cannot all pass the check before the first one
// fails. Every counter holds at most maxKeys keys, the least recently failed evicted beyond, and forgets a key
// once its last failure is out of its window.
type throttle struct {
	mu                     sync.Mutex
	lim                    throttleLimits
	now                    func() time.Time
	address, pair, account *counter
}

func newThrottle(lim throttleLimits) *throttle {
	return &throttle{lim: lim, now: time.Now,
		address: newCounter(lim.address.limit, lim.address.window, lim.maxKeys),
		// a pair's failures tell, for an hour, whether its address has failed for the account
		pair:    newCounter(lim.pair.limit, max(lim.pair.window, lim.account.window), lim.maxKeys),
		account: newCounter(lim.account.limit, lim.account.window, lim.maxKeys),
	}
}

// throttleAddr is the key of a client's address: an IPv4 address, or the /64 of an IPv6 address (what one
// subscriber usually gets: counted one by one, its addresses would be fresh for ever). Anything else is kept as it is.
func throttleAddr(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// pairKey is the key of a user name at an address; addresses hold no NUL.
func pairKey(user, addr string) string { return user + "\x00" + addr }

// admit decides on a sign-in as user (the name as the throttle counts it) from addr (a throttleAddr): 0 admits
// it, and the caller then calls done with its outcome; otherwise it is refused, to be retried after that long.
func (t *throttle) admit(user, addr string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.expire(now)
	pk := pairKey(user, addr)
	wait := max(t.address.wait(addr, t.lim.address, now), t.pair.wait(pk, t.lim.pair, now), t.accountWait(user, pk, now))
	if wait > 0 {
		return wait
	}
	t.address.busy[addr]++
	t.pair.busy[pk]++
	t.account.busy[user]++
	return 0
}

// accountWait is how long the account's budget holds back a sign-in as user from the address of pair key pk: 0
// when the budget is not spent or the address has not failed for user (see throttle); the caller holds mu.
func (t *throttle) accountWait(user, pk string, now time.Time) time.Duration {
	fs := t.pair.recent(pk, t.lim.account.window, now)
	inFlight := t.pair.busy[pk] > 0
	if len(fs) == 0 && !inFlight {
		return 0
	}
	w := t.account.wait(user, t.lim.account, now)
	if w > 0 && !inFlight {
		// the address is clean again when its last failure for user leaves the account's window
		w = min(w, time.Unix(0, fs[len(fs)-1]).Add(t.lim.account.window).Sub(now))
	}
	return w
}

// errUnfinished is the outcome done is given for a sign-in that did not finish (a panic): neither failed nor
// successful.
var errUnfinished error = landrelease.Errorf(landrelease.EINTERNAL, "The sign-in did not finish.")

// done ends an attempt admit admitted, by the error of the sign-in: EUNAUTHORIZED (a wrong name or password)
// counts as a failure, nil as a success; any other error as neither.
func (t *throttle) done(user, addr string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	pk := pairKey(user, addr)
	t.address.release(addr)
	t.pair.release(pk)
	t.account.release(user)
	switch {
	case err == nil:
		t.pair.remove(pk)
	case landrelease.ErrorCode(err) == landrelease.EUNAUTHORIZED:
		t.address.fail(addr, now)
		t.pair.fail(pk, now)
		t.account.fail(user, now)
	}
	t.expire(now)
}

// expire forgets the keys whose last failure is out of their window; the caller holds mu.
func (t *throttle) expire(now time.Time) {
	t.address.expire(now)
	t.pair.expire(now)
	t.account.expire(now)
}

// counter keeps, by key, the times of the most recent failures (at most keep of them), newest keys first, and the
// attempts in flight.
type counter struct {
	keep    int           // failures kept per key
	window  time.Duration // how long a key is kept after its last failure
	maxKeys int
	keys    map[string]*list.Element // of *failures
	order   list.List                // by last failure, the most recent in front
	busy    map[string]int           // attempts in flight by key
}

type failures struct {
	key string
	at  []int64 // Unix times in nanoseconds, oldest first
}

func newCounter(keep int, window time.Duration, maxKeys int) *counter {
	return &counter{keep: keep, window: window, maxKeys: max(maxKeys, 1), keys: map[string]*list.Element{}, busy: map[string]int{}}
}

// recent returns the failures of key within window before now, oldest first.
func (c *counter) recent(key string, window time.Duration, now time.Time) []int64 {
	e, ok := c.keys[key]
	if !ok {
		return nil
	}
	fs := e.Value.(*failures).at
	cut := now.Add(-window).UnixNano()
	i := 0
	for i < len(fs) && fs[i] <= cut {
		i++
	}
	return fs[i:]
}

// wait returns how long key stays blocked by r, counting its attempts in flight: 0 when it is not.
func (c *counter) wait(key string, r rule, now time.Time) time.Duration {
	fs := c.recent(key, r.window, now)
	over := len(fs) + c.busy[key] - r.limit // the failures that must leave the window, less one
	switch {
	case over < 0:
		return 0
	case over < len(fs):
		return time.Unix(0, fs[over]).Add(r.window).Sub(now)
	default:
		return time.Second // attempts in flight alone fill the limit: ask again when they are done
	}
}

// fail records a failure of key at now, evicting the least recently failed key beyond maxKeys.
func (c *counter) fail(key string, now time.Time) {
	t := now.UnixNano()
	if e, ok := c.keys[key]; ok {
		f := e.Value.(*failures)
		if len(f.at) >= c.keep {
			f.at = append(f.at[:0], f.at[len(f.at)-c.keep+1:]...)
		}
		f.at = append(f.at, t)
		c.order.MoveToFront(e)
		return
	}
	at := make([]int64, 1, c.keep)
	at[0] = t
	c.keys[key] = c.order.PushFront(&failures{key: key, at: at})
	for len(c.keys) > c.maxKeys {
		c.remove(c.order.Back().Value.(*failures).key)
	}
}

// remove forgets key's failures.
func (c *counter) remove(key string) {
	if e, ok := c.keys[key]; ok {
		c.order.Remove(e)
		delete(c.keys, key)
	}
}

// release ends an attempt in flight for key.
func (c *counter) release(key string) {
	if c.busy[key] <= 1 {
		delete(c.busy, key)
	} else {
		c.busy[key]--
	}
}

// expire forgets the keys whose last failure is window old or older.
func (c *counter) expire(now time.Time) {
	cut := now.Add(-c.window).UnixNano()
	for e := c.order.Back(); e != nil; e = c.order.Back() {
		f := e.Value.(*failures)
		if f.at[len(f.at)-1] > cut {
			return
		}
		c.remove(f.key)
	}
}
