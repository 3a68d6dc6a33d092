package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
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
