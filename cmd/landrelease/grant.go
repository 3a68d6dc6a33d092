package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/landrelease/landrelease/internal/postgres"
)

// grant gives the service's role exactly the privileges it needs on the registry (postgres.DB.Grant), connected
// as the registry's owner (DATABASE_URL, the role that ran migrate).
func grant(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "grant", "grant --role NAME | --service-url-env VAR   (as the owner, after migrate)")
	role := fs.String("role", "", "the role the service runs as")
	urlEnv := fs.String("service-url-env", "", "take the role from the user of the connection URL in this environment variable (the service's DATABASE_URL, kept off the command line)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("grant: unexpected argument %q", fs.Arg(0))
	}
	switch {
	case *role != "" && *urlEnv != "":
		return errors.New("grant: --role and --service-url-env exclude each other")
	case *urlEnv != "":
		url := e.getenv(*urlEnv)
		if url == "" {
			return fmt.Errorf("grant: %s is not set", *urlEnv)
		}
		cfg, err := pgconn.ParseConfig(url)
		if err != nil {
			return fmt.Errorf("grant: %s: %w", *urlEnv, err)
		}
		*role = cfg.User
	case *role == "":
		return errors.New("grant: --role NAME (or --service-url-env VAR) is required")
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := db.Grant(ctx, *role)
	if err != nil {
		return err
	}
	printGrant(e, *role, rep)
	return nil
}

// printGrant tells what Grant gave role, and its warnings.
func printGrant(e *env, role string, rep *postgres.GrantReport) {
	fmt.Fprintf(e.stdout, "granted %s on schema %s: %d tables, %d sequences, %d functions, %d upload bodies stored by others; audit_log: SELECT, INSERT only\n",
		role, rep.Schema, rep.Tables, rep.Sequences, rep.Functions, rep.UploadBodies)
	for _, w := range rep.Warnings {
		fmt.Fprintln(e.stderr, "warning:", w)
	}
}
