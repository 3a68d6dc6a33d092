package postgres

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// LSN is a position in PostgreSQL's write-ahead log (the type pg_lsn), comparable across a primary and its
// streaming replicas.
type LSN uint64

// ParseLSN reads an LSN as PostgreSQL writes it, such as 8/D3C0CAD0.
func ParseLSN(s string) (LSN, error) {
	var hi, lo uint32
	if _, err := fmt.Sscanf(s, "%X/%X", &hi, &lo); err != nil {
		return 0, fmt.Errorf("parse lsn %q: %w", s, err)
	}
	return LSN(uint64(hi)<<32 | uint64(lo)), nil
}

// String writes l as PostgreSQL does.
func (l LSN) String() string { return fmt.Sprintf("%X/%X", uint32(l>>32), uint32(l)) }

// unknownLSN marks a write whose commit position could not be read: it counts as not replayed until a check of
// the replica taken after it gives it the primary's position then (ReadPolicy.Observe).
const unknownLSN = LSN(math.MaxUint64)

// maxLagSamples bounds the primary's positions a ReadPolicy keeps to measure the lag: at one check every 500 ms,
// more than eight minutes, far past any lag limit.
const maxLagSamples = 1024

// ReadPolicy decides where a read that a replica may serve goes: to the replica, or to the primary. It holds no
// connection: the checks of the replica are reported to it (Observe, Down), and so are the writes of each
// client (Wrote). A read goes to the primary
//   - while the replica is down, is not a standby, or has not been checked for Stale;
//   - while the replica's lag exceeds MaxLag;
//   - for a client whose last write the replica has not replayed yet (read-your-writes): its commit position on
//     the primary (pg_current_wal_insert_lsn() after the commit) is past the replica's last replay position
//     (pg_last_wal_replay_lsn()).
//
// The lag is measured in time from positions, never from the replica's clock: the primary's position is sampled
// at every check, and the lag is how long ago the primary stood where the replica has replayed to, 0 when the
// replica has replayed the primary's latest sampled position. An idle primary therefore shows no lag. The measure
// errs on the high side by at most one check interval. A ReadPolicy is safe for concurrent use.
type ReadPolicy struct {
	// MaxLag is the largest lag at which reads still go to the replica.
	MaxLag time.Duration
	// Stale is how old the last successful check may be before the replica counts as down.
	Stale time.Duration

	mu           sync.Mutex
	checked      bool      // a check succeeded once
	up           bool      // the last check succeeded
	reason       string    // why the replica is not used, when !up
	at           time.Time // of the last successful check
	replay       LSN
	primary      LSN
	lag          time.Duration
	samples      []lsnSample         // the primary's positions, oldest first
	writes       map[int64]writeMark // clients' writes not replayed yet
	replicaReads int64               // reads sent to the replica
	primaryReads int64               // reads sent to the primary
}

type lsnSample struct {
	at  time.Time
	lsn LSN
}

type writeMark struct {
	lsn LSN
	at  time.Time
}

// ReplicaStatus is what a ReadPolicy knows of the replica: for /healthz and metrics.
type ReplicaStatus struct {
	// Up: the last check succeeded and the replica is a standby.
	Up bool
	// Serving: reads that may go to the replica do (for clients with no write pending); else Reason says why not.
	Serving bool
	Reason  string
	// Lag is how far in time the replica's replay stands behind the primary; BytesBehind, in WAL bytes.
	Lag         time.Duration
	BytesBehind int64
	ReplayLSN   LSN
	PrimaryLSN  LSN
	// CheckedAt is the time of the last successful check (zero before the first).
	CheckedAt time.Time
	// ReplicaReads and PrimaryReads count the reads the policy sent each way.
	ReplicaReads, PrimaryReads int64
	// PendingWrites is how many clients read from the primary until the replica replays their last write.
	PendingWrites int
	// FeedOnReplica: the change feed of the spatial index follows the replica (DB.ReplicaStatus sets it).
	FeedOnReplica bool
}

// Observe records a successful check that began at sampled: the primary's position then (read first) and the
// replica's replay position (read after), at now.
func (p *ReadPolicy) Observe(sampled, now time.Time, primary, replay LSN) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checked, p.up, p.reason, p.at = true, true, "", now
	p.primary, p.replay = primary, replay
	if n := len(p.samples); n == 0 || p.samples[n-1].lsn <= primary {
		p.samples = append(p.samples, lsnSample{at: sampled, lsn: primary})
	}
	// The newest sample the replica has reached: the oldest one kept, as later replays only reach further.
	reached := -1
	for i, s := range p.samples {
		if s.lsn <= replay {
			reached = i
		}
	}
	switch {
	case reached == len(p.samples)-1:
		p.lag = 0
	case reached >= 0:
		p.lag = max(now.Sub(p.samples[reached].at), 0)
	default:
		p.lag = max(now.Sub(p.samples[0].at), 0)
	}
	if reached > 0 {
		p.samples = append(p.samples[:0], p.samples[reached:]...)
	}
	if n := len(p.samples); n > maxLagSamples {
		p.samples = append(p.samples[:0], p.samples[n-maxLagSamples:]...)
	}
	for c, w := range p.writes {
		if w.lsn == unknownLSN && w.at.Before(sampled) {
			w.lsn = primary // the write committed before the primary's position was read
			p.writes[c] = w
		}
		if w.lsn <= replay {
			delete(p.writes, c)
		}
	}
}

// Down records a failed check at now: reads go to the primary until a check succeeds.
func (p *ReadPolicy) Down(now time.Time, reason string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up, p.reason = false, reason
}

// Wrote records that client (a user's id; 0 for none, which records nothing) committed a write on the primary at
// lsn, at now; ok false when the position could not be read (the client then reads from the primary until a
// check that began after now).
func (p *ReadPolicy) Wrote(client int64, lsn LSN, ok bool, now time.Time) {
	if client == 0 {
		return
	}
	if !ok {
		lsn = unknownLSN
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.writes == nil {
		p.writes = map[int64]writeMark{}
	}
	if prev, had := p.writes[client]; had && prev.lsn > lsn {
		lsn = prev.lsn
	}
	p.writes[client] = writeMark{lsn: lsn, at: now}
}

// UseReplica reports whether a read for client (0: anonymous) at now goes to the replica, and counts it.
func (p *ReadPolicy) UseReplica(client int64, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ok := p.serving(now) == ""
	if ok && client != 0 {
		if w, pending := p.writes[client]; pending && w.lsn > p.replay {
			ok = false
		}
	}
	if ok {
		p.replicaReads++
	} else {
		p.primaryReads++
	}
	return ok
}

// Reached reports whether reads may go to the replica at now and the replica has replayed the primary up to lsn:
// a reader that saw the primary at lsn sees no older state there.
func (p *ReadPolicy) Reached(lsn LSN, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.serving(now) == "" && p.replay >= lsn
}

// serving returns why reads do not go to the replica at now, "" when they do. p.mu is held.
func (p *ReadPolicy) serving(now time.Time) string {
	switch {
	case !p.checked && p.reason == "":
		return "the replica has not been checked yet"
	case !p.up:
		return p.reason
	case p.Stale > 0 && now.Sub(p.at) > p.Stale:
		return fmt.Sprintf("the replica has not answered a check for %s", now.Sub(p.at).Round(time.Millisecond))
	case p.lag > p.MaxLag:
		return fmt.Sprintf("the replica lags %s behind the primary, more than %s", p.lag.Round(time.Millisecond), p.MaxLag)
	}
	return ""
}

// Status returns what the policy knows at now.
func (p *ReadPolicy) Status(now time.Time) ReplicaStatus {
	p.mu.Lock()
	defer p.mu.Unlock()
	why := p.serving(now)
	st := ReplicaStatus{
		Up: p.up, Serving: why == "", Reason: why, Lag: p.lag, ReplayLSN: p.replay, PrimaryLSN: p.primary,
		ReplicaReads: p.replicaReads, PrimaryReads: p.primaryReads, PendingWrites: len(p.writes),
	}
	if p.checked {
		st.CheckedAt = p.at
	}
	if p.primary > p.replay {
		st.BytesBehind = int64(p.primary - p.replay)
	}
	return st
}
