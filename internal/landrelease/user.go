package landrelease

import (
	"context"
	"slices"
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

// UserService keeps accounts and API tokens.
type UserService interface {
	// CreateToken creates the user if missing (with role) and a new API token for them, returned once in clear;
	// only its hash is stored. EINVALID (unknown role), ECONFLICT (the user exists with another role).
	CreateToken(ctx context.Context, name string, role Role) (string, error)
	// Authenticate returns the user of a token. EUNAUTHORIZED if unknown or revoked.
	Authenticate(ctx context.Context, token string) (*User, error)
	// SetPassword sets the password of an existing user. EINVALID (too short), ENOTFOUND, EFORBIDDEN (administrators only).
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
