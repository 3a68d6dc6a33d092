package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestSignInThrottleAddress checks over HTTP which address sign-ins are throttled by and the audit trail records:
// the connection's peer, whatever X-Forwarded-For says, unless the peer is a proxy named by serve --trusted-proxy;
// then the forwarded address, so that a flood from other addresses does not lock a user out. A user name over 256
// bytes is refused.
func TestSignInThrottleAddress(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		forward bool // X-Forwarded-For is believed (the test's peer, 127.0.0.1, is a trusted proxy)
	}{
		{"no trusted proxy", nil, false},
		{"the peer is not a trusted proxy", []string{"--trusted-proxy", "10.0.0.0/8,192.168.0.0/16"}, false},
		{"behind a trusted proxy", []string{"--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "127.0.0.1"}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := startClosed(t, c.args...)
			admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))
			a.cli("token", "create", "--user", "amy", "--role", "data_manager")
			a.env("LANDRELEASE_PASSWORD", "amy's right password")
			a.cli("password", "set", "--user", "amy")
			signIn := func(user, password, xff string) response {
				t.Helper()
				return a.do("POST", "/api/v1/session", "", map[string]string{"X-Forwarded-For": xff},
					map[string]string{"user": user, "password": password})
			}

			if res := signIn(strings.Repeat("a", 300), "whatever", ""); res.status != http.StatusBadRequest {
				t.Errorf("a 300-byte user name: %d %v", res.status, res.body)
			}
			// 10 wrong passwords, for other names, each claiming another origin left of 203.0.113.1.
			for i := range 10 {
				if res := signIn(fmt.Sprintf("nobody%d", i), "wrong password", fmt.Sprintf("198.51.100.%d, 203.0.113.1", i)); res.status != http.StatusUnauthorized {
					t.Fatalf("wrong password %d: %d %v", i, res.status, res.body)
				}
			}
			res := signIn("amy", "amy's right password", "203.0.113.2")
			if !c.forward {
				// All came from 127.0.0.1: the address has failed 10 times.
				if res.status != http.StatusTooManyRequests || res.header.Get("Retry-After") == "" || errCode(res) != "too_many_requests" {
					t.Fatalf("after 10 failures from this peer, claiming another address: %d %v %v", res.status, res.header, res.body)
				}
			} else {
				if res.status != http.StatusOK {
					t.Fatalf("from a clean forwarded address: %d %v", res.status, res.body)
				}
				if res := signIn("amy", "amy's right password", "203.0.113.1"); res.status != http.StatusTooManyRequests {
					t.Fatalf("from the forwarded address that failed 10 times: %d %v", res.status, res.body)
				}
				// A flood of wrong passwords for amy from 30 addresses does not lock her out of a clean one.
				for i := range 30 {
					if res := signIn("amy", "wrong password", fmt.Sprintf("192.0.2.%d", i)); res.status != http.StatusUnauthorized {
						t.Fatalf("wrong password for amy from 192.0.2.%d: %d %v", i, res.status, res.body)
					}
				}
				if res := signIn("amy", "wrong password", "192.0.2.3"); res.status != http.StatusTooManyRequests {
					t.Errorf("the account's budget spent, from an address that failed: %d %v", res.status, res.body)
				}
				if res := signIn("amy", "amy's right password", "203.0.113.3"); res.status != http.StatusOK {
					t.Errorf("amy from a clean address after the flood: %d %v", res.status, res.body)
				}
			}
			// The audit trail records the same address.
			audit := a.do("GET", "/api/v1/audit?action=sign_in_failed&user=nobody3", admin, nil, nil)
			es, _ := audit.body["entries"].([]any)
			want := "127.0.0.1"
			if c.forward {
				want = "203.0.113.1"
			}
			if len(es) != 1 || es[0].(map[string]any)["address"] != want {
				t.Errorf("the audit trail of nobody3's failed sign-in: %d %v, want the address %s", audit.status, audit.body, want)
			}
		})
	}
}
