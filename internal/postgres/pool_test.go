package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// smallPool returns a registry on a database of its own whose pool holds at most conns connections.
func smallPool(t *testing.T, conns int) *registry {
	t.Helper()
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", fmt.Sprint(conns))
	u.RawQuery = q.Encode()
	db, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if got := db.Pool.Config().MaxConns; got != int32(conns) {
		t.Fatalf("pool of %d connections, want %d", got, conns)
	}
	return &registry{
		db: db, hazards: postgres.NewHazardAreaService(db), releases: postgres.NewLandReleaseService(db),
		admin: postgres.NewAdminUnitService(db),
		ctx:   landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager}),
	}
}

// TestReportsOnSmallPool checks that a report never holds a connection of the pool while it waits for another:
// 16 distinct reports at once (none answered by the cache) on a pool of 2 all complete, and the pool still
// answers meanwhile. Before, each report held its transaction's connection while it waited for a second one to
// read the releases: two reports took both connections and waited for ever.
func TestReportsOnSmallPool(t *testing.T) {
	r := smallPool(t, 2)
	r.importLaos(t)
	b := box(103.20, 19.45, 200, 100)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("P1", b, "2012-03-01")); err != nil {
		t.Fatal(err)
	}
	west, _ := split(b, 0.5)
	if err := r.releases.CreateLandRelease(r.ctx, release("P1-R1", "P1", landrelease.MethodCancelled, west, "2014-05-01")); err != nil {
		t.Fatal(err)
	}
	reports := postgres.NewReportService(r.db)

	ctx, cancel := context.WithTimeout(r.ctx, 2*time.Minute) // a deadlock ends here, as failures
	defer cancel()
	const n = 16
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, n)
		got   = make([]*landrelease.Article7, n)
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			year := 2010 + i/2
			got[i], errs[i] = reports.Article7(ctx, landrelease.Article7Request{
				From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC), Level: 1 + i%2})
		}()
	}
	began := time.Now()
	close(start)
	// The pool answers other calls while the reports run (as /healthz does).
	pingCtx, pingCancel := context.WithTimeout(ctx, time.Minute)
	if err := r.db.Ping(pingCtx); err != nil {
		t.Errorf("ping while %d reports run: %v", n, err)
	}
	pingCancel()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("report %d (%d, level %d): %v", i, 2010+i/2, 1+i%2, err)
		} else if got[i].From.Year() != 2010+i/2 || got[i].Level != 1+i%2 {
			t.Errorf("report %d: %d, level %d", i, got[i].From.Year(), got[i].Level)
		}
	}
	t.Logf("%d reports on a pool of 2 in %v", n, time.Since(began))
	// The release counts in 2014 only, in the report of that year.
	for i, rep := range got {
		if rep == nil {
			continue
		}
		released := rep.Total.ReleasedM2()
		if want := rep.From.Year() == 2014; (released > 0) != want {
			t.Errorf("report %d (%d): released %d m2", i, rep.From.Year(), released)
		}
	}
}

// TestApproveOnPoolOfOne checks that an approval that reads the upload's body (features other than new hazard
// areas) reads it in its own transaction: on a pool of one connection it completes. Before, it held the
// transaction's connection while it waited for another to read the body.
func TestApproveOnPoolOfOne(t *testing.T) {
	r := smallPool(t, 1)
	r.importLaos(t)
	b := box(103.20, 19.45, 200, 100)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("Q1", b, "2020-03-01")); err != nil {
		t.Fatal(err)
	}
	west, _ := split(b, 0.5)
	uploads := postgres.NewUploadService(r.db, geojson.Reader{})
	up, _, err := uploads.Submit(r.ctx, body(t, geojson.ReleaseInputFeature(release("Q1-R1", "Q1", landrelease.MethodCancelled, west, "2021-03-01"))), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(r.ctx, time.Minute)
	defer cancel()
	if _, err := uploads.Approve(ctx, up.ID, "ok"); err != nil {
		t.Fatalf("approve on a pool of one: %v", err)
	}
	if _, err := r.releases.FindLandRelease(r.ctx, "Q1-R1", landrelease.Temporal{}); err != nil {
		t.Fatalf("approved release: %v", err)
	}
}

// TestStatementTimeout checks Options.StatementTimeout: every connection of the pool has it, a longer statement
// fails with query_canceled (57014), and Migrate runs without it and gives the connection back with it.
func TestStatementTimeout(t *testing.T) {
	ctx := context.Background()
	db, err := postgres.OpenWith(ctx, pgtest.NewDatabase(t), postgres.Options{StatementTimeout: 1500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	show := func() string {
		t.Helper()
		var v string
		if err := db.Pool.QueryRow(ctx, `SHOW statement_timeout`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := show(); v != "1500ms" {
		t.Errorf("statement_timeout %q, want 1500ms", v)
	}
	var pe *pgconn.PgError
	if _, err := db.Pool.Exec(ctx, `SELECT pg_sleep(3)`); !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("a 3 s statement: %v, want 57014", err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if v := show(); v != "1500ms" {
		t.Errorf("after Migrate: statement_timeout %q, want 1500ms", v)
	}
}

// TestFeedLoadOnBusyPool: the index's load reads on more connections only when they can be had at once. With a
// pool of 2 whose other connection is held by someone who waits for the load, it reads alone and completes;
// before, it held its connection while it waited for the second.
func TestFeedLoadOnBusyPool(t *testing.T) {
	r := smallPool(t, 2)
	for i := range 20 {
		if err := r.hazards.CreateHazardArea(r.ctx, hazard(fmt.Sprintf("FL-%02d", i), box(103.2+float64(i)*0.01, 19.45, 100, 100), "2020-01-01")); err != nil {
			t.Fatal(err)
		}
	}
	held, err := r.db.Pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Release()
	f := postgres.NewFeed(r.db, "", nil)
	f.LoadConnections = 2
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hs, _, err := f.Load(ctx)
	if err != nil || len(hs) != 20 {
		t.Fatalf("load on a busy pool: %d areas, %v", len(hs), err)
	}
}
