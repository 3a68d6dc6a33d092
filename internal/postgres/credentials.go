package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// actorName is the name of the user ctx acts as, "cli" when none (the command line acting as the system).
func actorName(ctx context.Context) string {
	if u := landrelease.UserFromContext(ctx); u != nil {
		return u.Name
	}
	return "cli"
}

// ListTokens lists tokens; see landrelease.UserService.
func (s *UserService) ListTokens(ctx context.Context, user string) ([]landrelease.Token, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleAdministrator); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, listTokensSQL, nullStr(user))
	if err != nil {
		return nil, dbError(err, "list tokens")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (landrelease.Token, error) {
		var t landrelease.Token
		var role string
		err := row.Scan(&t.ID, &t.User, &role, &t.CreatedAt, &t.ExpiresAt, &t.RevokedAt)
		t.Role = landrelease.Role(role)
		return t, err
	})
	return out, dbError(err, "list tokens")
}

// RevokeToken revokes a token; see landrelease.UserService.
func (s *UserService) RevokeToken(ctx context.Context, id int64) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			name    string
			already bool
		)
		if err := tx.QueryRow(ctx, revokeTokenSQL, id).Scan(&name, &already); errors.Is(err, pgx.ErrNoRows) {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No token %d.", id)
		} else if err != nil {
			return dbError(err, "revoke token")
		}
		if already {
			return landrelease.Errorf(landrelease.ECONFLICT, "Token %d is already revoked.", id)
		}
		return audit(ctx, tx, u.Name, "revoke_token", "app_user", name, 0, map[string]any{"token_id": id})
	})
}

// insertUserSQL creates user $1 with role $2 unless the name is taken; it returns the new id.
const insertUserSQL = `INSERT INTO app_user (name, role) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id`

// CreateUser creates a user; see landrelease.UserService.
func (s *UserService) CreateUser(ctx context.Context, name string, role landrelease.Role) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if name, err = landrelease.CheckUserName(name); err != nil {
		return err
	}
	if err := role.Check(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, insertUserSQL, name, role).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return landrelease.Errorf(landrelease.ECONFLICT, "User %s already exists.", name)
		} else if err != nil {
			return dbError(err, "create user")
		}
		return audit(ctx, tx, u.Name, "create_user", "app_user", name, 0, map[string]any{"role": role})
	})
}

// ListUsers lists accounts; see landrelease.UserService.
func (s *UserService) ListUsers(ctx context.Context) ([]landrelease.Account, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleAdministrator); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, listUsersSQL)
	if err != nil {
		return nil, dbError(err, "list users")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (landrelease.Account, error) {
		var a landrelease.Account
		var role string
		err := row.Scan(&a.Name, &role, &a.CreatedAt, &a.DisabledAt, &a.HasPassword, &a.Tokens)
		a.Role = landrelease.Role(role)
		return a, err
	})
	return out, dbError(err, "list users")
}

// SetUserDisabled disables or enables a user; see landrelease.UserService.
func (s *UserService) SetUserDisabled(ctx context.Context, name string, disabled bool) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	action := "enable_user"
	if disabled {
		action = "disable_user"
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, setUserDisabledSQL, name, disabled).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No user %s.", name)
		} else if err != nil {
			return dbError(err, "disable user")
		}
		if disabled {
			if _, err := tx.Exec(ctx, endSessionsSQL, id); err != nil {
				return dbError(err, "end sessions")
			}
		}
		return audit(ctx, tx, u.Name, action, "app_user", name, 0, nil)
	})
}

// SetUserRole changes a user's role; see landrelease.UserService.
func (s *UserService) SetUserRole(ctx context.Context, name string, role landrelease.Role) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if err := role.Check(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, setUserRoleSQL, name, role).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No user %s.", name)
		} else if err != nil {
			return dbError(err, "set role")
		}
		return audit(ctx, tx, u.Name, "set_role", "app_user", name, 0, map[string]any{"role": role})
	})
}
