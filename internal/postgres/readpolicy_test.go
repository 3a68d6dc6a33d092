package postgres

import (
	"strings"
	"testing"
	"time"
)

func TestParseLSN(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want LSN
		bad  bool
	}{
		{in: "0/0", want: 0},
		{in: "8/D3C0CAD0", want: 8<<32 | 0xD3C0CAD0},
		{in: "FFFFFFFF/FFFFFFFF", want: 1<<64 - 1},
		{in: "", bad: true},
		{in: "D3C0CAD0", bad: true},
		{in: "x/1", bad: true},
	} {
		got, err := ParseLSN(tc.in)
		if (err != nil) != tc.bad || (!tc.bad && got != tc.want) {
			t.Errorf("ParseLSN(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.bad)
		}
		if !tc.bad && got.String() != tc.in {
			t.Errorf("ParseLSN(%q).String() = %q", tc.in, got.String())
		}
	}
}

// TestReadPolicy plays checks, writes and reads against a policy and checks each read's destination.
func TestReadPolicy(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	type step struct {
		ms int // the time of the step, in ms from t0
		// one of:
		observe  *[2]LSN // primary, replay; the check began 10 ms before
		down     string
		write    int64 // a client's write, at lsn
		lsn      LSN
		unknown  bool  // the write's position could not be read
		read     int64 // a read for this client (-1: anonymous)
		replica  bool  // where the read must go
		lag      time.Duration
		reason   string // a part of the status's reason, when the read goes to the primary
		checkLag bool
	}
	obs := func(primary, replay LSN) *[2]LSN { return &[2]LSN{primary, replay} }
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{name: "not checked yet", steps: []step{
			{ms: 0, read: -1, replica: false, reason: "not been checked"},
		}},
		{name: "caught up", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 1, read: -1, replica: true, checkLag: true, lag: 0},
			{ms: 1, read: 7, replica: true},
		}},
		{name: "idle primary shows no lag", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 60_000, observe: obs(100, 100)},
			{ms: 60_001, read: -1, replica: true, checkLag: true, lag: 0},
		}},
		{name: "lag measured from the primary's positions", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 1000, observe: obs(200, 150)}, // the replica is short of 200: it stood at 100 at -10 ms
			{ms: 1000, read: -1, replica: true, checkLag: true, lag: 1010 * time.Millisecond},
			{ms: 2000, observe: obs(300, 200)}, // reached the sample taken at 990 ms
			{ms: 2000, read: -1, replica: true, checkLag: true, lag: 1010 * time.Millisecond},
			{ms: 3000, observe: obs(300, 300)},
			{ms: 3000, read: -1, replica: true, checkLag: true, lag: 0},
		}},
		{name: "past the lag limit the primary reads", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 1000, observe: obs(200, 100)},
			{ms: 4000, observe: obs(300, 100)},
			{ms: 4000, read: -1, replica: true, checkLag: true, lag: 4010 * time.Millisecond},
			{ms: 6000, observe: obs(400, 100)},
			{ms: 6000, read: -1, replica: false, checkLag: true, lag: 6010 * time.Millisecond, reason: "more than 5s"},
			{ms: 7000, observe: obs(400, 400)}, // caught up: back to the replica
			{ms: 7000, read: -1, replica: true, checkLag: true, lag: 0},
		}},
		{name: "the replica paused and never reached the first sample", steps: []step{
			{ms: 0, observe: obs(200, 100)},
			{ms: 6000, observe: obs(300, 100)},
			{ms: 6000, read: -1, replica: false, reason: "lags"},
		}},
		{name: "down", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 100, down: "connection refused"},
			{ms: 101, read: -1, replica: false, reason: "connection refused"},
			{ms: 200, observe: obs(100, 100)},
			{ms: 201, read: -1, replica: true},
		}},
		{name: "stale checks count as down", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 1999, read: -1, replica: true},
			{ms: 2001, read: -1, replica: false, reason: "not answered a check"},
		}},
		{name: "read your writes", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 10, write: 7, lsn: 150},
			{ms: 11, read: 7, replica: false},
			{ms: 11, read: 8, replica: true},  // another client
			{ms: 11, read: -1, replica: true}, // anonymous
			{ms: 500, observe: obs(160, 149)}, // not yet replayed
			{ms: 501, read: 7, replica: false},
			{ms: 1000, observe: obs(160, 150)}, // replayed: back to the replica
			{ms: 1001, read: 7, replica: true},
		}},
		{name: "a later write at a smaller position keeps the larger", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 10, write: 7, lsn: 300},
			{ms: 20, write: 7, lsn: 200},
			{ms: 500, observe: obs(300, 250)},
			{ms: 501, read: 7, replica: false},
		}},
		{name: "a write of unknown position waits for a check begun after it", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 495, write: 7, unknown: true}, // after the next check began (at 490 ms)
			{ms: 500, observe: obs(120, 120)},
			{ms: 501, read: 7, replica: false},
			{ms: 1000, observe: obs(130, 125)}, // began at 990: the write is at most at 130
			{ms: 1001, read: 7, replica: false},
			{ms: 1500, observe: obs(140, 130)},
			{ms: 1501, read: 7, replica: true},
		}},
		{name: "a down replica keeps a write pending", steps: []step{
			{ms: 0, observe: obs(100, 100)},
			{ms: 10, write: 7, lsn: 150},
			{ms: 20, down: "the replica is not a standby"},
			{ms: 30, read: 7, replica: false, reason: "not a standby"},
			{ms: 40, read: -1, replica: false},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &ReadPolicy{MaxLag: 5 * time.Second, Stale: 2 * time.Second}
			var replicas, primarys int64
			for i, s := range tc.steps {
				now := at(s.ms)
				switch {
				case s.observe != nil:
					p.Observe(now.Add(-10*time.Millisecond), now, s.observe[0], s.observe[1])
				case s.down != "":
					p.Down(now, s.down)
				case s.write != 0:
					p.Wrote(s.write, s.lsn, !s.unknown, now)
				default:
					client := s.read
					if client < 0 {
						client = 0
					}
					if got := p.UseReplica(client, now); got != s.replica {
						t.Fatalf("step %d: read for %d at %d ms goes to the replica: %v, want %v (%+v)", i, s.read, s.ms, got, s.replica, p.Status(now))
					}
					if s.replica {
						replicas++
					} else {
						primarys++
					}
					st := p.Status(now)
					if s.checkLag && st.Lag != s.lag {
						t.Errorf("step %d: lag %v, want %v", i, st.Lag, s.lag)
					}
					if !strings.Contains(st.Reason, s.reason) {
						t.Errorf("step %d: reason %q, want it to contain %q", i, st.Reason, s.reason)
					}
					if st.ReplicaReads != replicas || st.PrimaryReads != primarys {
						t.Errorf("step %d: counted %d replica and %d primary reads, want %d and %d", i, st.ReplicaReads, st.PrimaryReads, replicas, primarys)
					}
				}
			}
		})
	}
}

// TestReadPolicyReached: the feed moves to the replica only once it has replayed what the feed saw.
func TestReadPolicyReached(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &ReadPolicy{MaxLag: 5 * time.Second, Stale: 2 * time.Second}
	if p.Reached(0, t0) {
		t.Error("reached before any check")
	}
	p.Observe(t0, t0, 200, 150)
	for _, tc := range []struct {
		lsn  LSN
		want bool
	}{{0, true}, {150, true}, {151, false}, {200, false}} {
		if got := p.Reached(tc.lsn, t0); got != tc.want {
			t.Errorf("Reached(%v) = %v, want %v", tc.lsn, got, tc.want)
		}
	}
	p.Down(t0, "gone")
	if p.Reached(0, t0) {
		t.Error("reached while down")
	}
}

// TestReadPolicySamplesBounded: the positions kept to measure the lag stay bounded while the replica is stuck.
func TestReadPolicySamplesBounded(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := &ReadPolicy{MaxLag: 5 * time.Second}
	for i := range 3 * maxLagSamples {
		now := t0.Add(time.Duration(i) * 500 * time.Millisecond)
		p.Observe(now, now, LSN(100+i), 100)
	}
	if n := len(p.samples); n > maxLagSamples {
		t.Errorf("%d samples kept, want at most %d", n, maxLagSamples)
	}
	if st := p.Status(t0); st.Lag < 5*time.Second || st.Serving {
		t.Errorf("stuck replica: %+v", st)
	}
}
