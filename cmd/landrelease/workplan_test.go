package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestWorkPlanEndToEnd sets productivity, costs and a mix through the API, asks for the plan, releases through the
// API the areas the plan finishes in its first year, and sees the next plan start from what remains; the plan as
// recorded before the releases is reproduced by as_of.
func TestWorkPlanEndToEnd(t *testing.T) {
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	ro := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))
	admin := strings.TrimSpace(a.cli("token", "create", "--user", "root", "--role", "administrator"))

	// Four CHAs of about 1.2 ha each in Xiengkhouang, of decreasing priority.
	const d = 0.001
	boxes := map[string][4]float64{}
	for i, prio := range []string{"high", "high", "medium", "low"} {
		id := fmt.Sprintf("WP-%d", i+1)
		w, s := 103.20+float64(i)*0.01, 19.45
		boxes[id] = [4]float64{w, s, w + d, s + d}
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w, s, w+d, s+d), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen",
			"devices": []string{"BLU-26"}, "marking": "marked", "priority": prio, "land_use": "agriculture",
			"identified_on": fmt.Sprintf("2024-0%d-01", i+1), "organisation": "UXO Lao"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}
	year := time.Now().UTC().Year()
	plan := func(from int, extra string) response {
		t.Helper()
		res := a.do("GET", fmt.Sprintf("/api/v1/reports/workplan?from=%d&teams=1%s", from, extra), ro, nil, nil)
		if res.status != http.StatusOK {
			t.Fatalf("plan from %d: %d %v", from, res.status, res.body)
		}
		return res
	}

	// Without productivity or a mix (no area has been closed yet) the plan says what to set.
	if res := a.do("GET", "/api/v1/reports/workplan?teams=1", ro, nil, nil); res.status != http.StatusUnprocessableEntity ||
		!strings.Contains(fmt.Sprint(res.body), "No method mix for CHA") {
		t.Fatalf("no mix: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/reports/workplan", ro, nil, nil); res.status != http.StatusBadRequest {
		t.Fatalf("no capacity: %d %v", res.status, res.body)
	}
	prod := map[string]any{"method": "cleared", "m2_per_team_year": 25000, "cost_per_m2": 1.5, "cost_per_team_year": 50000}
	if res := a.do("PUT", "/api/v1/workplan/productivity", ro, nil, prod); res.status != http.StatusForbidden {
		t.Fatalf("officer sets productivity: %d %v", res.status, res.body)
	}
	if res := a.do("PUT", "/api/v1/workplan/productivity", dm, nil, prod); res.status != http.StatusOK {
		t.Fatalf("set productivity: %d %v", res.status, res.body)
	}
	mix := map[string]any{"kind": "CHA", "shares": map[string]any{"cleared": 1}, "note": "all CHA cleared"}
	if res := a.do("PUT", "/api/v1/workplan/mix", dm, nil, mix); res.status != http.StatusOK {
		t.Fatalf("set mix: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/workplan/productivity", ro, nil, nil); res.status != http.StatusOK ||
		len(res.body["productivity"].([]any)) != 1 {
		t.Fatalf("read productivity: %d %v", res.status, res.body)
	}

	first := plan(year+1, "")
	remaining := int64(first.body["remaining_m2"].(float64))
	years := first.body["years"].([]any)
	y1 := years[0].(map[string]any)
	if len(years) < 2 || int64(y1["cleared_m2"].(float64)) != 25000 || y1["year"].(float64) != float64(year+1) {
		t.Fatalf("first year: %v", y1)
	}
	var done []string
	var doneM2 int64
	partial := ""
	for _, x := range y1["areas"].([]any) {
		ar := x.(map[string]any)
		if ar["completes"].(bool) {
			done = append(done, ar["local_id"].(string))
			doneM2 += int64(ar["cleared_m2"].(float64))
		} else {
			partial = ar["local_id"].(string)
		}
	}
	if strings.Join(done, ",") != "WP-1,WP-2" || partial != "WP-3" {
		t.Fatalf("the first year finishes %v and starts %q", done, partial)
	}
	firstAsOf := first.header.Get("X-Report-As-Of")

	// The files: the milestone table as CSV, the workbook, the page.
	for format, ctype := range map[string]string{"csv": "text/csv", "html": "text/html",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"} {
		req, _ := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/reports/workplan?from=%d&teams=1&format=%s", a.base, year+1, format), nil)
		req.Header.Set("Authorization", "Bearer "+ro)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), ctype) {
			t.Fatalf("%s: %d %s", format, res.StatusCode, res.Header.Get("Content-Type"))
		}
		switch format {
		case "csv":
			if !strings.Contains(string(body), fmt.Sprintf("%d,TOTAL,Total,0,0,25000,25000,1.00,87500.00,3,2,", year+1)) {
				t.Errorf("CSV:\n%s", body)
			}
		case "xlsx":
			f, err := excelize.OpenReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			rows, _ := f.GetRows("Areas")
			if len(rows) < 4 || rows[1][2] != "WP-1" {
				t.Errorf("Areas sheet: %v", rows)
			}
			f.Close()
		case "html":
			if !strings.Contains(string(body), "Annual milestones") || !strings.Contains(string(body), "<svg") {
				t.Errorf("HTML page lacks its table or chart")
			}
		}
	}

	// Release, through the API, the areas the first year finishes, in full.
	for i, id := range done {
		b := boxes[id]
		res := a.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(b[0], b[1], b[2], b[3]), map[string]any{
			"local_id": fmt.Sprintf("%s-R%d", id, i), "hazard_area": id, "method": "cleared",
			"completed_on": time.Now().UTC().Format(time.DateOnly), "organisation": "NPA", "depth_cm": 30,
			"items_destroyed": map[string]int{"BLU-26": 2}}))
		if res.status != http.StatusCreated {
			t.Fatalf("release %s: %d %v", id, res.status, res.body)
		}
	}
	next := plan(year+2, "")
	if got := int64(next.body["remaining_m2"].(float64)); got != remaining-doneM2 || next.body["areas"].(float64) != 2 {
		t.Errorf("next plan: %d m2 in %v areas, want %d in 2", got, next.body["areas"], remaining-doneM2)
	}
	firstArea := next.body["years"].([]any)[0].(map[string]any)["areas"].([]any)[0].(map[string]any)
	if firstArea["local_id"] != "WP-3" || firstArea["rank"].(float64) != 1 {
		t.Errorf("next plan starts with %v", firstArea)
	}
	// The mix now measures the two areas closed, and the override still applies.
	m := a.do("GET", "/api/v1/workplan/mix", ro, nil, nil).body["mix"].([]any)[1].(map[string]any)
	if m["source"] != "override" || m["measured"].(map[string]any)["areas_measured"].(float64) != 2 {
		t.Errorf("CHA mix: %v", m)
	}

	// As recorded before the releases, the first plan again.
	again := plan(year+1, "&as_of="+firstAsOf)
	if again.body["remaining_m2"] != first.body["remaining_m2"] || again.body["completion"] != first.body["completion"] {
		t.Errorf("as_of %s: %v m2, completion %v; want %v, %v", firstAsOf, again.body["remaining_m2"], again.body["completion"],
			first.body["remaining_m2"], first.body["completion"])
	}

	// The command takes the same parameters and gives the same plan.
	var cli map[string]any
	out := a.cli("report", "workplan", "--from", fmt.Sprint(year+1), "--teams", "1", "--as-of", firstAsOf)
	if err := json.Unmarshal([]byte(out), &cli); err != nil {
		t.Fatalf("report workplan: %v\n%s", err, out)
	}
	if cli["remaining_m2"] != first.body["remaining_m2"] || cli["completion"] != first.body["completion"] || cli["cost"] != first.body["cost"] {
		t.Errorf("report workplan: %v m2, completion %v, cost %v; the API's %v, %v, %v", cli["remaining_m2"], cli["completion"],
			cli["cost"], first.body["remaining_m2"], first.body["completion"], first.body["cost"])
	}

	audit := a.do("GET", "/api/v1/audit?entity=workplan_productivity", admin, nil, nil)
	if entries, _ := audit.body["entries"].([]any); audit.status != http.StatusOK || len(entries) != 1 {
		t.Errorf("audit: %d %v", audit.status, audit.body)
	}
}
