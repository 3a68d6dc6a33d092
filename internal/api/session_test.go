package api

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// fakeUsers is a UserService of sessions in memory: every password is "pw".
type fakeUsers struct {
	landrelease.UserService // the rest is not called

	mu       sync.Mutex
	n        int
	sessions map[string]*landrelease.Session
}

func (f *fakeUsers) SignIn(_ context.Context, name, password string) (*landrelease.Session, error) {
	if password != "pw" {
		return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "Wrong name or password.")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	s := &landrelease.Session{User: &landrelease.User{Name: name, Role: landrelease.RoleDataManager},
		Secret: fmt.Sprintf("lrs_%d", f.n), CSRFToken: fmt.Sprintf("csrf_%d", f.n), ExpiresAt: time.Now().Add(time.Hour)}
	f.sessions[s.Secret] = s
	return s, nil
}

func (f *fakeUsers) SessionUser(_ context.Context, secret string) (*landrelease.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.sessions[secret]; ok {
		return s, nil
	}
	return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "The session has ended: sign in again.")
}

func (f *fakeUsers) SignOut(_ context.Context, secret string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.sessions, secret)
	return nil
}

// TestSignInOverSession checks that signing in with a session's cookie (of another user, without its CSRF
// token) works and ends that session, that other unsafe requests with the cookie still need the token, and that
// browsers' cross-site sign-ins are refused.
func TestSignInOverSession(t *testing.T) {
	users := &fakeUsers{sessions: map[string]*landrelease.Session{}}
	srv := New(Config{Users: users})
	call := func(method, path, cookie, csrf, body string, header ...string) *httptest.ResponseRecorder {
		t.Helper()
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if cookie != "" {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: cookie})
		}
		if csrf != "" {
			r.Header.Set(csrfHeader, csrf)
		}
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		return w
	}
	cookieOf := func(w *httptest.ResponseRecorder) string {
		for _, c := range w.Result().Cookies() {
			if c.Name == sessionCookie {
				return c.Value
			}
		}
		return ""
	}
	w := call("POST", sessionPath, "", "", `{"user": "amy", "password": "pw"}`)
	amy := cookieOf(w)
	if w.Code != http.StatusOK || amy == "" {
		t.Fatalf("sign in: %d %s", w.Code, w.Body)
	}
	if w := call("POST", sessionPath, amy, "", `{"user": "bob", "password": "wrong"}`); w.Code != http.StatusUnauthorized {
		t.Errorf("wrong password over a session: %d %s", w.Code, w.Body)
	}
	if _, err := users.SessionUser(context.Background(), amy); err != nil {
		t.Errorf("a failed sign-in ended the session: %v", err)
	}
	w = call("POST", sessionPath, amy, "", `{"user": "bob", "password": "pw"}`)
	bob := cookieOf(w)
	if w.Code != http.StatusOK || bob == "" || bob == amy || !strings.Contains(w.Body.String(), `"user":"bob"`) {
		t.Fatalf("sign in as bob over amy's session: %d %s", w.Code, w.Body)
	}
	if _, err := users.SessionUser(context.Background(), amy); err == nil {
		t.Error("amy's session was not ended by bob's sign-in")
	}
	// Other unsafe requests with the cookie still need the session's CSRF token.
	if w := call("DELETE", sessionPath, bob, "", ""); w.Code != http.StatusForbidden {
		t.Errorf("sign-out without the CSRF token: %d %s", w.Code, w.Body)
	}
	if w := call("DELETE", sessionPath, bob, "csrf_2", ""); w.Code != http.StatusNoContent {
		t.Errorf("sign-out with the CSRF token: %d %s", w.Code, w.Body)
	}
	// A browser's cross-site sign-in is refused, and ends nothing.
	w = call("POST", sessionPath, "", "", `{"user": "amy", "password": "pw"}`)
	amy = cookieOf(w)
	if w := call("POST", sessionPath, amy, "", `{"user": "eve", "password": "pw"}`, "Sec-Fetch-Site", "cross-site"); w.Code != http.StatusForbidden {
		t.Errorf("cross-site sign-in: %d %s", w.Code, w.Body)
	}
	if _, err := users.SessionUser(context.Background(), amy); err != nil {
		t.Errorf("a refused sign-in ended the session: %v", err)
	}
	if w := call("POST", sessionPath, "", "", `{"user": "amy", "password": "pw"}`, "Sec-Fetch-Site", "same-origin"); w.Code != http.StatusOK {
		t.Errorf("same-origin sign-in: %d %s", w.Code, w.Body)
	}
}

// TestSecureCookies checks the session cookie's Secure attribute: set behind TLS (as a proxy says), not over
// plain HTTP, and always under SecureCookies.
func TestSecureCookies(t *testing.T) {
	users := &fakeUsers{sessions: map[string]*landrelease.Session{}}
	srv := New(Config{Users: users})
	// httptest's requests come from 192.0.2.1: behind that proxy, its X-Forwarded-Proto is believed.
	proxied := New(Config{Users: users, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/32")}})
	for _, c := range []struct {
		name   string
		h      http.Handler
		proto  string
		secure bool
	}{
		{"plain", srv, "", false},
		{"an untrusted client says https", srv, "https", false},
		{"a trusted proxy says https", proxied, "https", true},
		{"forced", SecureCookies(srv), "", true},
		{"forced, proxy says http", SecureCookies(proxied), "http", true},
	} {
		for _, method := range []string{"POST", "DELETE"} { // sign in, sign out
			r := httptest.NewRequest(method, sessionPath, strings.NewReader(`{"user": "amy", "password": "pw"}`))
			r.Header.Set("Content-Type", "application/json")
			if c.proto != "" {
				r.Header.Set("X-Forwarded-Proto", c.proto)
			}
			w := httptest.NewRecorder()
			c.h.ServeHTTP(w, r)
			cs := w.Result().Cookies()
			if len(cs) != 1 || cs[0].Name != sessionCookie {
				t.Errorf("%s: %s: cookies %v (%d %s)", c.name, method, cs, w.Code, w.Body)
				continue
			}
			if cs[0].Secure != c.secure || !cs[0].HttpOnly || cs[0].SameSite != http.SameSiteStrictMode {
				t.Errorf("%s: %s: %s", c.name, method, w.Header().Get("Set-Cookie"))
			}
		}
	}
}
