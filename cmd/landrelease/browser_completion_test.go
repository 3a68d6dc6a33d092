package main

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserCompletion drives the web application's views of the completion of Article 4.1(c): a residual area is
// marked residual in the registry page's list and detail and in the map's record panel (an area open but not
// residual is not); the reports page's completion card shows, for a unit with an open CMR area, the 409's open
// areas per unit with a draft link, and for a unit declared complete its completion date, residual figures and
// declaration; a data manager's declaration through the card is refused with the API's message for a unit not
// complete, and recorded and listed for a complete one. A visitor is not offered the form. On the map, the
// residual area is drawn with the legend's purple outline, counted residual and labelled residual in its tooltip;
// the areas beside it, not residual, are not.
func TestBrowserCompletion(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	a.setPassword("manager", "manager-pass-1")

	const phongsali, namtha, xiangkhoang, d = "LAO-3291", "LAO-3272", "LAO-3286", 0.001
	type place struct{ w, s float64 }
	area := func(id, unit string, at place, identified string, contamination ...string) {
		t.Helper()
		cont := "cmr"
		if len(contamination) > 0 {
			cont = contamination[0]
		}
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(at.w, at.s, at.w+d, at.s+d), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": cont, "evidence": "direct", "evidence_category": "items_seen",
			"devices": []string{"BLU-26"}, "marking": "marked", "priority": "high", "land_use": "agriculture",
			"identified_on": identified, "organisation": "UXO Lao"}))
		if res.status != http.StatusCreated || props(res)["admin1_code"] != unit {
			t.Fatalf("create %s in %s: %d %v", id, unit, res.status, res.body)
		}
	}
	clear := func(id string, at place, on string) {
		t.Helper()
		res := a.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(at.w, at.s, at.w+d, at.s+d), map[string]any{
			"local_id": id + "-R", "hazard_area": id, "method": "cleared", "completed_on": on, "organisation": "NPA",
			"depth_cm": 30, "items_destroyed": map[string]int{"BLU-26": 2}}))
		if res.status != http.StatusCreated {
			t.Fatalf("release %s: %d %v", id, res.status, res.body)
		}
	}
	// Phôngsali: cleared, declared complete, then a CMR area found after its completion date (residual).
	p1, p2 := place{102.20, 21.70}, place{102.21, 21.70}
	area("P-1", phongsali, p1, "2019-01-01")
	clear("P-1", p1, "2022-03-01")
	if res := a.do("PUT", "/api/v1/completion/"+phongsali, dm, nil, map[string]any{"completed_on": "2022-06-01", "note": "11MSP"}); res.status != http.StatusOK {
		t.Fatalf("declare %s: %d %v", phongsali, res.status, res.body)
	}
	area("P-2", phongsali, p2, "2023-06-01")
	area("P-3", phongsali, place{102.215, 21.70}, "2023-06-01", "other") // found after completion, not CMR: not residual
	// Xiangkhoang: one open CMR area, not residual. Louang Namtha: cleared, not declared.
	area("X-1", xiangkhoang, place{103.20, 19.45}, "2019-01-01")
	n1 := place{101.50, 20.60}
	area("N-1", namtha, n1, "2019-01-01")
	clear("N-1", n1, "2021-04-01")
	x1 := a.do("GET", "/api/v1/hazard-areas/X-1", "", nil, nil)
	x1Remaining := int64(props(x1)["remaining_area_m2"].(float64) + 0.5)
	if props(x1)["residual"] != false || props(a.do("GET", "/api/v1/hazard-areas/P-2", "", nil, nil))["residual"] != true {
		t.Fatalf("the API's residual flags: X-1 %v, P-2 not true", props(x1))
	}

	b := newBrowser(t, chrome)

	t.Run("registry", func(t *testing.T) {
		b.t = t
		b.do("open the registry", chromedp.Navigate(a.base+"/registry.html"))
		b.waitFor("the open areas", `document.body.dataset.ready === "1" && !!document.querySelector('#hazards tr[data-id="P-2"]') && !!document.querySelector('#hazards tr[data-id="X-1"]')`)
		type row struct {
			Class  string `json:"class"`
			Status string `json:"status"`
			Title  string `json:"title"`
			Badges int    `json:"badges"`
		}
		read := func(id string) row {
			return eval[row](b, "row "+id, `(() => {
				const tr = document.querySelector('#hazards tr[data-id="`+id+`"]'), td = tr.children[2];
				return {class: tr.className, status: td.textContent, title: td.title, badges: td.querySelectorAll(".badge.residual").length};
			})()`)
		}
		if r := read("P-2"); r.Class != "hazard residual" || r.Status != "open · residual" || r.Badges != 1 ||
			!strings.Contains(r.Title, "identified after the completion date of its admin unit or the State") {
			t.Errorf("the residual area's row: %+v", r)
		}
		if r := read("X-1"); r.Class != "hazard" || r.Status != "open" || r.Badges != 0 || r.Title != "" {
			t.Errorf("an open area not residual: %+v", r)
		}
		b.do("open P-2", chromedp.Click(chromedp.CSS(`#hazards tr[data-id="P-2"]`)))
		b.waitFor("its detail", `document.querySelector("#detail-title").textContent === "P-2" && document.querySelectorAll("#history tbody tr").length > 0`)
		if got := eval[string](b, "detail", `[...document.querySelectorAll("#detail-sub .badge")].map((e) => e.textContent + (e.title ? "?" : "")).join(",")`); got != "CHA,open,residual?" {
			t.Errorf("the detail's badges %q, want CHA,open,residual? (residual with its explanation)", got)
		}
		b.do("open X-1", chromedp.Click(chromedp.CSS(`#hazards tr[data-id="X-1"]`)))
		b.waitFor("its detail", `document.querySelector("#detail-title").textContent === "X-1"`)
		if n := eval[int](b, "residual badges", `document.querySelectorAll("#detail-sub .badge.residual").length`); n != 0 {
			t.Error("X-1's detail is marked residual")
		}
		b.do("open P-2 again", chromedp.Click(chromedp.CSS(`#hazards tr[data-id="P-2"]`)))
		b.waitFor("its detail", `document.querySelector("#detail-title").textContent === "P-2"`)
		b.screenshot("registry-residual.png")
		// The residual filter lists the residual areas only, then only the others.
		ids := func() string {
			return eval[string](b, "rows", `[...document.querySelectorAll("#hazards tr.hazard")].map((tr) => tr.dataset.id).sort().join(",")`)
		}
		for _, c := range []struct{ value, want string }{{"true", "P-2"}, {"false", "X-1"}} {
			b.do("residual "+c.value, chromedp.SetValue(chromedp.CSS(`#filters select[name="residual"]`), c.value),
				chromedp.Evaluate[chromedp.Void](`document.body.dataset.ready = ""; document.querySelector("#filters").requestSubmit()`))
			b.waitFor("the filtered list", `document.body.dataset.ready === "1"`)
			if got := ids(); !strings.Contains(got, c.want) || strings.Contains(got, map[string]string{"true": "X-1", "false": "P-2"}[c.value]) {
				t.Errorf("residual=%s lists %s", c.value, got)
			}
		}
		b.noCSPViolations("registry")
	})

	t.Run("map layer", func(t *testing.T) {
		b.t = t
		// P-2 (residual) at the centre of a zoom-15 view, P-1 (cleared) 0.01 degree west of it, P-3 (not CMR)
		// 0.005 degree east: residual is P-2 only.
		b.do("open the map at P-2", chromedp.Navigate("about:blank"), chromedp.Navigate(a.base+"/#map=15/21.70050/102.21050"))
		b.waitAcross("the view drawn", `document.body.dataset.ready === "1" && document.body.dataset.hazards === "3" && `+paintedJS+` > 0`)
		if got := eval[string](b, "residual in view", `document.body.dataset.residual`); got != "1" {
			t.Errorf("%s residual areas counted in the view, want 1 (P-2)", got)
		}
		// The canvas paints the residual outline in the legend's purple, around P-2 only: the bounding box of the
		// purple pixels is P-2's (0.001 degree, about 23 pixels at zoom 15) at the centre of the map.
		type purple struct {
			N      int     `json:"n"`
			DX, DY float64 // the purple box's centre from the map's, CSS pixels
			W, H   float64 // the purple box's size, CSS pixels
		}
		got := eval[purple](b, "purple pixels", `(() => {
		  const c = document.querySelector(".leaflet-hazards-pane canvas"), cr = c.getBoundingClientRect();
		  const m = document.querySelector("#map").getBoundingClientRect();
		  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		  let n = 0, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
		  for (let i = 0; i < d.length; i += 4) {
		    if (d[i + 3] < 200 || Math.abs(d[i] - 0x7c) > 24 || Math.abs(d[i + 1] - 0x3a) > 24 || Math.abs(d[i + 2] - 0xed) > 24) continue;
		    const x = (i / 4) % c.width, y = Math.floor(i / 4 / c.width);
		    n++; x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
		  }
		  const sx = cr.width / c.width, sy = cr.height / c.height;
		  return {n, DX: cr.left + (x0 + x1 + 1) / 2 * sx - (m.left + m.width / 2), DY: cr.top + (y0 + y1 + 1) / 2 * sy - (m.top + m.height / 2),
		    W: (x1 - x0 + 1) * sx, H: (y1 - y0 + 1) * sy};
		})()`)
		if got.N < 40 || math.Abs(got.DX) > 4 || math.Abs(got.DY) > 4 || got.W < 18 || got.W > 32 || got.H < 18 || got.H > 32 {
			b.screenshot("failure-map-residual.png")
			t.Errorf("purple pixels %+v, want P-2's outline (about 23 x 23 pixels) at the centre of the map and nowhere else", got)
		}
		if legend := eval[string](b, "legend", `(() => { const li = document.querySelector("#legend-residual");
		  return li && li.checkVisibility() && getComputedStyle(li.querySelector(".swatch.residual")).borderTopColor + "|" + li.textContent; })()`); legend != "rgb(124, 58, 237)|Residual contamination (found after completion)" {
			t.Errorf("the legend's residual entry %q, want the map's purple and its label", legend)
		}
		// The tooltips (at zoom 15, where the released parts are drawn too): P-2 says residual, P-3 (0.005 degree
		// east: 256 * 2^15 / 360 pixels a degree) does not.
		tooltip := func(id, xyJS string) string {
			b.t.Helper()
			b.hoverUntil("point at "+id, xyJS, `[...document.querySelectorAll(".leaflet-tooltip")].some((e) => e.textContent.startsWith("`+id+` "))`)
			return eval[string](b, id+"'s tooltip", `[...document.querySelectorAll(".leaflet-tooltip")].map((e) => e.textContent).find((s) => s.startsWith("`+id+` "))`)
		}
		if tip := tooltip("P-2", `(() => { const r = document.querySelector("#map").getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()`); tip != "P-2 · CHA · residual" {
			t.Errorf("P-2's tooltip %q, want \"P-2 · CHA · residual\"", tip)
		}
		if tip := tooltip("P-3", `(() => { const r = document.querySelector("#map").getBoundingClientRect(); return [r.left + r.width / 2 + 0.005 * 256 * 2 ** 15 / 360, r.top + r.height / 2]; })()`); tip != "P-3 · CHA" {
			t.Errorf("P-3's tooltip %q, want \"P-3 · CHA\" (not residual)", tip)
		}
		b.screenshot("map-residual.png")
		b.noCSPViolations("map")
	})

	t.Run("map panel", func(t *testing.T) {
		b.t = t
		b.do("open the map", chromedp.Navigate(a.base+"/"))
		b.waitFor("the map to start", `document.body.dataset.ready === "1"`)
		b.do("search P-2", chromedp.SendKeys(chromedp.CSS("#search-id"), "P-2"), chromedp.Click(chromedp.CSS(`#search button[type="submit"]`)))
		b.waitFor("the record panel", `!document.querySelector("#panel").hidden && document.querySelector("#panel-title").textContent === "P-2" && !!document.querySelector("#panel-sub .badge.st-open")`)
		if got := eval[string](b, "panel", `[...document.querySelectorAll("#panel-sub .badge.residual")].map((e) => e.textContent + "|" + e.title).join()`); !strings.HasPrefix(got, "residual|") || !strings.Contains(got, "completion date") {
			t.Errorf("the map's panel marks P-2 %q, want a residual badge with its explanation", got)
		}
	})

	// pick chooses a scope of the completion card as a user does (the change event included).
	pick := func(code string) {
		b.t.Helper()
		b.do("choose "+code, chromedp.Evaluate[chromedp.Void](`(() => {
			const s = document.querySelector("#cp-admin");
			s.value = `+strconv.Quote(code)+`;
			s.dispatchEvent(new Event("change"));
		})()`))
	}
	check := func(code string) {
		b.t.Helper()
		pick(code)
		b.do("check "+code, chromedp.Evaluate[chromedp.Void](`document.querySelector("#completion").dataset.complete = "checking"`), chromedp.Click(chromedp.CSS("#cp-form button")))
		b.waitFor("the verdict on "+code, `["true", "false"].includes(document.querySelector("#completion").dataset.complete)`)
	}
	text := func(sel string) string {
		b.t.Helper()
		return eval[string](b, sel, `(document.querySelector(`+strconv.Quote(sel)+`) || {}).textContent || ""`)
	}
	visible := func(sel string) bool {
		b.t.Helper()
		return eval[bool](b, sel, `!!document.querySelector(`+strconv.Quote(sel)+`)?.checkVisibility()`)
	}
	fetchText := func(sel string) string {
		b.t.Helper()
		return eval[string](b, "fetch "+sel, `fetch(document.querySelector(`+strconv.Quote(sel)+`).href).then(async (r) => r.status + " " + await r.text())`, chromedp.EvalAwaitPromise)
	}

	t.Run("completion card", func(t *testing.T) {
		b.t = t
		b.do("open the reports", chromedp.Navigate(a.base+"/reports.html"))
		b.waitFor("the scopes and the declarations", `document.body.dataset.scopes === "17" && document.body.dataset.session === "none" && !!document.querySelector('#cp-list tbody tr[data-scope="`+phongsali+`"]')`)
		// Form F's and Article 4's cards say how much of what remains is residual (P-2, open since 2023).
		b.waitFor("the residual part of Form F and Article 4", `document.querySelector("#f-msg").textContent.startsWith("Of the closing stock, 1 area(s)") &&
			document.querySelector("#f-msg").textContent.includes("are residual contamination") &&
			/of which [0-9.]+ km² residual \(1 area found after a completion date\)/.test(document.querySelector("#a4-remaining-note").textContent)`)
		if got := text(`#cp-list tbody tr[data-scope="` + phongsali + `"]`); !strings.Contains(got, "Phôngsali") || !strings.Contains(got, "2022-06-01") || !strings.Contains(got, "11MSP") {
			t.Errorf("the declaration listed: %q", got)
		}
		if visible("#cp-declare") {
			t.Error("a visitor is offered the declaration form")
		}

		// Not complete: the 409's open areas per unit, the draft link and no summary links.
		check(xiangkhoang)
		if got := eval[string](b, "verdict", `document.querySelector("#completion").dataset.complete`); got != "false" {
			t.Fatalf("%s with X-1 open: complete=%q", xiangkhoang, got)
		}
		wantOpen := "Xiangkhoang" + xiangkhoang + "1" + formatInt(x1Remaining)
		if got := eval[string](b, "open areas", `[...document.querySelectorAll("#cp-open tbody tr")].map((tr) => [...tr.children].slice(0, 3).map((td) => td.textContent).join("")).join("|")`); got != wantOpen {
			t.Errorf("open CMR areas shown %q, want %q (unit, code, count, remaining m²)", got, wantOpen)
		}
		if v := text("#cp-verdict"); !strings.HasPrefix(v, "Not complete") || !strings.Contains(v, "1 CMR area(s)") {
			t.Errorf("verdict %q", v)
		}
		if !visible("#cp-draft") || visible("#cp-html") || visible("#cp-csv") {
			t.Error("not complete: want the draft link only")
		}
		if got := fetchText("#cp-draft"); !strings.HasPrefix(got, "200 ") || !strings.Contains(got, "NOT COMPLETE") || !strings.Contains(got, "X-1") {
			t.Errorf("the draft: %.200q", got)
		}
		b.screenshot("completion-open.png")

		// Complete and declared: the completion date (the residual P-2 does not keep it open), residual, declaration.
		check(phongsali)
		if got := eval[string](b, "verdict", `document.querySelector("#completion").dataset.complete`); got != "true" {
			t.Fatalf("%s: complete=%q, message %q", phongsali, got, text("#cp-msg"))
		}
		if got := text("#cp-date .kpi-value"); got != "1 March 2022" {
			t.Errorf("completion date %q, want 1 March 2022", got)
		}
		if got := text("#cp-residual .kpi-value"); got != "1" {
			t.Errorf("residual count %q, want 1", got)
		}
		if got := text("#cp-declared-kpi"); !strings.Contains(got, "1 June 2022") || !strings.Contains(got, "manager") || !strings.Contains(got, "11MSP") {
			t.Errorf("declaration shown %q", got)
		}
		if visible("#cp-draft") || !visible("#cp-html") || !visible("#cp-csv") {
			t.Error("complete: want the HTML and CSV links, no draft")
		}
		if got := fetchText("#cp-csv"); !strings.HasPrefix(got, "200 ") || !strings.Contains(got, "P-1") || !strings.Contains(got, "P-2") {
			t.Errorf("the CSV: %.300q", got)
		}
		if got := fetchText("#cp-html"); !strings.HasPrefix(got, "200 ") || !strings.Contains(got, "<html") {
			t.Errorf("the HTML: %.200q", got)
		}
		b.screenshot("completion-complete.png")
		b.noCSPViolations("reports")
	})

	t.Run("declare", func(t *testing.T) {
		b.t = t
		b.signIn(a.base, "manager", "manager-pass-1", "/reports.html", "data_manager")
		b.waitFor("the form", `document.body.dataset.scopes === "17" && document.querySelector("#cp-declare").checkVisibility()`)

		// Refused while X-1 is open: the API's message, nothing listed.
		pick(xiangkhoang)
		b.do("declare "+xiangkhoang, chromedp.SetValue(chromedp.CSS("#cp-completed"), "2024-01-01"), chromedp.Click(chromedp.CSS("#cp-declare-submit")))
		b.waitFor("the refusal", `document.querySelector("#cp-declare-msg").textContent.startsWith("Not declared")`)
		if got := eval[string](b, "refusal", `document.querySelector("#cp-declare-msg").className + "|" + document.querySelector("#cp-declare-msg").textContent`); !strings.HasPrefix(got, "msg error|Not declared (409)") ||
			!strings.Contains(got, "remain open") || !strings.Contains(got, xiangkhoang) {
			t.Errorf("refused declaration shown as %q", got)
		}

		// Louang Namtha: complete since 1 April 2021, declared through the form with the date the check filled in.
		check(namtha)
		if got := eval[string](b, "completed on", `document.querySelector("#cp-completed").value`); got != "2021-04-01" {
			t.Errorf("completed_on filled in as %q, want the completion date 2021-04-01", got)
		}
		if got := text("#cp-declared-kpi .kpi-value"); got != "not declared" {
			t.Errorf("before the declaration: %q", got)
		}
		b.do("declare "+namtha, chromedp.SendKeys(chromedp.CSS("#cp-note"), "declared at the 12MSP"), chromedp.Click(chromedp.CSS("#cp-declare-submit")))
		b.waitFor("the declaration listed", `!!document.querySelector('#cp-list tbody tr[data-scope="`+namtha+`"]')`)
		if got := text(`#cp-list tbody tr[data-scope="` + namtha + `"]`); !strings.Contains(got, "Louang Namtha") || !strings.Contains(got, "2021-04-01") || !strings.Contains(got, "declared at the 12MSP") || !strings.Contains(got, "manager") {
			t.Errorf("the declaration listed: %q", got)
		}
		if got := text("#cp-declare-msg"); !strings.HasPrefix(got, "Declared:") {
			t.Errorf("message %q", got)
		}
		b.waitFor("the summary again, declared", `document.querySelector("#completion").dataset.complete === "true" && (document.querySelector("#cp-declared-kpi .kpi-value") || {}).textContent === "1 April 2021"`)
		res := a.do("GET", "/api/v1/completion", "", nil, nil)
		var got []string
		for _, c := range res.body["completions"].([]any) {
			c := c.(map[string]any)
			got = append(got, c["admin_code"].(string)+" "+c["completed_on"].(string)+" "+c["recorded_by"].(string))
		}
		if want := namtha + " 2021-04-01T00:00:00Z manager," + phongsali + " 2022-06-01T00:00:00Z manager"; strings.Join(got, ",") != want {
			t.Errorf("declarations in force %q, want %q", got, want)
		}
		b.screenshot("completion-declared.png")
		b.noCSPViolations("reports")
	})

	b.t = t
	b.onlyLocal(a.base)
}

// formatInt writes n with thousands separated by commas, as the web application's int() does.
func formatInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
