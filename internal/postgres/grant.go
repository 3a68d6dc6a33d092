package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// ServiceTablePrivileges returns the privileges the service's role holds on each table of the registry, read from
// the code (internal/postgres): what it reads, inserts, updates (UPDATE, INSERT ... ON CONFLICT DO UPDATE,
// SELECT ... FOR UPDATE) and deletes. No TRUNCATE, REFERENCES or TRIGGER anywhere; audit_log and change_log
// are only appended to; schema_migrations is only read (serve and demo load check that the schema is up to
// date). A table of the schema missing here gets DefaultTablePrivileges (a test fails until it is listed).
func ServiceTablePrivileges() map[string][]string {
	return map[string][]string{
		"admin_unit":             {"SELECT", "INSERT", "UPDATE"},
		"api_token":              {"SELECT", "INSERT", "UPDATE"},
		"app_user":               {"SELECT", "INSERT", "UPDATE"},
		"article4_deadline":      {"SELECT", "INSERT"},
		"audit_log":              {"SELECT", "INSERT"},
		"change_log":             {"SELECT", "INSERT"},
		"completion":             {"SELECT", "INSERT", "UPDATE"}, // UPDATE: superseded_at, and LOCK TABLE of a declaration
		"extension_request_text": {"SELECT", "INSERT", "UPDATE"},
		"hazard_area":            {"SELECT", "INSERT", "UPDATE"},
		"hazard_area_version":    {"SELECT", "INSERT", "UPDATE"},
		"land_release":           {"SELECT", "INSERT", "UPDATE"},
		"land_release_version":   {"SELECT", "INSERT", "UPDATE"},
		"schema_migrations":      {"SELECT"},
		"setting":                {"SELECT", "INSERT", "UPDATE"},
		"upload":                 {"SELECT", "INSERT", "UPDATE"},
		"upload_incoming":        {"SELECT", "INSERT", "DELETE"},
		"upload_mapping":         {"SELECT", "INSERT", "UPDATE", "DELETE"},
		"upload_staged_hazard":   {"SELECT", "INSERT", "DELETE"},
		"user_session":           {"SELECT", "INSERT", "UPDATE"},
		"workplan_mix":           {"SELECT", "INSERT", "UPDATE"},
		"workplan_productivity":  {"SELECT", "INSERT", "UPDATE"},
		"workplan_target":        {"SELECT", "INSERT", "UPDATE"},
	}
}

// DefaultTablePrivileges returns the privileges granted on a table ServiceTablePrivileges does not list.
func DefaultTablePrivileges() []string { return []string{"SELECT", "INSERT", "UPDATE", "DELETE"} }

// GrantReport says what Grant granted.
type GrantReport struct {
	Schema       string
	Tables       int      // tables granted on (extension tables such as spatial_ref_sys left as they are)
	Unlisted     []string // tables not in ServiceTablePrivileges, given DefaultTablePrivileges
	Sequences    int
	Functions    int
	UploadBodies int // large objects of other owners (upload bodies stored by the owner) made readable
	Warnings     []string
}

const (
	// grantRoleSQL describes role $1: whether it exists, is a superuser, and which objects of the database and
	// schema $2 it owns or may act as the owner of (it is a member of their owner's role).
	grantRoleSQL = `
SELECT r.rolsuper,
  array(
    SELECT 'database ' || d.datname FROM pg_database d
      WHERE d.datname = current_database() AND pg_has_role(r.oid, d.datdba, 'MEMBER')
    UNION ALL
    SELECT 'schema ' || n.nspname FROM pg_namespace n
      WHERE n.nspname = $2 AND pg_has_role(r.oid, n.nspowner, 'MEMBER')
    UNION ALL
    (SELECT 'relation ' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $2 AND pg_has_role(r.oid, c.relowner, 'MEMBER') ORDER BY c.relname LIMIT 5)
    UNION ALL
    (SELECT 'function ' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $2 AND pg_has_role(r.oid, p.proowner, 'MEMBER') ORDER BY p.proname LIMIT 5))
FROM pg_roles r WHERE r.rolname = $1`

	// grantObjectsSQL lists the tables, views, sequences and routines of schema $1 that no extension owns: kind
	// (table, view, sequence, function, procedure), name, and for routines their identity arguments as the
	// server prints them.
	grantObjectsSQL = `
SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' WHEN c.relkind = 'S' THEN 'sequence' ELSE 'view' END, c.relname, ''
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
UNION ALL
SELECT CASE WHEN p.prokind = 'p' THEN 'procedure' ELSE 'function' END, p.proname, pg_get_function_identity_arguments(p.oid)
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = $1
  AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1, 2, 3`

	// grantBodiesSQL lists the large objects (upload bodies) that role $1 neither owns nor may read.
	grantBodiesSQL = `
SELECT m.oid FROM pg_largeobject_metadata m
WHERE NOT pg_has_role($1::name, m.lomowner, 'MEMBER')
  AND NOT EXISTS (SELECT FROM aclexplode(m.lomacl) a JOIN pg_roles r ON r.oid = a.grantee
                  WHERE r.rolname = $1::name AND a.privilege_type = 'SELECT')
ORDER BY m.oid`

	// grantCheckSQL tells what role $1 may still do that it must not, once granted.
	grantCheckSQL = `
SELECT array_remove(ARRAY[
  CASE WHEN has_table_privilege($1::name, to_regclass(quote_ident($2) || '.audit_log'), 'UPDATE') THEN 'UPDATE audit_log' END,
  CASE WHEN has_table_privilege($1::name, to_regclass(quote_ident($2) || '.audit_log'), 'DELETE') THEN 'DELETE audit_log' END,
  CASE WHEN has_table_privilege($1::name, to_regclass(quote_ident($2) || '.audit_log'), 'TRUNCATE') THEN 'TRUNCATE audit_log' END,
  CASE WHEN has_table_privilege($1::name, to_regclass(quote_ident($2) || '.audit_log'), 'TRIGGER') THEN 'CREATE TRIGGER ON audit_log' END
], NULL), has_schema_privilege($1::name, $2::text, 'CREATE')`
)

// Grant gives role, the role the service runs as, exactly the privileges the service needs on the registry in
// the database and schema db is connected to (the schema migrations write to: current_schema()), and no more:
// privileges it held beyond them on the schema's tables and sequences are revoked. db must be connected as the
// owner of the registry (the role that ran migrate). Grant is idempotent; run it after every migrate.
//
// role must own nothing there (neither the database, the schema, nor any table or function, nor be a member of
// a role that does) and must not be a superuser: an owner can drop the audit trail's triggers. It gets:
//
//   - CONNECT and TEMPORARY on the database (uploads stage rows in temporary tables);
//   - USAGE on the schema, and not CREATE;
//   - on each table, ServiceTablePrivileges: only SELECT and INSERT on audit_log;
//   - USAGE and SELECT on the sequences (nextval, currval; not setval);
//   - EXECUTE on the registry's functions;
//   - SELECT on the large objects it does not own: upload bodies stored by another role (the owner running
//     `landrelease import`). The bodies it stores are its own.
//
// Extension objects (PostGIS's spatial_ref_sys, geometry_columns, functions) are left as the extension made
// them: readable and executable by everyone. LISTEN, NOTIFY, pg_export_snapshot and advisory locks need no
// privilege.
func (db *DB) Grant(ctx context.Context, role string) (*GrantReport, error) {
	if role == "" {
		return nil, fmt.Errorf("grant: no role named")
	}
	rep := &GrantReport{}
	err := pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error {
		var schema, database, me string
		if err := tx.QueryRow(ctx, `SELECT current_schema(), current_database(), current_user`).Scan(&schema, &database, &me); err != nil {
			return err
		}
		rep.Schema = schema
		var migrated bool
		if err := tx.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&migrated); err != nil {
			return err
		} else if !migrated {
			return fmt.Errorf("the database holds no registry in schema %s: run landrelease migrate first", schema)
		}
		var super bool
		var owns []string
		switch err := tx.QueryRow(ctx, grantRoleSQL, role, schema).Scan(&super, &owns); {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("role %q does not exist: create it first (CREATE ROLE %s LOGIN PASSWORD '...')", role, pgx.Identifier{role}.Sanitize())
		case err != nil:
			return err
		case role == me:
			return fmt.Errorf("role %q is the role granting (the owner's): the service must run as another role", role)
		case super:
			return fmt.Errorf("role %q is a superuser: it could drop the audit trail's triggers; the service must run as an ordinary role", role)
		case len(owns) > 0:
			return fmt.Errorf("role %q owns, or is a member of the owner of, %s: it could alter them (drop the audit trail's triggers); the registry must be owned by another role (REASSIGN OWNED)", role, strings.Join(owns, ", "))
		}

		id := pgx.Identifier{role}.Sanitize()
		sch := pgx.Identifier{schema}.Sanitize()
		stmts := []string{
			`GRANT CONNECT, TEMPORARY ON DATABASE ` + pgx.Identifier{database}.Sanitize() + ` TO ` + id,
			`GRANT USAGE ON SCHEMA ` + sch + ` TO ` + id,
			`REVOKE CREATE ON SCHEMA ` + sch + ` FROM ` + id,
		}
		rows, _ := tx.Query(ctx, grantObjectsSQL, schema)
		type object struct{ kind, name, args string }
		objects, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (object, error) {
			var o object
			err := r.Scan(&o.kind, &o.name, &o.args)
			return o, err
		})
		if err != nil {
			return fmt.Errorf("list the schema's objects: %w", err)
		}
		privileges := ServiceTablePrivileges()
		for _, o := range objects {
			name := pgx.Identifier{schema, o.name}.Sanitize()
			switch o.kind {
			case "table", "view": // views, materialized views and foreign tables too
				privs, ok := privileges[o.name]
				switch {
				case !ok && o.kind == "view":
					privs = []string{"SELECT"}
				case !ok:
					privs = DefaultTablePrivileges()
					rep.Unlisted = append(rep.Unlisted, o.name)
				}
				stmts = append(stmts, `REVOKE ALL ON TABLE `+name+` FROM `+id,
					`GRANT `+strings.Join(privs, ", ")+` ON TABLE `+name+` TO `+id)
				rep.Tables++
			case "sequence":
				stmts = append(stmts, `REVOKE ALL ON SEQUENCE `+name+` FROM `+id,
					`GRANT USAGE, SELECT ON SEQUENCE `+name+` TO `+id)
				rep.Sequences++
			case "function", "procedure":
				// The arguments are the server's own rendering of the routine's signature (quoted as needed).
				stmts = append(stmts, `GRANT EXECUTE ON `+strings.ToUpper(o.kind)+` `+name+`(`+o.args+`) TO `+id)
				rep.Functions++
			}
		}
		rows, _ = tx.Query(ctx, grantBodiesSQL, role)
		bodies, err := pgx.CollectRows(rows, pgx.RowTo[uint32])
		if err != nil {
			return fmt.Errorf("list the upload bodies: %w", err)
		}
		for _, oid := range bodies {
			stmts = append(stmts, `GRANT SELECT ON LARGE OBJECT `+strconv.FormatUint(uint64(oid), 10)+` TO `+id)
		}
		rep.UploadBodies = len(bodies)

		b := &pgx.Batch{}
		for _, s := range stmts {
			b.Queue(s)
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}

		var forbidden []string
		var create bool
		if err := tx.QueryRow(ctx, grantCheckSQL, role, schema).Scan(&forbidden, &create); err != nil {
			return err
		}
		if len(forbidden) > 0 {
			return fmt.Errorf("role %q may still %s (granted to PUBLIC, or to a role it is a member of): revoke that first", role, strings.Join(forbidden, ", "))
		}
		if create {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("role %q may create objects in schema %s (CREATE granted to PUBLIC, as before PostgreSQL 15, or to a role it is a member of): REVOKE CREATE ON SCHEMA %s FROM PUBLIC", role, schema, sch))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("grant %s: %w", role, err)
	}
	slices.Sort(rep.Unlisted)
	if len(rep.Unlisted) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("tables not in ServiceTablePrivileges, given %s: %s", strings.Join(DefaultTablePrivileges(), ", "), strings.Join(rep.Unlisted, ", ")))
	}
	return rep, nil
}
