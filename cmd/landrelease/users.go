package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// withUsers runs f with the user service, acting as an administrator of the command line.
func withUsers(ctx context.Context, e *env, f func(ctx context.Context, us *postgres.UserService) error) error {
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	return describe(f(cliContext(ctx, e), postgres.NewUserService(db)))
}

func stamp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "token list", "token list [--user NAME]")
	user := fs.String("user", "", "only this user's tokens")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withUsers(ctx, e, func(ctx context.Context, us *postgres.UserService) error {
		ts, err := us.ListTokens(ctx, *user)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tUSER\tROLE\tCREATED\tEXPIRES\tREVOKED")
		for _, t := range ts {
			exp := "never"
			if t.ExpiresAt != nil {
				exp = stamp(t.ExpiresAt)
			}
			fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.User, t.Role, stamp(&t.CreatedAt), exp, stamp(t.RevokedAt))
		}
		return w.Flush()
	})
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "token revoke", "token revoke ID   (IDs from token list)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if fs.NArg() != 1 || err != nil {
		fs.Usage()
		return errors.New("token revoke needs the ID of a token")
	}
	return withUsers(ctx, e, func(ctx context.Context, us *postgres.UserService) error {
		if err := us.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "token %d revoked: every instance refuses it within a second\n", id)
		return nil
	})
}

func userList(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "user list", "user list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return withUsers(ctx, e, func(ctx context.Context, us *postgres.UserService) error {
		as, err := us.ListUsers(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "NAME\tROLE\tCREATED\tDISABLED\tPASSWORD\tLIVE TOKENS")
		for _, a := range as {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%v\t%d\n", a.Name, a.Role, stamp(&a.CreatedAt), stamp(a.DisabledAt), a.HasPassword, a.Tokens)
		}
		return w.Flush()
	})
}

func userDisable(ctx context.Context, e *env, args []string) error {
	return setDisabled(ctx, e, args, true)
}
func userEnable(ctx context.Context, e *env, args []string) error {
	return setDisabled(ctx, e, args, false)
}

func setDisabled(ctx context.Context, e *env, args []string, disabled bool) error {
	verb := map[bool]string{true: "disable", false: "enable"}[disabled]
	fs := flags(e, "user "+verb, "user "+verb+" NAME")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("user %s needs a user name", verb)
	}
	return withUsers(ctx, e, func(ctx context.Context, us *postgres.UserService) error {
		if err := us.SetUserDisabled(ctx, fs.Arg(0), disabled); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s %sd\n", fs.Arg(0), verb)
		return nil
	})
}

func userSetRole(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "user set-role", "user set-role NAME ROLE   (field_team, data_manager, reporting_officer or administrator)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("user set-role needs a user name and a role")
	}
	return withUsers(ctx, e, func(ctx context.Context, us *postgres.UserService) error {
		if err := us.SetUserRole(ctx, fs.Arg(0), landrelease.Role(fs.Arg(1))); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s is now %s\n", fs.Arg(0), fs.Arg(1))
		return nil
	})
}
