package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// UserService implements landrelease.UserService.
type UserService struct{ db *DB }

// NewUserService returns a UserService on db.
func NewUserService(db *DB) *UserService { return &UserService{db: db} }

var _ landrelease.UserService = (*UserService)(nil)

// TokenPrefix starts every API token, so that leaked tokens are easy to find.
const TokenPrefix = "lr_"

const (
	upsertUserSQL = `
INSERT INTO app_user (name, role) VALUES ($1, $2)
ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
RETURNING id, role`
	// insertTokenSQL stores token hash $2 of user $1, expiring at $3; it returns the token's id.
	insertTokenSQL = `INSERT INTO api_token (user_id, hash, expires_at) VALUES ($1, $2, $3) RETURNING id`
	// authenticateTokenSQL finds the user of live token hash $1: not revoked, not expired, user not disabled.
	authenticateTokenSQL = `
SELECT u.id, u.name, u.role FROM api_token t JOIN app_user u ON u.id = t.user_id
WHERE t.hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()) AND u.disabled_at IS NULL`
	// listTokensSQL lists the tokens of user $1 (NULL: all), newest first.
	listTokensSQL = `
SELECT t.id, u.name, u.role, t.created_at, t.expires_at, t.revoked_at FROM api_token t JOIN app_user u ON u.id = t.user_id
WHERE $1::text IS NULL OR u.name = $1 ORDER BY t.id DESC`
	// revokeTokenSQL revokes token $1; it returns the token's user, and whether it was already revoked.
	revokeTokenSQL = `
UPDATE api_token t SET revoked_at = coalesce(t.revoked_at, now()) FROM app_user u, (SELECT revoked_at FROM api_token WHERE id = $1) old
WHERE t.id = $1 AND u.id = t.user_id RETURNING u.name, old.revoked_at IS NOT NULL`
	listUsersSQL = `
SELECT u.name, u.role, u.created_at, u.disabled_at, u.password_hash IS NOT NULL,
       (SELECT count(*) FROM api_token t WHERE t.user_id = u.id AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now()))
FROM app_user u ORDER BY u.name`
	// setUserDisabledSQL disables ($2 true) or enables user $1; it returns the user's id.
	setUserDisabledSQL = `
UPDATE app_user SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE name = $1 RETURNING id`
	setUserRoleSQL = `UPDATE app_user SET role = $2 WHERE name = $1 RETURNING id`
	// endSessionsSQL ends every open session of user $1.
	endSessionsSQL = `UPDATE user_session SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`
)

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateToken creates a token; see landrelease.UserService.
func (s *UserService) CreateToken(ctx context.Context, name string, role landrelease.Role, lifetime time.Duration) (string, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleAdministrator); err != nil {
		return "", err
	}
	if lifetime == 0 {
		lifetime = landrelease.DefaultTokenLifetime
	}
	if lifetime < time.Minute || lifetime > landrelease.MaxTokenLifetime {
		return "", landrelease.Invalid(fmt.Sprintf("A token lives from a minute to %d days.", landrelease.MaxTokenLifetime/(24*time.Hour)),
			landrelease.Detail{Field: "expires", Reason: "is out of range"})
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > landrelease.MaxNameLen {
		return "", landrelease.Invalid("A user name of 1 to 200 characters is required.", landrelease.Detail{Field: "user", Reason: "is empty or too long"})
	}
	if err := role.Check(); err != nil {
		return "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(secret)
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		var got string
		if err := tx.QueryRow(ctx, upsertUserSQL, name, role).Scan(&id, &got); err != nil {
			return dbError(err, "create user")
		}
		if landrelease.Role(got) != role {
			return landrelease.Errorf(landrelease.ECONFLICT, "User %s exists with role %s, not %s.", name, got, role)
		}
		var tid int64
		if err := tx.QueryRow(ctx, insertTokenSQL, id, hashToken(token), s.db.Now().Add(lifetime)).Scan(&tid); err != nil {
			return dbError(err, "create token")
		}
		return audit(ctx, tx, actorName(ctx), "create_token", "app_user", name, 0, map[string]any{"role": role, "token_id": tid, "lifetime": lifetime.String()})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// Authenticate returns the user of a token; see landrelease.UserService.
func (s *UserService) Authenticate(ctx context.Context, token string) (*landrelease.User, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The bearer token is not valid.")
	}
	var u landrelease.User
	var role string
	err := s.db.Pool.QueryRow(ctx, authenticateTokenSQL, hashToken(token)).Scan(&u.ID, &u.Name, &role)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The bearer token is not valid.")
	} else if err != nil {
		return nil, dbError(err, "authenticate")
	}
	u.Role = landrelease.Role(role)
	return &u, nil
}

// SessionLifetime is how long a web session lasts.
const SessionLifetime = 12 * time.Hour

const (
	setPasswordSQL   = `UPDATE app_user SET password_hash = $2 WHERE name = $1`
	userPasswordSQL  = `SELECT id, role, coalesce(password_hash, '') FROM app_user WHERE name = $1 AND disabled_at IS NULL`
	insertSessionSQL = `INSERT INTO user_session (user_id, hash, csrf_token, expires_at) VALUES ($1, $2, $3, $4)`
	findSessionSQL   = `
SELECT u.id, u.name, u.role, s.csrf_token, s.expires_at FROM user_session s JOIN app_user u ON u.id = s.user_id
WHERE s.hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.disabled_at IS NULL`
	revokeSessionSQL = `UPDATE user_session SET revoked_at = now() WHERE hash = $1 AND revoked_at IS NULL`
	// endSessionsByNameSQL ends every open session of the user named $1.
	endSessionsByNameSQL = `
UPDATE user_session SET revoked_at = now() WHERE revoked_at IS NULL AND user_id = (SELECT id FROM app_user WHERE name = $1)`
)

// dummyHash keeps sign-in for an unknown user as slow as for a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("landrelease-no-such-user"), bcrypt.DefaultCost)

func secret(prefix string) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random secret: %w", err)
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}

// SetPassword sets a password; see landrelease.UserService.
func (s *UserService) SetPassword(ctx context.Context, name, password string) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	if len(password) < landrelease.MinPasswordLen || len(password) > 72 {
		return landrelease.Invalid(fmt.Sprintf("A password has %d to 72 bytes.", landrelease.MinPasswordLen),
			landrelease.Detail{Field: "password", Reason: "is too short or too long"})
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, setPasswordSQL, name, string(hash))
		if err != nil {
			return dbError(err, "set password")
		}
		if tag.RowsAffected() == 0 {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No user %s: create it with token create first.", name)
		}
		if _, err := tx.Exec(ctx, endSessionsByNameSQL, name); err != nil {
			return dbError(err, "end sessions")
		}
		return audit(ctx, tx, u.Name, "set_password", "app_user", name, 0, map[string]any{"sessions_ended": true})
	})
}

// SignIn opens a session; see landrelease.UserService.
func (s *UserService) SignIn(ctx context.Context, name, password string) (*landrelease.Session, error) {
	var (
		id         int64
		role, hash string
	)
	err := s.db.Pool.QueryRow(ctx, userPasswordSQL, name).Scan(&id, &role, &hash)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, dbError(err, "sign in")
	}
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return nil, s.signInFailed(ctx, name)
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil {
		return nil, s.signInFailed(ctx, name)
	}
	sess := &landrelease.Session{User: &landrelease.User{ID: id, Name: name, Role: landrelease.Role(role)},
		ExpiresAt: s.db.Now().Add(SessionLifetime).UTC()}
	if sess.Secret, err = secret("lrs_"); err != nil {
		return nil, err
	}
	if sess.CSRFToken, err = secret(""); err != nil {
		return nil, err
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, insertSessionSQL, id, hashToken(sess.Secret), sess.CSRFToken, sess.ExpiresAt); err != nil {
			return dbError(err, "open session")
		}
		return audit(ctx, tx, name, "sign_in", "app_user", name, 0, nil)
	})
	return sess, err
}

// maxAuditedName bounds the user name a failed sign-in writes to the audit trail.
const maxAuditedName = 256

// signInFailed records a failed sign-in for name in the audit trail and returns the error the client gets, the
// same whether the name exists or not.
func (s *UserService) signInFailed(ctx context.Context, name string) error {
	if len(name) > maxAuditedName {
		name = name[:maxAuditedName]
	}
	name = strings.ToValidUTF8(name, "?")
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		return audit(ctx, tx, name, "sign_in_failed", "app_user", name, 0, nil)
	})
	if err != nil {
		return err
	}
	return landrelease.Errorf(landrelease.EUNAUTHORIZED, "Wrong user name or password.")
}

// SessionUser finds a session; see landrelease.UserService.
func (s *UserService) SessionUser(ctx context.Context, secret string) (*landrelease.Session, error) {
	var sess landrelease.Session
	var u landrelease.User
	var role string
	err := s.db.Pool.QueryRow(ctx, findSessionSQL, hashToken(secret)).Scan(&u.ID, &u.Name, &role, &sess.CSRFToken, &sess.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The session has ended: sign in again.")
	} else if err != nil {
		return nil, dbError(err, "find session")
	}
	u.Role = landrelease.Role(role)
	sess.User = &u
	return &sess, nil
}

// SignOut ends a session; see landrelease.UserService.
func (s *UserService) SignOut(ctx context.Context, secret string) error {
	_, err := s.db.Pool.Exec(ctx, revokeSessionSQL, hashToken(secret))
	return dbError(err, "sign out")
}
