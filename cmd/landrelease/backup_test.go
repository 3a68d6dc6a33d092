package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
	"github.com/landrelease/landrelease/migrations"
)

// cliAt runs a command in process against the database at dbURL and returns its standard output and error
// output together.
func cliAt(dbURL string, args ...string) (string, error) {
	var out bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "LANDRELEASE_PASSWORD": "correct horse battery"}[k]
	}
	err := run(context.Background(), args, getenv, &out, &out)
	return out.String(), err
}

// getRaw returns the body of a successful GET with token.
func (a *app) getRaw(path, token string) []byte {
	a.t.Helper()
	status, b := a.fetch(path, token)
	if status != http.StatusOK {
		a.t.Fatalf("GET %s: %d %s", path, status, b)
	}
	return b
}

// TestBackupRestore backs up a loaded registry (the demo's history, settings, deadlines and targets; users with
// tokens and a password; uploads approved and pending, with their bodies) while a reader queries the service,
// restores the backup into a new, empty database and checks that the restored registry is the same: every
// table row for row, every Form F table of every year as recorded just before the backup, every hazard area's
// and land release's history, every upload body byte for byte as sent, and a service started on it that
// accepts the old tokens and password (not the revoked token) and new writes.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.NewDatabase(t)
	if out, err := cliAt(srcURL, "demo", "load", "--hazards", "60", "--admin", "../../testdata/admin1-LA.geojson"); err != nil {
		t.Fatalf("demo load: %v\n%s", err, out)
	}
	if out, err := cliAt(srcURL, "setting", "set", "public_read", "true"); err != nil {
		t.Fatalf("setting set: %v\n%s", err, out)
	}
	a := startOn(t, srcURL)
	field := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	revoked := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))
	var revokedID int64
	if err := mustConnect(t, srcURL).QueryRow(ctx, `SELECT t.id FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE u.name = 'officer'`).Scan(&revokedID); err != nil {
		t.Fatal(err)
	}
	a.cli("token", "revoke", fmt.Sprint(revokedID))
	if out, err := cliAt(srcURL, "password", "set", "--user", "manager"); err != nil {
		t.Fatalf("password set: %v\n%s", err, out)
	}

	// Uploads: bodies as a field team sends them (indented, with a note in Lao), one approved, one pending.
	const w, s = 102.50, 18.00
	bodies := map[int][]byte{}
	submit := func(fc map[string]any) int {
		t.Helper()
		body, err := json.MarshalIndent(fc, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		body = append(body, '\n')
		res := a.do("POST", "/api/v1/uploads", field, nil, string(body))
		if res.status != http.StatusCreated || res.body["status"] != "submitted" {
			t.Fatalf("submit: %d %v", res.status, res.body)
		}
		id := int(res.body["id"].(float64))
		bodies[id] = body
		return id
	}
	h1 := hazardFeature("LA-BK-2024-0001", w, s, w+0.002, s+0.001)
	h1["properties"].(map[string]any)["notes"] = "ພື້ນທີ່ອັນຕະລາຍ, reported by the village chief"
	approved := submit(collection(h1, releaseFeature("LA-BK-2024-0001-R1", "LA-BK-2024-0001", w, s, w+0.001, s+0.001)))
	if res := a.do("POST", fmt.Sprintf("/api/v1/uploads/%d/approve", approved), dm, nil, map[string]string{"comment": "checked"}); res.status != http.StatusOK {
		t.Fatalf("approve: %d %v", res.status, res.body)
	}
	submit(collection(hazardFeature("LA-BK-2024-0002", w+0.01, s, w+0.012, s+0.001)))

	// A reader queries the service, on PostGIS and on the spatial index, until the backup is done.
	var during, failed atomic.Int64
	var backingUp atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			path := "/api/v1/hazard-areas?bbox=100,13,108,23&limit=50"
			if i%2 == 1 {
				path = "/api/v1/hazard-areas?bbox=100,13,108,23&limit=50&at=2020-06-30"
			}
			res, err := http.Get(a.base + path)
			if err == nil {
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			switch {
			case err != nil || res.StatusCode != http.StatusOK:
				failed.Add(1)
			case backingUp.Load():
				during.Add(1)
			}
		}
	}()

	asOf := time.Now()
	time.Sleep(10 * time.Millisecond)
	file := filepath.Join(t.TempDir(), "landrelease.backup")
	backingUp.Store(true)
	out, err := cliAt(srcURL, "backup", "--out", file)
	backingUp.Store(false)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}
	known, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if want := "schema " + known[len(known)-1] + ", 2 upload bodies"; !strings.Contains(out, want) {
		t.Errorf("backup's output %q does not say %q", out, want)
	}
	if during.Load() == 0 || failed.Load() > 0 {
		t.Errorf("the reader made %d requests during the backup, %d failed: want some, none failed", during.Load(), failed.Load())
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("backup file: %v, mode %v: want readable by its owner only", err, st.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*partial")); len(left) > 0 {
		t.Errorf("backup left %v", left)
	}

	dstURL := pgtest.NewEmptyDatabase(t)
	out, err = cliAt(dstURL, "restore", file)
	if err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if !strings.Contains(out, "restored "+file) || !strings.Contains(out, "landrelease grant") {
		t.Errorf("restore's output: %q", out)
	}

	src, dst := openDB(t, srcURL), openDB(t, dstURL)
	compareTables(t, src, dst)

	// Form F of every year since the entry into force, as recorded just before the backup.
	settings, err := postgres.NewSettingService(src).Settings(ctx)
	if err != nil || settings.EntryIntoForce == nil {
		t.Fatalf("settings: %v %+v", err, settings)
	}
	srcReports, dstReports := postgres.NewReportService(src), postgres.NewReportService(dst)
	withReleases := 0
	for year := settings.EntryIntoForce.Year(); year <= time.Now().Year(); year++ {
		req := landrelease.Article7Request{Level: 1, AsOf: &asOf,
			From: time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)}
		want, err := srcReports.Article7(ctx, req)
		if err != nil {
			t.Fatalf("Form F %d of the registry backed up: %v", year, err)
		}
		got, err := dstReports.Article7(ctx, req)
		if err != nil {
			t.Fatalf("Form F %d of the restored registry: %v", year, err)
		}
		if got.GeneratedAt.IsZero() || want.GeneratedAt.IsZero() {
			t.Errorf("Form F %d: no time of generation", year)
		}
		got.GeneratedAt, want.GeneratedAt = time.Time{}, time.Time{} // when it was computed, not what
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(got)
		if !bytes.Equal(gj, wj) {
			t.Errorf("Form F %d restored:\n%s\nbacked up:\n%s", year, gj, wj)
		}
		if tot := want.Total; tot.CancelledM2+tot.ReducedM2+tot.ClearedM2 > 0 && tot.Closing.SHAAreaM2+tot.Closing.CHAAreaM2 > 0 {
			withReleases++
		}
	}
	if withReleases < 5 {
		t.Errorf("%d years' Form F had releases and open areas: the comparison compared too little", withReleases)
	}

	// Every hazard area's and land release's history.
	var hazards, releases []string
	for q, dst := range map[string]*[]string{`SELECT local_id FROM hazard_area ORDER BY 1`: &hazards, `SELECT local_id FROM land_release ORDER BY 1`: &releases} {
		rows, _ := src.Pool.Query(ctx, q)
		if *dst, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
			t.Fatal(err)
		}
	}
	if len(hazards) < 60 || len(releases) == 0 {
		t.Fatalf("%d hazard areas and %d releases backed up: the demo loaded fewer than it should", len(hazards), len(releases))
	}
	versions := 0
	for _, id := range hazards {
		want, err := postgres.NewHazardAreaService(src).HazardAreaHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := postgres.NewHazardAreaService(dst).HazardAreaHistory(ctx, id)
		if err != nil {
			t.Fatalf("hazard area %s restored: %v", id, err)
		}
		versions += len(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("hazard area %s: restored history differs", id)
		}
	}
	if versions <= len(hazards) {
		t.Errorf("%d versions of %d hazard areas: no history to compare", versions, len(hazards))
	}
	for _, id := range releases {
		want, err := postgres.NewLandReleaseService(src).LandReleaseHistory(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := postgres.NewLandReleaseService(dst).LandReleaseHistory(ctx, id)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("land release %s: restored history differs (%v)", id, err)
		}
	}

	// A service on the restored registry: the old tokens sign in (not the revoked one), the bodies are as sent,
	// writes go on and reach the spatial index.
	src.Close()
	b := startOn(t, dstURL)
	if res := b.do("GET", "/api/v1/uploads", revoked, nil, nil); res.status != http.StatusUnauthorized {
		t.Errorf("the token revoked before the backup, after the restore: %d", res.status)
	}
	if res := b.do("GET", "/api/v1/uploads", dm, nil, nil); res.status != http.StatusOK {
		t.Errorf("a data manager's token after the restore: %d %v", res.status, res.body)
	}
	if res := b.do("POST", "/api/v1/session", "", map[string]string{"Content-Type": "application/json"},
		map[string]string{"user": "manager", "password": "correct horse battery"}); res.status != http.StatusOK || res.body["role"] != "data_manager" {
		t.Errorf("signing in with the password set before the backup: %d %v", res.status, res.body)
	}
	for id, body := range bodies {
		if got := b.getRaw(fmt.Sprintf("/api/v1/uploads/%d/body", id), field); !bytes.Equal(got, body) {
			t.Errorf("upload %d: restored body is not the body sent (%d bytes, sent %d)", id, len(got), len(body))
		}
	}
	res := b.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w+0.02, s, w+0.022, s+0.001), map[string]any{
		"local_id": "LA-BK-2024-0003", "kind": "SHA", "contamination": "cmr", "evidence": "indirect",
		"evidence_category": "former_combat_zone", "devices": []string{"BLU-26"}, "marking": "marked", "priority": "high",
		"land_use": "agriculture", "identified_on": "2024-03-01", "organisation": "UXO Lao"}))
	if res.status != http.StatusCreated {
		t.Fatalf("create a hazard area on the restored registry: %d %v", res.status, res.body)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if strings.Contains(b.get(fmt.Sprintf("/api/v1/hazard-areas?bbox=%g,%g,%g,%g", w+0.019, s-0.001, w+0.023, s+0.002)), "LA-BK-2024-0003") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the restored service's spatial index never showed the hazard area created on it")
		}
	}
}

// mustConnect connects to url for the test.
func mustConnect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// openDB opens the database at url for the test.
func openDB(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

const (
	// backupTablesSQL lists the tables of the registry (no extension's).
	backupTablesSQL = `
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY 1`
	// backupTableSumSQL counts the rows of a table and hashes them in order: %s is the table's quoted name.
	backupTableSumSQL = `SELECT count(*), coalesce(md5(string_agg(t::text, E'\n' ORDER BY t::text)), '') FROM %s t`
	// backupSequencesSQL lists the sequences of the registry and where they stand.
	backupSequencesSQL = `SELECT coalesce(json_object_agg(sequencename, last_value ORDER BY sequencename), '{}')::text FROM pg_sequences WHERE schemaname = current_schema()`
	// backupLargeObjectsSQL hashes every large object (upload bodies as stored) with its oid, which upload rows name.
	backupLargeObjectsSQL = `SELECT count(*), coalesce(md5(string_agg(oid::text || ':' || md5(lo_get(oid)), ',' ORDER BY oid)), '') FROM pg_largeobject_metadata`
)

// compareTables checks that dst holds the tables, rows, sequences and large objects of src, and that what the
// backup must carry is there to compare: users, tokens, the audit trail, settings, deadlines, targets, uploads.
func compareTables(t *testing.T, src, dst *postgres.DB) {
	t.Helper()
	ctx := context.Background()
	list := func(db *postgres.DB) []string {
		rows, _ := db.Pool.Query(ctx, backupTablesSQL)
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	tables := list(src)
	if got := list(dst); !reflect.DeepEqual(got, tables) {
		t.Fatalf("restored tables %v, backed up %v", got, tables)
	}
	counts := map[string]int64{}
	for _, table := range tables {
		q := fmt.Sprintf(backupTableSumSQL, pgx.Identifier{table}.Sanitize())
		var n, m int64
		var sum, got string
		if err := src.Pool.QueryRow(ctx, q).Scan(&n, &sum); err != nil {
			t.Fatal(err)
		}
		if err := dst.Pool.QueryRow(ctx, q).Scan(&m, &got); err != nil {
			t.Fatal(err)
		}
		counts[table] = n
		if m != n || got != sum {
			t.Errorf("table %s: %d rows restored (md5 %s), %d backed up (md5 %s)", table, m, got, n, sum)
		}
	}
	for _, must := range []string{"app_user", "api_token", "audit_log", "setting", "article4_deadline", "workplan_target", "upload", "hazard_area_version", "land_release_version", "admin_unit", "schema_migrations"} {
		if counts[must] == 0 {
			t.Errorf("table %s was empty when backed up: the test compared none of its rows", must)
		}
	}
	var seqs [2]string
	var los [2]string
	var loCount [2]int64
	for i, db := range []*postgres.DB{src, dst} {
		if err := db.Pool.QueryRow(ctx, backupSequencesSQL).Scan(&seqs[i]); err != nil {
			t.Fatal(err)
		}
		if err := db.Pool.QueryRow(ctx, backupLargeObjectsSQL).Scan(&loCount[i], &los[i]); err != nil {
			t.Fatal(err)
		}
	}
	if seqs[1] != seqs[0] {
		t.Errorf("sequences restored %s, backed up %s", seqs[1], seqs[0])
	}
	if loCount[1] != loCount[0] || los[1] != los[0] || loCount[0] != counts["upload"] {
		t.Errorf("large objects: %d restored (md5 %s), %d backed up (md5 %s), for %d uploads", loCount[1], los[1], loCount[0], los[0], counts["upload"])
	}
}

// migrateUpTo applies the migrations before the last one to the empty database at url, as Migrate would:
// a registry made by the previous version of landrelease.
func migrateUpTo(t *testing.T, url string, names []string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE TABLE schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		body, err := fs.ReadFile(migrations.FS, name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (name) VALUES ($1)`, name); err != nil {
			t.Fatal(err)
		}
	}
}

// TestRestoreRefusesAndMigrates: restore brings a backup of an older schema up to date; it refuses a backup of a
// newer schema (naming both versions), a database that is not empty, and a file that is no backup, each before
// it writes anything; backup refuses a database that holds no registry and leaves no file.
func TestRestoreRefusesAndMigrates(t *testing.T) {
	known, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	last := known[len(known)-1]
	dir := t.TempDir()
	backupOf := func(t *testing.T, url string) string {
		t.Helper()
		file := filepath.Join(dir, fmt.Sprintf("%d.backup", time.Now().UnixNano()))
		if out, err := cliAt(url, "backup", "--out", file); err != nil {
			t.Fatalf("backup: %v\n%s", err, out)
		}
		return file
	}
	exec := func(t testing.TB, url, sql string) {
		t.Helper()
		conn, err := pgx.Connect(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), sql); err != nil {
			t.Fatal(err)
		}
	}

	for _, tc := range []struct {
		name   string
		file   func(t *testing.T) string // the backup to restore
		target func(t testing.TB) string // the database to restore into
		want   []string                  // in restore's error, or in its output when wantErr is false
		wantOK bool
	}{{
		name: "an older schema is migrated",
		file: func(t *testing.T) string {
			url := pgtest.NewEmptyDatabase(t)
			migrateUpTo(t, url, known[:len(known)-1])
			return backupOf(t, url)
		},
		target: pgtest.NewEmptyDatabase,
		want:   []string{"schema " + known[len(known)-2], "applied " + last},
		wantOK: true,
	}, {
		name: "a newer schema is refused",
		file: func(t *testing.T) string {
			url := pgtest.NewDatabase(t)
			exec(t, url, `INSERT INTO schema_migrations (name) VALUES ('9999_from_a_newer_landrelease.sql')`)
			return backupOf(t, url)
		},
		target: pgtest.NewEmptyDatabase,
		want:   []string{"schema version 9999_from_a_newer_landrelease.sql, newer than this landrelease's " + last, "does not know 9999_from_a_newer_landrelease.sql"},
	}, {
		name:   "a registry is not overwritten",
		file:   func(t *testing.T) string { return backupOf(t, pgtest.NewDatabase(t)) },
		target: pgtest.NewDatabase,
		want:   []string{"is not empty", "table public.admin_unit", "restore only into a new, empty database"},
	}, {
		name: "a database with a large object is not empty",
		file: func(t *testing.T) string { return backupOf(t, pgtest.NewDatabase(t)) },
		target: func(t testing.TB) string {
			url := pgtest.NewEmptyDatabase(t)
			exec(t, url, `SELECT lo_from_bytea(0, 'x')`)
			return url
		},
		want: []string{"is not empty", "1 large objects"},
	}, {
		name: "a file that is no backup",
		file: func(t *testing.T) string {
			file := filepath.Join(dir, "notes.txt")
			if err := os.WriteFile(file, []byte("not a backup\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return file
		},
		target: pgtest.NewEmptyDatabase,
		want:   []string{"is not a backup made by landrelease backup"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			file, target := tc.file(t), tc.target(t)
			db := openDB(t, target)
			var before int
			if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_class`).Scan(&before); err != nil {
				t.Fatal(err)
			}
			out, err := cliAt(target, "restore", file)
			if tc.wantOK != (err == nil) {
				t.Fatalf("restore: %v, want error: %v\n%s", err, !tc.wantOK, out)
			}
			if err != nil {
				out = err.Error()
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("restore said %q\nwant it to say %q", out, w)
				}
			}
			if tc.wantOK {
				rows, _ := db.Pool.Query(context.Background(), `SELECT name FROM schema_migrations ORDER BY 1`)
				if got, err := pgx.CollectRows(rows, pgx.RowTo[string]); err != nil || !reflect.DeepEqual(got, known) {
					t.Errorf("migrations after restore: %v %v, want %v", got, err, known)
				}
				return
			}
			var after int
			if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_class`).Scan(&after); err != nil || after != before {
				t.Errorf("a refused restore changed the database: %d relations before, %d after (%v)", before, after, err)
			}
		})
	}

	t.Run("no registry to back up", func(t *testing.T) {
		file := filepath.Join(dir, "empty.backup")
		out, err := cliAt(pgtest.NewEmptyDatabase(t), "backup", "--out", file)
		if err == nil || !strings.Contains(err.Error(), "holds no landrelease registry") {
			t.Errorf("backup of an empty database: %v\n%s", err, out)
		}
		if left, _ := filepath.Glob(filepath.Join(dir, "*empty.backup*")); len(left) > 0 {
			t.Errorf("a failed backup left %v", left)
		}
	})
}

// TestRestoreAsOwner restores as a DBA sets a server up (docs/DEPLOYMENT.md): into a database a superuser made
// for an owner that is no superuser, with PostGIS created beforehand. The restored objects are the owner's, and
// --grant gives the service role the registry and the upload bodies.
func TestRestoreAsOwner(t *testing.T) {
	ctx := context.Background()
	srcURL := pgtest.NewDatabase(t)
	upload, err := json.Marshal(collection(hazardFeature("LA-BK-2024-0101", 102.5, 18.0, 102.502, 18.001)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "upload.geojson"), upload, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := cliAt(srcURL, "import", filepath.Join(dir, "upload.geojson"), "--approve"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "landrelease.backup")
	if out, err := cliAt(srcURL, "backup", "--out", file); err != nil {
		t.Fatalf("backup: %v\n%s", err, out)
	}

	// The DBA's part: two roles, a database of the owner's, PostGIS.
	super := mustConnect(t, pgtest.URL(t))
	suffix := fmt.Sprintf("%d_%d", os.Getpid(), time.Now().UnixNano())
	owner, svc, name := "lr_test_bk_owner_"+suffix, "lr_test_bk_app_"+suffix, "lr_test_bk_"+suffix
	for _, role := range []string{owner, svc} {
		if _, err := super.Exec(ctx, `CREATE ROLE `+pgx.Identifier{role}.Sanitize()+` LOGIN PASSWORD 'restore-test-0123456789'`); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			c, err := pgx.Connect(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(context.Background())
			if _, err := c.Exec(context.Background(), `DROP ROLE `+pgx.Identifier{role}.Sanitize()); err != nil {
				t.Errorf("drop role %s: %v", role, err)
			}
		})
	}
	if _, err := super.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` OWNER `+pgx.Identifier{owner}.Sanitize()+` TEMPLATE template0`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // before the roles are dropped: cleanups run last first
		c, err := pgx.Connect(context.Background(), pgtest.URL(t))
		if err != nil {
			t.Error(err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	// as returns the URL of the new database as role, or as the superuser when role is "".
	as := func(role string) string {
		u, err := url.Parse(pgtest.URL(t))
		if err != nil {
			t.Fatal(err)
		}
		if role != "" {
			u.User = url.UserPassword(role, "restore-test-0123456789")
		}
		u.Path = "/" + name
		return u.String()
	}
	if _, err := mustConnect(t, as("")).Exec(ctx, `CREATE EXTENSION postgis`); err != nil {
		t.Fatal(err)
	}

	out, err := cliAt(as(owner), "restore", "--grant", svc, file)
	if err != nil {
		t.Fatalf("restore as %s: %v\n%s", owner, err, out)
	}
	if !strings.Contains(out, "granted "+svc) {
		t.Errorf("restore --grant said %q", out)
	}
	var tableOwner string
	if err := mustConnect(t, as(owner)).QueryRow(ctx, `SELECT tableowner FROM pg_tables WHERE tablename = 'hazard_area'`).Scan(&tableOwner); err != nil || tableOwner != owner {
		t.Errorf("restored hazard_area belongs to %q (%v), want %s", tableOwner, err, owner)
	}
	var want, got []byte
	var n, m int
	if err := mustConnect(t, srcURL).QueryRow(ctx, `SELECT (SELECT count(*) FROM hazard_area), (SELECT lo_get(body_oid) FROM upload)`).Scan(&n, &want); err != nil {
		t.Fatal(err)
	}
	if err := mustConnect(t, as(svc)).QueryRow(ctx, `SELECT (SELECT count(*) FROM hazard_area), (SELECT lo_get(body_oid) FROM upload)`).Scan(&m, &got); err != nil {
		t.Fatalf("the service role reads the restored registry: %v", err)
	}
	if m != n || n != 1 || !bytes.Equal(got, want) || len(want) == 0 {
		t.Errorf("the service role reads %d hazard areas and a body of %d bytes; backed up: %d and %d bytes", m, len(got), n, len(want))
	}
}
