package main

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestAuditTrail: an administrator reads who did what, when and from which address, filtered by user, action and
// record, page by page; no one else may read it.
func TestAuditTrail(t *testing.T) {
	a := startClosed(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	hz := hazardFeature("AU-1", 103.20, 19.45, 103.2017, 19.4509)
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hz); res.status != http.StatusCreated {
		t.Fatalf("create: %d %v", res.status, res.body)
	}
	a.env("LANDRELEASE_PASSWORD", "manager-pass-1")
	a.cli("password", "set", "--user", "manager")
	for _, pw := range []string{"wrong-password", "manager-pass-1"} {
		a.do("POST", "/api/v1/session", "", nil, map[string]string{"user": "manager", "password": pw})
	}

	for _, format := range []string{"json", "csv"} { // a page viewed, then a file downloaded
		if res := a.raw("GET", "/api/v1/reports/article7?year=2022&format="+format, dm); res.status != http.StatusOK {
			t.Fatalf("report %s: %d", format, res.status)
		}
	}
	entries := func(query string) []map[string]any {
		t.Helper()
		res := a.do("GET", "/api/v1/audit"+query, admin, nil, nil)
		if res.status != http.StatusOK {
			t.Fatalf("GET /api/v1/audit%s: %d %v", query, res.status, res.body)
		}
		var out []map[string]any
		for _, e := range res.body["entries"].([]any) {
			out = append(out, e.(map[string]any))
		}
		return out
	}
	created := entries("?record=AU-1&action=create")
	if len(created) != 1 || created[0]["actor"] != "manager" || created[0]["entity"] != "hazard_area" || created[0]["address"] != "127.0.0.1" ||
		created[0]["version"] != float64(1) {
		t.Errorf("the creation of AU-1: %v", created)
	}
	exports := entries("?action=export")
	if len(exports) != 1 || exports[0]["actor"] != "manager" || exports[0]["local_id"] != "article7-2022-01-01-2022-12-31-level1.csv" {
		t.Errorf("the export of Form F: %v", exports)
	}
	signIns := entries("?user=manager")
	var actions []string
	for _, e := range signIns {
		actions = append(actions, e["action"].(string))
	}
	if got := strings.Join(actions, ","); !strings.HasPrefix(got, "export,sign_in,sign_in_failed,create") {
		t.Errorf("manager's entries, newest first: %s", got)
	}
	if all := entries(""); len(all) < 5 {
		t.Fatalf("%d entries in all", len(all))
	}
	// Paging: one entry at a time, following next, gives every entry once, newest first.
	res := a.do("GET", "/api/v1/audit?limit=1", admin, nil, nil)
	seen := map[float64]bool{}
	var last float64
	for i := 0; res.status == http.StatusOK && i < 100; i++ {
		es := res.body["entries"].([]any)
		if len(es) == 1 {
			id := es[0].(map[string]any)["id"].(float64)
			if seen[id] || (last != 0 && id >= last) {
				t.Fatalf("page %d: id %v after %v", i, id, last)
			}
			seen[id], last = true, id
		}
		next, _ := res.body["next"].(string)
		if next == "" {
			break
		}
		res = a.do("GET", next, admin, nil, nil)
	}
	if len(seen) != len(entries("?limit=1000")) {
		t.Errorf("paging saw %d entries of %d", len(seen), len(entries("?limit=1000")))
	}
	for _, tok := range []string{dm, ""} {
		if res := a.do("GET", "/api/v1/audit", tok, nil, nil); res.status != http.StatusForbidden && res.status != http.StatusUnauthorized {
			t.Errorf("the audit trail read with %q: %d", tok, res.status)
		}
	}
	// A day as since or until holds the whole of that day.
	today := time.Now().UTC().Format(time.DateOnly)
	if n := len(entries("?since=" + today + "&until=" + today + "&limit=1000")); n != len(entries("?limit=1000")) {
		t.Errorf("since and until today: %d entries, want all %d", n, len(entries("?limit=1000")))
	}
	if res := a.do("GET", "/api/v1/audit?since=yesterday", admin, nil, nil); res.status != http.StatusBadRequest {
		t.Errorf("a bad since: %d", res.status)
	}
}
