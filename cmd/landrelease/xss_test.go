package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
)

// Markup that uploaded text may carry. Shown as text it is harmless; parsed as HTML (a string given to Leaflet's
// bindTooltip goes to innerHTML) it adds an element with the id "injected", or an image whose handler sets
// window.__xss (the Content-Security-Policy blocks that handler, so an image with src "x" is looked for too).
const (
	markupB   = `<b id=injected>`
	markupImg = `<img src=x onerror="window.__xss=1">`
)

// injectedJS is what markup parsed as HTML left in the page: "" when nothing.
const injectedJS = `[
  document.querySelectorAll('[id="injected" i]').length ? document.querySelectorAll('[id="injected" i]').length + " #injected" : "",
  document.querySelectorAll("img[src=x]").length ? document.querySelectorAll("img[src=x]").length + " img[src=x]" : "",
  typeof window.__xss !== "undefined" ? "window.__xss=" + window.__xss : "",
].filter(Boolean).join(", ")`

// tooltipsJS is the text of the map's tooltips, " | " between them.
const tooltipsJS = `[...document.querySelectorAll(".leaflet-tooltip")].map((e) => e.textContent).join(" | ")`

// noInjection fails the test when markup was parsed as HTML on the page, or an injected handler broke the
// Content-Security-Policy.
func (b *browser) noInjection(pageName string) {
	b.t.Helper()
	if got := eval[string](b, "injected elements", injectedJS); got != "" {
		b.screenshot("failure-xss-" + pageName + ".png")
		b.t.Errorf("%s: uploaded markup was parsed as HTML: %s", pageName, got)
	}
	b.noCSPViolations(pageName)
}

// hover moves the mouse to the point xyJS gives ([x, y] in CSS pixels of the viewport), as a user pointing there.
func (b *browser) hover(what, xyJS string) {
	b.t.Helper()
	xy := eval[[]float64](b, what, xyJS)
	if len(xy) != 2 {
		b.t.Fatalf("%s: no point to hover (%v)", what, xy)
	}
	b.do(what, chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0]+1, xy[1]+1), chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, xy[0], xy[1]))
}

// hoverUntil points at the point xyJS gives until shownJS is true, as a user's hand moves on, for at most 30 s:
// Leaflet's canvas handles at most one mouse move in 32 ms, so the moves of one hover may all fall in the window
// of a move before.
func (b *browser) hoverUntil(what, xyJS, shownJS string) {
	b.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		b.hover(what, xyJS)
		time.Sleep(100 * time.Millisecond)
		if eval[bool](b, what+": shown", shownJS) {
			return
		}
		if time.Now().After(deadline) {
			b.screenshot("failure-" + strings.ReplaceAll(what, " ", "-") + ".png")
			b.t.Fatalf("%s: not shown after pointing for 30 s (%s)", what, shownJS)
		}
	}
}

// TestBrowserMarkupIsText uploads, through the upload page, features whose local IDs, properties and province name
// carry markup, and looks at every place that shows them (the upload report and its map labels, the review page,
// the map's tooltips and record panel, the registry and the reports): the markup must appear as text, and no
// element or handler of it may reach the page.
func TestBrowserMarkupIsText(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	dir := t.TempDir()
	// The province's name is markup too: it is shown in the map's tooltips at national scale.
	province := markupB + "Xaisomboun</b>" + markupImg
	admin := writeGeoJSON(t, dir, "admin.geojson", collection(feat(rect(101.5, 17.0, 104.5, 19.5), map[string]any{"adm1_code": "LA-XS", "name": province})))
	if out := a.cli("admin", "import", admin, "--level", "1", "--code-field", "adm1_code", "--name-field", "name"); !strings.Contains(out, "imported 1 admin units") {
		t.Fatalf("admin import: %q", out)
	}
	a.cli("token", "create", "--user", "team7", "--role", "field_team")
	a.cli("token", "create", "--user", "manager", "--role", "data_manager")
	a.setPassword("team7", "field-pass-7")
	a.setPassword("manager", "manager-pass-1")

	const w, s = 102.50, 18.00
	// Rejected: local IDs and a kind of markup; the labels beside the features and the reasons quote them (the kind
	// upper-cased: hence the case-insensitive search for the id "injected").
	idB := markupB + "LA-XSS-0001</b>"
	idImg := markupImg + "LA-XSS-0002"
	bad0 := hazardFeature(idB, w, s, w+0.002, s+0.001)
	bad0["properties"].(map[string]any)["kind"] = markupB + "SHA</b>"
	bad0["properties"].(map[string]any)["organisation"] = markupImg
	bad1 := hazardFeature(idImg, w+0.004, s, w+0.006, s+0.001)
	badFile := writeGeoJSON(t, dir, "markup-bad.geojson", collection(bad0, bad1))

	// Accepted: free-text properties of markup, approved into the registry.
	notes := markupB + "walked</b> " + markupImg
	good0 := hazardFeature("LA-XSS-0100", w, s, w+0.004, s+0.002)
	good0["properties"].(map[string]any)["notes"] = notes
	good0["properties"].(map[string]any)["organisation"] = markupB + "NPA</b>"
	good0["properties"].(map[string]any)["devices"] = []string{"BLU-26", markupB + "M77</b>"}
	good1 := releaseFeature("LA-XSS-0100-R1", "LA-XSS-0100", w, s, w+0.002, s+0.002)
	good1["properties"].(map[string]any)["organisation"] = markupImg
	good1["properties"].(map[string]any)["items_destroyed"] = map[string]int{markupB + "BLU-26</b>": 2}
	goodFile := writeGeoJSON(t, dir, "markup-good.geojson", collection(good0, good1))

	b := newBrowser(t, chrome)
	var uploadID string

	t.Run("upload", func(t *testing.T) {
		b.t = t
		b.signIn(a.base, "team7", "field-pass-7", "/upload.html", "field_team")
		b.do("choose the file of markup", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{badFile}))
		b.waitFor("the check", `document.body.dataset.checked === "rejected"`)
		// The labels beside the rejected features (tooltips, open at once) and the list quote the markup as text.
		b.waitFor("the labels", `document.querySelectorAll(".leaflet-tooltip.reason").length >= 2`)
		tips := eval[string](b, "labels", tooltipsJS)
		for _, want := range []string{idB + ": local_id: contains", idImg + ": local_id: contains"} {
			if !strings.Contains(tips, want) {
				t.Errorf("map labels %q, want the text %q", tips, want)
			}
		}
		list := eval[string](b, "list", `document.querySelector("#features").textContent`)
		for _, want := range []string{idB, idImg, `"<B ID=INJECTED>SHA</B>" is not SHA or CHA`} {
			if !strings.Contains(list, want) {
				t.Errorf("report list %q, want the text %q", list, want)
			}
		}
		b.screenshot("xss-upload-rejected.png")
		b.noInjection("upload (rejected)")

		b.do("choose the valid file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{goodFile}))
		b.waitFor("the check", `document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)
		// Hover the area east of its release: its tooltip opens.
		b.hover("point at the hazard area", `(() => {
		  const r = document.querySelectorAll(".leaflet-overlay-pane path.lr-accepted")[0].getBoundingClientRect();
		  return [r.left + 0.8 * r.width, r.top + r.height / 2];
		})()`)
		b.waitFor("the tooltip", `document.querySelector(".leaflet-tooltip") && document.querySelector(".leaflet-tooltip").textContent.includes("LA-XSS-0100 · hazard_area · new")`)
		b.noInjection("upload (accepted)")
		b.do("submit", chromedp.Click(chromedp.CSS("#submit")))
		b.waitFor("the upload id", `!!document.body.dataset.submitted`)
		uploadID = eval[string](b, "upload id", `document.querySelector("#result").dataset.id`)
		b.noInjection("upload (submitted)")
	})
	if uploadID == "" {
		t.Fatal("no upload to review")
	}

	t.Run("review", func(t *testing.T) {
		b.t = t
		b.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
		b.waitAcross("signed out", `document.body.dataset.session === "none" && !!document.querySelector("#session a.signin")`)
		b.signIn(a.base, "manager", "manager-pass-1", "/review.html", "data_manager")
		row := `#uploads tbody tr[data-id="` + uploadID + `"]`
		b.waitFor("the queue", `!!document.querySelector('`+row+`')`)
		b.do("open the upload", chromedp.Click(chromedp.CSS(row)))
		b.waitFor("the upload on the map", `document.body.dataset.opened === "`+uploadID+`" && document.querySelectorAll(".leaflet-map-pane path.lr-new").length === 2`)
		time.Sleep(300 * time.Millisecond) // the fit to the upload
		b.hover("point at the hazard area", `(() => {
		  const r = document.querySelectorAll(".leaflet-map-pane path.lr-new")[0].getBoundingClientRect();
		  return [r.left + 0.8 * r.width, r.top + r.height / 2];
		})()`)
		b.waitFor("the tooltip", `[...document.querySelectorAll(".leaflet-tooltip")].some((e) => e.textContent.includes("LA-XSS-0100 · hazard_area · new"))`)
		b.screenshot("xss-review.png")
		b.noInjection("review")
		b.do("approve",
			chromedp.SendKeys(chromedp.CSS("#comment"), "markup is text"),
			chromedp.Click(chromedp.CSS("#approve")),
		)
		b.waitFor("the approval", `document.body.dataset.reviewed === "`+uploadID+`:approved"`)
		b.noInjection("review (approved)")
	})

	if res := a.do("GET", "/api/v1/hazard-areas/LA-XSS-0100", "", nil, nil); res.status != http.StatusOK || props(res)["notes"] != notes {
		t.Fatalf("the approved hazard area: %d %v", res.status, res.body)
	}

	t.Run("map", func(t *testing.T) {
		b.t = t
		b.do("open the map", chromedp.Navigate(a.base+"/"))
		// The map fits the province once loaded (the view then goes to the address): a view asked for during that
		// animation would be dropped.
		b.waitAcross("the map to start", `document.body.dataset.ready === "1" && document.querySelectorAll(".leaflet-admin-pane path").length === 1 && location.hash.startsWith("#map=")`)
		b.waitFor("the province shading", `document.querySelector("#ramp-max").textContent.includes("km²")`)
		// The province's tooltip at national scale names it as text.
		b.hover("point at the province", `(() => {
		  const r = document.querySelector(".leaflet-admin-pane path").getBoundingClientRect();
		  return [r.left + r.width / 2, r.top + r.height / 2];
		})()`)
		b.waitFor("the province's tooltip", `[...document.querySelectorAll(".leaflet-tooltip")].some((e) => e.textContent.includes(`+strconv.Quote(province+"Remaining:")+`))`)
		b.noInjection("map (national)")

		// The record found by its local ID: its panel, then the tooltip of what is drawn at the centre of the view.
		b.do("search LA-XSS-0100",
			chromedp.SendKeys(chromedp.CSS("#search-id"), "LA-XSS-0100"),
			chromedp.Click(chromedp.CSS(`#search button[type="submit"]`)),
		)
		b.waitFor("hazard polygons", paintedJS+` > 0`)
		b.waitFor("the record panel", `!document.querySelector("#panel").hidden && document.querySelectorAll("#panel-releases tbody tr td").length === 4`)
		panel := eval[string](b, "panel", `document.querySelector("#panel").textContent`)
		for _, want := range []string{notes, markupB + "NPA</b>", "BLU-26, " + markupB + "M77</b>", province} {
			if !strings.Contains(panel, want) {
				t.Errorf("record panel %q, want the text %q", panel, want)
			}
		}
		time.Sleep(500 * time.Millisecond) // the fit to the record
		b.hoverUntil("point at the record", `(() => {
		  const r = document.querySelector("#map").getBoundingClientRect();
		  return [r.left + r.width / 2, r.top + r.height / 2];
		})()`, `[...document.querySelectorAll(".leaflet-tooltip")].some((e) => e.textContent.includes("LA-XSS-0100"))`)
		b.screenshot("xss-map.png")
		b.noInjection("map")
	})

	t.Run("registry and reports", func(t *testing.T) {
		b.t = t
		b.do("open the registry", chromedp.Navigate(a.base+"/registry.html"))
		b.waitAcross("the registry", `[...document.querySelectorAll("tbody tr")].some((tr) => tr.textContent.includes("LA-XSS-0100"))`)
		if got := eval[string](b, "registry", `document.querySelector("table").textContent`); !strings.Contains(got, province) {
			t.Errorf("registry %q, want the province's name as text", got)
		}
		b.noInjection("registry")
		b.do("open the reports", chromedp.Navigate(a.base+"/reports.html"))
		b.waitAcross("Form F", `document.querySelectorAll("#formf tbody tr").length === 1`)
		if got := eval[string](b, "Form F", `document.querySelector("#formf tbody").textContent`); !strings.Contains(got, province) {
			t.Errorf("Form F %q, want the province's name as text", got)
		}
		// The completion card names the province in its choice of scope and in the summary or the open areas.
		b.waitFor("the completion card's scopes", `document.body.dataset.scopes === "1"`)
		b.do("check the province's completion", chromedp.Evaluate[chromedp.Void](`document.querySelector("#cp-admin").value = "LA-XS"`), chromedp.Click(chromedp.CSS("#cp-form button")))
		b.waitFor("the completion verdict", `["true", "false"].includes(document.querySelector("#completion").dataset.complete)`)
		if got := eval[string](b, "completion", `document.querySelector("#cp-admin").textContent + "|" + document.querySelector("#cp-verdict").textContent`); strings.Count(got, province) != 2 {
			t.Errorf("completion card %q, want the province's name as text in the scopes and the verdict", got)
		}
		b.noInjection("reports")
	})

	b.t = t
	b.onlyLocal(a.base)
}
