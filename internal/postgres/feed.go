package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Feed streams the current state of hazard areas to an in-memory index: a full load, then every change made
// after it, by this service, another instance or SQL typed by hand. Changes are announced on the channel
// landrelease_changes; the feed also polls every Interval, and after a lost connection it replays from its
// watermark, so nothing is missed.
type Feed struct {
	db  *DB
	url string
	log *slog.Logger
	// Interval bounds how long a change can go unseen if a notification is lost.
	Interval time.Duration
	// Retry is the pause between reconnection attempts.
	Retry time.Duration
}

// FeedApplicationName names the feed's listening connection in pg_stat_activity.
const FeedApplicationName = "landrelease-feed"

// Watermark is where the last read stood: the xmin of its snapshot (every transaction below it had finished),
// the largest change id it saw, and the transactions in progress then. A change committed later either has a
// larger id (its transaction wrote it after that read) or belongs to one of those transactions, so the next read
// asks for exactly these, however long some transaction stays open.
type Watermark struct {
	Xmin       string
	MaxID      int64
	InProgress []string
}

// NewFeed returns a feed reading db and listening on a connection of its own to url.
func NewFeed(db *DB, url string, log *slog.Logger) *Feed {
	return &Feed{db: db, url: url, log: log, Interval: time.Second, Retry: 250 * time.Millisecond}
}

const (
	snapshotSQL = `
SELECT pg_snapshot_xmin(s)::text, ARRAY(SELECT x::text FROM pg_snapshot_xip(s) x), (SELECT coalesce(max(id), 0) FROM change_log)
FROM pg_current_snapshot() s`
	changedSQL = `
SELECT DISTINCT entity_id FROM change_log
WHERE xid >= $1::xid8 AND (id > $2 OR xid = ANY($3::xid8[]))
  AND entity IN ('hazard_area', 'land_release') AND entity_id IS NOT NULL`
	// currentByIDSQL lists the current versions of hazard areas by id ($1 NULL: all), withdrawn ones too.
	currentByIDSQL = `
SELECT ` + hazardColumns + `, h.remaining_area_m2, ST_AsBinary(h.remaining_geom)
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE v.is_current AND ($1::bigint[] IS NULL OR v.hazard_id = ANY($1))`
)

// Load reads every current hazard area that is not withdrawn, and the watermark to follow changes from.
func (f *Feed) Load(ctx context.Context) ([]*landrelease.HazardArea, Watermark, error) {
	var out []*landrelease.HazardArea
	var w Watermark
	err := pgx.BeginTxFunc(ctx, f.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, snapshotSQL).Scan(&w.Xmin, &w.InProgress, &w.MaxID); err != nil {
			return dbError(err, "feed: snapshot")
		}
		rows, err := tx.Query(ctx, currentByIDSQL, nil)
		if err != nil {
			return dbError(err, "feed: load")
		}
		all, err := pgx.CollectRows(rows, scanHazard)
		if err != nil {
			return dbError(err, "feed: load")
		}
		out = all[:0]
		for _, h := range all {
			if !h.Withdrawn {
				out = append(out, h)
			}
		}
		return nil
	})
	return out, w, err
}

// Changes returns the current state of the hazard areas changed since w (withdrawn ones as removals) and the
// next watermark. Some may be unchanged: applying them again is harmless.
func (f *Feed) Changes(ctx context.Context, w Watermark) (upserts []*landrelease.HazardArea, removes []int64, next Watermark, err error) {
	err = pgx.BeginTxFunc(ctx, f.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, snapshotSQL).Scan(&next.Xmin, &next.InProgress, &next.MaxID); err != nil {
			return dbError(err, "feed: snapshot")
		}
		rows, _ := tx.Query(ctx, changedSQL, w.Xmin, w.MaxID, w.InProgress)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return dbError(err, "feed: changes")
		}
		if len(ids) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, currentByIDSQL, ids)
		if err != nil {
			return dbError(err, "feed: changed areas")
		}
		hs, err := pgx.CollectRows(rows, scanHazard)
		if err != nil {
			return dbError(err, "feed: changed areas")
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
// after any error and replays from its watermark; connected reports whether it is currently following.
func (f *Feed) Run(ctx context.Context, w Watermark, apply func(upserts []*landrelease.HazardArea, removes []int64), connected func(bool)) error {
	for ctx.Err() == nil {
		var err error
		w, err = f.follow(ctx, w, apply, connected)
		connected(false)
		if ctx.Err() != nil {
			break
		}
		f.log.Warn("change feed interrupted; reconnecting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(f.Retry):
		}
	}
	return ctx.Err()
}

func (f *Feed) follow(ctx context.Context, w Watermark, apply func([]*landrelease.HazardArea, []int64), connected func(bool)) (Watermark, error) {
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
		up, rm, next, err := f.Changes(ctx, w)
		if err != nil {
			return err
		}
		if len(up) > 0 || len(rm) > 0 {
			apply(up, rm)
		}
		w = next
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
	}
}
