package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestUsersAPI: an administrator creates a user with a password, changes the role, creates and revokes a token,
// disables and enables the user over the API; each holds for the next requests.
func TestUsersAPI(t *testing.T) {
	a := startClosed(t)
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))
	if res := a.do("POST", "/api/v1/users", admin, nil, map[string]string{"name": "zoe", "role": "field_team", "password": "zoe-password-1"}); res.status != http.StatusCreated {
		t.Fatalf("create user: %d %v", res.status, res.body)
	}
	if res := a.do("POST", "/api/v1/users", admin, nil, map[string]string{"name": "zoe", "role": "field_team"}); res.status != http.StatusConflict {
		t.Errorf("create zoe again: %d", res.status)
	}
	cookie := a.signIn("zoe", "zoe-password-1")
	if got := a.withCookie("GET", "/api/v1/uploads", cookie); got != http.StatusOK {
		t.Errorf("zoe, a field team, lists her uploads: %d", got)
	}
	if res := a.do("PATCH", "/api/v1/users/zoe", admin, nil, map[string]string{"role": "reporting_officer"}); res.status != http.StatusNoContent {
		t.Fatalf("set role: %d %v", res.status, res.body)
	}
	time.Sleep(1100 * time.Millisecond) // a server trusts a session it verified for a second
	if got := a.withCookie("GET", "/api/v1/uploads", cookie); got != http.StatusForbidden {
		t.Errorf("zoe, now a reporting officer, lists uploads: %d, want 403", got)
	}
	res := a.do("POST", "/api/v1/tokens", admin, nil, map[string]any{"user": "zoe", "role": "reporting_officer", "expires_days": 7})
	tok, _ := res.body["token"].(string)
	if res.status != http.StatusCreated || !strings.HasPrefix(tok, "lr_") || res.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create token: %d %v", res.status, res.body)
	}
	if got := a.do("GET", "/api/v1/hazard-areas", tok, nil, nil).status; got != http.StatusOK {
		t.Errorf("the new token reads: %d", got)
	}
	list := a.do("GET", "/api/v1/tokens?user=zoe", admin, nil, nil)
	tokens, _ := list.body["tokens"].([]any)
	if len(tokens) != 1 || strings.Contains(tokensText(list), tok) {
		t.Fatalf("zoe's tokens: %v", list.body)
	}
	id := tokens[0].(map[string]any)["id"].(float64)
	if res := a.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", int64(id)), admin, nil, nil); res.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %v", res.status, res.body)
	}
	time.Sleep(1100 * time.Millisecond) // the server trusts a verified token for a second
	if got := a.do("GET", "/api/v1/hazard-areas", tok, nil, nil).status; got != http.StatusUnauthorized {
		t.Errorf("a revoked token: %d", got)
	}
	if res := a.do("PATCH", "/api/v1/users/zoe", admin, nil, map[string]bool{"disabled": true}); res.status != http.StatusNoContent {
		t.Fatalf("disable: %d %v", res.status, res.body)
	}
	time.Sleep(1100 * time.Millisecond)
	if got := a.withCookie("GET", "/api/v1/hazard-areas", cookie); got != http.StatusUnauthorized {
		t.Errorf("a disabled user's session: %d", got)
	}
	if res := a.do("PATCH", "/api/v1/users/nobody", admin, nil, map[string]bool{"disabled": true}); res.status != http.StatusNotFound {
		t.Errorf("disable an unknown user: %d", res.status)
	}
	users := a.do("GET", "/api/v1/users", admin, nil, nil)
	if !strings.Contains(tokensText(users), `"disabled_at":"`) {
		t.Errorf("users: %v", users.body)
	}
}

// tokensText is the body of r as compact JSON.
func tokensText(r response) string {
	b, _ := json.Marshal(r.body)
	return string(b)
}

// TestBrowserUsersAndAudit: an administrator creates a user and a token on the users page, sees the token once,
// revokes it and disables the user; the audit page shows these changes. Other roles see no Users or Audit link.
func TestBrowserUsersAndAudit(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := startClosed(t)
	a.cli("token", "create", "--user", "root", "--role", "administrator")
	a.env("LANDRELEASE_PASSWORD", "root-password-1")
	a.cli("password", "set", "--user", "root")

	b := newBrowser(t, chrome)
	b.signIn(a.base, "root", "root-password-1", "/users.html", "administrator")
	b.waitFor("the users", `document.body.dataset.ready === "1" && !!document.querySelector('#users tr[data-name="root"]')`)
	if got := eval[string](b, "header", `[...document.querySelectorAll(".topbar nav a:not([hidden])")].map((a) => a.textContent).join(",")`); got != "Map,Upload,Review,Reports,Registry,Users,Audit,API" {
		t.Errorf("administrator's header %q", got)
	}
	b.do("create a user",
		chromedp.SendKeys(chromedp.CSS(`#new-user input[name="name"]`), "yan"),
		chromedp.SetValue(chromedp.CSS(`#new-user select[name="role"]`), "data_manager"),
		chromedp.SendKeys(chromedp.CSS(`#new-user input[name="password"]`), "yan-password-1"),
		chromedp.Click(chromedp.CSS(`#new-user button[type="submit"]`)),
	)
	b.waitFor("yan in the list", `document.querySelector("#msg").textContent === "User yan created."`)
	b.do("create a token",
		chromedp.SendKeys(chromedp.CSS(`#new-token input[name="user"]`), "yan"),
		chromedp.SetValue(chromedp.CSS(`#new-token select[name="role"]`), "data_manager"),
		chromedp.Click(chromedp.CSS(`#new-token button[type="submit"]`)),
	)
	b.waitFor("the secret, once", `!document.querySelector("#secret").hidden && document.querySelector("#secret-value").textContent.startsWith("lr_")`)
	tok := eval[string](b, "secret", `document.querySelector("#secret-value").textContent`)
	if got := a.do("GET", "/api/v1/hazard-areas", tok, nil, nil).status; got != http.StatusOK {
		t.Errorf("the token made on the page reads: %d", got)
	}
	b.do("revoke it", chromedp.Click(chromedp.CSS(`#tokens tr[data-token] button`)))
	b.waitFor("the token revoked", `document.querySelector("#msg").textContent.includes("revoked")`) // said once the tables are drawn again
	b.do("disable yan", chromedp.Click(chromedp.CSS(`#users tr[data-name="yan"] button`)))
	b.waitFor("yan disabled", `document.querySelector("#msg").textContent === "yan disabled." && document.querySelector('#users tr[data-name="yan"]').textContent.includes("disabled")`)
	b.screenshot("users.png")

	b.do("open the audit trail", chromedp.Navigate(a.base+"/audit.html"))
	b.waitFor("the entries", `document.body.dataset.ready === "1" && document.querySelectorAll("#entries tbody tr").length > 0`)
	text := eval[string](b, "entries", `document.querySelector("#entries").textContent`)
	for _, want := range []string{"create_user", "create_token", "revoke_token", "disable_user", "sign_in"} {
		if !strings.Contains(text, want) {
			t.Errorf("the audit page has no %s", want)
		}
	}
	b.screenshot("audit.png")
}
