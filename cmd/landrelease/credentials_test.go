package main

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestCredentials: tokens are listed without their secrets and expire; a revoked token, a disabled user or an
// expired token is refused by a running server within a second (tokenTTL); a role change holds from the next
// requests; a password change ends the user's sessions; every change is in the audit trail.
func TestCredentials(t *testing.T) {
	a := startClosed(t)
	read := func(token string) int {
		t.Helper()
		return a.do("GET", "/api/v1/hazard-areas?limit=1", token, nil, nil).status
	}
	// refusedWithin waits past the server's cache of verified tokens (1 s) and checks token is refused.
	refusedWithin := func(what, token string) {
		t.Helper()
		time.Sleep(1100 * time.Millisecond)
		if got := read(token); got != http.StatusUnauthorized {
			t.Errorf("%s: %d a second later, want 401", what, got)
		}
	}
	amy := strings.TrimSpace(a.cli("token", "create", "--user", "amy", "--role", "reporting_officer"))
	bob := strings.TrimSpace(a.cli("token", "create", "--user", "bob", "--role", "field_team", "--expires", "30d"))
	for _, tok := range []string{amy, bob} {
		if got := read(tok); got != http.StatusOK {
			t.Fatalf("a new token reads: %d", got)
		}
	}
	list := a.cli("token", "list")
	if strings.Contains(list, amy) || strings.Contains(list, bob) || !strings.Contains(list, "amy") || !strings.Contains(list, "bob") {
		t.Fatalf("token list:\n%s", list)
	}
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var days float64
	if err := conn.QueryRow(context.Background(), `SELECT extract(epoch FROM t.expires_at - t.created_at) / 86400 FROM api_token t JOIN app_user u ON u.id = t.user_id WHERE u.name = 'amy'`).Scan(&days); err != nil || days < 89.9 || days > 90.1 {
		t.Errorf("default lifetime %.2f days (%v), want 90", days, err)
	}

	// Revoked: refused within a second; revoking again is a conflict.
	var amyID string
	for _, line := range strings.Split(list, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "amy" {
			amyID = f[0]
		}
	}
	read(amy) // cached now
	a.cli("token", "revoke", amyID)
	refusedWithin("a revoked token", amy)
	var out, errb strings.Builder
	if err := run(context.Background(), []string{"token", "revoke", amyID}, a.getenv, &out, &errb); err == nil {
		t.Error("revoking a revoked token succeeded")
	}

	// Role change: bob, a field team, may not approve; as a data manager he reaches the handler (404: no upload).
	if got := a.do("POST", "/api/v1/uploads/999/approve", bob, nil, map[string]any{}).status; got != http.StatusForbidden {
		t.Errorf("field team approves: %d, want 403", got)
	}
	a.cli("user", "set-role", "bob", "data_manager")
	time.Sleep(1100 * time.Millisecond)
	if got := a.do("POST", "/api/v1/uploads/999/approve", bob, nil, map[string]any{}).status; got != http.StatusNotFound {
		t.Errorf("after set-role data_manager, approve: %d, want 404", got)
	}

	// Disabled: token and session refused within a second, sign-in refused; enabled again, the token works.
	a.env("LANDRELEASE_PASSWORD", "bob-password-1")
	a.cli("password", "set", "--user", "bob")
	cookie := a.signIn("bob", "bob-password-1")
	if got := a.withCookie("GET", "/api/v1/hazard-areas?limit=1", cookie); got != http.StatusOK {
		t.Fatalf("a session reads: %d", got)
	}
	a.cli("user", "disable", "bob")
	refusedWithin("a disabled user's token", bob)
	if got := a.withCookie("GET", "/api/v1/hazard-areas?limit=1", cookie); got != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d, want 401", got)
	}
	if res := a.do("POST", "/api/v1/session", "", nil, map[string]string{"user": "bob", "password": "bob-password-1"}); res.status != http.StatusUnauthorized {
		t.Errorf("a disabled user signs in: %d", res.status)
	}
	a.cli("user", "enable", "bob")
	if got := read(bob); got != http.StatusOK {
		t.Errorf("enabled again, the token: %d", got)
	}
	if !strings.Contains(a.cli("user", "list"), "bob") {
		t.Error("user list has no bob")
	}

	// A password change ends the user's sessions.
	cookie = a.signIn("bob", "bob-password-1")
	a.env("LANDRELEASE_PASSWORD", "bob-password-2")
	a.cli("password", "set", "--user", "bob")
	time.Sleep(1100 * time.Millisecond) // a server trusts a session it verified for a second
	if got := a.withCookie("GET", "/api/v1/hazard-areas?limit=1", cookie); got != http.StatusUnauthorized {
		t.Errorf("a session after a password change: %d, want 401", got)
	}

	// Expired: a token past its expiry is refused.
	if _, err := conn.Exec(context.Background(), `UPDATE api_token SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM app_user WHERE name = 'bob')`); err != nil {
		t.Fatal(err)
	}
	refusedWithin("an expired token", bob)

	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(DISTINCT action) FROM audit_log WHERE action IN
		('create_token', 'revoke_token', 'set_role', 'disable_user', 'enable_user', 'set_password')`).Scan(&n); err != nil || n != 6 {
		t.Errorf("audit trail holds %d of the 6 kinds of credential change (%v)", n, err)
	}
}

// env sets an environment variable of the in-process commands.
func (a *app) env(k, v string) {
	prev := a.getenv
	a.getenv = func(key string) string {
		if key == k {
			return v
		}
		return prev(key)
	}
}

// signIn signs in over the API and returns the session cookie.
func (a *app) signIn(user, password string) *http.Cookie {
	a.t.Helper()
	res := a.do("POST", "/api/v1/session", "", nil, map[string]string{"user": user, "password": password})
	if res.status != http.StatusOK && res.status != http.StatusCreated {
		a.t.Fatalf("sign in %s: %d %v", user, res.status, res.body)
	}
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == "lr_session" {
			return c
		}
	}
	a.t.Fatalf("sign in %s: no session cookie", user)
	return nil
}

// withCookie sends a request with a session cookie and returns the status.
func (a *app) withCookie(method, path string, c *http.Cookie) int {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, nil)
	req.AddCookie(c)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
