package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestExtensionRequestEndToEnd drafts an extension request on the demo (entry into force 1 August 2010, the
// deadline in force 1 August 2025, productivity and costs): the officer sets the text, the draft's figures are the
// Article 4 report's and the work plan's, the three formats answer, the text is escaped, and as_of reproduces the
// draft byte for byte, old text included, after the text changed; the command line gives the same bytes.
func TestExtensionRequestEndToEnd(t *testing.T) {
	a := start(t)
	a.cli("demo", "load", "--hazards", "60", "--if-empty", "--admin", "../../testdata/admin1-LA.geojson")
	ro := strings.TrimSpace(a.cli("token", "create", "--user", "officer", "--role", "reporting_officer"))
	ft := strings.TrimSpace(a.cli("token", "create", "--user", "team", "--role", "field_team"))
	raw := func(path, token string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", a.base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b
	}

	text := map[string]any{"reasons": "Floods <script>alert(1)</script> in 2024.\nSecond line.", "implications": "=1+1",
		"requested_until": "2030-08-01"}
	if res := a.do("PUT", "/api/v1/reports/extension-request/text", ft, nil, text); res.status != http.StatusForbidden {
		t.Fatalf("a field team sets the text: %d %v", res.status, res.body)
	}
	if res := a.do("PUT", "/api/v1/reports/extension-request/text", ro, nil, text); res.status != http.StatusOK ||
		res.body["requested_until"] != "2030-08-01" || res.body["recorded_by"] != "officer" {
		t.Fatalf("the officer sets the text: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/reports/extension-request?teams=30&until=2025-01-01", ro, nil, nil); res.status != http.StatusUnprocessableEntity {
		t.Errorf("a date before the deadline: %d %v", res.status, res.body)
	}
	if res := a.do("GET", "/api/v1/reports/extension-request", ro, nil, nil); res.status != http.StatusBadRequest {
		t.Errorf("no capacity: %d %v", res.status, res.body)
	}

	// The draft to the date recorded with the text.
	status, h, first := raw("/api/v1/reports/extension-request?teams=30", ro)
	if status != http.StatusOK {
		t.Fatalf("draft: %d %s", status, first)
	}
	asOf := h.Get("X-Report-As-Of")
	q := "teams=30&as_of=" + url.QueryEscape(asOf)
	var d struct {
		Until    string `json:"requested_until"`
		Deadline struct {
			Deadline string `json:"deadline"`
		} `json:"deadline"`
		Since          map[string]any   `json:"since_entry_into_force"`
		Years          []map[string]any `json:"progress_by_year"`
		Units          []map[string]any `json:"remaining_by_unit"`
		Remaining      map[string]any   `json:"remaining"`
		Beneficiaries  map[string]any   `json:"beneficiaries"`
		MeanRate       float64          `json:"mean_release_m2_per_year"`
		Plan           map[string]any   `json:"plan"`
		Text           map[string]any   `json:"text"`
		EntryIntoForce string           `json:"entry_into_force"`
	}
	if err := json.Unmarshal(first, &d); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Until, "2030-08-01") || !strings.HasPrefix(d.Deadline.Deadline, "2025-08-01") ||
		!strings.HasPrefix(d.EntryIntoForce, "2010-08-01") || d.Text["implications"] != "=1+1" {
		t.Fatalf("draft: until %s, deadline %s, entry into force %s, text %v", d.Until, d.Deadline.Deadline, d.EntryIntoForce, d.Text)
	}

	// The figures since the entry into force are the Article 4 report's; the years add up to them.
	a4 := a.do("GET", "/api/v1/reports/article4?as_of="+url.QueryEscape(asOf), ro, nil, nil)
	if a4.status != http.StatusOK {
		t.Fatalf("article 4: %d %v", a4.status, a4.body)
	}
	base := a4.body["baseline"].(map[string]any)
	for k, v := range base {
		if d.Since[k] != v {
			t.Errorf("since the entry into force, %s: %v, the Article 4 report %v", k, d.Since[k], v)
		}
	}
	if d.MeanRate != a4.body["mean_release_m2_per_year"] {
		t.Errorf("mean rate %v, the Article 4 report %v", d.MeanRate, a4.body["mean_release_m2_per_year"])
	}
	sums := map[string]float64{}
	for _, y := range d.Years {
		for _, k := range []string{"cancelled_m2", "reduced_m2", "cleared_m2"} {
			sums[k] += y[k].(float64)
		}
	}
	if len(d.Years) != 17 || sums["cancelled_m2"] != base["cancelled_since_m2"] || sums["reduced_m2"] != base["reduced_since_m2"] ||
		sums["cleared_m2"] != base["cleared_since_m2"] || sums["cleared_m2"] == 0 {
		t.Errorf("%d years summing to %v; the baseline %v", len(d.Years), sums, base)
	}
	var unitSum float64
	for _, u := range d.Units {
		unitSum += u["remaining"].(map[string]any)["cha_area_m2"].(float64) + u["remaining"].(map[string]any)["sha_area_m2"].(float64)
	}
	if len(d.Units) < 2 || unitSum != base["remaining_m2"] {
		t.Errorf("%d units remaining %v m2, the baseline %v", len(d.Units), unitSum, base["remaining_m2"])
	}

	// The plan is the work plan's, its years from 2025 to 2030.
	wp := a.do("GET", "/api/v1/reports/workplan?"+q, ro, nil, nil)
	if wp.status != http.StatusOK {
		t.Fatalf("work plan: %d %v", wp.status, wp.body)
	}
	var want []any
	for _, y := range wp.body["years"].([]any) {
		if yr := y.(map[string]any)["year"].(float64); yr >= 2025 && yr <= 2030 {
			want = append(want, y)
		}
	}
	got := d.Plan["years"].([]any)
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("plan years %d, the work plan's in the period %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i].(map[string]any), want[i].(map[string]any)
		for _, k := range []string{"year", "cancelled_m2", "reduced_m2", "cleared_m2", "team_years", "cost", "remaining_after_m2"} {
			if g[k] != w[k] {
				t.Errorf("plan year %v, %s: %v, the work plan %v", g["year"], k, g[k], w[k])
			}
		}
	}
	if d.Plan["completion"] != wp.body["completion"] {
		t.Errorf("completion %v, the work plan's %v", d.Plan["completion"], wp.body["completion"])
	}

	// The formats, as recorded then.
	files := map[string][]byte{}
	for _, format := range []string{"json", "html", "xlsx"} {
		status, _, b := raw("/api/v1/reports/extension-request?format="+format+"&"+q, ro)
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", format, status, b)
		}
		files[format] = b
	}
	if !bytes.Equal(files["json"], first) {
		t.Errorf("the JSON as_of its own time differs from the JSON first answered")
	}
	page := string(files["html"])
	if strings.Contains(page, "<script>") || !strings.Contains(page, "Floods &lt;script&gt;alert(1)&lt;/script&gt; in 2024.") ||
		strings.Contains(page, "src=") || strings.Contains(page, "href=") || !strings.Contains(page, "@page") {
		t.Errorf("the page does not escape the text or is not self-contained:\n%.2000s", page)
	}
	f, err := excelize.OpenReader(bytes.NewReader(files["xlsx"]))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); strings.Join(got, "|") != "Summary|Progress by year|Remaining by province|Work plan" {
		t.Errorf("sheets %v", got)
	}
	rows, _ := f.GetRows("Summary")
	found := false
	for i, r := range rows {
		if len(r) > 1 && r[1] == "=1+1" {
			cell := "B" + strconv.Itoa(i+1)
			if formula, _ := f.GetCellFormula("Summary", cell); formula != "" {
				t.Errorf("the implications are a formula in %s: %q", cell, formula)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("the implications are not in the Summary sheet: %v", rows)
	}
	f.Close()

	// A new text; the draft as recorded before it has the old one, byte for byte.
	dir := t.TempDir()
	reasons := filepath.Join(dir, "reasons.txt")
	if err := os.WriteFile(reasons, []byte("New reasons."), 0o600); err != nil {
		t.Fatal(err)
	}
	a.cli("extension-request", "text", "--reasons-file", reasons)
	if res := a.do("GET", "/api/v1/reports/extension-request?teams=30", ro, nil, nil); res.status != http.StatusOK ||
		res.body["text"].(map[string]any)["reasons"] != "New reasons." || res.body["text"].(map[string]any)["implications"] != "=1+1" {
		t.Fatalf("the draft after the new text: %d %v", res.status, res.body["text"])
	}
	for format, b := range files {
		if _, _, again := raw("/api/v1/reports/extension-request?format="+format+"&"+q, ro); !bytes.Equal(again, b) {
			t.Errorf("%s as of %s differs after the text changed", format, asOf)
		}
	}
	if out := a.cli("report", "extension-request", "--teams", "30", "--as-of", asOf); out != string(first) {
		t.Errorf("the command's draft differs from the API's:\n%.500s", out)
	}
}
