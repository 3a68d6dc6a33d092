package pgtest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// BenchScale is the number of hazard areas the benchmarks load: LANDRELEASE_BENCH_SCALE, default 10000.
func BenchScale(tb testing.TB) int {
	tb.Helper()
	if s := os.Getenv("LANDRELEASE_BENCH_SCALE"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			tb.Fatalf("LANDRELEASE_BENCH_SCALE=%q is not a positive number", s)
		}
		return n
	}
	return 10000
}

// BenchDB returns a database with the 17 provinces and n generated hazard areas (seed 1, today 2025-06-30)
// loaded by BulkLoadQuiet, then VACUUM ANALYZE, and its URL. meanReleases is the generator's mean number of
// releases per area (0: its default, 1.5); below 0, the areas are loaded without their releases, and when n is
// more than the generator can place (about 3 x 10^5), BenchCopyBase of them are loaded and copied in SQL until
// there are n (see benchCopies): the polygons are then the generator's, moved, but the generator's in-memory
// data does not hold them all, so benchmarks that need some of them read them back from the database.
//
// With LANDRELEASE_BENCH_KEEP=PREFIX the database is named PREFIX_<n>_r<releases> (rnone below 0), is not
// dropped at the end, and a later run with the same prefix, scale and releases reuses it (after applying any
// new migration) instead of generating and loading again: at 10^5 that saves several minutes a run. A database
// whose load did not finish is dropped and loaded again. Drop kept databases by hand when done.
func BenchDB(tb testing.TB, n int, meanReleases float64) (*postgres.DB, string) {
	tb.Helper()
	if os.Getenv("DATABASE_URL") == "" {
		tb.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	ctx := context.Background()
	prefix := os.Getenv("LANDRELEASE_BENCH_KEEP")
	var db *postgres.DB
	var url, name string
	if prefix == "" {
		url = NewDatabase(tb)
		var err error
		if db, err = postgres.Open(ctx, url); err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(db.Close)
	} else {
		rel := strconv.FormatFloat(meanReleases, 'f', -1, 64)
		if meanReleases < 0 {
			rel = "none"
		}
		name = fmt.Sprintf("%s_%d_r%s", prefix, n, rel)
		var loaded bool
		db, url, loaded = keptDB(tb, name)
		if loaded {
			tb.Logf("reusing database %s (LANDRELEASE_BENCH_KEEP)", name)
			return db, url
		}
	}
	units := ImportLaoProvinces(tb, db)
	start := time.Now()
	opt := demo.Options{Hazards: n, Seed: 1, MeanReleases: max(meanReleases, 0),
		Today: time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)}
	var hs []*landrelease.HazardArea
	var rs []*landrelease.LandRelease
	if meanReleases < 0 {
		hs = benchHazards(tb, units, opt)
	} else {
		data, err := demo.Generate(units, opt)
		if err != nil {
			tb.Fatal(err)
		}
		hs, rs = data.Hazards, data.Releases
	}
	gen := time.Since(start)
	start = time.Now()
	if err := BulkLoadQuiet(ctx, db, hs, rs); err != nil {
		tb.Fatal(err)
	}
	if meanReleases < 0 && len(hs) < n {
		benchCopies(tb, db, n)
	}
	load := time.Since(start)
	if _, err := db.Pool.Exec(ctx, `VACUUM ANALYZE`); err != nil {
		tb.Fatal(err)
	}
	tb.Logf("%d hazards (%d generated), %d releases: generated in %v, BulkLoad (and copies) %v, vacuum analyze %v",
		n, len(hs), len(rs), gen, load, time.Since(start)-load)
	if name != "" {
		admin, err := pgx.Connect(ctx, os.Getenv("DATABASE_URL"))
		if err != nil {
			tb.Fatal(err)
		}
		defer admin.Close(ctx)
		if _, err := admin.Exec(ctx, `COMMENT ON DATABASE `+pgx.Identifier{name}.Sanitize()+` IS '`+benchLoaded+`'`); err != nil {
			tb.Fatal(err)
		}
	}
	return db, url
}

// BenchCopyBase is the number of areas the generator places when asked for more than it can place in the 17
// provinces (about 3 x 10^5) without releases; BenchDB then copies them in SQL (benchCopies).
const BenchCopyBase = 100_000

// benchHazards returns opt.Hazards generated areas without their releases, or BenchCopyBase of them when
// opt.Hazards is more than the generator can place.
func benchHazards(tb testing.TB, units []*landrelease.AdminUnit, opt demo.Options) []*landrelease.HazardArea {
	if opt.Hazards > 3*BenchCopyBase {
		opt.Hazards = BenchCopyBase
	}
	hs := make([]*landrelease.HazardArea, 0, opt.Hazards)
	err := demo.Stream(units, opt, func(h *landrelease.HazardArea, _ []*landrelease.LandRelease, _ *demo.Reclassification) error {
		hs = append(hs, h)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return hs
}

// Copies of the loaded areas (one version each, no releases): copy $1 of the areas with ids up to $2, the first
// $3 of them, renamed LOCALID-$1 and moved $1 x 0.001 degrees (about 100 m) east, with the same admin units.
const (
	benchCopyHeadsSQL = `
INSERT INTO hazard_area (local_id, version, remaining_geom, remaining_area_m2)
SELECT h.local_id || '-' || $1::int, h.version, ST_Translate(h.remaining_geom, $1::int * 0.001, 0), h.remaining_area_m2
FROM hazard_area h WHERE h.id <= $2 ORDER BY h.id LIMIT $3`
	benchCopyVersionsSQL = `
INSERT INTO hazard_area_version (hazard_id, version, valid_from, recorded_at, superseded_at, is_current, recorded_by,
	reason, withdrawn, kind, contamination, evidence_type, evidence_category, devices, marking, priority, land_use,
	identified_on, organisation, status, status_reason, releases_since, notes, geom, area_m2, admin1_id, admin2_id)
SELECT c.id, v.version, v.valid_from, v.recorded_at, v.superseded_at, v.is_current, v.recorded_by,
	v.reason, v.withdrawn, v.kind, v.contamination, v.evidence_type, v.evidence_category, v.devices, v.marking,
	v.priority, v.land_use, v.identified_on, v.organisation, v.status, v.status_reason, v.releases_since, v.notes,
	ST_Translate(v.geom, $1::int * 0.001, 0), v.area_m2, v.admin1_id, v.admin2_id
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
JOIN hazard_area c ON c.local_id = h.local_id || '-' || $1::int
WHERE h.id <= $2`
)

// benchCopies copies the areas loaded in db until there are n, the triggers off as in BulkLoadQuiet: the
// polygons and their 20 to 200 vertices are the generator's; only their number is not.
func benchCopies(tb testing.TB, db *postgres.DB, n int) {
	ctx := context.Background()
	var base int64
	var have int
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0), count(*) FROM hazard_area`).Scan(&base, &have); err != nil {
		tb.Fatal(err)
	}
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Release()
	per := have
	for k := 1; have < n; k++ {
		count := min(per, n-have)
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SET LOCAL session_replication_role = replica`); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, benchCopyHeadsSQL, k, base, count); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, benchCopyVersionsSQL, k, base)
			return err
		})
		if err != nil {
			tb.Fatalf("copy %d: %v", k, err)
		}
		have += count
	}
}

// benchLoaded marks, as its comment, a kept benchmark database whose load finished.
const benchLoaded = "landrelease benchmark data: loaded"

// keptDB opens the database name on the server of DATABASE_URL, creating and migrating it when it does not exist
// or its load did not finish; loaded reports whether it holds a finished load. The pool closes when tb ends;
// the database stays.
func keptDB(tb testing.TB, name string) (db *postgres.DB, url string, loaded bool) {
	tb.Helper()
	ctx := context.Background()
	base := os.Getenv("DATABASE_URL")
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close(ctx)
	var comment *string
	err = admin.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
	switch {
	case err == pgx.ErrNoRows:
	case err != nil:
		tb.Fatal(err)
	case comment != nil && *comment == benchLoaded:
		loaded = true
	default:
		if _, err := admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			tb.Fatal(err)
		}
		err = pgx.ErrNoRows
	}
	if err == pgx.ErrNoRows {
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			tb.Fatal(err)
		}
	}
	url = withDatabase(base, name)
	db, err = postgres.Open(ctx, url)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(db.Close)
	applied, err := db.Migrate(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if loaded && len(applied) > 0 {
		tb.Logf("applied %v to %s", applied, name)
		if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
			tb.Fatal(err)
		}
	}
	return db, url, loaded
}
