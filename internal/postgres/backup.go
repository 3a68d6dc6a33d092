package postgres

import (
	"context"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/migrations"
)

// Migrations returns the names of the migrations this build knows (migrations.FS), in the order Migrate
// applies them. The last one is the schema version of a database this build has migrated.
func Migrations() ([]string, error) {
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	slices.Sort(names)
	return names, nil
}

const (
	// restoreOccupantsSQL lists what a restore would collide with in the database: the tables, views, sequences
	// and routines of every schema but the system's that no extension owns (PostGIS's, created by a DBA before
	// the restore, are welcome), as "kind schema.name", at most 6 (tables first), and how many there are in all;
	// the number of large objects; the database's name.
	restoreOccupantsSQL = `
WITH o AS (
  SELECT CASE WHEN c.relkind IN ('r', 'p') THEN 'table' WHEN c.relkind = 'S' THEN 'sequence' ELSE 'view' END
         || ' ' || n.nspname || '.' || c.relname AS what
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm', 'f')
    AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION ALL
  SELECT 'function ' || n.nspname || '.' || p.proname
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
)
SELECT ARRAY(SELECT what FROM o ORDER BY what NOT LIKE 'table %', what LIMIT 6), (SELECT count(*) FROM o),
       (SELECT count(*) FROM pg_largeobject_metadata), current_database()`

	// restoreExtensionSQL creates extension $1 unless it exists (then it needs no privilege). CREATE EXTENSION
	// takes no parameters: the name is quoted by the caller.
	restoreExtensionSQL = `CREATE EXTENSION IF NOT EXISTS %s`
)

// CheckRestoreTarget returns nil if the database db is connected to is empty enough to restore a backup into:
// no table, view, sequence or function outside the system's schemas but an extension's (PostGIS created by a
// DBA beforehand), and no large object. Otherwise its error names what is there.
func (db *DB) CheckRestoreTarget(ctx context.Context) error {
	var some []string
	var objects, largeObjects int64
	var name string
	if err := db.Pool.QueryRow(ctx, restoreOccupantsSQL).Scan(&some, &objects, &largeObjects, &name); err != nil {
		return fmt.Errorf("restore: inspect the target database: %w", err)
	}
	if objects == 0 && largeObjects == 0 {
		return nil
	}
	var held []string
	if objects > 0 {
		list := strings.Join(some[:min(len(some), 5)], ", ")
		if objects > 5 {
			list += fmt.Sprintf(" and %d more", objects-5)
		}
		held = append(held, fmt.Sprintf("%d objects (%s)", objects, list))
	}
	if largeObjects > 0 {
		held = append(held, fmt.Sprintf("%d large objects", largeObjects))
	}
	return fmt.Errorf("restore: database %s is not empty: it holds %s; restore only into a new, empty database (CREATE DATABASE ... OWNER ...; CREATE EXTENSION postgis), never over a registry",
		name, strings.Join(held, " and "))
}

// CreateExtension creates the extension named name unless it exists, for a restore: an extension a DBA created
// beforehand needs no privilege; creating PostGIS needs a superuser.
func (db *DB) CreateExtension(ctx context.Context, name string) error {
	if _, err := db.Pool.Exec(ctx, fmt.Sprintf(restoreExtensionSQL, pgx.Identifier{name}.Sanitize())); err != nil {
		return fmt.Errorf("create extension %s: %w (a superuser creates it: CREATE EXTENSION %s)", name, err, name)
	}
	return nil
}
