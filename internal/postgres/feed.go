package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/landrelease/landrelease/internal/backoff"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Feed streams the current state of hazard areas to an in-memory index: a full load, then every change made
// after it, by this service, another instance or SQL typed by hand. Changes are announced on the channel
// landrelease_changes; the feed also polls every Interval, and after a lost connection it replays from its
// watermark, so nothing is missed. With a replica (Options.ReadURL) the feed reads from it while its policy
// allows and it has replayed what the feed saw (DB.feedPool); a standby hears no notification, so there the feed
// polls every Interval. Otherwise it follows the primary, and returns to the replica once that has caught up.
type Feed struct {
	db  *DB
	url string
	log *slog.Logger
	// Interval bounds how long a change can go unseen if a notification is lost.
	Interval time.Duration
	// Retry spaces the reconnection attempts after the feed lost its database: exponential, with jitter, from
	// Retry.Min to Retry.Max (backoff.Default unless changed).
	Retry backoff.Policy
	// LoadConnections is how many connections Load reads over at once, each a range of hazard ids in the same
	// snapshot: the database's work (reading, encoding) and the decoding here both spread over that many cores.
	// 0 means DefaultLoadConnections; it is capped by the pool's size.
	LoadConnections int
	// synced is when Load or a poll last read every change committed before it (Unix nanoseconds; 0: never).
	synced atomic.Int64
}

// Synced returns when the feed last read every change committed before that instant (a Load, or a poll while
// following); the zero time before the first. What the index holds is at most time.Since(Synced()) old.
func (f *Feed) Synced() time.Time {
	if n := f.synced.Load(); n != 0 {
		return time.Unix(0, n)
	}
	return time.Time{}
}

// DefaultLoadConnections is how many connections Load reads over when Feed.LoadConnections is 0.
const DefaultLoadConnections = 2

// FeedApplicationName names the feed's listening connection in pg_stat_activity.
const FeedApplicationName = "landrelease-feed"

// Watermark is where the last read stood: the xmin and xmax of its snapshot (every transaction below xmin had
// finished; none from xmax on had) and the transactions between them whose changes it saw. A change it did not
// see belongs to a transaction from xmin on that is not one of those, so the next read asks for exactly these,
// however long some transaction stays open. (Not the snapshot's list of transactions in progress: a hot standby
// reports none.) MaxID is the largest change id seen; LSN the write-ahead log position the read had reached, at
// least: a replica that has replayed it shows no older state.
type Watermark struct {
	Xmin, Xmax string
	Seen       []string
	MaxID      int64
	LSN        LSN
	// Standby: the read was made on a hot standby (the replica).
	Standby bool
}

// NewFeed returns a feed reading db and listening on a connection of its own to url.
func NewFeed(db *DB, url string, log *slog.Logger) *Feed {
	return &Feed{db: db, url: url, log: log, Interval: time.Second, Retry: backoff.Default()}
}

const (
	// snapshotSQL reads the watermark of the transaction's snapshot (its first statement): the LSN is read after
	// the snapshot was taken, so it is at or past every commit the snapshot sees, on a primary or a standby.
	snapshotSQL = `
SELECT pg_snapshot_xmin(s)::text, pg_snapshot_xmax(s)::text,
       ARRAY(SELECT DISTINCT c.xid::text FROM change_log c WHERE c.xid >= pg_snapshot_xmin(s)),
       (SELECT coalesce(max(id), 0) FROM change_log),
       (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_insert_lsn() END)::text,
       pg_is_in_recovery()
FROM pg_current_snapshot() s`
	// changedSQL lists the entities changed after a watermark: $1 its xmin, $2 its xmax, $3 the transactions it
	// saw (Watermark.Seen).
	changedSQL = `
SELECT DISTINCT entity_id FROM change_log
WHERE xid >= $1::xid8 AND (xid >= $2::xid8 OR NOT xid = ANY($3::xid8[]))
  AND entity IN ('hazard_area', 'land_release') AND entity_id IS NOT NULL`
	// feedLoadSettingsSQL: Load spreads its reads over connections itself (Feed.LoadConnections), so none of them
	// asks for parallel workers besides; nor for JIT compilation, which its plain scans do not repay.
	feedLoadSettingsSQL = `SET LOCAL max_parallel_workers_per_gather = 0; SET LOCAL jit = off`
	// exportSnapshotSQL exports the snapshot of Load's transaction, for the other connections of the load, and
	// the range of the hazard area ids to split between them.
	exportSnapshotSQL = `
SELECT pg_export_snapshot(), coalesce(min(hazard_id), 0), coalesce(max(hazard_id), 0)
FROM hazard_area_version WHERE is_current`
	// currentByIDSQL lists the current versions of hazard areas by id ($1 NULL: all), withdrawn ones too, with ids
	// in [$2, $3]. The remaining polygon is NULL where it is the whole polygon, as for every area not released
	// (scanFeedHazard then shares the decoded polygon): it is neither encoded, sent nor decoded twice.
	currentByIDSQL = `
SELECT ` + hazardColumns + `, h.remaining_area_m2,
       CASE WHEN h.remaining_geom = v.geom THEN NULL ELSE ST_AsBinary(h.remaining_geom) END
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE v.is_current AND ($1::bigint[] IS NULL OR v.hazard_id = ANY($1)) AND v.hazard_id BETWEEN $2 AND $3`
)

// minID, maxID bound the id range of currentByIDSQL that filters nothing.
const minID, maxID = int64(math.MinInt64), int64(math.MaxInt64)

// snapshotID matches what pg_export_snapshot returns, such as 00000003-0000001B-1.
var snapshotID = regexp.MustCompile(`^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$`)

// Load reads every current hazard area that is not withdrawn, and the watermark to follow changes from: from the
// replica when it may serve, else from the primary. It reads over f.LoadConnections connections that share one snapshot (pg_export_snapshot), so the areas and the
// watermark are those of one instant; where the snapshot cannot be exported (a hot standby of an old
// PostgreSQL, say) it reads over one.
func (f *Feed) Load(ctx context.Context) ([]*landrelease.HazardArea, Watermark, error) {
	parts := f.LoadConnections
	if parts == 0 {
		parts = DefaultLoadConnections
	}
	began := time.Now()
	hs, w, err := f.load(ctx, parts)
	if errors.Is(err, errNoExport) {
		hs, w, err = f.load(ctx, 1)
	}
	if err == nil {
		f.synced.Store(began.UnixNano())
	}
	return hs, w, err
}

var errNoExport = errors.New("feed: cannot export snapshot")

func (f *Feed) load(ctx context.Context, parts int) ([]*landrelease.HazardArea, Watermark, error) {
	var out []*landrelease.HazardArea
	var w Watermark
	ro := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	pool := f.db.feedPool(Watermark{})
	err := pgx.BeginTxFunc(ctx, pool, ro, func(tx pgx.Tx) error {
		var err error
		if w, err = readWatermark(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, feedLoadSettingsSQL); err != nil {
			return dbError(err, "feed: settings")
		}
		parts = min(parts, int(pool.Config().MaxConns))
		if parts <= 1 {
			hs, err := readCurrent(ctx, tx, nil, minID, maxID)
			out = hs
			return err
		}
		var (
			snap       string
			first, end int64
		)
		if err := tx.QueryRow(ctx, exportSnapshotSQL).Scan(&snap, &first, &end); err != nil || !snapshotID.MatchString(snap) {
			return fmt.Errorf("%w: %q %v", errNoExport, snap, err)
		}
		// The other parts read on connections of their own, taken only when they can be had at once: a load never
		// holds its connection while it waits for another (with a pool of one or a busy pool, it reads alone).
		var conns []*pgxpool.Conn
		for range parts - 1 {
			c, ok := tryAcquire(ctx, pool)
			if !ok {
				break
			}
			conns = append(conns, c)
		}
		defer func() {
			for _, c := range conns {
				c.Release()
			}
		}()
		parts = 1 + len(conns)
		// Contiguous id ranges, the first read here, the others on the connections taken.
		step := (end - first + int64(parts)) / int64(parts)
		results := make([][]*landrelease.HazardArea, parts)
		errs := make([]error, parts)
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		var wg sync.WaitGroup
		for i := 1; i < parts; i++ {
			lo, hi := first+int64(i)*step, first+int64(i+1)*step-1
			if i == parts-1 {
				hi = maxID
			}
			wg.Go(func() {
				errs[i] = pgx.BeginTxFunc(pctx, conns[i-1], ro, func(tx pgx.Tx) error {
					// Not a parameter: SET TRANSACTION takes a literal; snap matched snapshotID above.
					if _, err := tx.Exec(pctx, "SET TRANSACTION SNAPSHOT '"+snap+"'"); err != nil {
						return dbError(err, "feed: import snapshot")
					}
					if _, err := tx.Exec(pctx, feedLoadSettingsSQL); err != nil {
						return dbError(err, "feed: settings")
					}
					hs, err := readCurrent(pctx, tx, nil, lo, hi)
					results[i] = hs
					return err
				})
				if errs[i] != nil {
					cancel()
				}
			})
		}
		results[0], errs[0] = readCurrent(pctx, tx, nil, minID, first+step-1)
		if errs[0] != nil {
			cancel()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		n := 0
		for _, r := range results {
			n += len(r)
		}
		out = make([]*landrelease.HazardArea, 0, n)
		for _, r := range results {
			out = append(out, r...)
		}
		return nil
	})
	if err != nil {
		return nil, w, err
	}
	// Withdrawn areas are not indexed.
	kept := out[:0]
	for _, h := range out {
		if !h.Withdrawn {
			kept = append(kept, h)
		}
	}
	clear(out[len(kept):])
	return kept, w, nil
}

// readWatermark reads the watermark of tx's snapshot; snapshotSQL must be tx's first statement.
func readWatermark(ctx context.Context, tx pgx.Tx) (Watermark, error) {
	var w Watermark
	var lsn string
	if err := tx.QueryRow(ctx, snapshotSQL).Scan(&w.Xmin, &w.Xmax, &w.Seen, &w.MaxID, &lsn, &w.Standby); err != nil {
		return w, dbError(err, "feed: snapshot")
	}
	var err error
	w.LSN, err = ParseLSN(lsn)
	return w, err
}

// readCurrent reads currentByIDSQL.
func readCurrent(ctx context.Context, tx pgx.Tx, ids []int64, lo, hi int64) ([]*landrelease.HazardArea, error) {
	rows, err := tx.Query(ctx, currentByIDSQL, ids, lo, hi)
	if err != nil {
		return nil, dbError(err, "feed: read")
	}
	hs, err := pgx.CollectRows(rows, feedScanner())
	return hs, dbError(err, "feed: read")
}

// feedScanner returns a function reading the rows of currentByIDSQL as scanHazard reads its rows, with less
// allocated per row (an index at start-up holds every area): the polygons are decoded from the driver's buffer
// instead of a copy; the columns of few distinct values (kind, status, organisation, admin unit, ...) are interned,
// one string or admin reference for equal values; a NULL remaining polygon is the whole polygon, shared.
func feedScanner() pgx.RowToFunc[*landrelease.HazardArea] {
	names := interner{}
	admins := map[[2]string]*landrelease.AdminRef{}
	admin := func(code, name pgtype.DriverBytes) *landrelease.AdminRef {
		if code == nil {
			return nil
		}
		k := [2]string{names.get(code), names.get(name)}
		a, ok := admins[k]
		if !ok {
			a = &landrelease.AdminRef{Code: k[0], Name: k[1]}
			admins[k] = a
		}
		return a
	}
	var (
		geom, remGeom                    pgtype.DriverBytes
		by, reason, kind, cont, evt, cat pgtype.DriverBytes
		marking, prio, lu, org, status   pgtype.DriverBytes
		statusReason, a1c, a1n, a2c, a2n pgtype.DriverBytes
		remArea                          float64
	)
	return func(row pgx.CollectableRow) (*landrelease.HazardArea, error) {
		h := &landrelease.HazardArea{}
		err := row.Scan(&h.ID, &h.LocalID, &h.Version, &h.ValidFrom, &h.RecordedAt, &by, &reason, &h.Withdrawn,
			&kind, &cont, &evt, &cat, &h.Devices, &marking, &prio, &lu,
			&h.IdentifiedOn, &org, &status, &statusReason, &h.ReleasesSince, &h.Notes,
			&geom, &h.AreaM2, &a1c, &a1n, &a2c, &a2n, &h.Residual, &remArea, &remGeom)
		if err != nil {
			return nil, err
		}
		h.RecordedBy, h.Reason, h.Evidence.Category = names.get(by), names.get(reason), names.get(cat)
		h.Kind, h.Contamination, h.Evidence.Type = landrelease.Kind(names.get(kind)), landrelease.Contamination(names.get(cont)), landrelease.EvidenceType(names.get(evt))
		h.Marking, h.Priority, h.LandUse = landrelease.Marking(names.get(marking)), landrelease.Priority(names.get(prio)), landrelease.LandUse(names.get(lu))
		h.Organisation, h.Status, h.StatusReason = names.get(org), landrelease.Status(names.get(status)), names.get(statusReason)
		if h.Geometry, err = fromWKB(geom); err != nil {
			return nil, err
		}
		h.RemainingAreaM2, h.Remaining = remArea, h.Geometry
		if remGeom != nil {
			if h.Remaining, err = fromWKB(remGeom); err != nil {
				return nil, err
			}
		}
		h.Admin1, h.Admin2 = admin(a1c, a1n), admin(a2c, a2n)
		return h, nil
	}
}

// Changes returns the current state of the hazard areas changed since w (withdrawn ones as removals) and the
// next watermark, read from the replica when it may serve and has replayed w, else from the primary. Some may be
// unchanged: applying them again is harmless.
func (f *Feed) Changes(ctx context.Context, w Watermark) (upserts []*landrelease.HazardArea, removes []int64, next Watermark, err error) {
	return f.changes(ctx, f.db.feedPool(w), w)
}

// changes is Changes read from pool.
func (f *Feed) changes(ctx context.Context, pool *pgxpool.Pool, w Watermark) (upserts []*landrelease.HazardArea, removes []int64, next Watermark, err error) {
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		if next, err = readWatermark(ctx, tx); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, changedSQL, w.Xmin, w.Xmax, w.Seen)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return dbError(err, "feed: changes")
		}
		if len(ids) == 0 {
			return nil
		}
		hs, err := readCurrent(ctx, tx, ids, minID, maxID)
		if err != nil {
			return err
		}
		found := make(map[int64]bool, len(hs))
		for _, h := range hs {
			if h.Withdrawn {
				continue
			}
			found[h.ID] = true
			upserts = append(upserts, h)
		}
		for _, id := range ids {
			if !found[id] {
				removes = append(removes, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, w, err
	}
	return upserts, removes, next, nil
}

// Run follows changes from w and passes them to apply (after they committed) until ctx ends. It reconnects
// after any error and replays from its watermark; connected reports whether it is currently following. While
// the database does not answer it tries again after delays growing as f.Retry says, and logs the loss once (a
// warning) and the return once (info, with the outage's length and attempts); each failed attempt between is
// logged at debug level.
func (f *Feed) Run(ctx context.Context, w Watermark, apply func(upserts []*landrelease.HazardArea, removes []int64), connected func(bool)) error {
	gate := &backoff.Gate{Policy: f.Retry}
	following := func(on bool) {
		if on {
			if ended, n, since := gate.Succeed(); ended {
				f.log.Info("change feed: reconnected", "after", time.Since(since).Round(time.Millisecond).String(), "failed_attempts", n)
			}
		}
		connected(on)
	}
	for ctx.Err() == nil {
		var err error
		w, err = f.follow(ctx, w, apply, following)
		if errors.Is(err, errSwitch) {
			continue // to the other database, at once and still connected
		}
		connected(false)
		if ctx.Err() != nil {
			break
		}
		delay, began := gate.Fail(time.Now())
		if began {
			f.log.Warn("change feed interrupted; reconnecting with backoff", "err", err)
		} else {
			f.log.Debug("change feed: reconnection failed", "err", err, "attempt", gate.Failures(), "next_in", delay)
		}
		select {
		case <-ctx.Done():
		case <-time.After(delay):
		}
	}
	return ctx.Err()
}

// errSwitch ends follow to follow the other database: the replica has caught up, or may no longer serve.
var errSwitch = errors.New("feed: switch between the primary and the replica")

// follow follows the changes after w until an error: on the replica when it may serve and has replayed w, by
// polling; else on the primary, woken by notifications.
func (f *Feed) follow(ctx context.Context, w Watermark, apply func([]*landrelease.HazardArea, []int64), connected func(bool)) (Watermark, error) {
	if f.db.feedOnReplica(ctx, w, 0) {
		f.db.replica.feeding.Store(true)
		defer f.db.replica.feeding.Store(false)
		return f.poll(ctx, f.db.replica.pool, w, apply, connected)
	}
	cfg, err := pgx.ParseConfig(f.url)
	if err != nil {
		return w, fmt.Errorf("parse database url: %w", err)
	}
	cfg.RuntimeParams["application_name"] = FeedApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return w, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN landrelease_changes"); err != nil {
		return w, fmt.Errorf("listen: %w", err)
	}
	poll := func() error {
		began := time.Now()
		up, rm, next, err := f.changes(ctx, f.db.Pool, w)
		if err != nil {
			return err
		}
		if len(up) > 0 || len(rm) > 0 {
			apply(up, rm)
		}
		w = next
		f.synced.Store(began.UnixNano())
		return nil
	}
	// Replay what happened while we were not listening.
	if err := poll(); err != nil {
		return w, err
	}
	connected(true)
	for {
		wait, cancel := context.WithTimeout(ctx, f.Interval)
		_, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case ctx.Err() != nil:
			return w, ctx.Err()
		case err != nil && !errors.Is(err, context.DeadlineExceeded):
			return w, fmt.Errorf("wait for notification: %w", err)
		}
		// A notification or the interval: catch up. Notifications that piled up meanwhile are covered too.
		if err := poll(); err != nil {
			return w, err
		}
		if err := conn.Ping(ctx); err != nil {
			return w, fmt.Errorf("listen connection: %w", err)
		}
		if f.db.feedOnReplica(ctx, w, f.Interval) {
			f.log.Info("change feed: following the replica")
			return w, errSwitch
		}
	}
}

// poll follows the changes after w on the replica's pool every Interval, until an error, or until the replica
// may no longer serve (errSwitch).
func (f *Feed) poll(ctx context.Context, pool *pgxpool.Pool, w Watermark, apply func([]*landrelease.HazardArea, []int64), connected func(bool)) (Watermark, error) {
	for first := true; ; first = false {
		began := time.Now()
		up, rm, next, err := f.changes(ctx, pool, w)
		if err != nil {
			return w, err
		}
		if len(up) > 0 || len(rm) > 0 {
			apply(up, rm)
		}
		w = next
		// The replica held every change committed on the primary up to its replay lag before the poll.
		st, _ := f.db.ReplicaStatus()
		f.synced.Store(began.Add(-st.Lag).UnixNano())
		if first {
			connected(true)
		}
		select {
		case <-ctx.Done():
			return w, ctx.Err()
		case <-time.After(f.Interval):
		}
		if !f.db.feedOnReplica(ctx, w, 0) {
			f.log.Info("change feed: following the primary")
			return w, errSwitch
		}
	}
}
