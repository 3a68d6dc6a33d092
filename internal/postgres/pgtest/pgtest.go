// Package pgtest gives each test package a PostGIS database of its own, created from a migrated template,
// so that packages run in parallel and never see each other's rows.
package pgtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/migrations"
)

// URL returns the DATABASE_URL the tests run against, skipping t when it is unset.
// Under CI (CI set) a missing DATABASE_URL fails the test instead: make test always provides one.
func URL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("DATABASE_URL")
	if url == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("DATABASE_URL is not set: run the tests with make test")
		}
		t.Skip("DATABASE_URL is not set: run make test to provision PostGIS")
	}
	return url
}

// NewDatabase creates an empty migrated database for t, drops it when t ends, and returns its URL.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(context.Background())

	tmpl, err := template(ctx, conn, base)
	if err != nil {
		t.Fatalf("pgtest: template: %v", err)
	}
	return createDatabase(ctx, t, conn, base, "lr_test", tmpl)
}

// createDatabase creates a database named after prefix, the process and the time from template tmpl on conn,
// drops it when t ends, and returns its URL.
func createDatabase(ctx context.Context, t testing.TB, conn *pgx.Conn, base, prefix, tmpl string) string {
	t.Helper()
	name := fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), time.Now().UnixNano())
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE `+pgx.Identifier{tmpl}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(base, name)
}

// Open is NewDatabase followed by postgres.Open; the pool closes when t ends.
func Open(t testing.TB) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// template returns the name of a database holding the current migrations, creating it once per migration set.
func template(ctx context.Context, conn *pgx.Conn, base string) (string, error) {
	h := sha256.New()
	names, _ := fs.Glob(migrations.FS, "*.sql")
	slices.Sort(names)
	for _, n := range names {
		b, _ := fs.ReadFile(migrations.FS, n)
		h.Write([]byte(n))
		h.Write(b)
	}
	name := "lr_template_" + hex.EncodeToString(h.Sum(nil))[:12]

	// Serialise template creation between test packages running in parallel.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7402918336)`); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock(7402918336)`) //nolint:errcheck

	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1 AND datistemplate)`, name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()+` TEMPLATE template0`); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, withDatabase(base, name))
	if err != nil {
		return "", err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `ALTER DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH IS_TEMPLATE true ALLOW_CONNECTIONS false`); err != nil {
		return "", err
	}
	return name, nil
}

// withDatabase replaces the database name in a postgres:// URL.
func withDatabase(url, name string) string {
	rest, query, _ := strings.Cut(url, "?")
	i := strings.LastIndex(rest, "/")
	if i < len("postgres://") {
		rest += "/"
		i = len(rest) - 1
	}
	u := rest[:i+1] + name
	if query != "" {
		u += "?" + query
	}
	return u
}
