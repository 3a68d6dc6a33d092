package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

func TestSignIn(t *testing.T) {
	a := start(t)
	a.cli("token", "create", "--user", "amy", "--role", "data_manager")
	var out, errb bytes.Buffer
	env := func(k string) string {
		if k == "LANDRELEASE_PASSWORD" {
			return "correct horse battery"
		}
		return a.getenv(k)
	}
	if err := run(context.Background(), []string{"password", "set", "--user", "amy"}, env, &out, &errb); err != nil {
		t.Fatalf("password set: %v %s", err, errb.String())
	}
	short := func(k string) string {
		if k == "LANDRELEASE_PASSWORD" {
			return "short"
		}
		return a.getenv(k)
	}
	if err := run(context.Background(), []string{"password", "set", "--user", "amy"}, short, &out, &errb); err == nil {
		t.Error("a 5-character password was accepted")
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	call := func(method, path, csrf string, body any) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, a.base+path, rd)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	if st, _ := call("POST", "/api/v1/session", "", map[string]string{"user": "amy", "password": "wrong password!"}); st != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", st)
	}
	if st, _ := call("POST", "/api/v1/session", "", map[string]string{"user": "nobody", "password": "correct horse battery"}); st != http.StatusUnauthorized {
		t.Fatalf("unknown user: %d", st)
	}
	st, sess := call("POST", "/api/v1/session", "", map[string]string{"user": "amy", "password": "correct horse battery"})
	csrf, _ := sess["csrf_token"].(string)
	if st != http.StatusOK || sess["role"] != "data_manager" || csrf == "" {
		t.Fatalf("sign in: %d %v", st, sess)
	}
	for _, c := range jar.Cookies(mustURL(a.base)) {
		if c.Name == "lr_session" && strings.HasPrefix(c.Value, "lrs_") {
			goto signedIn
		}
	}
	t.Fatal("no session cookie")
signedIn:
	if st, me := call("GET", "/api/v1/session", "", nil); st != http.StatusOK || me["user"] != "amy" {
		t.Fatalf("who am I: %d %v", st, me)
	}
	hz := hazardFeature("LA-VT-2024-0777", 102.5, 18, 102.501, 18.001)
	// A write with the cookie but without the CSRF token is refused; with it, it goes through.
	if st, body := call("POST", "/api/v1/hazard-areas", "", hz); st != http.StatusForbidden {
		t.Fatalf("write without CSRF token: %d %v", st, body)
	}
	if st, body := call("POST", "/api/v1/hazard-areas", "not-the-token", hz); st != http.StatusForbidden {
		t.Fatalf("write with a wrong CSRF token: %d %v", st, body)
	}
	if st, body := call("POST", "/api/v1/hazard-areas", csrf, hz); st != http.StatusCreated || body["properties"].(map[string]any)["recorded_by"] != "amy" {
		t.Fatalf("write with the session: %d %v", st, body)
	}
	// Sign out: the session ends; reads stay open, writes ask to sign in.
	if st, _ := call("DELETE", "/api/v1/session", csrf, nil); st != http.StatusNoContent {
		t.Fatalf("sign out: %d", st)
	}
	if st, _ := call("GET", "/api/v1/session", "", nil); st != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d", st)
	}
	if st, _ := call("GET", "/api/v1/hazard-areas/LA-VT-2024-0777", "", nil); st != http.StatusOK {
		t.Errorf("read after sign-out: %d", st)
	}
}

// TestSignInAsAnother checks that signing in while signed in works over HTTP, as someone else: the sign-in carries
// the old session's cookie without its CSRF token, the new session replaces the old one, which is ended; other
// writes with the cookie still need the CSRF token.
func TestSignInAsAnother(t *testing.T) {
	a := start(t)
	for _, u := range []string{"amy", "bob"} {
		a.cli("token", "create", "--user", u, "--role", "data_manager")
		env := func(k string) string {
			if k == "LANDRELEASE_PASSWORD" {
				return "password of " + u
			}
			return a.getenv(k)
		}
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"password", "set", "--user", u}, env, &out, &errb); err != nil {
			t.Fatalf("password set %s: %v %s", u, err, errb.String())
		}
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	call := func(method, path, csrf string, body any, cookie string) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, a.base+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if csrf != "" {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		c := client
		if cookie != "" { // this cookie only, not the jar's
			c = http.DefaultClient
			req.AddCookie(&http.Cookie{Name: "lr_session", Value: cookie})
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	sessionCookie := func() string {
		for _, c := range jar.Cookies(mustURL(a.base)) {
			if c.Name == "lr_session" {
				return c.Value
			}
		}
		return ""
	}
	st, sess := call("POST", "/api/v1/session", "", map[string]string{"user": "amy", "password": "password of amy"}, "")
	amy := sessionCookie()
	if st != http.StatusOK || sess["user"] != "amy" || amy == "" {
		t.Fatalf("sign in as amy: %d %v", st, sess)
	}
	// Signed in as amy, sign in as bob: the request carries amy's cookie, not her CSRF token.
	st, sess = call("POST", "/api/v1/session", "", map[string]string{"user": "bob", "password": "password of bob"}, "")
	bob := sessionCookie()
	if st != http.StatusOK || sess["user"] != "bob" || bob == "" || bob == amy {
		t.Fatalf("sign in as bob while signed in as amy: %d %v", st, sess)
	}
	if st, me := call("GET", "/api/v1/session", "", nil, ""); st != http.StatusOK || me["user"] != "bob" {
		t.Errorf("who am I after signing in as bob: %d %v", st, me)
	}
	if st, me := call("GET", "/api/v1/session", "", nil, amy); st != http.StatusUnauthorized {
		t.Errorf("amy's replaced session: %d %v", st, me)
	}
	// Signing in again as the same user replaces the session too.
	st, sess = call("POST", "/api/v1/session", "", map[string]string{"user": "bob", "password": "password of bob"}, "")
	if bob2 := sessionCookie(); st != http.StatusOK || bob2 == bob {
		t.Fatalf("sign in as bob again: %d %v", st, sess)
	}
	if st, _ := call("GET", "/api/v1/session", "", nil, bob); st != http.StatusUnauthorized {
		t.Errorf("bob's replaced session: %d", st)
	}
	csrf, _ := sess["csrf_token"].(string)
	// Other writes with the cookie still need the session's CSRF token.
	hz := hazardFeature("LA-VT-2024-0778", 102.5, 18, 102.501, 18.001)
	if st, body := call("POST", "/api/v1/hazard-areas", "", hz, ""); st != http.StatusForbidden {
		t.Errorf("write without the CSRF token: %d %v", st, body)
	}
	if st, body := call("POST", "/api/v1/hazard-areas", csrf, hz, ""); st != http.StatusCreated || props(response{body: body})["recorded_by"] != "bob" {
		t.Errorf("write as bob: %d %v", st, body)
	}
}

// TestSecureCookiesFlag checks the session cookie's Secure attribute: off by default on a loopback address (a
// browser on the machine, over plain HTTP), on with --secure-cookies; and that the default is on for any other.
func TestSecureCookiesFlag(t *testing.T) {
	for _, c := range []struct {
		addr string
		want bool
	}{{"127.0.0.1:8080", true}, {"[::1]:8080", true}, {"0.0.0.0:8080", false}, {"[::]:8080", false}, {"192.0.2.7:8080", false}} {
		a, err := net.ResolveTCPAddr("tcp", c.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := loopback(a); got != c.want {
			t.Errorf("loopback(%s) = %v", c.addr, got)
		}
	}
	url := pgtest.NewDatabase(t)
	for _, c := range []struct {
		flags  []string
		secure bool
	}{{nil, false}, {[]string{"--secure-cookies"}, true}, {[]string{"--secure-cookies=false"}, false}} {
		a := startOn(t, url, c.flags...)
		if c.flags == nil {
			a.cli("token", "create", "--user", "amy", "--role", "data_manager")
			env := func(k string) string {
				if k == "LANDRELEASE_PASSWORD" {
					return "correct horse battery"
				}
				return a.getenv(k)
			}
			var out, errb bytes.Buffer
			if err := run(context.Background(), []string{"password", "set", "--user", "amy"}, env, &out, &errb); err != nil {
				t.Fatalf("password set: %v %s", err, errb.String())
			}
		}
		res, err := http.Post(a.base+"/api/v1/session", "application/json", strings.NewReader(`{"user": "amy", "password": "correct horse battery"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var got *http.Cookie
		for _, ck := range res.Cookies() {
			if ck.Name == "lr_session" {
				got = ck
			}
		}
		if res.StatusCode != http.StatusOK || got == nil || got.Secure != c.secure {
			t.Errorf("serve %v: %d, Set-Cookie %q, want Secure %v", c.flags, res.StatusCode, res.Header.Get("Set-Cookie"), c.secure)
		}
	}
}
