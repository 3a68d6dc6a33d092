package api

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// sessionCookie holds a web session's secret.
const sessionCookie = "lr_session"

// csrfHeader carries a session's CSRF token on every unsafe request authenticated by the cookie.
const csrfHeader = "X-CSRF-Token"

type sessionAnswer struct {
	User      string    `json:"user"`
	Role      string    `json:"role"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func answer(s *landrelease.Session) sessionAnswer {
	return sessionAnswer{User: s.User.Name, Role: string(s.User.Role), CSRFToken: s.CSRFToken, ExpiresAt: s.ExpiresAt}
}

// secureCookiesKey marks, in a request's context, a server whose session cookies always carry Secure.
type secureCookiesKey struct{}

// SecureCookies returns h serving its session cookies with the Secure attribute whatever the request says of
// its scheme: a server behind a proxy that ends TLS without saying so (X-Forwarded-Proto) still keeps browsers
// from sending the cookie in clear. landrelease serve --secure-cookies wraps the API with it.
func SecureCookies(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), secureCookiesKey{}, true)))
	})
}

// secure reports whether the session cookie must carry Secure: always under SecureCookies, otherwise when the
// request came over TLS, directly or through a proxy that says so.
func secure(r *http.Request) bool {
	if on, _ := r.Context().Value(secureCookiesKey{}).(bool); on {
		return true
	}
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sessionPath is the route of signing in (POST) and out (DELETE).
const sessionPath = "/api/v1/session"

// isSignIn reports whether c is a sign-in: it authenticates by its password, not by a session cookie it may
// carry (a session of the same or of another user, which the sign-in then ends).
func isSignIn(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == sessionPath
}

// signIn answers POST /api/v1/session {"user", "password"}: it sets the session cookie (HttpOnly, SameSite=Strict,
// Secure behind TLS or under SecureCookies) and returns the CSRF token. A session the request's cookie holds (of
// this user or another) is ended: the new one replaces it. Browsers' cross-site sign-ins (Sec-Fetch-Site) are
// refused: a page elsewhere cannot sign a visitor in as someone else. A user name over maxUserName bytes is
// refused with EBADREQUEST before any work; failed sign-ins are throttled by the client's address (clientAddress)
// and user name, with ETOOMANY and Retry-After (see throttle).
func (s *Server) signIn(c echo.Context) error {
	if strings.EqualFold(c.Request().Header.Get("Sec-Fetch-Site"), "cross-site") {
		return landrelease.Errorf(landrelease.EFORBIDDEN, "Sign in from the registry's own pages.")
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var req struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	if err := json.Unmarshal(b, &req); err != nil {
		return &landrelease.Error{Code: landrelease.EBADREQUEST, Message: `Send {"user": "...", "password": "..."}.`, Err: err}
	}
	if len(req.User) > maxUserName {
		return landrelease.Errorf(landrelease.EBADREQUEST, "A user name is at most %d bytes.", maxUserName)
	}
	user := strings.ToLower(strings.TrimSpace(req.User))
	addr := throttleAddr(clientAddress(c.Request(), s.cfg.TrustedProxies))
	if wait := s.signIns.admit(user, addr); wait > 0 {
		secs := int(wait.Seconds()) + 1
		c.Response().Header().Set("Retry-After", strconv.Itoa(secs))
		if secs < 60 {
			return landrelease.Errorf(landrelease.ETOOMANY, "Too many failed sign-ins: try again in %d seconds.", secs)
		}
		return landrelease.Errorf(landrelease.ETOOMANY, "Too many failed sign-ins: try again in %d minutes.", int(wait.Minutes())+1)
	}
	outcome := errUnfinished
	defer func() { s.signIns.done(user, addr, outcome) }()
	sess, err := s.cfg.Users.SignIn(c.Request().Context(), strings.TrimSpace(req.User), req.Password)
	outcome = err
	if err != nil {
		return err
	}
	if ck, err := c.Cookie(sessionCookie); err == nil && ck.Value != "" && ck.Value != sess.Secret {
		s.sessions.drop(ck.Value)
		if err := s.cfg.Users.SignOut(c.Request().Context(), ck.Value); err != nil {
			// The new session stands; the old one ends at its expiry.
			s.cfg.Logger.Warn("sign-in: ending the previous session failed", "user", sess.User.Name, "err", err)
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure(c.Request()), Expires: sess.ExpiresAt})
	return c.JSON(http.StatusOK, answer(sess))
}

// session answers GET /api/v1/session: who is signed in, with the CSRF token.
func (s *Server) session(c echo.Context) error {
	sess, ok := c.Get("session").(*landrelease.Session)
	if !ok {
		return landrelease.Errorf(landrelease.EUNAUTHORIZED, "Not signed in.")
	}
	return c.JSON(http.StatusOK, answer(sess))
}

// signOut answers DELETE /api/v1/session.
func (s *Server) signOut(c echo.Context) error {
	if ck, err := c.Cookie(sessionCookie); err == nil {
		s.sessions.drop(ck.Value)
		if err := s.cfg.Users.SignOut(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure(c.Request()), MaxAge: -1})
	return c.NoContent(http.StatusNoContent)
}

// cookieUser authenticates a request by its session cookie; unsafe methods must carry the session's CSRF token.
// A sign-in is left anonymous: it needs no session, and the one its cookie holds is ended by it.
func (s *Server) cookieUser(c echo.Context, secret string) error {
	if isSignIn(c) {
		return nil
	}
	sess, err := s.sessions.session(c.Request().Context(), s.cfg.Users, secret)
	if landrelease.ErrorCode(err) == landrelease.EUNAUTHORIZED {
		return nil // an ended session reads as anonymous; writes then ask to sign in
	} else if err != nil {
		return err
	}
	switch c.Request().Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := c.Request().Header.Get(csrfHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRFToken)) != 1 {
			return landrelease.Errorf(landrelease.EFORBIDDEN, "Send the session's CSRF token in the %s header.", csrfHeader)
		}
	}
	c.Set("session", sess)
	c.SetRequest(c.Request().WithContext(landrelease.NewContextWithUser(c.Request().Context(), sess.User)))
	return nil
}
