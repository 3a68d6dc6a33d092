package api

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// access says who may call a route. It is checked on every request, before the handler; the services check
// their roles again.
type access struct {
	anyone bool               // no credentials, ever: health, signing in, the upload schema, the web pages
	read   bool               // a read of the registry: any signed-in user, or anyone while public reads are on
	roles  []landrelease.Role // signed in with one of these roles (an administrator holds all); none: any signed-in user
}

// The kinds of access of routes.go.
var (
	open     = access{anyone: true}
	reader   = access{read: true}
	uploader = access{roles: []landrelease.Role{landrelease.RoleFieldTeam, landrelease.RoleDataManager}}
	manager  = access{roles: []landrelease.Role{landrelease.RoleDataManager}}
	admin    = access{roles: []landrelease.Role{landrelease.RoleAdministrator}}
	// reporter writes what a report states that the record cannot give (the extension request's text).
	reporter = access{roles: []landrelease.Role{landrelease.RoleReportingOfficer, landrelease.RoleDataManager}}
)

// String names the access as docs/API.md does.
func (a access) String() string {
	switch {
	case a.anyone:
		return "anyone"
	case a.read:
		return "signed in, or anyone with public_read"
	case len(a.roles) == 0:
		return "signed in"
	}
	names := make([]string, 0, len(a.roles)+1)
	for _, r := range a.roles {
		if r != landrelease.RoleAdministrator {
			names = append(names, string(r))
		}
	}
	return strings.Join(append(names, string(landrelease.RoleAdministrator)), ", ")
}

// allows reports whether u (nil: anonymous) may call a route of access a, public reads being on or off.
func (a access) allows(u *landrelease.User, publicRead bool) error {
	switch {
	case a.anyone, a.read && (u != nil || publicRead):
		return nil
	case u == nil:
		return landrelease.Errorf(landrelease.EUNAUTHORIZED, "Sign in or send a bearer token.")
	case len(a.roles) > 0 && !u.Can(a.roles...):
		return landrelease.Errorf(landrelease.EFORBIDDEN, "Your role (%s) may not do this.", u.Role)
	}
	return nil
}

// Route is one route of the service with who may call it: the table of routes.go, for docs and tests.
type Route struct {
	Method, Path string
	Access       string // as access.String
}

// Routes lists every route of the service in the order routes.go registers them.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.table))
	for i, r := range s.table {
		out[i] = Route{Method: r.method, Path: r.path, Access: r.access.String()}
	}
	return out
}

type routeEntry struct {
	method, path string
	access       access
	weight       weight
	body         body
	precheck     func(echo.Context) error // of a spooledBody route: its parameters, checked before the body is received
}

// anyMethod registers a route for every method.
const anyMethod = "*"

// handle registers handler for method and path (under group prefix) with its access and options (its weight
// and body: limits.go).
func (s *Server) handle(g *echo.Group, prefix, method, path string, handler echo.HandlerFunc, a access, opts ...routeOption) {
	r := routeEntry{method: method, path: prefix + path, access: a}
	for _, o := range opts {
		o(&r)
	}
	s.table = append(s.table, r)
	guard := func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a.anyone {
				return next(c)
			}
			u := landrelease.UserFromContext(c.Request().Context())
			public := false
			if a.read && u == nil {
				var err error
				if public, err = s.publicRead.on(c.Request().Context()); err != nil {
					return err
				}
			}
			if err := a.allows(u, public); err != nil {
				return err
			}
			return next(c)
		}
	}
	if method == anyMethod {
		g.Any(path, handler, guard, s.limit(r))
		return
	}
	g.Add(method, path, handler, guard, s.limit(r))
}

// publicReadTTL is how long a server trusts the public_read setting it read: a change reaches every instance
// within it.
const publicReadTTL = time.Second

// publicRead caches the public_read setting: a read of a fresh value takes no lock.
type publicRead struct {
	settings landrelease.SettingService
	log      func(msg string, args ...any)
	now      func() time.Time // nil: time.Now
	outage   *dbOutage        // spaces the reads while the database is unavailable (nil: none)

	mu   sync.Mutex                  // one reader of the setting at a time
	last atomic.Pointer[readSetting] // the value last read, and until when it holds
}

type readSetting struct {
	value bool
	until time.Time // fresh
	grace time.Time // kept while the database is unavailable (credentialGrace, auth.go)
}

// on reports whether public reads are on. While the database is unavailable (EUNAVAILABLE), the value last read
// holds for credentialGrace after that read, as credentials do; past it, or never read, on returns the error
// (a 503: whether reads are public cannot be told). Any other failure to read the setting leaves public reads
// off. While p.outage holds the database unavailable the setting is not read: the grace applies as after a
// failed read.
func (p *publicRead) on(ctx context.Context) (bool, error) {
	if p.settings == nil {
		return false, nil
	}
	clock := p.now
	if clock == nil {
		clock = time.Now
	}
	now := clock()
	if r := p.last.Load(); r != nil && now.Before(r.until) {
		return r.value, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.last.Load()
	if r != nil && now.Before(r.until) {
		return r.value, nil // read meanwhile by another request
	}
	if down := p.outage.shut(now); down != nil {
		if r != nil && now.Before(r.grace) {
			return r.value, nil
		}
		return false, down
	}
	st, err := p.settings.Settings(ctx)
	p.outage.observe(now, err)
	if err != nil {
		if landrelease.ErrorCode(err) == landrelease.EUNAVAILABLE {
			if r != nil && now.Before(r.grace) {
				return r.value, nil
			}
			return false, err
		}
		p.log("read public_read", "err", err)
		return false, nil
	}
	p.last.Store(&readSetting{value: st.PublicRead, until: now.Add(publicReadTTL), grace: now.Add(credentialGrace)})
	return st.PublicRead, nil
}
