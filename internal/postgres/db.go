// Package postgres implements the landrelease services on PostGIS with pgx.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/migrations"
)

// DB is a connection pool to the registry's database, and optionally one to a streaming replica of it that
// some reads go to (replica.go).
type DB struct {
	Pool *pgxpool.Pool
	// Now returns the current time; tests may replace it before use.
	Now func() time.Time

	replica *replica // nil without Options.ReadURL
}

// Options tune the pool Open makes. The pool's own settings (pool_max_conns, ...) are parameters of the URL.
type Options struct {
	// StatementTimeout, above 0, bounds every statement on the pool's connections (PostgreSQL's
	// statement_timeout, in whole milliseconds): a backstop against a query gone wrong holding a connection. A
	// statement that runs longer fails with SQLSTATE 57014. 0 leaves the server's setting (the URL may set one).
	StatementTimeout time.Duration
	// ReadURL, when set, names a streaming replica (a hot standby) of the database: reports, exports, histories,
	// listing pages and the change feed read from it while its policy allows (ReadPolicy); writes, and reads of a
	// user who wrote until the replica has replayed the write, go to the primary.
	ReadURL string
	// ReplicaMaxLag is the lag past which reads go to the primary (0: DefaultReplicaMaxLag).
	ReplicaMaxLag time.Duration
	// ReplicaCheck is how often the replica's lag is measured (0: DefaultReplicaCheck). After a failed check the
	// next waits longer, doubling to DefaultReplicaRetryMax, until one succeeds.
	ReplicaCheck time.Duration
	// Logger receives what happens to the replica: when its checks begin to fail, and when one succeeds again
	// (nil: slog.Default()).
	Logger *slog.Logger
}

// Open connects to the database at url and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) { return OpenWith(ctx, url, Options{}) }

// OpenWith is Open with options.
func OpenWith(ctx context.Context, url string, opt Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	configure(cfg, opt)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database %s@%s:%d/%s: %w", cfg.ConnConfig.User, cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	db := &DB{Pool: pool, Now: time.Now}
	if opt.ReadURL != "" {
		if err := db.openReplica(opt.ReadURL, opt); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// configure sets the session parameters of every connection of a pool.
func configure(cfg *pgxpool.Config, opt Options) {
	// Optional filters are written "$n IS NULL OR ...": plan each query for its actual parameters.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	cfg.ConnConfig.RuntimeParams["application_name"] = "landrelease"
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	if opt.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(max(opt.StatementTimeout.Milliseconds(), 1), 10)
	}
}

// Close closes the pools.
func (db *DB) Close() {
	if db.replica != nil {
		db.replica.close()
	}
	db.Pool.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

func (db *DB) today() time.Time { return landrelease.Day(db.Now()) }

const migrateLockID = 7_402_918_335 // pg_advisory_xact_lock key serialising migrations

const (
	// migrationsTableSQL is whether schema_migrations exists.
	migrationsTableSQL  = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	createMigrationsSQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
		name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`
	appliedMigrationsSQL = `SELECT name FROM schema_migrations`
	// migrationAppliedSQL is whether migration $1 is recorded.
	migrationAppliedSQL = `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE name = $1)`
	recordMigrationSQL  = `INSERT INTO schema_migrations (name) VALUES ($1)`
	// migrateLockSQL waits for the migration lock $1 until the end of the transaction.
	migrateLockSQL = `SELECT pg_advisory_xact_lock($1)`
	// noStatementTimeoutSQL lifts the statement timeout (Options.StatementTimeout) until the end of the
	// transaction: a migration (an index built on a large table), and the wait for another instance's, may outlast it.
	noStatementTimeoutSQL = `SET LOCAL statement_timeout = 0`
)

// Migrate applies the embedded migrations not yet applied, in name order, each in its own transaction, and
// returns the names applied. Concurrent callers (instances starting together) wait for each other and apply each
// migration once. Everything Migrate does lives in one transaction at a time: the lock that serialises callers is
// a transaction-level advisory lock and the statement timeout is lifted with SET LOCAL, so that it also runs
// through a transaction-mode connection pooler (PgBouncer) and leaves nothing behind on a connection. An
// up-to-date schema is checked with one read and no lock.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	slices.Sort(names)
	done, err := appliedMigrations(ctx, db.Pool)
	if err != nil {
		return nil, err
	}
	var applied []string
	for _, name := range names {
		if slices.Contains(done, name) {
			continue
		}
		ok, err := db.applyMigration(ctx, name)
		if pe := (*pgconn.PgError)(nil); errors.As(err, &pe) && pe.Code == "42501" {
			return applied, fmt.Errorf("migrate %s: %w (run `landrelease migrate` as the registry's owner, then `landrelease grant`)", name, err)
		} else if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", name, err)
		}
		if ok {
			applied = append(applied, name)
		}
	}
	return applied, nil
}

// appliedMigrations lists the migrations recorded; none when schema_migrations does not exist yet. It reads
// without the migration lock: a migration committing meanwhile is seen by applyMigration.
func appliedMigrations(ctx context.Context, q interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
	QueryRow(context.Context, string, ...any) pgx.Row
}) ([]string, error) {
	// CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table exists: the service's role
	// (landrelease grant), which has none, checks an up-to-date schema without it.
	var have bool
	if err := q.QueryRow(ctx, migrationsTableSQL).Scan(&have); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if !have {
		return nil, nil
	}
	rows, _ := q.Query(ctx, appliedMigrationsSQL)
	done, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("migrate: read applied: %w", err)
	}
	return done, nil
}

// applyMigration applies the embedded migration name in one transaction, under the migration lock, unless
// another caller recorded it meanwhile (ok false).
func (db *DB) applyMigration(ctx context.Context, name string) (ok bool, err error) {
	body, err := fs.ReadFile(migrations.FS, name)
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, noStatementTimeoutSQL); err != nil {
			return fmt.Errorf("statement timeout: %w", err)
		}
		if _, err := tx.Exec(ctx, migrateLockSQL, int64(migrateLockID)); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		var have, done bool
		if err := tx.QueryRow(ctx, migrationsTableSQL).Scan(&have); err != nil {
			return err
		}
		if !have {
			if _, err := tx.Exec(ctx, createMigrationsSQL); err != nil {
				return err
			}
		} else if err := tx.QueryRow(ctx, migrationAppliedSQL, name).Scan(&done); err != nil {
			return err
		}
		if done {
			return nil
		}
		if _, err := tx.Exec(ctx, string(body)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, recordMigrationSQL, name); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return ok, err
}

// spareConnWait bounds tryAcquire's wait for a connection the pool has room to open: the connection is being
// made, or another request took the room a moment before (then tryAcquire gives up rather than wait for a release).
const spareConnWait = 250 * time.Millisecond

// tryAcquire returns a connection of pool only if one can be had without waiting for another request to
// release one: an idle connection, or a new one while the pool has room for it. A caller holding a connection
// uses it for a second one: waiting (Acquire) would deadlock once every connection is held by such callers.
// ok is false when none is to be had: the caller does without.
func tryAcquire(ctx context.Context, pool *pgxpool.Pool) (conn *pgxpool.Conn, ok bool) {
	if idle := pool.AcquireAllIdle(ctx); len(idle) > 0 {
		for _, c := range idle[1:] {
			c.Release()
		}
		return idle[0], true
	}
	if st := pool.Stat(); st.TotalConns() >= st.MaxConns() {
		return nil, false
	}
	ctx, cancel := context.WithTimeout(ctx, spareConnWait)
	defer cancel()
	conn, err := pool.Acquire(ctx)
	return conn, err == nil
}

// inTx runs fn in a transaction on the primary, committing when fn returns nil. A database that cannot take the
// transaction (read-only, full, unreachable: unavailable) fails it with EUNAVAILABLE, its begin and commit
// included. After a commit, with a replica, the user of ctx reads from the primary until the replica has replayed
// it (DB.wrote).
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	err := pgx.BeginFunc(ctx, db.Pool, fn)
	if le := (*landrelease.Error)(nil); errors.As(err, &le) {
		return err
	}
	if u := unavailable(err); u != nil {
		return u
	}
	if err != nil {
		return err
	}
	db.wrote(ctx)
	return nil
}

// dbError turns database errors users can act on into *landrelease.Error and wraps the rest with context.
func dbError(err error, context string) error {
	if err == nil {
		return nil
	}
	var le *landrelease.Error
	if errors.As(err, &le) {
		return err
	}
	if u := unavailable(err); u != nil {
		return u
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "57014": // query_canceled: the statement timeout, or the request's deadline
			return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: "The database stopped a statement that ran past its time limit: try a smaller request, or later.", Err: err}
		case pe.Code == "23505":
			return &landrelease.Error{Code: landrelease.ECONFLICT, Message: "A record with this identifier already exists.", Err: err}
		case strings.HasPrefix(pe.Code, "XX") && strings.Contains(pe.Message, "TopologyException"):
			return &landrelease.Error{Code: landrelease.EINVALID, Message: "The geometry could not be processed: " + pe.Message, Err: err}
		}
	}
	return fmt.Errorf("%s: %w", context, err)
}
