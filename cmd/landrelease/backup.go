package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/landrelease/landrelease/internal/postgres"
)

// backup writes a backup of the whole database of DATABASE_URL with pg_dump (custom format: one consistent
// snapshot, taken while the service keeps serving; compressed; restorable whole or in part by pg_restore). The
// file appears only once the backup is complete and pg_restore has read it back; until then the previous
// backup of the same name stays. It is readable by its owner only: it holds password and token hashes.
func backup(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "backup", "backup --out FILE   (as the registry's owner; the service keeps serving)")
	out := fs.String("out", "", "the file to write: replaced only by a complete backup that reads back")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("backup: unexpected argument %q", fs.Arg(0))
	case *out == "":
		return errors.New("backup: --out FILE is required")
	}
	dbURL := e.getenv("DATABASE_URL")
	if dbURL == "" {
		return errors.New("DATABASE_URL is not set: set it to the registry's owner, postgres://user:password@host:port/db")
	}
	pg, err := newPGTool(dbURL)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.partial")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name()) // gone once renamed; left by a failure otherwise
	// --no-password: a nightly run with a wrong password fails instead of waiting for one at no terminal.
	err = pg.run(ctx, "pg_dump", []string{"--format=custom", "--no-password", "--file=" + tmp.Name(), "--dbname=" + pg.dbname}, nil)
	if err != nil {
		if strings.Contains(err.Error(), "permission denied") {
			return fmt.Errorf("backup: %w (run backup as the registry's owner, the role that runs migrate: the service's role may not read everything)", err)
		}
		return fmt.Errorf("backup: %w", err)
	}
	b, err := readBackupFile(ctx, pg, tmp.Name())
	if err != nil {
		return fmt.Errorf("backup: the archive pg_dump wrote does not read back: %w", err)
	}
	if err := syncFile(tmp.Name()); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmp.Name(), *out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncFile(filepath.Dir(*out)); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, err := os.Stat(*out)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "backup %s: schema %s, %d upload bodies, %d bytes, started at %s\n",
		*out, b.schema(), b.blobs, st.Size(), b.created)
	return nil
}

// syncFile flushes the file or directory at path to disk.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// restore restores a backup into the empty database of DATABASE_URL, as its owner, then applies the migrations
// newer than the backup's. A backup of a schema this build does not know (made by a newer landrelease) is
// refused before anything is written, and so is a database that is not empty. The restore is one transaction:
// a failed one leaves the database as it was. Roles are the cluster's, not the backup's: the restored objects
// belong to the restoring role, and the service's role gets its privileges from grant (--grant, or
// landrelease grant afterwards).
func restore(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "restore", "restore [--grant ROLE] FILE   (as the owner, into an empty database)")
	role := fs.String("grant", "", "then give the service's role ROLE what it needs, as landrelease grant --role ROLE does")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("restore: name one backup file: landrelease restore FILE")
	}
	path := fs.Arg(0)
	dbURL := e.getenv("DATABASE_URL")
	if dbURL == "" {
		return errors.New("DATABASE_URL is not set: set it to the new, empty database, as its owner")
	}
	pg, err := newPGTool(dbURL)
	if err != nil {
		return err
	}
	b, err := readBackupFile(ctx, pg, path)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	known, err := postgres.Migrations()
	if err != nil {
		return err
	}
	if unknown := unknownMigrations(b.migrations, known); len(unknown) > 0 {
		return fmt.Errorf("restore: backup %s has schema version %s, newer than this landrelease's %s (it does not know %s): restore it with the landrelease that made it, or a newer one",
			path, b.schema(), known[len(known)-1], strings.Join(unknown, ", "))
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.CheckRestoreTarget(ctx); err != nil {
		return err
	}
	for _, ext := range b.extensions {
		if err := db.CreateExtension(ctx, ext); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	list, err := os.CreateTemp("", "landrelease-restore-*.list")
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer os.Remove(list.Name())
	_, err = list.WriteString(b.restoreList())
	if cerr := list.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	err = pg.run(ctx, "pg_restore", []string{"--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
		"--no-password", "--use-list=" + list.Name(), "--dbname=" + pg.dbname, "--", path}, nil)
	if err != nil {
		return fmt.Errorf("restore: %w (nothing was restored)", err)
	}
	fmt.Fprintf(e.stdout, "restored %s: schema %s, %d upload bodies, backup started at %s\n", path, b.schema(), b.blobs, b.created)
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("restore: the backup is restored, but migrating it failed: %w", err)
	}
	for _, name := range applied {
		fmt.Fprintln(e.stdout, "applied", name)
	}
	if *role == "" {
		fmt.Fprintln(e.stdout, "the service's role has no privileges on the restored registry yet: run landrelease grant --role ROLE")
		return nil
	}
	rep, err := db.Grant(ctx, *role)
	if err != nil {
		return fmt.Errorf("restore: the backup is restored, but granting failed: %w", err)
	}
	printGrant(e, *role, rep)
	return nil
}

// unknownMigrations returns the migrations of have that known does not list.
func unknownMigrations(have, known []string) []string {
	var unknown []string
	for _, m := range have {
		if !slices.Contains(known, m) {
			unknown = append(unknown, m)
		}
	}
	return unknown
}
