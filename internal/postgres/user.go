package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

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
	insertTokenSQL       = `INSERT INTO api_token (user_id, hash) VALUES ($1, $2)`
	authenticateTokenSQL = `
SELECT u.id, u.name, u.role FROM api_token t JOIN app_user u ON u.id = t.user_id
WHERE t.hash = $1 AND t.revoked_at IS NULL`
)

func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// CreateToken creates a token; see landrelease.UserService. The token is 256 random bits, so a single SHA-256
// is a sound hash for it (no password stretching is needed for secrets that cannot be guessed).
func (s *UserService) CreateToken(ctx context.Context, name string, role landrelease.Role) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > landrelease.MaxNameLen {
		return "", landrelease.Invalid("A user name of 1 to 200 characters is required.", landrelease.Detail{Field: "user", Reason: "is empty or too long"})
	}
	if !role.Valid() {
		return "", landrelease.Invalid(fmt.Sprintf("Unknown role %q: use field_team, data_manager, reporting_officer or administrator.", role),
			landrelease.Detail{Field: "role", Reason: "is not a known role"})
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
		if _, err := tx.Exec(ctx, insertTokenSQL, id, hashToken(token)); err != nil {
			return dbError(err, "create token")
		}
		return audit(ctx, tx, "cli", "create_token", "app_user", name, 0, map[string]any{"role": role})
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
