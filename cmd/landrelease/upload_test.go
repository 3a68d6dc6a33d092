package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

func hazardFeature(id string, w, s, e, n float64) map[string]any {
	return feat(rect(w, s, e, n), map[string]any{"record": "hazard_area", "local_id": id, "kind": "SHA", "contamination": "cmr",
		"evidence": "indirect", "evidence_category": "verbal_report", "devices": "BLU-26, M77", "marking": "none",
		"identified_on": "2024-02-01", "organisation": "NPA"})
}

func releaseFeature(id, parent string, w, s, e, n float64) map[string]any {
	return feat(rect(w, s, e, n), map[string]any{"record": "land_release", "local_id": id, "hazard_area": parent,
		"method": "cleared", "completed_on": "2024-06-01", "organisation": "NPA", "depth_cm": 30, "items_destroyed": map[string]int{"BLU-26": 2}})
}

func collection(fs ...any) map[string]any {
	return map[string]any{"type": "FeatureCollection", "features": fs}
}

// rows counts the registry's and uploads' rows.
func (a *app) rows() string {
	a.t.Helper()
	conn, err := pgx.Connect(context.Background(), a.dbURL)
	if err != nil {
		a.t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var h, v, r, u int
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM hazard_area), (SELECT count(*) FROM hazard_area_version),
		(SELECT count(*) FROM land_release), (SELECT count(*) FROM upload)`).Scan(&h, &v, &r, &u); err != nil {
		a.t.Fatal(err)
	}
	return fmt.Sprintf("%d hazard areas, %d versions, %d releases, %d uploads", h, v, r, u)
}

func TestUploads(t *testing.T) {
	a := start(t)
	field := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	other := strings.TrimSpace(a.cli("token", "create", "--user", "team8", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	ro := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))

	const w, s = 102.50, 18.00
	good := collection(
		hazardFeature("LA-VT-2024-0001", w, s, w+0.002, s+0.001),
		releaseFeature("LA-VT-2024-0001-R1", "LA-VT-2024-0001", w, s, w+0.001, s+0.001), // parent in the same upload
	)
	before := a.rows()

	// Roles and media types.
	if res := a.do("POST", "/api/v1/uploads", "", nil, good); res.status != http.StatusUnauthorized {
		t.Errorf("no token: %d", res.status)
	}
	if res := a.do("POST", "/api/v1/uploads", ro, nil, good); res.status != http.StatusForbidden {
		t.Errorf("reporting officer: %d", res.status)
	}
	if res := a.do("POST", "/api/v1/uploads", field, map[string]string{"Content-Type": "text/csv"}, good); res.status != http.StatusUnsupportedMediaType {
		t.Errorf("text/csv: %d", res.status)
	}

	// Dry run: the full report, nothing written.
	res := a.do("POST", "/api/v1/uploads?dry_run=true", field, nil, good)
	rep, _ := res.body["report"].(map[string]any)
	if res.status != http.StatusOK || rep["accepted"] != true || rep["new"] != float64(2) {
		t.Fatalf("dry run: %d %v", res.status, res.body)
	}
	if got := a.rows(); got != before {
		t.Fatalf("dry run wrote: %s -> %s", before, got)
	}
	// Warnings do not block: an unknown property and a winding order fixed, each with its pointer.
	warned := hazardFeature("LA-VT-2024-0050", w+0.01, s, w+0.011, s+0.001)
	warned["properties"].(map[string]any)["colour"] = "red"
	cw := [][][2]float64{{{w + 0.01, s}, {w + 0.01, s + 0.001}, {w + 0.011, s + 0.001}, {w + 0.011, s}, {w + 0.01, s}}}
	warned["geometry"] = map[string]any{"type": "Polygon", "coordinates": cw}
	res = a.do("POST", "/api/v1/uploads?dry_run=true", field, nil, collection(warned))
	fr := res.body["report"].(map[string]any)["features"].([]any)[0].(map[string]any)
	ws, _ := fr["warnings"].([]any)
	got := map[string]bool{}
	for _, x := range ws {
		d := x.(map[string]any)
		got[d["pointer"].(string)+" "+d["reason"].(string)] = true
	}
	if res.status != http.StatusOK || len(ws) != 2 || !got["/features/0/properties/colour is not a known property and was ignored"] ||
		!got["/features/0/geometry/coordinates/0 winding order fixed (1)"] {
		t.Errorf("warnings: %d %v", res.status, ws)
	}

	// Every kind of bad input: a clear 4xx naming the feature, and nothing written.
	bad := []struct {
		name    string
		body    any
		status  int
		feature int // -1: the upload as a whole
		field   string
	}{
		{"malformed JSON", `{"type":"FeatureCollection","features":[{"type":"Feat`, 400, -1, ""},
		{"truncated", `{"type":"FeatureCollection","features":[`, 400, -1, ""},
		{"not a FeatureCollection", map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{}}, 422, -1, "type"},
		{"crs not WGS 84", map[string]any{"type": "FeatureCollection", "crs": map[string]any{"type": "name", "properties": map[string]any{"name": "urn:ogc:def:crs:EPSG::32648"}}, "features": []any{}}, 422, -1, "crs"},
		{"projected coordinates", collection(hazardFeature("X1", 500000, 2000000, 500100, 2000100)), 422, 0, "geometry"},
		{"NaN", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[NaN,1],[1,1],[1,2],[NaN,1]]]},"properties":{}}]}`, 400, -1, ""},
		{"strings as coordinates", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[["102.5","18"],[102.6,18],[102.6,18.1],["102.5","18"]]]},"properties":{"record":"hazard_area"}}]}`, 422, 0, "geometry"},
		{"mixed 2D and 3D", `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[102.5,18,5],[102.6,18],[102.6,18.1],[102.5,18,5]]]},"properties":{"record":"hazard_area"}}]}`, 422, 0, "geometry"},
		{"a point", collection(feat(map[string]any{"type": "Point", "coordinates": []float64{102.5, 18}}, map[string]any{"record": "hazard_area"})), 422, 0, "geometry"},
		{"a line", collection(feat(map[string]any{"type": "LineString", "coordinates": [][]float64{{102.5, 18}, {102.6, 18}}}, map[string]any{"record": "hazard_area"})), 422, 0, "geometry"},
		{"null geometry", collection(map[string]any{"type": "Feature", "geometry": nil, "properties": map[string]any{"record": "hazard_area"}}), 422, 0, "geometry"},
		{"GeometryCollection", collection(feat(map[string]any{"type": "GeometryCollection", "geometries": []any{}}, map[string]any{"record": "hazard_area"})), 422, 0, "geometry"},
		{"bow-tie", collection(feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {w + 0.01, s + 0.01}, {w + 0.01, s}, {w, s + 0.01}, {w, s}}}},
			hazardFeature("X2", 0, 0, 0, 0)["properties"].(map[string]any))), 422, 0, "geometry"},
		{"unclosed ring", collection(feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {w + 0.01, s}, {w + 0.01, s + 0.01}, {w, s + 0.01}}}}, map[string]any{"record": "hazard_area"})), 422, 0, "geometry"},
		{"ring of 3 positions", collection(feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {w + 0.01, s}, {w, s}}}}, map[string]any{"record": "hazard_area"})), 422, 0, "geometry"},
		{"hole outside its shell", collection(feat(map[string]any{"type": "Polygon", "coordinates": [][][2]float64{
			{{w, s}, {w + 0.01, s}, {w + 0.01, s + 0.01}, {w, s + 0.01}, {w, s}},
			{{w + 0.02, s}, {w + 0.021, s}, {w + 0.021, s + 0.001}, {w + 0.02, s}}}}, hazardFeature("X3", 0, 0, 0, 0)["properties"].(map[string]any))), 422, 0, "geometry"},
		{"release of an unknown area", collection(hazardFeature("X4", w, s, w+0.001, s+0.001), releaseFeature("X5", "NOPE", w, s, w+0.001, s+0.001)), 422, 1, "hazard_area"},
		{"a local_id twice", collection(hazardFeature("X6", w, s, w+0.001, s+0.001), hazardFeature("X6", w+0.01, s, w+0.011, s+0.001)), 422, 1, "local_id"},
		{"wrong property type", collection(feat(rect(w, s, w+0.001, s+0.001), map[string]any{"record": "hazard_area", "local_id": 7})), 422, 0, "local_id"},
		{"date in the future", collection(feat(rect(w, s, w+0.001, s+0.001), map[string]any{"record": "hazard_area", "local_id": "X7", "kind": "SHA",
			"contamination": "cmr", "evidence": "indirect", "identified_on": "2099-01-01", "organisation": "NPA"})), 422, 0, "identified_on"},
		{"negative count", collection(hazardFeature("X8", w, s, w+0.002, s+0.001), feat(rect(w, s, w+0.001, s+0.001), map[string]any{"record": "land_release",
			"local_id": "X9", "hazard_area": "X8", "method": "cleared", "completed_on": "2024-06-01", "organisation": "NPA", "items_destroyed": map[string]int{"M77": -3}})), 422, 1, "items_destroyed"},
	}
	for _, tc := range bad {
		res := a.do("POST", "/api/v1/uploads", field, nil, tc.body)
		if res.status != tc.status {
			t.Errorf("%s: status %d, want %d: %v", tc.name, res.status, tc.status, res.body)
			continue
		}
		if tc.feature >= 0 {
			rep, _ := res.body["report"].(map[string]any)
			fs, _ := rep["features"].([]any)
			if len(fs) <= tc.feature {
				t.Errorf("%s: no report for feature %d: %v", tc.name, tc.feature, res.body)
				continue
			}
			fr := fs[tc.feature].(map[string]any)
			errs, _ := fr["errors"].([]any)
			if fr["status"] != "rejected" || len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field ||
				!strings.HasPrefix(errs[0].(map[string]any)["pointer"].(string), fmt.Sprintf("/features/%d", tc.feature)) {
				t.Errorf("%s: feature %d report %v, want field %s", tc.name, tc.feature, fr, tc.field)
			}
		} else if tc.field != "" && !strings.Contains(fmt.Sprint(res.body["error"]), "field:"+tc.field) {
			t.Errorf("%s: error %v does not name %s", tc.name, res.body["error"], tc.field)
		}
		if got := a.rows(); got != before {
			t.Fatalf("%s wrote: %s -> %s", tc.name, before, got)
		}
	}

	// Submit with an idempotency key; the retry returns the first outcome, another body with the key is refused.
	hdr := map[string]string{"Idempotency-Key": "team7-2024-06-02-a"}
	res = a.do("POST", "/api/v1/uploads", field, hdr, good)
	if res.status != http.StatusCreated || res.body["status"] != "submitted" {
		t.Fatalf("submit: %d %v", res.status, res.body)
	}
	id := res.body["id"].(float64)
	again := a.do("POST", "/api/v1/uploads", field, hdr, good)
	if again.status != http.StatusCreated || again.body["id"] != id || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %v", again.status, again.body)
	}
	if res := a.do("POST", "/api/v1/uploads", field, hdr, collection(hazardFeature("LA-VT-2024-0099", w, s, w+0.001, s+0.001))); res.status != http.StatusConflict {
		t.Fatalf("same key, other body: %d %v", res.status, res.body)
	}
	path := fmt.Sprintf("/api/v1/uploads/%d", int(id))
	// The body is kept as sent; other field teams do not see it; a field team may not approve.
	if res := a.do("GET", path, other, nil, nil); res.status != http.StatusForbidden {
		t.Errorf("another team's upload: %d", res.status)
	}
	if res := a.do("POST", path+"/approve", field, nil, map[string]string{"comment": "mine"}); res.status != http.StatusForbidden {
		t.Errorf("field team approving: %d", res.status)
	}
	list := a.do("GET", "/api/v1/uploads?status=submitted", dm, nil, nil)
	if ups, _ := list.body["uploads"].([]any); len(ups) != 1 {
		t.Errorf("submitted uploads: %v", list.body)
	}
	// A data manager reviews it: both features new against the current record.
	res = a.do("GET", path, dm, nil, nil)
	rep, _ = res.body["report"].(map[string]any)
	if rep["new"] != float64(2) || rep["accepted"] != true {
		t.Fatalf("review: %v", res.body)
	}
	res = a.do("POST", path+"/approve", dm, nil, map[string]string{"comment": "checked against the survey map"})
	if res.status != http.StatusOK || res.body["status"] != "approved" || res.body["reviewed_by"] != "manager" {
		t.Fatalf("approve: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/hazard-areas/LA-VT-2024-0001", "", nil, nil); res.status != http.StatusOK || props(res)["recorded_by"] != "manager" {
		t.Fatalf("approved hazard area: %d %v", res.status, res.body)
	}
	if res := a.do("POST", path+"/approve", dm, nil, nil); res.status != http.StatusConflict {
		t.Errorf("approving twice: %d", res.status)
	}
	// Warnings against the record: a near-duplicate of the approved area, and an area overlapping it in part.
	dup := hazardFeature("LA-VT-2024-0002", w, s, w+0.002, s+0.00098)
	part := hazardFeature("LA-VT-2024-0003", w+0.0015, s, w+0.0035, s+0.001)
	res = a.do("POST", "/api/v1/uploads?dry_run=true", field, nil, collection(dup, part))
	frs := res.body["report"].(map[string]any)["features"].([]any)
	reasons := func(i int) string { return fmt.Sprint(frs[i].(map[string]any)["warnings"]) }
	if res.status != http.StatusOK || !strings.Contains(reasons(0), "near-duplicate of hazard area LA-VT-2024-0001") ||
		!strings.Contains(reasons(1), "overlaps open hazard area LA-VT-2024-0001") {
		t.Errorf("overlap warnings: %d\n%s\n%s", res.status, reasons(0), reasons(1))
	}

	// An update submitted, then the record changes before approval: the approval fails and changes nothing.
	upd := hazardFeature("LA-VT-2024-0001", w, s, w+0.002, s+0.001)
	upd["properties"].(map[string]any)["notes"] = "fence seen by the team"
	res = a.do("POST", "/api/v1/uploads", field, nil, collection(upd))
	if res.status != http.StatusCreated || res.body["report"].(map[string]any)["changed"] != float64(1) {
		t.Fatalf("update upload: %d %v", res.status, res.body)
	}
	upPath := fmt.Sprintf("/api/v1/uploads/%d", int(res.body["id"].(float64)))
	cur := a.do("GET", "/api/v1/hazard-areas/LA-VT-2024-0001", "", nil, nil)
	direct := hazardFeature("LA-VT-2024-0001", w, s, w+0.002, s+0.001)
	direct["properties"].(map[string]any)["marking"] = "marked"
	if res := a.do("PUT", "/api/v1/hazard-areas/LA-VT-2024-0001", dm, map[string]string{"If-Match": cur.header.Get("ETag")}, direct); res.status != http.StatusOK {
		t.Fatalf("direct change: %d %v", res.status, res.body)
	}
	beforeApproval := a.rows()
	res = a.do("POST", upPath+"/approve", dm, nil, nil)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(res.body), "changed since the upload was submitted") {
		t.Fatalf("approval after a conflicting change: %d %v", res.status, res.body)
	}
	if got := a.rows(); got != beforeApproval {
		t.Fatalf("failed approval wrote: %s -> %s", beforeApproval, got)
	}
	res = a.do("POST", upPath+"/reject", dm, nil, map[string]string{"comment": "superseded by the fence survey"})
	if res.status != http.StatusOK || res.body["status"] != "rejected" || res.body["review_comment"] != "superseded by the fence survey" {
		t.Fatalf("reject: %d %v", res.status, res.body)
	}
	// The raw body is kept unchanged.
	raw := a.getAuth(upPath+"/body", field)
	if !strings.Contains(raw, "fence seen by the team") {
		t.Errorf("raw body: %q", raw)
	}
	if res := a.do("GET", "/api/v1/schema/upload", "", nil, nil); res.status != http.StatusOK || res.body["title"] != "landrelease field upload" {
		t.Errorf("schema: %d", res.status)
	}
}

// fetch sends GET path with token and returns the status and the body.
func (a *app) fetch(path, token string) (int, []byte) {
	a.t.Helper()
	req, _ := http.NewRequest("GET", a.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		a.t.Fatalf("GET %s: %v", path, err)
	}
	return res.StatusCode, b
}

// getAuth returns the body of GET path with token, whatever the status.
func (a *app) getAuth(path, token string) string {
	a.t.Helper()
	_, b := a.fetch(path, token)
	return string(b)
}

func TestUploadLimitAndClosedParent(t *testing.T) {
	a := start(t, "--max-upload", "4000")
	field := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	const w, s = 102.60, 18.10

	// An area released in full closes; a release sent for it later is refused, naming the parent.
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazardFeature("LA-VT-2024-0300", w, s, w+0.001, s+0.001)); res.status != http.StatusCreated {
		t.Fatalf("hazard area: %d %v", res.status, res.body)
	}
	if res := a.do("POST", "/api/v1/land-releases", dm, nil, releaseFeature("LA-VT-2024-0300-R1", "LA-VT-2024-0300", w, s, w+0.001, s+0.001)); res.status != http.StatusCreated {
		t.Fatalf("release: %d %v", res.status, res.body)
	}
	before := a.rows()
	res := a.do("POST", "/api/v1/uploads", field, nil, collection(releaseFeature("LA-VT-2024-0300-R2", "LA-VT-2024-0300", w, s, w+0.0005, s+0.0005)))
	fs, _ := res.body["report"].(map[string]any)["features"].([]any)
	if res.status != http.StatusUnprocessableEntity || len(fs) != 1 || !strings.Contains(fmt.Sprint(fs[0]), "LA-VT-2024-0300 is closed") {
		t.Fatalf("release of a closed area: %d %v", res.status, res.body)
	}

	// A body over the upload limit: 413, declared or streamed, and nothing written.
	var big []any
	for i := range 12 {
		big = append(big, hazardFeature(fmt.Sprintf("LA-VT-2024-04%02d", i), w+0.01*float64(i), s, w+0.01*float64(i)+0.001, s+0.001))
	}
	res = a.do("POST", "/api/v1/uploads", field, nil, collection(big...))
	if res.status != http.StatusRequestEntityTooLarge || errCode(res) != "too_large" {
		t.Fatalf("over the limit: %d %v", res.status, res.body)
	}
	if got := a.rows(); got != before {
		t.Fatalf("refused uploads wrote: %s -> %s", before, got)
	}
}
