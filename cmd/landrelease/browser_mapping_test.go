package main

import (
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// teamHazard is a hazard area as a district team's file names it: its own field names and its own words for the
// kind, no record or organisation.
func teamHazard(id, found string, w, s, e, n float64) map[string]any {
	return feat(rect(w, s, e, n), map[string]any{"HAZ_ID": id, "Status": "Suspected", "Found": found, "Contam": "cmr",
		"Evid": "indirect", "evidence_category": "verbal_report", "Marking": "none", "devices": "BLU-26, M77", "Remark": "walked by team 7"})
}

// idle is true (as the start of a JavaScript condition) when the upload page has no check under way.
const idle = `document.body.dataset.busy !== "1" && `

// pick chooses value in the select sel as a user does (the change event follows).
func (b *browser) pick(sel, value string) {
	b.t.Helper()
	b.do("choose "+value+" in "+sel, chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector(`+strconv.Quote(sel)+`);
		s.value = `+strconv.Quote(value)+`; s.dispatchEvent(new Event("change", {bubbles: true})); })()`))
}

// TestBrowserUploadMapping signs in as a field team and uploads files in the team's own field names through the
// upload page's property mapping panel: the fields are listed beside ours, mapped, checked again (accepted only
// with the mapping), saved by name (created, replaced, refused at a stale version and over a taken name), and,
// after a reload, restored for the next files; the submission carries the mapping of the last check.
func TestBrowserUploadMapping(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	if out := a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name"); !strings.Contains(out, "imported 17 admin units") {
		t.Fatalf("admin import: %q", out)
	}
	a.cli("token", "create", "--user", "team7", "--role", "field_team")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	a.setPassword("team7", "field-pass-7")

	const w, s = 102.50, 18.00
	dir := t.TempDir()
	first := writeGeoJSON(t, dir, "district-a.geojson", collection(teamHazard("LA-VT-2024-0300", "2024/02/01", w, s, w+0.002, s+0.001)))
	bad := writeGeoJSON(t, dir, "district-b.geojson", collection(teamHazard("LA-VT-2024-0301", "last spring", w+0.004, s, w+0.006, s+0.001)))
	second := writeGeoJSON(t, dir, "district-c.geojson", collection(
		teamHazard("LA-VT-2024-0302", "2024-03-05", w+0.008, s, w+0.010, s+0.001),
		teamHazard("LA-VT-2024-0303", "2024-03-06", w+0.012, s, w+0.014, s+0.001),
	))
	b := newBrowser(t, chrome)
	b.signIn(a.base, "team7", "field-pass-7", "/upload.html", "field_team")

	// Without a mapping the file is rejected; its fields are listed, each with our properties to choose from,
	// those of our names (ignoring case: Marking, Status) chosen already.
	b.do("choose the team's file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{first}))
	b.waitFor("the check without a mapping", idle+`document.body.dataset.checked === "rejected" && !document.querySelector("#mapping").hidden`)
	rows := `[...document.querySelectorAll("#mapping-fields select")]`
	if got := eval[string](b, "fields", rows+`.map((s) => s.dataset.source + "=" + s.value).join(",")`); got != "Contam=,Evid=,Found=,HAZ_ID=,Marking=marking,Remark=,Status=status,devices=devices,evidence_category=evidence_category" {
		t.Errorf("fields listed %q", got)
	}
	if got := eval[string](b, "labels", rows+`.map((s) => (s.labels[0] || {}).textContent).join(",")`); got != "Contam,Evid,Found,HAZ_ID,Marking,Remark,Status,devices,evidence_category" {
		t.Errorf("field selects labelled %q", got)
	}
	want := landrelease.UploadFields(landrelease.RecordHazardArea)
	for _, f := range landrelease.UploadFields(landrelease.RecordLandRelease) {
		if !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	for _, m := range []string{"women", "girls", "boys", "men", "with_disabilities"} {
		want = append(want, "beneficiaries."+m)
	}
	if got := eval[[]string](b, "our properties", `[...document.querySelector('#mapping-fields select[data-source="HAZ_ID"]').options].map((o) => o.value)`); !slices.Equal(got, append([]string{""}, want...)) {
		t.Errorf("our properties offered %v, want (leave out) and %v", got, want)
	}

	// Map the team's fields, give the record and organisation for the whole file, and the team's word for SHA.
	for src, ours := range map[string]string{"HAZ_ID": "local_id", "Status": "kind", "Found": "identified_on", "Contam": "contamination", "Evid": "evidence"} {
		b.pick(`#mapping-fields select[data-source="`+src+`"]`, ours)
	}
	for k, v := range map[string]string{"record": "hazard_area", "organisation": "NPA"} {
		b.do("constant "+k, chromedp.Evaluate[chromedp.Void](`(() => {
			const tr = [...document.querySelectorAll("#mapping-constants tr.constant")].find((tr) => tr.querySelector(".c-key").value === `+strconv.Quote(k)+`);
			tr.querySelector(".c-value").focus(); })()`), chromedp.SendKeys(chromedp.CSS(":focus"), v))
	}
	b.do("a value", chromedp.Click(chromedp.CSS("#mapping-add-value")),
		chromedp.SendKeys(chromedp.CSS("#mapping-values tr.value:last-child .v-from"), "Suspected"),
		chromedp.SendKeys(chromedp.CSS("#mapping-values tr.value:last-child .v-to"), "SHA"))
	if !eval[bool](b, "submit held", `document.querySelector("#submit").disabled && document.querySelector("#submit-msg").textContent.includes("check again")`) {
		t.Error("Submit is offered while the mapping differs from the check's")
	}
	// Checked again with the mapping: accepted (it would not be without the mapping part).
	b.do("check again", chromedp.Click(chromedp.CSS("#mapping-check")))
	b.waitFor("the check with the mapping", idle+`document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)
	b.screenshot("upload-mapping.png")

	// Save it: created, then replaced at the version it was saved at.
	b.do("save the mapping", chromedp.SendKeys(chromedp.CSS("#mapping-name"), "district-team"), chromedp.Click(chromedp.CSS("#mapping-save")))
	b.waitFor("the mapping saved", `document.querySelector("#mapping").dataset.saved === "district-team:1"`)
	b.do("save it again", chromedp.Click(chromedp.CSS("#mapping-save")))
	b.waitFor("the mapping replaced", `document.querySelector("#mapping").dataset.saved === "district-team:2"`)
	// Someone saves it in between: the page's save is refused (412) and says what to do; chosen again, it saves.
	saved := a.do("GET", "/api/v1/mappings/district-team", dm, nil, nil).body
	saved["description"] = "district teams' GPS files"
	if res := a.do("PUT", "/api/v1/mappings/district-team", dm, map[string]string{"Content-Type": "application/json"}, saved); res.status != http.StatusOK || res.body["version"] != 3.0 {
		t.Fatalf("save in between: %d %v", res.status, res.body)
	}
	b.do("save at a stale version", chromedp.Click(chromedp.CSS("#mapping-save")))
	b.waitFor("the refusal", `document.querySelector("#mapping-msg").textContent.includes("saved by someone else")`)
	b.pick("#mapping-saved", "district-team")
	b.waitFor("the mapping read again", `document.querySelector("#mapping").dataset.loaded === "district-team:3"`)
	b.do("save it", chromedp.Click(chromedp.CSS("#mapping-save")))
	b.waitFor("the mapping saved", `document.querySelector("#mapping").dataset.saved === "district-team:4"`)
	// A new mapping under a taken name is refused (428), not overwriting it.
	b.pick("#mapping-saved", "")
	b.do("save a new one under the name", chromedp.SendKeys(chromedp.CSS("#mapping-name"), "district-team"), chromedp.Click(chromedp.CSS("#mapping-save")))
	b.waitFor("the refusal", `document.querySelector("#mapping-msg").textContent.includes("exists already")`)
	if cls := eval[string](b, "message class", `document.querySelector("#mapping-msg").className`); cls != "msg error" {
		t.Errorf("refusal shown as %q", cls)
	}
	b.pick("#mapping-saved", "district-team")
	b.waitFor("the saved mapping", `document.querySelector("#mapping").dataset.loaded === "district-team:4"`)
	b.do("check again", chromedp.Click(chromedp.CSS("#mapping-check")))
	b.waitFor("the check with the saved mapping", idle+`document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)

	// After a reload the next file is checked with the same mapping: a wrong date points at the file's field.
	b.do("reload", chromedp.Reload())
	b.waitFor("the page", `document.body.dataset.session === "field_team"`)
	b.do("choose the file with a wrong date", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{bad}))
	b.waitFor("the check with the restored mapping", idle+`document.body.dataset.checked === "rejected" && document.querySelector("#mapping-saved").value === "district-team"`)
	if li := eval[string](b, "rejected item", `(document.querySelector('#features li.feature.rejected') || {}).textContent || ""`); !strings.Contains(li, "LA-VT-2024-0301") || !strings.Contains(li, "identified_on") || !strings.Contains(li, "the file's field Found") {
		t.Errorf("rejected feature's item %q, want its id, identified_on and the file's field Found", li)
	}
	b.do("choose the next file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{second}))
	b.waitFor("the check with the restored mapping", idle+`document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)
	if got := eval[string](b, "restored", `document.querySelector('#mapping-fields select[data-source="HAZ_ID"]').value + "," + document.querySelector("#mapping-saved").value`); got != "local_id,district-team" {
		t.Errorf("restored mapping: HAZ_ID and the saved mapping %q", got)
	}
	b.do("submit", chromedp.Click(chromedp.CSS("#submit")))
	b.waitFor("the upload id", `!!document.body.dataset.submitted`)
	id := eval[string](b, "upload id", `document.querySelector("#result").dataset.id`)

	// A KML of the team's (made by GDAL, as Google Earth would carry it) gets the same mapping; its fields are the
	// server's (the KML's own among them) and the report points into the file.
	if ogr2ogr, err := exec.LookPath("ogr2ogr"); err != nil {
		t.Log("GDAL's ogr2ogr is not installed: the KML part is skipped (make test installs it)")
	} else {
		src := writeGeoJSON(t, dir, "district-d.geojson", collection(teamHazard("LA-VT-2024-0304", "2024-03-07", w+0.016, s, w+0.018, s+0.001)))
		kml := filepath.Join(dir, "district-d.kml")
		if out, err := exec.Command(ogr2ogr, "-f", "KML", kml, src).CombinedOutput(); err != nil {
			t.Fatalf("ogr2ogr: %v\n%s", err, out)
		}
		b.do("choose the KML", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{kml}))
		b.waitFor("the check of the KML", idle+`document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)
		if got := eval[string](b, "KML fields", rows+`.filter((s) => ["Name", "HAZ_ID", "Status"].includes(s.dataset.source)).map((s) => s.dataset.source + "=" + s.value).join(",")`); got != "Name=,HAZ_ID=local_id,Status=kind" {
			t.Errorf("KML fields %q", got)
		}
		if li := eval[string](b, "KML item", `(document.querySelector("#features li.feature") || {}).textContent || ""`); !strings.Contains(li, "LA-VT-2024-0304") || !strings.Contains(li, "in the file: layer district_d, feature 1") {
			t.Errorf("KML feature's item %q, want its id and its place in the file", li)
		}
	}
	b.noCSPViolations("upload")
	b.onlyLocal(a.base)

	// The upload was stored with the mapping, as its report says; the saved mapping is listed.
	up := a.do("GET", "/api/v1/uploads/"+id, dm, nil, nil).body
	m, _ := up["mapping"].(map[string]any)
	if got := fmt.Sprint(m["fields"], m["constants"], m["values"]); got != "map[Contam:contamination Evid:evidence Found:identified_on HAZ_ID:local_id Marking:marking Status:kind] map[organisation:NPA record:hazard_area] map[kind:map[Suspected:SHA]]" {
		t.Errorf("upload %s stored with mapping %v", id, up["mapping"])
	}
	if up["status"] != "submitted" || up["feature_count"] != 2.0 || up["filename"] != "district-c.geojson" {
		t.Errorf("upload %s: %v", id, up)
	}
	var names []string
	for _, m := range a.do("GET", "/api/v1/mappings", dm, nil, nil).body["mappings"].([]any) {
		m := m.(map[string]any)
		names = append(names, fmt.Sprintf("%v:%v", m["name"], m["version"]))
	}
	if !slices.Contains(names, "district-team:4") {
		t.Errorf("mappings %v, want district-team at version 4", names)
	}
}
