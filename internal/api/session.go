package api

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
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

// secure reports whether the request came over TLS, directly or through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// signIn answers POST /api/v1/session {"user", "password"}: it sets the session cookie (HttpOnly, SameSite=Strict,
// Secure behind TLS) and returns the CSRF token.
func (s *Server) signIn(c echo.Context) error {
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
	user := strings.ToLower(strings.TrimSpace(req.User))
	keys := []string{"user:" + user, "ip:" + c.RealIP()}
	if wait := s.signIns.blocked(keys...); wait > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return landrelease.Errorf(landrelease.ETOOMANY, "Too many failed sign-ins: try again in %d minutes.", int(wait.Minutes())+1)
	}
	sess, err := s.cfg.Users.SignIn(c.Request().Context(), strings.TrimSpace(req.User), req.Password)
	if landrelease.ErrorCode(err) == landrelease.EUNAUTHORIZED {
		s.signIns.fail(keys...)
	}
	if err != nil {
		return err
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
		if err := s.cfg.Users.SignOut(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.SetCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: secure(c.Request()), MaxAge: -1})
	return c.NoContent(http.StatusNoContent)
}

// cookieUser authenticates a request by its session cookie; unsafe methods must carry the session's CSRF token.
func (s *Server) cookieUser(c echo.Context, secret string) error {
	sess, err := s.cfg.Users.SessionUser(c.Request().Context(), secret)
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

// Sign-in throttling: this many failures for one user name, or from one address, within the window block
// further attempts until the oldest failure leaves the window.
const (
	signInFailures = 10
	signInWindow   = 15 * time.Minute
)

// throttle counts recent failures by key.
type throttle struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
	now    func() time.Time
}

func newThrottle(max int, window time.Duration) *throttle {
	return &throttle{max: max, window: window, fails: map[string][]time.Time{}, now: time.Now}
}

// recent drops failures older than the window; the caller holds mu.
func (t *throttle) recent(key string) []time.Time {
	cut := t.now().Add(-t.window)
	fs := t.fails[key]
	i := 0
	for i < len(fs) && fs[i].Before(cut) {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.fails, key)
	} else {
		t.fails[key] = fs
	}
	return fs
}

// blocked returns how long any of keys stays blocked, 0 when none is.
func (t *throttle) blocked(keys ...string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		if fs := t.recent(k); len(fs) >= t.max {
			wait = max(wait, fs[0].Add(t.window).Sub(t.now()))
		}
	}
	return wait
}

// fail records a failure for each key.
func (t *throttle) fail(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.fails[k] = append(t.recent(k), t.now())
	}
}
