package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/landrelease/landrelease/internal/backoff"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// DefaultReplicaMaxLag is the lag past which reads leave the replica for the primary when Options.ReplicaMaxLag
// is 0.
const DefaultReplicaMaxLag = 5 * time.Second

// DefaultReplicaCheck is how often the replica's position is compared with the primary's when
// Options.ReplicaCheck is 0.
const DefaultReplicaCheck = 500 * time.Millisecond

// DefaultReplicaRetryMax is the longest wait between checks of a replica, or of the primary's position, that
// keep failing: from the check interval, doubling with jitter, to this.
const DefaultReplicaRetryMax = 5 * time.Second

// ReplicaApplicationName names the connections to the replica in its pg_stat_activity.
const ReplicaApplicationName = "landrelease-read"

const (
	// primaryLSNSQL reads the primary's current insert position: after a commit, at or past the commit's record, even
	// when the record is not yet written out (synchronous_commit off), which pg_current_wal_lsn() does not promise.
	primaryLSNSQL = `SELECT pg_current_wal_insert_lsn()::text`
	// replicaStateSQL reads whether the server is a standby and how far it has replayed ('' when it is not one).
	replicaStateSQL = `SELECT pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn()::text, '')`
	// replayLSNSQL reads how far the replica has replayed ('' when it is not a standby).
	replayLSNSQL = `SELECT coalesce(pg_last_wal_replay_lsn()::text, '')`
)

// caughtUpPoll is how often feedOnReplica asks the replica how far it has replayed while it waits.
const caughtUpPoll = 50 * time.Millisecond

// replica is a hot standby some reads go to, as its policy decides; a goroutine checks it every interval.
type replica struct {
	pool     *pgxpool.Pool
	policy   *ReadPolicy
	interval time.Duration
	log      *slog.Logger
	stop     context.CancelFunc
	done     sync.WaitGroup
	// feeding: a change feed follows the replica (rather than the primary).
	feeding atomic.Bool
}

// openReplica makes the pool to the replica at url and starts checking it. It does not wait for the replica:
// while it does not answer, reads go to the primary.
func (db *DB) openReplica(url string, opt Options) error {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse read database url: %w", err)
	}
	configure(cfg, opt)
	cfg.ConnConfig.RuntimeParams["application_name"] = ReplicaApplicationName
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return fmt.Errorf("read database: %w", err)
	}
	r := &replica{pool: pool, interval: opt.ReplicaCheck, policy: &ReadPolicy{MaxLag: opt.ReplicaMaxLag}, log: opt.Logger}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.interval <= 0 {
		r.interval = DefaultReplicaCheck
	}
	if r.policy.MaxLag <= 0 {
		r.policy.MaxLag = DefaultReplicaMaxLag
	}
	// Three checks missed, and at least a second: the replica no longer answers.
	r.policy.Stale = max(3*r.interval, time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	db.replica = r
	r.done.Go(func() { db.watchReplica(ctx) })
	return nil
}

// watchReplica checks the replica every interval until ctx ends. While the checks fail (the replica or the
// primary down, the replica promoted) it waits longer between them, from the interval doubling with jitter to
// DefaultReplicaRetryMax, so that an outage costs no stream of connection attempts; it logs the first failure
// (a warning) and the first success after (info), nothing between.
func (db *DB) watchReplica(ctx context.Context) {
	r := db.replica
	gate := &backoff.Gate{Policy: backoff.Policy{Min: r.interval, Max: max(r.interval, DefaultReplicaRetryMax), Jitter: 0.5}}
	for {
		wait := r.interval
		if err := db.checkReplica(ctx); err != nil && ctx.Err() == nil {
			d, began := gate.Fail(time.Now())
			wait = d
			if began {
				r.log.Warn("replica: reads go to the primary; checking again with backoff", "reason", err.Error())
			}
		} else if ended, n, since := gate.Succeed(); ended {
			r.log.Info("replica: checked again", "after", time.Since(since).Round(time.Millisecond).String(), "failed_checks", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// checkReplica compares the replica's replay position with the primary's write position and tells the policy;
// it returns why the replica may not serve when a check fails.
func (db *DB) checkReplica(ctx context.Context) error {
	r := db.replica
	ctx, cancel := context.WithTimeout(ctx, max(r.interval, time.Second))
	defer cancel()
	sampled := time.Now()
	down := func(reason string) error {
		r.policy.Down(time.Now(), reason)
		return errors.New(reason)
	}
	var p string
	if err := db.Pool.QueryRow(ctx, primaryLSNSQL).Scan(&p); err != nil {
		return down("the primary's position cannot be read: " + err.Error())
	}
	var standby bool
	var s string
	if err := r.pool.QueryRow(ctx, replicaStateSQL).Scan(&standby, &s); err != nil {
		return down("the replica does not answer: " + err.Error())
	}
	if !standby {
		return down("the read database is not a standby (promoted?)")
	}
	primary, err1 := ParseLSN(p)
	replay, err2 := ParseLSN(s)
	if err1 != nil || err2 != nil {
		return down(fmt.Sprintf("positions unreadable: %v %v", err1, err2))
	}
	r.policy.Observe(sampled, time.Now(), primary, replay)
	return nil
}

// reader returns the pool a read that a replica may serve goes to: the replica's when one is configured and its
// policy allows it for the client of ctx (its user), else the primary's.
func (db *DB) reader(ctx context.Context) *pgxpool.Pool {
	if db.replica == nil {
		return db.Pool
	}
	var client int64
	if u := landrelease.UserFromContext(ctx); u != nil {
		client = u.ID
	}
	if db.replica.policy.UseReplica(client, time.Now()) {
		return db.replica.pool
	}
	return db.Pool
}

// feedPool returns the pool the change feed reads from after w: the replica's when it may serve and w was read
// there, or it has replayed w's position on the primary (so that the feed never steps back in time); else the
// primary's.
func (db *DB) feedPool(w Watermark) *pgxpool.Pool {
	if db.replica == nil {
		return db.Pool
	}
	lsn := w.LSN
	if w.Standby {
		lsn = 0 // the replica's replay only moves forward
	}
	if db.replica.policy.Reached(lsn, time.Now()) {
		return db.replica.pool
	}
	return db.Pool
}

// feedOnReplica reports whether the change feed, having read w, reads from the replica next: the replica may
// serve, and w was read there or the replica has replayed w's position (so that the feed never steps back in
// time). For a w read on the primary it asks the replica its position, for up to wait while it falls short: the
// primary moves on between its checks, which alone would seldom show a busy primary's latest position reached.
func (db *DB) feedOnReplica(ctx context.Context, w Watermark, wait time.Duration) bool {
	if db.replica == nil || !db.replica.policy.Reached(0, time.Now()) {
		return false
	}
	if w.Standby {
		return true
	}
	deadline := time.Now().Add(wait)
	for {
		var s string
		if err := db.replica.pool.QueryRow(ctx, replayLSNSQL).Scan(&s); err != nil {
			return false
		}
		if replay, err := ParseLSN(s); err == nil && replay >= w.LSN {
			return true
		}
		if time.Now().Add(caughtUpPoll).After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(caughtUpPoll):
		}
	}
}

// wrote records, after a commit on the primary, the write of ctx's user for read-your-writes: until the replica
// replays the primary's position now, the user's reads go to the primary. Without a replica or a user it does
// nothing.
func (db *DB) wrote(ctx context.Context) {
	if db.replica == nil {
		return
	}
	u := landrelease.UserFromContext(ctx)
	if u == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var s string
	err := db.Pool.QueryRow(ctx, primaryLSNSQL).Scan(&s)
	lsn, perr := ParseLSN(s)
	db.replica.policy.Wrote(u.ID, lsn, err == nil && perr == nil, time.Now())
}

// HasReplica reports whether reads may go to a replica (Options.ReadURL).
func (db *DB) HasReplica() bool { return db.replica != nil }

// ReplicaStatus returns what is known of the replica now: its lag, whether reads go to it, and why not; ok is
// false without a replica.
func (db *DB) ReplicaStatus() (st ReplicaStatus, ok bool) {
	if db.replica == nil {
		return ReplicaStatus{}, false
	}
	st = db.replica.policy.Status(time.Now())
	st.FeedOnReplica = db.replica.feeding.Load()
	return st, true
}

// close stops checking the replica and closes its pool.
func (r *replica) close() {
	r.stop()
	r.done.Wait()
	r.pool.Close()
}
