package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCompletionEndToEnd clears the last CMR areas of a province through the API, is refused a declaration while one
// is open (nothing recorded), declares the province complete, and sees areas identified later flagged residual in
// GET /hazard-areas (from the database and from the index), in Form F and in the completion summary; the
// command line writes the summary and refuses the State's.
func TestCompletionEndToEnd(t *testing.T) {
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	ro := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))
	const xk, d = "LAO-3286", 0.001 // Xiangkhoang
	area := func(id string, i int, identified string) [4]float64 {
		t.Helper()
		w, s := 103.20+float64(i)*0.01, 19.45
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w, s, w+d, s+d), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"devices": []string{"BLU-26"}, "marking": "marked", "priority": "high", "land_use": "agriculture",
			"identified_on": identified, "organisation": "UXO Lao"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
		return [4]float64{w, s, w + d, s + d}
	}
	clear := func(id string, b [4]float64, on string) {
		t.Helper()
		res := a.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(b[0], b[1], b[2], b[3]), map[string]any{
			"local_id": id + "-R", "hazard_area": id, "method": "cleared", "completed_on": on, "organisation": "NPA",
			"depth_cm": 30, "items_destroyed": map[string]int{"BLU-26": 2}}))
		if res.status != http.StatusCreated {
			t.Fatalf("release %s: %d %v", id, res.status, res.body)
		}
	}
	b1, b2 := area("C-1", 0, "2019-01-01"), area("C-2", 1, "2019-02-01")
	clear("C-1", b1, "2022-03-01")

	declare := func(scope, on string) response {
		t.Helper()
		return a.do("PUT", "/api/v1/completion/"+scope, dm, nil, map[string]any{"completed_on": on, "note": "11MSP"})
	}
	if res := declare(xk, "2022-06-01"); res.status != http.StatusConflict || !strings.Contains(fmt.Sprint(res.body), "1 CMR area") {
		t.Fatalf("declaration with C-2 open: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/completion", ro, nil, nil); res.status != http.StatusOK || len(res.body["completions"].([]any)) != 0 {
		t.Fatalf("after a refused declaration: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/reports/completion?admin="+xk, ro, nil, nil); res.status != http.StatusConflict {
		t.Fatalf("summary with C-2 open: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/reports/completion?draft=true&admin="+xk, ro, nil, nil); res.status != http.StatusOK || res.body["complete"] != false {
		t.Fatalf("draft summary: %d %v", res.status, res.body)
	}

	clear("C-2", b2, "2023-05-01")
	// C-3 is found after the completion date but recorded before the declaration; C-4 after both.
	area("C-3", 2, "2023-06-01")
	if res := declare(xk, "2023-05-01"); res.status != http.StatusOK {
		t.Fatalf("declare: %d %v", res.status, res.body)
	}
	if res := a.do("PUT", "/api/v1/completion/"+xk, ro, nil, map[string]any{"completed_on": "2023-05-01"}); res.status != http.StatusForbidden {
		t.Fatalf("an officer declares: %d %v", res.status, res.body)
	}
	if res := declare("state", "2023-07-01"); res.status != http.StatusConflict {
		t.Fatalf("the State complete with C-3 open and not residual of the State: %d %v", res.status, res.body)
	}
	area("C-4", 3, "2024-02-01")

	residual := func(query string) map[string]any {
		t.Helper()
		res := a.do("GET", "/api/v1/hazard-areas?"+query, ro, nil, nil)
		if res.status != http.StatusOK {
			t.Fatalf("list %s: %d %v", query, res.status, res.body)
		}
		got := map[string]any{}
		for _, f := range res.body["features"].([]any) {
			p := f.(map[string]any)["properties"].(map[string]any)
			got[p["local_id"].(string)] = p["residual"]
		}
		return got
	}
	want := map[string]any{"C-1": false, "C-2": false, "C-3": true, "C-4": true}
	if got := residual("status=all&admin=" + xk); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("residual from the database: %v, want %v", got, want)
	}
	// The index answers bbox queries; the declaration's change reaches it through the change feed.
	bbox := fmt.Sprintf("bbox=%f,%f,%f,%f", 103.19, 19.44, 103.25, 19.46)
	wantOpen := map[string]any{"C-3": true, "C-4": true}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got := residual(bbox)
		if fmt.Sprint(got) == fmt.Sprint(wantOpen) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("residual from the index: %v, want %v", got, wantOpen)
		}
	}
	// residual= keeps the areas of that flag, with a bbox too (the database answers it), and on the OGC items.
	for q, want := range map[string]map[string]any{
		"status=all&residual=true&admin=" + xk:  {"C-3": true, "C-4": true},
		"status=all&residual=false&admin=" + xk: {"C-1": false, "C-2": false},
		"residual=true&" + bbox:                 {"C-3": true, "C-4": true},
		"residual=false&" + bbox:                {},
	} {
		if got := residual(q); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", q, got, want)
		}
	}
	if res := a.do("GET", "/api/v1/collections/hazard-areas/items?residual=true&admin="+xk, ro, nil, nil); res.status != http.StatusOK ||
		len(res.body["features"].([]any)) != 2 {
		t.Errorf("OGC items residual=true: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/hazard-areas?residual=yes", ro, nil, nil); res.status != http.StatusBadRequest ||
		!strings.Contains(fmt.Sprint(res.body), "residual") {
		t.Errorf("residual=yes: %d %v, want 400 naming residual", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/hazard-areas/C-3", ro, nil, nil); res.status != http.StatusOK ||
		res.body["properties"].(map[string]any)["residual"] != true {
		t.Errorf("single item: %d %v", res.status, res.body)
	}

	res := a.do("GET", "/api/v1/reports/article7?year=2024", ro, nil, nil)
	if res.status != http.StatusOK {
		t.Fatalf("Form F: %d %v", res.status, res.body)
	}
	for _, u := range res.body["units"].([]any) {
		u := u.(map[string]any)
		if u["admin_code"] == xk && (u["residual_count"] != 2.0 || u["balance_diff_m2"] != 0.0) {
			t.Errorf("Form F of %s: %v", xk, u)
		}
	}
	if tot := res.body["total"].(map[string]any); tot["residual_count"] != 2.0 {
		t.Errorf("Form F total: %v", tot)
	}

	res = a.do("GET", "/api/v1/reports/completion?on=2024-12-31&admin="+xk, ro, nil, nil)
	if res.status != http.StatusOK || res.body["complete"] != true || res.body["completion_date"] != "2023-05-01T00:00:00Z" ||
		res.body["residual_count"] != 2.0 || len(res.body["areas"].([]any)) != 4 {
		t.Fatalf("summary: %d %v", res.status, res.body)
	}

	out := filepath.Join(t.TempDir(), "completion.csv")
	a.cli("report", "completion", "--admin", xk, "--format", "csv", "--out", out)
	b, err := os.ReadFile(out)
	if err != nil || strings.Count(string(b), "\n") != 5 || !strings.Contains(string(b), "C-4,CHA,cmr,2024-02-01") {
		t.Errorf("summary CSV (%v):\n%s", err, b)
	}
	// Over HTTP the summary is sent whole, with its length, once its snapshot has been read.
	req, _ := http.NewRequest("GET", a.base+"/api/v1/reports/completion?format=csv&admin="+xk, nil)
	req.Header.Set("Authorization", "Bearer "+ro)
	hres, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(hres.Body)
	hres.Body.Close()
	if err != nil || hres.StatusCode != http.StatusOK || hres.ContentLength != int64(len(body)) || !bytes.Equal(body, b) {
		t.Errorf("summary CSV over HTTP: %d, Content-Length %d for %d bytes (%v), same as the command's: %v",
			hres.StatusCode, hres.ContentLength, len(body), err, bytes.Equal(body, b))
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"completion", "declare", "--on", "2023-07-01"}, a.getenv, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "remain open") {
		t.Errorf("the State declared complete from the command line: %v", err)
	}
}
