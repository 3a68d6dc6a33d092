package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

func adminImport(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "admin import", "admin import FILE --level 1 --code-field adm1_code --name-field name [--parent-field F]")
	level := fs.Int("level", 1, "admin level: 1 (province) or 2 (district)")
	code := fs.String("code-field", "adm1_code", "property holding the unit's code (e.g. a P-code)")
	name := fs.String("name-field", "name", "property holding the unit's name")
	parent := fs.String("parent-field", "", "property holding the code of the parent unit (level 2)")
	if err := parseWithFile(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("admin import needs one FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	defer f.Close()
	units, err := geojson.ReadAdminUnits(f, *level, geojson.AdminFields{Code: *code, Name: *name, Parent: *parent})
	if err != nil {
		return fmt.Errorf("%s: %w", fs.Arg(0), err)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewAdminUnitService(db).ImportAdminUnits(cliContext(ctx, e), *level, units); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "imported %d admin units of level %d from %s; hazard areas re-assigned\n", len(units), *level, fs.Arg(0))
	return nil
}

// parseWithFile parses flags placed before or after the positional arguments.
func parseWithFile(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		rest := fs.Args()
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	return fs.Parse(pos)
}

// describe spells out the details of a landrelease error for the terminal.
func describe(err error) error {
	ds := landrelease.ErrorDetails(err)
	if len(ds) == 0 {
		return err
	}
	msg := landrelease.ErrorMessage(err)
	for _, d := range ds {
		msg += "\n  "
		if d.Feature != nil {
			msg += fmt.Sprintf("feature %d: ", *d.Feature)
		}
		msg += d.Field + ": " + d.Reason
	}
	return errors.New(msg)
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "token create", "token create --user NAME --role ROLE [--expires 90d]")
	user := fs.String("user", "", "user name (created if missing)")
	role := fs.String("role", "", "field_team, data_manager, reporting_officer or administrator")
	expires := fs.String("expires", "90d", "lifetime: days (90d) or a Go duration (12h); at most 3650d")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *user == "" || *role == "" {
		fs.Usage()
		return errors.New("token create needs --user and --role")
	}
	lifetime, err := parseLifetime(*expires)
	if err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	token, err := postgres.NewUserService(db).CreateToken(cliContext(ctx, e), *user, landrelease.Role(*role), lifetime)
	if err != nil {
		return describe(err)
	}
	fmt.Fprintln(e.stdout, token)
	fmt.Fprintf(e.stderr, "token for %s (%s), valid for %s, printed once; only its hash is stored. Send it as: Authorization: Bearer TOKEN\n", *user, *role, *expires)
	return nil
}

// parseLifetime reads a number of days (90d) or a Go duration (12h, 90m).
func parseLifetime(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("--expires must be a number of days such as 90d or a duration such as 12h, not %q", s)
}

// passwordSet reads the new password from LANDRELEASE_PASSWORD or, when unset, the first line of standard input.
func passwordSet(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "password set", "password set --user NAME   (the password from standard input, or LANDRELEASE_PASSWORD)")
	user := fs.String("user", "", "an existing user (token create makes users)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *user == "" {
		fs.Usage()
		return errors.New("password set needs --user")
	}
	password := e.getenv("LANDRELEASE_PASSWORD")
	if password == "" {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("password set reads the password from standard input or LANDRELEASE_PASSWORD")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewUserService(db).SetPassword(cliContext(ctx, e), *user, password); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "password of %s set\n", *user)
	return nil
}
