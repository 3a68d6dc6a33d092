package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMappingCommandsAndRoutes saves a mapping with `landrelease mapping save`, reads and replaces it over HTTP as
// a field team would (ETag, If-Match, a stale version refused), saves it again from the command line with
// --replace, deletes it as a data manager, and finds every save and delete in the audit trail.
func TestMappingCommandsAndRoutes(t *testing.T) {
	a := startClosed(t)
	field := strings.TrimSpace(a.cli("token", "create", "--user", "fay", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "dan", "--role", "data_manager"))
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "ada", "--role", "administrator"))

	file := filepath.Join(t.TempDir(), "district.json")
	doc := `{"name": "district-team", "description": "District teams' GPS files",
	  "fields": {"HAZ_ID": "local_id", "Status": "kind"}, "constants": {"record": "hazard_area"},
	  "values": {"kind": {"Suspected": "SHA", "Confirmed": "CHA"}}}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := a.cli("mapping", "save", file); !strings.Contains(out, "mapping district-team saved (version 1)") {
		t.Fatalf("save: %q", out)
	}
	// import --mapping NAME reads a file in the team's own names through the saved mapping; an unknown name is
	// refused, and nothing is written either way (dry runs).
	gps := filepath.Join(t.TempDir(), "district.geojson")
	if err := os.WriteFile(gps, []byte(`{"type": "FeatureCollection", "features": [{"type": "Feature",
	  "geometry": {"type": "Polygon", "coordinates": [[[103.2, 19.45], [103.2017, 19.45], [103.2017, 19.4509], [103.2, 19.4509], [103.2, 19.45]]]},
	  "properties": {"HAZ_ID": "LA-XK-2024-0101", "Status": "Suspected", "contamination": "cmr", "evidence": "indirect",
	    "evidence_category": "verbal_report", "identified_on": "2024-03-01", "organisation": "UXO Lao"}}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := a.cli("import", gps, "--mapping", "district-team", "--dry-run"); !strings.Contains(out, "1 features: 1 new") {
		t.Errorf("import --mapping district-team: %q", out)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"import", gps, "--mapping", "no-such-team", "--dry-run"}, a.getenv, &stdout, &stderr); err == nil ||
		!strings.Contains(err.Error(), "no saved mapping or preset of that name") {
		t.Errorf("import --mapping no-such-team: %v", err)
	}
	if err := run(context.Background(), []string{"import", gps, "--dry-run"}, a.getenv, &stdout, &stderr); err == nil {
		t.Error("the file in the team's own names was accepted without its mapping")
	}

	// Saved again without a version: refused, pointing to --replace.
	err := run(context.Background(), []string{"mapping", "save", file}, a.getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--replace") {
		t.Fatalf("a second save without --replace: %v", err)
	}
	list := a.cli("mapping", "list")
	for _, want := range []string{"imsma-core-hazard", "preset", "imsma-core-land-release", "district-team", "District teams' GPS files"} {
		if !strings.Contains(list, want) {
			t.Errorf("mapping list lacks %q:\n%s", want, list)
		}
	}
	if i, j := strings.Index(list, "imsma-core-land-release"), strings.Index(list, "district-team"); i < 0 || j < i {
		t.Errorf("mapping list: presets first:\n%s", list)
	}
	if show := a.cli("mapping", "show", "imsma-core-hazard"); !strings.Contains(show, `"imsma_id": "local_id"`) {
		t.Errorf("mapping show of a preset:\n%s", show)
	}

	// Over HTTP: read with its ETag, replace at it, a stale replacement refused.
	res := a.do("GET", "/api/v1/mappings/district-team", field, nil, nil)
	if res.status != http.StatusOK || res.header.Get("ETag") != `"1"` || res.body["updated_by"] == "" {
		t.Fatalf("GET: %d %v %v", res.status, res.header, res.body)
	}
	res = a.do("PUT", "/api/v1/mappings/district-team", field, map[string]string{"If-Match": `"1"`},
		map[string]any{"fields": map[string]any{"ID": "local_id"}, "constants": map[string]any{"record": "hazard_area"}})
	if res.status != http.StatusOK || res.header.Get("ETag") != `"2"` || res.body["updated_by"] != "fay" {
		t.Fatalf("PUT at version 1: %d %v %v", res.status, res.header, res.body)
	}
	res = a.do("PUT", "/api/v1/mappings/district-team", dm, map[string]string{"If-Match": `"1"`}, map[string]any{})
	if res.status != http.StatusPreconditionFailed || errCode(res) != "precondition_failed" {
		t.Fatalf("PUT at a stale version: %d %v", res.status, res.body)
	}
	res = a.do("PUT", "/api/v1/mappings/district-team", dm, nil, map[string]any{})
	if res.status != http.StatusPreconditionRequired || errCode(res) != "precondition_required" {
		t.Fatalf("PUT without a version: %d %v", res.status, res.body)
	}
	res = a.do("PUT", "/api/v1/mappings/new-one", dm, nil, map[string]any{"fields": map[string]any{"A": "colour"}})
	if res.status != http.StatusUnprocessableEntity || errCode(res) != "invalid" {
		t.Fatalf("PUT of an invalid mapping: %d %v", res.status, res.body)
	}

	// --replace overwrites whatever version is saved.
	if out := a.cli("mapping", "save", "--replace", file); !strings.Contains(out, "(version 3)") {
		t.Fatalf("save --replace: %q", out)
	}
	if show := a.cli("mapping", "show", "district-team"); !strings.Contains(show, `"HAZ_ID": "local_id"`) || !strings.Contains(show, `"version": 3`) {
		t.Errorf("after --replace:\n%s", show)
	}

	// A field team may not delete; a data manager may, once.
	if res := a.do("DELETE", "/api/v1/mappings/district-team", field, nil, nil); res.status != http.StatusForbidden {
		t.Fatalf("DELETE as a field team: %d", res.status)
	}
	if res := a.do("DELETE", "/api/v1/mappings/district-team", dm, map[string]string{"If-Match": `"3"`}, nil); res.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %v", res.status, res.body)
	}
	err = run(context.Background(), []string{"mapping", "delete", "district-team"}, a.getenv, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "No mapping is called") {
		t.Fatalf("delete of a deleted mapping: %v", err)
	}

	res = a.do("GET", "/api/v1/audit?entity=upload_mapping", admin, nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("audit: %d %v", res.status, res.body)
	}
	var got []string
	for _, e := range res.body["entries"].([]any) {
		m := e.(map[string]any)
		got = append(got, m["action"].(string)+" "+m["actor"].(string))
	}
	want := []string{"delete dan", "update cli", "update fay", "create cli"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit trail %v, want %v", got, want)
	}
}
