package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// serviceRole creates a login role of a unique name (roles are the cluster's, shared by every test database)
// and returns its name and the URL of dbURL's database as that role. The role, and whatever privileges and
// large objects it holds in that database, go when t ends.
func serviceRole(t *testing.T, dbURL string) (role, roleURL string) {
	t.Helper()
	ctx := context.Background()
	role = fmt.Sprintf("lr_test_svc_%d_%d", os.Getpid(), time.Now().UnixNano())
	secret := make([]byte, 16)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	password := hex.EncodeToString(secret)
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	id := pgx.Identifier{role}.Sanitize()
	// NOINHERIT and no membership: the role holds what Grant gives it and nothing else.
	if _, err := conn.Exec(ctx, `CREATE ROLE `+id+` LOGIN NOINHERIT PASSWORD '`+password+`'`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, dbURL)
		if err != nil {
			t.Errorf("drop role %s: %v", role, err)
			return
		}
		defer c.Close(ctx)
		// The role's sessions first (a pool of the test may still hold one), then what it owns and was
		// granted in this database (the only one it was granted anything in), then the role.
		if _, err := c.Exec(ctx, `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = $1`, role); err != nil {
			t.Errorf("end %s's sessions: %v", role, err)
		}
		for _, q := range []string{`DROP OWNED BY ` + id, `DROP ROLE ` + id} {
			if _, err := c.Exec(ctx, q); err != nil {
				t.Errorf("%s: %v", q, err)
			}
		}
	})
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(role, password)
	return role, u.String()
}

// privileges lists what role holds on the tables, sequences, functions and large objects of db, one line each.
func privileges(t *testing.T, db *postgres.DB, role string) []string {
	t.Helper()
	rows, _ := db.Pool.Query(context.Background(), `
SELECT c.relname || ' ' || a.privilege_type FROM pg_class c, aclexplode(c.relacl) a, pg_roles r
WHERE r.rolname = $1 AND a.grantee = r.oid AND c.relnamespace = 'public'::regnamespace
UNION ALL
SELECT p.proname || ' ' || a.privilege_type FROM pg_proc p, aclexplode(p.proacl) a, pg_roles r
WHERE r.rolname = $1 AND a.grantee = r.oid AND p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'large object ' || m.oid || ' ' || a.privilege_type FROM pg_largeobject_metadata m, aclexplode(m.lomacl) a, pg_roles r
WHERE r.rolname = $1 AND a.grantee = r.oid
ORDER BY 1`, role)
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// TestGrantServiceRole checks the service's role as Grant leaves it: it cannot UPDATE, DELETE or TRUNCATE the
// audit trail, nor drop or disable its triggers, nor drop or alter its table, nor create objects; it can
// append to the audit trail, and the registry works through the services as that role: hazard areas and land
// releases, saved mappings, users, tokens and sessions, uploads submitted and approved (large objects, temporary tables, COPY
// into the unlogged staging table), one of them stored by the owner; reports (exported snapshots) and the
// change feed (LISTEN). Grant is idempotent, refuses roles that could undo it, and lists every table.
func TestGrantServiceRole(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.NewDatabase(t)
	owner, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(owner.Close)
	role, roleURL := serviceRole(t, dbURL)

	// Refused: an unknown role, the owner itself.
	if _, err := owner.Grant(ctx, role+"_missing"); err == nil {
		t.Error("granted to a role that does not exist")
	}
	var me string
	if err := owner.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&me); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Grant(ctx, me); err == nil {
		t.Error("granted to the owner")
	}

	// Refused: a role owning a table of the registry.
	if _, err := owner.Pool.Exec(ctx, `ALTER TABLE workplan_target OWNER TO `+pgx.Identifier{role}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Grant(ctx, role); err == nil {
		t.Error("granted to a role owning a table")
	}
	if _, err := owner.Pool.Exec(ctx, `ALTER TABLE workplan_target OWNER TO CURRENT_USER`); err != nil {
		t.Fatal(err)
	}

	// An upload stored by the owner before the grant (landrelease import run as the owner): its body is a
	// large object of the owner's, which the service must be able to read to approve it.
	ownerUploads := postgres.NewUploadService(owner, geojson.Reader{})
	dm := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "dm", Role: landrelease.RoleDataManager})
	byOwner, _, err := ownerUploads.Submit(dm, body(t, geojson.HazardInputFeature(hazard("G-OWNER", square(103.30, 19.40, 103.31, 19.41), "2020-01-01"))), landrelease.UploadSource{}, "")
	if err != nil {
		t.Fatal(err)
	}

	rep, err := owner.Grant(ctx, role)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unlisted) > 0 {
		t.Errorf("tables missing from postgres.ServiceTablePrivileges (decide what the service may do on them): %v", rep.Unlisted)
	}
	if rep.Tables != len(postgres.ServiceTablePrivileges()) || rep.UploadBodies != 1 || rep.Sequences == 0 || rep.Functions == 0 || len(rep.Warnings) > 0 {
		t.Errorf("grant: %+v", rep)
	}
	first := privileges(t, owner, role)
	for _, p := range []string{"audit_log SELECT", "audit_log INSERT"} {
		if !slices.Contains(first, p) {
			t.Errorf("no %s: %v", p, first)
		}
	}
	for _, p := range []string{"audit_log UPDATE", "audit_log DELETE", "audit_log TRUNCATE", "audit_log TRIGGER"} {
		if slices.Contains(first, p) {
			t.Errorf("granted %s", p)
		}
	}
	// Idempotent, and it takes back what it did not give.
	if _, err := owner.Pool.Exec(ctx, `GRANT ALL ON audit_log, hazard_area TO `+pgx.Identifier{role}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Grant(ctx, role); err != nil {
		t.Fatal(err)
	}
	if again := privileges(t, owner, role); !slices.Equal(again, first) {
		t.Errorf("a second grant changed the privileges:\n%v\nthen\n%v", first, again)
	}

	svc, err := postgres.Open(ctx, roleURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)

	// The service appends to the audit trail.
	if _, err := svc.Pool.Exec(ctx, `INSERT INTO audit_log (actor, action, entity, local_id) VALUES ('test', 'check', 'audit_log', 'grant')`); err != nil {
		t.Fatalf("insert into audit_log as the service: %v", err)
	}
	var entries int
	if err := svc.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&entries); err != nil {
		t.Fatal(err)
	}

	// ... and can neither change it nor lift its protection.
	for _, q := range []string{
		`UPDATE audit_log SET actor = 'someone else'`,
		`DELETE FROM audit_log`,
		`TRUNCATE audit_log`,
		`DROP TRIGGER audit_log_no_update ON audit_log`,
		`DROP TRIGGER audit_log_no_truncate ON audit_log`,
		`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`,
		`ALTER TABLE audit_log DISABLE TRIGGER ALL`,
		`ALTER TABLE audit_log RENAME TO audit_log_old`,
		`ALTER TABLE audit_log OWNER TO CURRENT_USER`,
		`DROP TABLE audit_log`,
		`DROP TABLE audit_log CASCADE`,
		`DROP FUNCTION audit_log_append_only() CASCADE`,
		`CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`,
		`CREATE TRIGGER audit_log_sneak BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
		`SET session_replication_role = replica`,
		`CREATE TABLE audit_log_copy (id bigint)`,
		`CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE sql AS 'SELECT NULL::timestamptz'`,
		`DROP TABLE hazard_area_version CASCADE`,
		`TRUNCATE hazard_area, change_log`,
		`DELETE FROM change_log`,
	} {
		_, err := svc.Pool.Exec(ctx, q)
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "42501" { // insufficient_privilege
			t.Errorf("%s as the service: %v, want permission denied (42501)", q, err)
		}
	}
	// A grant by a role without the grant option grants nothing (a warning).
	if _, err := svc.Pool.Exec(ctx, `GRANT UPDATE, DELETE, TRUNCATE ON audit_log TO CURRENT_USER`); err != nil {
		t.Logf("GRANT as the service: %v", err)
	}
	var may bool
	if err := svc.Pool.QueryRow(ctx, `SELECT has_table_privilege('audit_log', 'UPDATE') OR has_table_privilege('audit_log', 'DELETE') OR has_table_privilege('audit_log', 'TRUNCATE')`).Scan(&may); err != nil || may {
		t.Errorf("the service granted itself UPDATE, DELETE or TRUNCATE on audit_log: %v %v", may, err)
	}
	var after int
	if err := owner.Pool.QueryRow(ctx, `SELECT count(*) FROM audit_log`).Scan(&after); err != nil || after != entries {
		t.Errorf("audit_log: %d entries, then %d (%v)", entries, after, err)
	}
	var triggers int
	if err := owner.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass AND tgenabled = 'O'`).Scan(&triggers); err != nil || triggers != 2 {
		t.Errorf("audit_log: %d enabled triggers, want 2 (%v)", triggers, err)
	}

	// The registry, through the services, as the service's role.
	r := &registry{
		db:       svc,
		hazards:  postgres.NewHazardAreaService(svc),
		releases: postgres.NewLandReleaseService(svc),
		admin:    postgres.NewAdminUnitService(svc),
		ctx:      dm,
	}
	r.importLaos(t)
	if err := r.hazards.CreateHazardArea(r.ctx, hazard("G-1", box(103.20, 19.45, 200, 100), "2023-01-01")); err != nil {
		t.Fatalf("create a hazard area as the service: %v", err)
	}
	west, _ := split(box(103.20, 19.45, 200, 100), 0.3)
	if err := r.releases.CreateLandRelease(r.ctx, release("G-1-R1", "G-1", landrelease.MethodCancelled, west, "2024-03-01")); err != nil {
		t.Fatalf("record a land release as the service: %v", err)
	}

	mappings := postgres.NewMappingService(svc)
	team := &landrelease.Mapping{Name: "team", Fields: map[string]string{"ID": "local_id"}}
	if err := mappings.SaveMapping(dm, team); err != nil {
		t.Fatalf("save a mapping as the service: %v", err)
	}
	if err := mappings.SaveMapping(dm, team); err != nil {
		t.Fatalf("replace a mapping as the service: %v", err)
	}
	if err := mappings.DeleteMapping(dm, "team", 2); err != nil {
		t.Fatalf("delete a mapping as the service: %v", err)
	}

	users := postgres.NewUserService(svc)
	adminCtx := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "admin", Role: landrelease.RoleAdministrator})
	token, err := users.CreateToken(adminCtx, "amy", landrelease.RoleDataManager, 0)
	if err != nil {
		t.Fatalf("create a token as the service: %v", err)
	}
	if _, err := users.Authenticate(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := users.SetPassword(adminCtx, "amy", "correct horse battery staple"); err != nil {
		t.Fatal(err)
	}
	sess, err := users.SignIn(ctx, "amy", "correct horse battery staple")
	if err != nil {
		t.Fatalf("sign in as the service: %v", err)
	}
	if err := users.SignOut(ctx, sess.Secret); err != nil {
		t.Fatal(err)
	}

	// A change feed following as the service's role (LISTEN on a connection of its own).
	feed := postgres.NewFeed(svc, roleURL, slog.New(slog.DiscardHandler))
	loaded, w, err := feed.Load(ctx)
	if err != nil || len(loaded) != 1 {
		t.Fatalf("feed load as the service: %d areas, %v", len(loaded), err)
	}
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	seen := make(chan string, 16)
	following := make(chan bool, 16)
	go feed.Run(fctx, w, func(ups []*landrelease.HazardArea, _ []int64) { //nolint:errcheck
		for _, h := range ups {
			seen <- h.LocalID
		}
	}, func(b bool) { following <- b })
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.After(20 * time.Second)
		for !ok() {
			select {
			case <-deadline:
				t.Fatalf("timed out waiting for %s", what)
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	waitFor("the feed to follow", func() bool {
		select {
		case b := <-following:
			return b
		default:
			return false
		}
	})

	// Uploads: one submitted and approved by the service, and the owner's, approved by the service.
	uploads := postgres.NewUploadService(svc, geojson.Reader{})
	up, _, err := uploads.Submit(dm, body(t,
		geojson.HazardInputFeature(hazard("G-2", square(103.40, 19.40, 103.41, 19.41), "2021-01-01")),
		geojson.HazardInputFeature(hazard("G-3", square(103.42, 19.40, 103.43, 19.41), "2021-01-01")),
		geojson.ReleaseInputFeature(release("G-2-R1", "G-2", landrelease.MethodCleared, square(103.40, 19.40, 103.405, 19.41), "2022-05-01")),
	), landrelease.UploadSource{}, "grant-test")
	if err != nil {
		t.Fatalf("submit an upload as the service: %v", err)
	}
	if up.Report.Rejected != 0 {
		t.Fatalf("upload report: %+v", up.Report)
	}
	for _, id := range []int64{up.ID, byOwner.ID} {
		if _, err := uploads.Approve(dm, id, "ok"); err != nil {
			t.Fatalf("approve upload %d as the service: %v", id, err)
		}
	}
	for _, id := range []string{"G-2", "G-3", "G-OWNER"} {
		if _, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{}); err != nil {
			t.Errorf("%s after approval: %v", id, err)
		}
	}
	got := map[string]bool{}
	waitFor("the feed to see the approved areas", func() bool {
		for {
			select {
			case id := <-seen:
				got[id] = true
				continue
			default:
			}
			return got["G-2"] && got["G-3"] && got["G-OWNER"]
		}
	})

	// ANALYZE of a table it does not own is skipped (a warning, not an error): the approval of a large
	// upload runs it.
	if _, err := svc.Pool.Exec(ctx, `ANALYZE hazard_area, hazard_area_version`); err != nil {
		t.Errorf("ANALYZE as the service: %v", err)
	}

	// A report (several connections sharing an exported snapshot).
	reports := postgres.NewReportService(svc)
	a7, err := reports.Article7(ctx, landrelease.Article7Request{From: date("2024-01-01"), To: date("2024-12-31"), Level: 1})
	if err != nil {
		t.Fatalf("article 7 report as the service: %v", err)
	}
	if a7 == nil {
		t.Fatal("no report")
	}

	// What the service did is in the audit trail it cannot change.
	var actions int
	if err := owner.Pool.QueryRow(ctx, `SELECT count(DISTINCT action) FROM audit_log WHERE entity IN ('hazard_area', 'upload')`).Scan(&actions); err != nil || actions < 2 {
		t.Errorf("audit trail: %d kinds of action (%v)", actions, err)
	}
}
