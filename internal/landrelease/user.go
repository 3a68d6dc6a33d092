package landrelease

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Role is what a user may do.
type Role string

const (
	RoleFieldTeam        Role = "field_team"        // uploads, sees own uploads
	RoleDataManager      Role = "data_manager"      // reviews, approves, edits the registry
	RoleReportingOfficer Role = "reporting_officer" // reads and exports
	RoleAdministrator    Role = "administrator"     // everything, and the gazetteer
)

// roles lists every role; read only.
var roles = []Role{RoleFieldTeam, RoleDataManager, RoleReportingOfficer, RoleAdministrator}

// Roles returns every role, in a slice of the caller's own.
func Roles() []Role { return slices.Clone(roles) }

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(roles, r) }

// Check returns EINVALID, naming the field "role", unless r is a known role.
func (r Role) Check() error {
	if r.Valid() {
		return nil
	}
	return Invalid(fmt.Sprintf("Unknown role %q: use field_team, data_manager, reporting_officer or administrator.", r),
		Detail{Field: "role", Reason: "is not a known role"})
}

// CheckUserName trims name and returns it, or EINVALID (field "name") when it is empty or longer than MaxNameLen.
func CheckUserName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > MaxNameLen {
		return "", Invalid("A user name of 1 to 200 characters is required.", Detail{Field: "name", Reason: "is empty or too long"})
	}
	return name, nil
}

// User is an account.
type User struct {
	ID   int64
	Name string
	Role Role
}

// Can reports whether u holds one of roles; an administrator holds all.
func (u *User) Can(roles ...Role) bool {
	if u == nil {
		return false
	}
	return u.Role == RoleAdministrator || slices.Contains(roles, u.Role)
}

type userKey struct{}

// NewContextWithUser returns ctx acting as u.
func NewContextWithUser(ctx context.Context, u *User) context.Context {
	return context.WithValue(ctx, userKey{}, u)
}

// UserFromContext returns the user ctx acts as, or nil.
func UserFromContext(ctx context.Context) *User {
	u, _ := ctx.Value(userKey{}).(*User)
	return u
}

// Require returns EUNAUTHORIZED when ctx has no user and EFORBIDDEN when its user holds none of roles.
func Require(ctx context.Context, roles ...Role) (*User, error) {
	u := UserFromContext(ctx)
	if u == nil {
		return nil, Errorf(EUNAUTHORIZED, "Sign in or send a bearer token.")
	}
	if !u.Can(roles...) {
		return nil, Errorf(EFORBIDDEN, "The role %s may not do this.", u.Role)
	}
	return u, nil
}

// Token lifetimes.
const (
	DefaultTokenLifetime = 90 * 24 * time.Hour   // what token create gives without --expires
	MaxTokenLifetime     = 3650 * 24 * time.Hour // ten years
)

// Token is an API token as an administrator lists it: never its secret, which only its holder has.
type Token struct {
	ID        int64      `json:"id"`
	User      string     `json:"user"`
	Role      Role       `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"` // nil: made before tokens expired; valid until revoked
	RevokedAt *time.Time `json:"revoked_at"`
}

// Account is a user as an administrator lists it.
type Account struct {
	Name        string     `json:"name"`
	Role        Role       `json:"role"`
	CreatedAt   time.Time  `json:"created_at"`
	DisabledAt  *time.Time `json:"disabled_at"`
	HasPassword bool       `json:"has_password"`
	Tokens      int        `json:"tokens"` // live tokens: not revoked, not expired
}

// UserService keeps accounts and API tokens.
type UserService interface {
	// CreateToken creates the user if missing (with role) and a new API token for them, returned once in clear;
	// only its hash is stored. It expires after lifetime (0: DefaultTokenLifetime). EINVALID (unknown role, a
	// lifetime below a minute or over MaxTokenLifetime), ECONFLICT (the user exists with another role), EFORBIDDEN
	// (administrators only).
	CreateToken(ctx context.Context, name string, role Role, lifetime time.Duration) (string, error)
	// Authenticate returns the user of a token. EUNAUTHORIZED if unknown, revoked, expired or its user disabled.
	Authenticate(ctx context.Context, token string) (*User, error)
	// ListTokens lists the tokens of user (every user's when empty), newest first. EFORBIDDEN (administrators only).
	ListTokens(ctx context.Context, user string) ([]Token, error)
	// RevokeToken revokes a token by its id. ENOTFOUND, ECONFLICT (already revoked), EFORBIDDEN.
	RevokeToken(ctx context.Context, id int64) error
	// CreateUser creates a user with role (no token, no password yet). EINVALID, ECONFLICT (the name is taken),
	// EFORBIDDEN (administrators only).
	CreateUser(ctx context.Context, name string, role Role) error
	// ListUsers lists the accounts by name. EFORBIDDEN (administrators only).
	ListUsers(ctx context.Context) ([]Account, error)
	// SetUserDisabled disables a user (their tokens and sessions are refused, their sessions end) or enables them
	// again. ENOTFOUND, EFORBIDDEN.
	SetUserDisabled(ctx context.Context, name string, disabled bool) error
	// SetUserRole changes a user's role; it holds for their tokens and sessions from their next request. EINVALID,
	// ENOTFOUND, EFORBIDDEN.
	SetUserRole(ctx context.Context, name string, role Role) error
	// SetPassword sets the password of an existing user and ends their sessions. EINVALID (too short), ENOTFOUND,
	// EFORBIDDEN (administrators only).
	SetPassword(ctx context.Context, name, password string) error
	// SignIn checks a user's password and opens a session. EUNAUTHORIZED for a wrong name or password.
	SignIn(ctx context.Context, name, password string) (*Session, error)
	// SessionUser returns the session of a session secret. EUNAUTHORIZED when unknown, expired or ended.
	SessionUser(ctx context.Context, secret string) (*Session, error)
	// SignOut ends a session.
	SignOut(ctx context.Context, secret string) error
}

// Session is a signed-in browser session. Secret goes in an HttpOnly cookie and is stored only as a hash;
// CSRFToken must accompany every unsafe request of the session.
type Session struct {
	User      *User
	Secret    string // set by SignIn only
	CSRFToken string
	ExpiresAt time.Time
}

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 10
