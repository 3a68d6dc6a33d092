package postgres_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// migrateLockKey is the advisory lock key Migrate serialises on (postgres.migrateLockID).
const migrateLockKey = 7_402_918_335

// TestMigrateConcurrent: instances starting together on an empty database apply every migration exactly once
// between them, and leave no advisory lock held on any connection.
func TestMigrateConcurrent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	url := pgtest.NewEmptyDatabase(t)
	const instances = 4
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied []string
		dbs     []*postgres.DB
	)
	for range instances {
		db, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	errs := make([]error, instances)
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			names, err := db.Migrate(ctx)
			errs[i] = err
			mu.Lock()
			applied = append(applied, names...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
	}
	var recorded []string
	rows, _ := dbs[0].Pool.Query(ctx, `SELECT name FROM schema_migrations ORDER BY name`)
	recorded, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(applied)
	if len(recorded) == 0 || !slices.Equal(applied, recorded) {
		t.Errorf("applied between the instances %v,\nrecorded %v: want each migration once", applied, recorded)
	}
	var locks int
	if err := dbs[0].Pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 0 {
		t.Errorf("%d advisory locks held after the migrations, want 0", locks)
	}
}

// TestMigrateUpToDateTakesNoLock: an instance starting on an up-to-date schema does not wait for the migration
// lock, even while something holds it (such as a session lock a pooler left on a server connection).
func TestMigrateUpToDateTakesNoLock(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	url := pgtest.NewDatabase(t)
	holder, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close(context.Background())
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLockKey)); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wait, stop := context.WithTimeout(ctx, 20*time.Second)
	defer stop()
	names, err := db.Migrate(wait)
	if err != nil || len(names) != 0 {
		t.Fatalf("Migrate on an up-to-date schema with the lock held elsewhere: %v, %v; want nothing applied and no wait", names, err)
	}
}
