package main

import (
	"bufio"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/api"
)

// TestRouteAccess holds the table of docs/API.md ("Who may call what") to the routes the server registers, then
// calls every route with every role and with none, with public_read off (the default) and on: a caller the
// table lets in never gets 401 or 403, one it keeps out gets 401 without credentials and 403 with them.
func TestRouteAccess(t *testing.T) {
	documented := readRouteTable(t, "../../docs/API.md")
	registered := api.New(api.Config{Web: http.NotFoundHandler()}).Routes()
	if !slices.Equal(documented, registered) {
		t.Fatalf("docs/API.md's table of routes differs from routes.go:\n docs %v\n code %v", documented, registered)
	}

	a := startClosed(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	tokens := map[string]string{"": ""}
	for _, role := range []string{"field_team", "data_manager", "reporting_officer", "administrator"} {
		tokens[role] = strings.TrimSpace(a.cli("token", "create", "--user", "u-"+role, "--role", role))
	}
	// Records for the routes with ids: a hazard area, a release, and an upload of the field team.
	const w, s, e, n = 103.20, 19.45, 103.2017, 19.4509
	hz := hazardFeature("AC-1", w, s, e, n)
	if res := a.do("POST", "/api/v1/hazard-areas", tokens["data_manager"], nil, hz); res.status != http.StatusCreated {
		t.Fatalf("create: %d %v", res.status, res.body)
	}
	rl := feat(rect(w, s, w+0.0005, n), map[string]any{"local_id": "AC-1-R1", "hazard_area": "AC-1", "method": "cancelled",
		"completed_on": "2024-03-01", "organisation": "NPA", "criteria": "no evidence"})
	if res := a.do("POST", "/api/v1/land-releases", tokens["data_manager"], nil, rl); res.status != http.StatusCreated {
		t.Fatalf("release: %d %v", res.status, res.body)
	}
	up := a.do("POST", "/api/v1/uploads", tokens["field_team"], nil, map[string]any{"type": "FeatureCollection", "features": []any{}})
	if up.status >= 500 {
		t.Fatalf("upload: %d %v", up.status, up.body)
	}
	params := strings.NewReplacer(":collection", "hazard-areas", "/items/:id", "/items/AC-1", "/hazard-areas/:id", "/hazard-areas/AC-1",
		"/land-releases/:id", "/land-releases/AC-1-R1", "/uploads/:id", "/uploads/1", "/users/:name", "/users/u-field_team", "/mappings/:name", "/mappings/imsma-core-hazard",
		"/tokens/:id", "/tokens/999999", "/mix/:kind", "/mix/CHA", "/*", "/no-such-page")

	for _, public := range []bool{false, true} {
		if public {
			a.cli("setting", "set", "public_read", "true")
			deadline := time.Now().Add(10 * time.Second) // the server reads the setting again within a second
			for a.do("GET", "/api/v1/hazard-areas", "", nil, nil).status != http.StatusOK {
				if time.Now().After(deadline) {
					t.Fatal("public_read true not in force after 10 s")
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		checked := 0
		for _, r := range registered {
			method := r.Method
			if method == "*" {
				method = http.MethodPatch
			}
			path := params.Replace(r.Path)
			for role, token := range tokens {
				want := allowed(r.Access, role, public)
				var body any
				if method == http.MethodPost || method == http.MethodPut {
					body = map[string]any{}
				}
				var res response
				if strings.HasPrefix(path, "/api/") && path != "/api/v1/archive" { // the archive answers a ZIP
					res = a.do(method, path, token, nil, body)
				} else {
					res = a.raw(method, path, token)
				}
				switch {
				case r.Access == "anyone" && strings.HasPrefix(path, "/api/v1/session") && res.status == http.StatusUnauthorized:
					// The session's own answer: a wrong password, or no session cookie.
				case want && (res.status == http.StatusUnauthorized || res.status == http.StatusForbidden):
					t.Errorf("public_read %v, %s %s as %q (%s): %d %v, want it let in", public, method, path, role, r.Access, res.status, res.body)
				case !want && role == "" && res.status != http.StatusUnauthorized:
					t.Errorf("public_read %v, %s %s without credentials (%s): %d, want 401", public, method, path, r.Access, res.status)
				case !want && role != "" && res.status != http.StatusForbidden:
					t.Errorf("public_read %v, %s %s as %q (%s): %d, want 403", public, method, path, role, r.Access, res.status)
				case res.status >= 500:
					t.Errorf("public_read %v, %s %s as %q: %d %v", public, method, path, role, res.status, res.body)
				}
				checked++
			}
		}
		if checked < 5*30 {
			t.Fatalf("only %d calls checked", checked)
		}
	}
}

// allowed says whether role ("" for none) may call a route of access who (as docs/API.md writes it).
func allowed(who, role string, public bool) bool {
	switch who {
	case "anyone":
		return true
	case "signed in, or anyone with public_read":
		return role != "" || public
	case "signed in":
		return role != ""
	}
	return role != "" && slices.Contains(strings.Split(who, ", "), role)
}

// readRouteTable reads the rows of the "Who may call what" table of the API document at path.
func readRouteTable(t *testing.T, path string) []api.Route {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []api.Route
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "<!-- routes:"):
			in = true
		case strings.HasPrefix(line, "<!-- /routes"):
			in = false
		case in && strings.HasPrefix(line, "| `"):
			cells := strings.Split(strings.Trim(line, "| "), " | ")
			if len(cells) != 3 {
				t.Fatalf("%s: bad row %q", path, line)
			}
			out = append(out, api.Route{Method: strings.Trim(cells[0], "`"), Path: strings.Trim(cells[1], "`"), Access: cells[2]})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s has no table of routes", path)
	}
	return out
}

// raw calls a route that answers something else than JSON and returns its status.
func (a *app) raw(method, path, token string) response {
	a.t.Helper()
	req, _ := http.NewRequest(method, a.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	res.Body.Close()
	return response{status: res.StatusCode, header: res.Header}
}
