package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

const usage = `landrelease: the national register of land contaminated by cluster munitions.

Usage: landrelease COMMAND [FLAGS]

Commands:
  serve           serve the web application and the API
  migrate         apply the database migrations
  grant           give the service's database role only what it needs (as the owner, after migrate)
  backup          write a backup of the whole database with pg_dump, while the service serves (as the owner)
  restore         restore a backup into an empty database, then migrate it (as the owner)
  archive         write the whole record in open formats (GeoPackage, CSV, XLSX) with a data dictionary
  admin import    load admin units (provinces, districts) from GeoJSON
  token create    create an API token for a user (expires after 90 days unless --expires says otherwise)
  token list      list API tokens (never their secrets)
  token revoke    revoke an API token: every instance refuses it within a second
  user list       list users, their roles, whether disabled, their live tokens
  user disable    refuse a user's tokens and sessions (user enable undoes it)
  user set-role   change a user's role
  password set    set a user's password for signing in to the web application (ends their sessions)
  demo load       load the demo data: Lao provinces and generated hazard areas
  demo generate   write generated hazard areas and releases as GeoJSON
  report article7 export the Article 7 Form F tables (csv, json, xlsx, html)
  export          write hazard areas, land releases or admin units as GeoPackage, Shapefile, KML, CSV,
                  GeoJSON or FlatGeobuf (GDAL's ogr2ogr writes all but GeoJSON)
  import          validate an upload (GeoJSON, KML, KMZ, GPX, zipped Shapefile, GeoPackage) and submit it
                  (--mapping, --layer; --approve applies it, --dry-run only checks)
  mapping list    list the property mappings of uploads: the presets (IMSMA Core), then those saved
  mapping show    print a mapping document as JSON
  mapping save    save a mapping document by name (--replace overwrites the saved one)
  mapping delete  delete a saved mapping
  report article4 the Article 4 progress summary: baseline, deadline, release rate, work-plan targets
  deadline add    record an Article 4 deadline (the original one or an extension)
  target set      set the work plan's area to release in a year
  report workplan the costed annual work plan to completion (json, csv, xlsx, html) for --teams or --budget
  workplan productivity
                  set a method's area per team-year and its costs (national or an organisation's, any year or one)
  workplan mix    print the method mix (measured from closed areas), or override a kind's
  report extension-request
                  the draft of an Article 4 extension request (json, xlsx, html) to --until, for --teams or --budget
  extension-request text
                  record the request's reasons and implications (--reasons-file, --implications-file) and the
                  date requested, or print them
  report completion
                  the completion summary of Article 4.1(c) for an admin unit or the State (csv, json, html)
  completion declare
                  record the completion date of an admin unit or the State (refused while CMR areas are open)
  setting set     set the State's name (state_name), the Convention's entry into force (entry_into_force),
                  or open the registry's reads to anyone (public_read true|false; off by default)

Every command takes --help. The database is DATABASE_URL (postgres://user:password@host:port/db).
`

// env is what commands receive from run.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	log            *slog.Logger
}

type command struct {
	name string
	run  func(ctx context.Context, e *env, args []string) error
}

var commands = []command{
	{"serve", serve},
	{"migrate", migrate},
	{"grant", grant},
	{"backup", backup},
	{"restore", restore},
	{"archive", archive},
	{"admin import", adminImport},
	{"token create", tokenCreate},
	{"token list", tokenList},
	{"token revoke", tokenRevoke},
	{"user list", userList},
	{"user disable", userDisable},
	{"user enable", userEnable},
	{"user set-role", userSetRole},
	{"password set", passwordSet},
	{"demo load", demoLoad},
	{"demo generate", demoGenerate},
	{"report article7", reportArticle7},
	{"setting set", settingSet},
	{"report article4", reportArticle4},
	{"import", importUpload},
	{"mapping list", mappingList},
	{"mapping show", mappingShow},
	{"mapping save", mappingSave},
	{"mapping delete", mappingDelete},
	{"export", export},
	{"deadline add", deadlineAdd},
	{"target set", targetSet},
	{"report workplan", reportWorkPlan},
	{"workplan productivity", workplanProductivity},
	{"workplan mix", workplanMix},
	{"report extension-request", reportExtension},
	{"extension-request text", extensionText},
	{"report completion", reportCompletion},
	{"completion declare", completionDeclare},
}

// run runs the command args names. It is all main does, so that tests run the binary in process.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr,
		log: slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel(getenv("LOG_LEVEL"))}))}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	for _, c := range commands {
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			err := c.run(ctx, e, args[len(words):])
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return err
		}
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// flags returns a flag set that prints its usage to stdout on --help.
func flags(e *env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stdout, "Usage: landrelease %s\n\nFlags:\n", synopsis)
		fs.SetOutput(e.stdout)
		fs.PrintDefaults()
		fs.SetOutput(e.stderr)
	}
	return fs
}

// open connects to DATABASE_URL.
func open(ctx context.Context, e *env) (*postgres.DB, error) {
	url := e.getenv("DATABASE_URL")
	if url == "" {
		return nil, errors.New("DATABASE_URL is not set: run `make run`, or set it to postgres://user:password@host:port/db")
	}
	return postgres.Open(ctx, url)
}

// cliContext acts as the operator at the terminal: whoever can reach the database administers the registry.
func cliContext(ctx context.Context, e *env) context.Context {
	name := "cli"
	if u := e.getenv("USER"); u != "" {
		name = "cli:" + u
	}
	return landrelease.NewContextWithUser(ctx, &landrelease.User{Name: name, Role: landrelease.RoleAdministrator})
}

func migrate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "migrate", "migrate")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(e.stdout, "applied", name)
	}
	return nil
}
