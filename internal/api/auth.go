package api

import (
	"context"
	"crypto/sha256"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// authenticate puts the user of a bearer token, or of a session cookie, in the request context. A bad token or
// an ended session is refused at once; a cookie-authenticated unsafe request needs its CSRF token; no
// credentials leave the request anonymous, and writes then fail with EUNAUTHORIZED.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		// What a proxy says of the request (its scheme) is believed only from a trusted proxy: from anyone else,
		// links and cookies follow the connection itself.
		if !fromTrustedProxy(c.Request(), s.cfg.TrustedProxies) {
			for _, h := range forwardedScheme {
				c.Request().Header.Del(h)
			}
		}
		// The client's address, for the audit trail.
		if addr := clientAddress(c.Request(), s.cfg.TrustedProxies); addr != "" {
			c.SetRequest(c.Request().WithContext(landrelease.NewContextWithAddress(c.Request().Context(), addr)))
		}
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" {
				if err := s.cookieUser(c, ck.Value); err != nil {
					return err
				}
			}
			return next(c)
		}
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return landrelease.Errorf(landrelease.EUNAUTHORIZED, "Send Authorization: Bearer TOKEN.")
		}
		u, err := s.tokens.authenticate(c.Request().Context(), s.cfg.Users, strings.TrimSpace(token))
		if err != nil {
			return err
		}
		c.SetRequest(c.Request().WithContext(landrelease.NewContextWithUser(c.Request().Context(), u)))
		return next(c)
	}
}

// clientAddress returns the address of r's client, the one the audit trail records and sign-ins are throttled
// by: the connection's peer; or, when the peer is a trusted proxy (Config.TrustedProxies, serve --trusted-proxy),
// the right-most address of X-Forwarded-For that is not a trusted proxy. Each proxy appends the address it got the
// request from, so that one was written by a proxy of ours, and everything left of it may be the client's own
// invention. A hop there that is not an address (a proxy that misbehaves) leaves the last trusted hop. No header is
// read from a peer that is not trusted.
func clientAddress(r *http.Request, trusted []netip.Prefix) string {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			return host
		}
		return r.RemoteAddr
	}
	addr := ap.Addr().Unmap().WithZone("")
	if !trustedProxy(addr, trusted) {
		return addr.String()
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		for rest := hops[i]; ; {
			hop := rest
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				hop, rest = rest[j+1:], rest[:j]
			} else {
				rest = ""
			}
			a, ok := parseHop(hop)
			if !ok {
				return addr.String()
			}
			if !trustedProxy(a, trusted) {
				return a.String()
			}
			addr = a
			if rest == "" {
				break
			}
		}
	}
	return addr.String() // every hop is a trusted proxy
}

// parseHop parses an address of X-Forwarded-For, with or without a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, err := netip.ParseAddrPort(s)
		if err != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

// trustedProxy reports whether a is in one of trusted.
// forwardedScheme are the headers by which a proxy tells the scheme a request came by (echo's Context.Scheme
// reads them).
var forwardedScheme = []string{"X-Forwarded-Proto", "X-Forwarded-Protocol", "X-Forwarded-Ssl", "X-Url-Scheme", "Forwarded"}

// fromTrustedProxy reports whether r's peer is one of the trusted proxies.
func fromTrustedProxy(r *http.Request, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	return err == nil && trustedProxy(ap.Addr().Unmap().WithZone(""), trusted)
}

func trustedProxy(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// tokenTTL is how long a server trusts a bearer token or a session it verified without asking the database
// again: a revoked token, an ended session or a disabled user is refused by every instance within it. A session
// ended on this server (signing out, signing in over it) is dropped at once.
const tokenTTL = time.Second

// credentialGrace is how long after its last verification a server keeps honouring a token or a session while
// the database cannot be reached (the verification fails with EUNAVAILABLE): reads the index answers go on
// during a restart of the database. A credential never verified is never accepted; a revocation made meanwhile
// takes effect when the database answers again. Past it, requests with the credential get the 503.
const credentialGrace = 5 * time.Minute

// maxCachedTokens bounds the verified credentials a server keeps, of each kind; past it, those past their grace
// go, then all.
const maxCachedTokens = 10000

// credentialCache keeps recently verified credentials (a token's user, a session), by the SHA-256 of their secret
// (never the secret), so that an authenticated request costs no database round trip, and so that a credential
// verified within credentialGrace is still honoured while the database is unavailable. Refused credentials are
// not kept.
type credentialCache[V any] struct {
	mu  sync.Mutex
	m   map[[sha256.Size]byte]cached[V]
	now func() time.Time
	// outage spaces the verifications while the database is unavailable (nil: each lookup past TTL verifies).
	outage *dbOutage
}

type cached[V any] struct {
	v     V
	until time.Time // fresh: trusted without asking the database
	grace time.Time // honoured while the database is unavailable
}

// tokenCache keeps the users of bearer tokens; sessionCache the sessions of cookies.
type (
	tokenCache struct {
		*credentialCache[landrelease.User]
	}
	sessionCache struct {
		*credentialCache[landrelease.Session]
	}
)

func newCredentialCache[V any]() *credentialCache[V] {
	return &credentialCache[V]{m: map[[sha256.Size]byte]cached[V]{}, now: time.Now}
}

func newTokenCache() *tokenCache { return &tokenCache{newCredentialCache[landrelease.User]()} }

func newSessionCache() *sessionCache { return &sessionCache{newCredentialCache[landrelease.Session]()} }

// lookup returns the credential of secret, from the cache while it is fresh, else from verify: a verified
// credential is fresh until tokenTTL from now and honoured through an outage until credentialGrace from now
// (either until expires when that is sooner and not zero). When verify fails with EUNAVAILABLE, the cached
// credential is returned while within its grace; any other failure forgets it. While c.outage holds the
// database unavailable, verify is not called: the cached credential is returned within its grace, else the
// outage's error.
func (c *credentialCache[V]) lookup(secret string, verify func() (V, time.Time, error)) (V, error) {
	key := sha256.Sum256([]byte(secret))
	now := c.now()
	c.mu.Lock()
	e, ok := c.m[key]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.v, nil
	}
	if down := c.outage.shut(now); down != nil {
		if ok && now.Before(e.grace) {
			return e.v, nil
		}
		var zero V
		return zero, down
	}
	v, expires, err := verify()
	c.outage.observe(now, err)
	if err != nil {
		if ok && landrelease.ErrorCode(err) == landrelease.EUNAVAILABLE && now.Before(e.grace) {
			return e.v, nil
		}
		if ok {
			c.drop(secret)
		}
		return v, err
	}
	until, grace := now.Add(tokenTTL), now.Add(credentialGrace)
	if !expires.IsZero() {
		until, grace = earlier(until, expires), earlier(grace, expires)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= maxCachedTokens {
		for k, x := range c.m {
			if !now.Before(x.grace) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= maxCachedTokens {
			clear(c.m)
		}
	}
	c.m[key] = cached[V]{v: v, until: until, grace: grace}
	return v, nil
}

// earlier returns the earlier of a and b.
func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// drop forgets the credential of secret.
func (c *credentialCache[V]) drop(secret string) {
	key := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	delete(c.m, key)
	c.mu.Unlock()
}

// authenticate returns the user of token, from the cache while it is fresh, else from users.
func (c *tokenCache) authenticate(ctx context.Context, users landrelease.UserService, token string) (*landrelease.User, error) {
	u, err := c.lookup(token, func() (landrelease.User, time.Time, error) {
		u, err := users.Authenticate(ctx, token)
		if err != nil {
			return landrelease.User{}, time.Time{}, err
		}
		return *u, time.Time{}, nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// session returns the session of a cookie's secret, from the cache while it is fresh, else from users.
func (c *sessionCache) session(ctx context.Context, users landrelease.UserService, secret string) (*landrelease.Session, error) {
	sess, err := c.lookup(secret, func() (landrelease.Session, time.Time, error) {
		s, err := users.SessionUser(ctx, secret)
		if err != nil {
			return landrelease.Session{}, time.Time{}, err
		}
		out := *s
		u := *s.User
		out.User = &u
		return out, s.ExpiresAt, nil
	})
	if err != nil {
		return nil, err
	}
	u := *sess.User // callers get copies
	sess.User = &u
	return &sess, nil
}
