package main

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestOGCEdit edits the registry as QGIS does through OGC API - Features - Part 4, over HTTP against a running
// server: OPTIONS per role, POST a hazard area, GET it, PUT a change with the version read (no If-Match), PATCH a
// property as QGIS sends it (no If-Match, no version), DELETE with a reason; each write shows in the area's
// history and in the index (?point=). A stale version gets 412 with the current one, an invalid polygon the
// registry's own error body, a field team 403. (GDAL 3.6's OAPIF driver opens read-only: it cannot write.)
func TestOGCEdit(t *testing.T) {
	a := start(t)
	tokens := map[string]string{"": ""}
	for _, role := range []string{"field_team", "data_manager", "reporting_officer", "administrator"} {
		tokens[role] = strings.TrimSpace(a.cli("token", "create", "--user", "u-"+role, "--role", role))
	}
	dm := tokens["data_manager"]
	const items = "/api/v1/collections/hazard-areas/items"
	const item = items + "/LA-Q-1"

	for role, token := range tokens {
		read, write := "GET, HEAD, OPTIONS", role == "data_manager" || role == "administrator"
		for path, more := range map[string]string{items: ", POST", item: ", PUT, PATCH, DELETE", "/api/v1/collections/admin-units/items": ""} {
			want := read
			if write {
				want += more
			}
			if res := a.do("OPTIONS", path, token, nil, nil); res.status != http.StatusNoContent || res.header.Get("Allow") != want {
				t.Errorf("OPTIONS %s as %q: %d Allow %q, want %q", path, role, res.status, res.header.Get("Allow"), want)
			}
		}
	}

	// admin-units is imported, not edited: a write is 405 with the methods it takes, never a 400.
	for _, m := range []struct{ method, path string }{{"POST", "/api/v1/collections/admin-units/items"},
		{"PUT", "/api/v1/collections/admin-units/items/LA-01"}, {"DELETE", "/api/v1/collections/admin-units/items/LA-01"}} {
		res := a.do(m.method, m.path, dm, nil, hazardFeature("LA-Q-0", 103.1, 19.4, 103.101, 19.401))
		if code, _ := res.body["error"].(map[string]any)["code"].(string); res.status != http.StatusMethodNotAllowed ||
			res.header.Get("Allow") != "GET, HEAD, OPTIONS" || code != "method_not_allowed" {
			t.Errorf("%s %s: %d Allow %q %v, want 405 with Allow GET, HEAD, OPTIONS", m.method, m.path, res.status, res.header.Get("Allow"), res.body)
		}
	}

	const w, s, e, n = 103.20, 19.45, 103.2017, 19.4509
	created := a.do("POST", items, dm, nil, hazardFeature("LA-Q-1", w, s, e, n))
	if created.status != http.StatusCreated || created.header.Get("Location") != a.base+item || created.header.Get("ETag") != `"1"` {
		t.Fatalf("POST: %d %v %v", created.status, created.header, created.body)
	}
	inIndex := func(x, y float64, version float64) func() bool {
		return func() bool {
			res := a.do("GET", fmt.Sprintf("/api/v1/hazard-areas?point=%f,%f", x, y), "", nil, nil)
			fs, _ := res.body["features"].([]any)
			for _, f := range fs {
				p := f.(map[string]any)["properties"].(map[string]any)
				if p["local_id"] == "LA-Q-1" {
					return p["version"] == version
				}
			}
			return version == 0
		}
	}
	eventually(t, "the new area in the index", 5*time.Second, inIndex((w+e)/2, (s+n)/2, 1))

	// QGIS reads the feature and sends back all it read, changed, with no If-Match: its version says which.
	read := a.do("GET", item, "", nil, nil)
	if read.status != http.StatusOK || read.header.Get("ETag") != `"1"` {
		t.Fatalf("GET: %d %v", read.status, read.body)
	}
	props := read.body["properties"].(map[string]any)
	props["notes"] = "extended east after a survey"
	wider := rect(w, s, e+0.001, n)
	replaced := a.do("PUT", item, dm, nil, feat(wider, props))
	if replaced.status != http.StatusOK || replaced.header.Get("ETag") != `"2"` {
		t.Fatalf("PUT: %d %v", replaced.status, replaced.body)
	}
	eventually(t, "the wider area in the index", 5*time.Second, inIndex(e+0.0005, (s+n)/2, 2))

	stale := a.do("PUT", item, dm, nil, feat(wider, props)) // still version 1
	if stale.status != http.StatusPreconditionFailed || !strings.Contains(fmt.Sprint(stale.body), "the current version is 2") {
		t.Errorf("stale PUT: %d %v", stale.status, stale.body)
	}
	if res := a.do("PATCH", item, dm, map[string]string{"Content-Type": "application/merge-patch+json", "If-Match": `"1"`},
		map[string]any{"properties": map[string]any{"marking": "fenced"}}); res.status != http.StatusPreconditionFailed ||
		!strings.Contains(fmt.Sprint(res.body), "the current version is 2") {
		t.Errorf("stale PATCH: %d %v", res.status, res.body)
	}

	patched := a.do("PATCH", item, dm, map[string]string{"Content-Type": "application/merge-patch+json"},
		map[string]any{"properties": map[string]any{"marking": "fenced"}})
	if patched.status != http.StatusOK || patched.header.Get("ETag") != `"3"` {
		t.Fatalf("PATCH: %d %v", patched.status, patched.body)
	}
	after := a.do("GET", item, "", nil, nil)
	before := replaced.body["properties"].(map[string]any)
	for k, v := range after.body["properties"].(map[string]any) {
		switch k {
		case "marking":
			if v != "fenced" {
				t.Errorf("PATCH: marking %v", v)
			}
		case "version", "recorded_at", "reason", "valid_from":
		default:
			if !reflect.DeepEqual(v, before[k]) {
				t.Errorf("PATCH changed %s: %v, was %v", k, v, before[k])
			}
		}
	}
	if !reflect.DeepEqual(after.body["geometry"], replaced.body["geometry"]) {
		t.Errorf("PATCH changed the geometry: %v", after.body["geometry"])
	}
	eventually(t, "the patched area in the index", 5*time.Second, inIndex(e+0.0005, (s+n)/2, 3))

	// The registry's checks and its error body, as the JSON API answers the same feature.
	bowtie := feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {e, n}, {e, s}, {w, n}, {w, s}}}},
		hazardFeature("LA-Q-2", w, s, e, n)["properties"].(map[string]any))
	ogc, registry := a.do("POST", items, dm, nil, bowtie), a.do("POST", "/api/v1/hazard-areas", dm, nil, bowtie)
	if ogc.status != http.StatusUnprocessableEntity || !reflect.DeepEqual(ogc.body, registry.body) {
		t.Errorf("invalid polygon: %d %v, the registry's answer %d %v", ogc.status, ogc.body, registry.status, registry.body)
	}
	for method, body := range map[string]any{"POST": hazardFeature("LA-Q-3", w, s, e, n), "PUT": feat(wider, props), "PATCH": map[string]any{}, "DELETE": nil} {
		path := item
		if method == "POST" {
			path = items
		}
		if res := a.do(method, path, tokens["field_team"], nil, body); res.status != http.StatusForbidden {
			t.Errorf("%s as a field team: %d %v", method, res.status, res.body)
		}
	}

	// A land release of the area, recorded and withdrawn through its collection (the reason in X-Reason).
	release := a.do("POST", "/api/v1/collections/land-releases/items", dm, nil, releaseFeature("LR-Q-1", "LA-Q-1", w, s, w+0.0005, n))
	if release.status != http.StatusCreated || release.header.Get("Location") != a.base+"/api/v1/collections/land-releases/items/LR-Q-1" {
		t.Fatalf("POST a release: %d %v %v", release.status, release.header, release.body)
	}
	if res := a.do("DELETE", "/api/v1/collections/land-releases/items/LR-Q-1", dm, map[string]string{"X-Reason": "wrong area"}, nil); res.status != http.StatusOK ||
		res.body["properties"].(map[string]any)["reason"] != "wrong area" || res.body["properties"].(map[string]any)["withdrawn"] != true {
		t.Fatalf("DELETE a release: %d %v", res.status, res.body)
	}
	if res := a.do("HEAD", item, "", nil, nil); res.status != http.StatusOK || res.header.Get("ETag") != `"3"` {
		t.Errorf("HEAD: %d %v", res.status, res.header)
	}

	withdrawn := a.do("DELETE", item+"?reason=recorded+twice", dm, nil, nil)
	if withdrawn.status != http.StatusOK || withdrawn.header.Get("ETag") != `"4"` {
		t.Fatalf("DELETE: %d %v", withdrawn.status, withdrawn.body)
	}
	eventually(t, "the withdrawn area gone from the index", 5*time.Second, inIndex(e+0.0005, (s+n)/2, 0))
	if res := a.do("GET", item, "", nil, nil); res.status != http.StatusNotFound {
		t.Errorf("GET after DELETE: %d", res.status)
	}

	history := a.do("GET", "/api/v1/hazard-areas/LA-Q-1/history", "", nil, nil)
	var got []string
	for _, f := range history.body["features"].([]any) {
		p := f.(map[string]any)["properties"].(map[string]any)
		got = append(got, fmt.Sprintf("%v %v %v %v", p["version"], p["recorded_by"], p["reason"], p["withdrawn"]))
	}
	want := []string{"1 u-data_manager identified false", "2 u-data_manager updated false", "3 u-data_manager changed marking (PATCH) false",
		"4 u-data_manager recorded twice true"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("history:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
