package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// The browser tests drive the web application in headless Chromium (Debian's chromium package; `make test`
// installs it with .ci/chromium and builds the assets with `make web`). Without the built assets or a browser
// they skip, unless CI is set: then they fail.

const formFHeader = "admin_code,admin_name,sha_count,sha_area_m2,cha_count,cha_area_m2,new_count,new_area_m2,cancelled_area_m2,reduced_area_m2,cleared_area_m2,reclassified_area_m2,submunitions_destroyed,balance_diff_m2,beneficiaries_women,beneficiaries_girls,beneficiaries_boys,beneficiaries_men,beneficiaries_with_disabilities,releases_with_beneficiaries"

// cspProbe records Content-Security-Policy violations in the page before any of its scripts runs.
const cspProbe = `window.__csp = []; document.addEventListener("securitypolicyviolation", (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI));`

func browserPrerequisites(t *testing.T) string {
	t.Helper()
	ci := os.Getenv("CI") != ""
	skip := func(format string, args ...any) {
		t.Helper()
		if ci {
			t.Fatalf(format+" (CI is set)", args...)
		}
		t.Skipf(format, args...)
	}
	if _, err := os.Stat("../../web/dist/index.html"); err != nil {
		skip("web assets not built (run make web): %v", err)
	}
	for _, name := range []string{os.Getenv("CHROME"), "chromium", "chromium-browser", "google-chrome-stable", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	skip("no chromium installed (bash .ci/chromium installs it)")
	return ""
}

type browser struct {
	t        *testing.T
	ctx      context.Context
	mu       sync.Mutex
	requests []string
}

func newBrowser(t *testing.T, chrome string) *browser {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	// Start the browser (the first Run must not carry a timeout), then record every request of the tab.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, func(ev any) {
		var u string
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			u = e.Request.URL
		case network.EventRequestWillBeSent:
			u = e.Request.URL
		default:
			return
		}
		b.mu.Lock()
		b.requests = append(b.requests, u)
		b.mu.Unlock()
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe}); err != nil {
		t.Fatal(err)
	}
	return b
}

// do runs actions with a time limit.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](b *browser, what, expr string, opts ...chromedp.EvaluateOption) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

func (b *browser) waitFor(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(40 * time.Second)
	for {
		ctx, cancel := context.WithDeadline(b.ctx, deadline)
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(max(time.Until(deadline)-5*time.Second, time.Second))))
		cancel()
		if err == nil {
			return
		}
		// A page that navigates while polled (a redirect, a page still replacing the one before) loses the
		// execution context the poll runs in: poll again in the new one.
		if contextLost(err) && time.Until(deadline) > 6*time.Second {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		status, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector("#status, #f-msg") || {}).textContent || ""`))
		b.screenshot("failure-" + strings.NewReplacer(" ", "-", "/", "-").Replace(what) + ".png")
		b.t.Fatalf("waiting for %s (%s): %v; page status %q", what, expr, err, status)
	}
}

// contextLost reports whether err is the DevTools protocol's answer to a script run in an execution context
// that a navigation replaced.
func contextLost(err error) bool {
	s := err.Error()
	return strings.Contains(s, "Cannot find context with specified id") || strings.Contains(s, "Execution context was destroyed") ||
		strings.Contains(s, "Inspected target navigated or closed")
}

func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := filepath.Join("..", "..", "testdata", "artefacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: testdata/artefacts/%s", name)
}

func (b *browser) noCSPViolations(pageName string) {
	b.t.Helper()
	if v := eval[[]string](b, "CSP violations", `window.__csp || []`); len(v) > 0 {
		b.t.Errorf("%s: Content-Security-Policy violations: %v", pageName, v)
	}
}

// paintedJS counts the painted pixels of the canvas the map draws the hazard areas on (0 when there is none).
const paintedJS = `(() => {
  const c = document.querySelector(".leaflet-hazards-pane canvas");
  if (!c || !c.width || !c.height) return 0;
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
  return n;
})()`

// headerJS is the header's links that are offered, then the session box: "Map,Reports,Registry,API|Sign in".
const headerJS = `[...document.querySelectorAll(".topbar nav a:not([hidden])")].map((a) => a.textContent).join(",") + "|" + document.querySelector("#session").textContent`

func TestBrowser(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	a.cli("demo", "load", "--hazards", "300", "--seed", "3", "--admin", "../../testdata/admin1-LA.geojson")
	for _, m := range []string{"cancelled", "reduced", "cleared"} { // what the reports page's work plan needs
		a.cli("workplan", "productivity", "--method", m, "--m2-per-team-year", "100000", "--cost-per-team-year", "50000")
	}

	// A local ID to search for, straight from the API.
	res, err := http.Get(a.base + "/api/v1/hazard-areas?limit=1&status=all")
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []struct {
			Properties struct {
				LocalID string `json:"local_id"`
			} `json:"properties"`
		} `json:"features"`
	}
	err = json.NewDecoder(res.Body).Decode(&fc)
	res.Body.Close()
	if err != nil || len(fc.Features) == 0 {
		t.Fatalf("no hazard area to search for: %v", err)
	}
	id := fc.Features[0].Properties.LocalID

	b := newBrowser(t, chrome)

	t.Run("map", func(t *testing.T) {
		b.t = t
		b.do("open the map", chromedp.Navigate(a.base+"/"))
		b.waitFor("the map to start", `document.body.dataset.ready === "1"`)
		// National scale: the provinces, shaded by remaining area.
		b.waitFor("the provinces", `document.querySelectorAll(".leaflet-admin-pane path").length >= 17`)
		if n := eval[int](b, "hazard pixels", paintedJS); n != 0 || eval[string](b, "hazards", `document.body.dataset.hazards`) != "0" {
			t.Errorf("national view paints %d pixels of hazard polygons, want provinces only", n)
		}
		b.waitFor("the province shading", `document.querySelector("#ramp-max").textContent.includes("km²")`)
		b.screenshot("map-national.png")
		// Search a local ID: the map fits it, then draws the polygons of the view.
		b.do("search "+id,
			chromedp.SendKeys(chromedp.CSS("#search-id"), id),
			chromedp.Click(chromedp.CSS(`#search button[type="submit"]`)),
		)
		// Drawn on a canvas (one element for every polygon of the view), from the map's simplified read.
		b.waitFor("hazard polygons", paintedJS+` > 0`)
		b.waitFor("the record panel", `!document.querySelector("#panel").hidden && document.querySelectorAll("#panel-history tbody tr").length > 0`)
		if got := eval[string](b, "panel title", `document.querySelector("#panel-title").textContent`); got != id {
			t.Errorf("panel shows %q, want %q", got, id)
		}
		if z := eval[float64](b, "zoom", `Number(document.body.dataset.hazards)`); z <= 0 {
			t.Errorf("status counts %v hazard areas in view", z)
		}
		b.mu.Lock()
		var mapReads int
		for _, r := range b.requests {
			if u, err := url.Parse(r); err == nil && u.Path == "/api/v1/map/hazard-areas" && u.Query().Get("zoom") != "" && u.Query().Get("bbox") != "" {
				mapReads++
			}
		}
		b.mu.Unlock()
		if mapReads == 0 {
			t.Error("the map did not read its view from /api/v1/map/hazard-areas with bbox and zoom")
		}
		// The view is kept in the address; reloading it draws the same place.
		hash := eval[string](b, "hash", `location.hash`)
		if !regexp.MustCompile(`^#map=\d+(\.5)?/-?\d+\.\d{5}/-?\d+\.\d{5}$`).MatchString(hash) {
			t.Errorf("address keeps the view as %q, want #map=ZOOM/LAT/LON", hash)
		}
		if href := eval[string](b, "map's download link", `document.querySelector("#export-link").href`); !strings.Contains(href, "/api/v1/exports/hazard-areas?status=all") {
			t.Errorf("the map's download link is %q", href)
		}
		time.Sleep(300 * time.Millisecond) // let the zoom animation settle for the picture
		b.screenshot("map.png")
		b.noCSPViolations("map")
		b.do("reload the view", chromedp.Navigate("about:blank"), chromedp.Navigate(a.base+"/"+hash))
		// Evaluated again across navigations: the first load may still be replacing its document.
		b.waitAcross("the view again", `document.body.dataset.ready === "1" && Number(document.body.dataset.hazards) > 0 && `+paintedJS+` > 0`)
		if got := eval[string](b, "hash", `location.hash`); got != hash {
			t.Errorf("reloaded view at %q, want %q", got, hash)
		}
	})

	t.Run("registry", func(t *testing.T) {
		b.t = t
		b.do("open the registry", chromedp.Navigate(a.base+"/registry.html"))
		b.waitFor("the table", `document.body.dataset.ready === "1" && document.body.dataset.session === "none"`)
		// The same header as every page: the links a visitor may use and a Sign in link.
		if got := eval[string](b, "header", headerJS); got != "Map,Reports,Registry,API|Sign in" {
			t.Errorf("registry header %q, want the pages' header with Sign in", got)
		}
		if got := eval[string](b, "current page", `document.querySelector('.topbar nav a[aria-current="page"]').textContent`); got != "Registry" {
			t.Errorf("current page %q", got)
		}
		if n := eval[int](b, "rows", `document.querySelectorAll("#hazards tbody tr.hazard").length`); n == 0 {
			t.Error("the registry lists no hazard area")
		}
		first := eval[string](b, "first row", `document.querySelector("#hazards tbody tr.hazard").dataset.id`)
		b.do("open "+first, chromedp.Click(chromedp.CSS(`#hazards tbody tr.hazard`)))
		b.waitFor("its history", `!document.querySelector("#detail").hidden && document.querySelectorAll("#history tbody tr").length > 0`)
		if got := eval[string](b, "detail title", `document.querySelector("#detail-title").textContent`); got != first {
			t.Errorf("detail of %q, want %q", got, first)
		}
		// The download of what the filters select: the export's address follows the form and the format.
		href := eval[string](b, "export link", `(() => {
			document.querySelector('#filters select[name="kind"]').value = "CHA";
			const f = document.querySelector("#export-format");
			f.value = "kml";
			f.dispatchEvent(new Event("change"));
			return document.querySelector("#export-link").href;
		})()`)
		if u, err := url.Parse(href); err != nil || u.Path != "/api/v1/exports/hazard-areas" || u.Query().Get("format") != "kml" ||
			u.Query().Get("kind") != "CHA" || u.Query().Get("status") != "open" {
			t.Errorf("the registry's download link is %q", href)
		} else if res, err := http.Get(href); err != nil || res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/vnd.google-earth.kml+xml" {
			t.Errorf("GET %s: %v %v", href, err, res)
		} else {
			res.Body.Close()
		}
		// A CSV of coordinates for a spreadsheet: the format's choice of geometry goes into the address.
		href = eval[string](b, "CSV export link", `(() => {
			const f = document.querySelector("#export-format");
			f.value = "csv:lonlat";
			f.dispatchEvent(new Event("change"));
			return document.querySelector("#export-link").href;
		})()`)
		if u, err := url.Parse(href); err != nil || u.Query().Get("format") != "csv" || u.Query().Get("csv_geometry") != "lonlat" {
			t.Errorf("the registry's CSV download link is %q", href)
		} else if res, err := http.Get(href); err != nil || res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %v %v", href, err, res)
		} else {
			head, _ := bufio.NewReader(res.Body).ReadString('\n')
			res.Body.Close()
			if strings.Contains(head, "WKT") || !strings.Contains(head, "centroid_lon") {
				t.Errorf("the CSV of coordinates begins %q", head)
			}
		}
		b.screenshot("registry.png")
		b.noCSPViolations("registry")
	})

	t.Run("reports", func(t *testing.T) {
		b.t = t
		b.do("open the reports", chromedp.Navigate(a.base+"/reports.html"))
		b.waitFor("the Form F table", `(document.querySelector("#formf tfoot tr.total") || {}).textContent?.includes("Total")`)
		if n := eval[int](b, "unit rows", `document.querySelectorAll("#formf tbody tr").length`); n == 0 {
			t.Error("Form F has no admin unit rows")
		}
		b.waitFor("the charts", `document.querySelectorAll("#chart-stock svg rect").length > 0 && document.querySelectorAll("#chart-release svg rect").length > 0`)
		b.waitFor("Article 4", `document.querySelector("#a4-remaining").textContent.includes("km²")`)
		b.waitFor("the work plan", `document.querySelectorAll("#chart-plan svg rect").length > 0 && document.querySelector("#wp-summary").textContent.includes("completion")`)
		if href := eval[string](b, "work plan link", `document.querySelector("#wp-html").href`); !strings.Contains(href, "/api/v1/reports/workplan?") {
			t.Errorf("work plan link %q", href)
		}
		// The extension request draft, until a date asked, at the work plan's capacity: its summary, and its page.
		b.do("draft an extension request", chromedp.SetValue(chromedp.CSS("#ext-until"), "2030-08-01"), chromedp.Click(chromedp.CSS("#ext-form button")))
		b.waitFor("the extension draft", `document.querySelector("#ext-summary").textContent.includes("months from the deadline") && document.querySelector("#ext-summary").textContent.includes("1 August 2030")`)
		extHTML := eval[string](b, "the draft's page", `fetch(document.querySelector("#ext-html").href).then((r) => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise)
		if u := eval[string](b, "draft link", `document.querySelector("#ext-xlsx").href`); !strings.Contains(u, "until=2030-08-01") || !strings.Contains(u, "teams=") || !strings.Contains(extHTML, "<html") {
			t.Errorf("the draft's links %q, page %.80q", u, extHTML)
		}

		href := eval[string](b, "CSV link", `document.querySelector("#dl-csv").href`)
		u, err := url.Parse(href)
		if err != nil || u.Path != "/api/v1/reports/article7" || u.Query().Get("format") != "csv" {
			t.Errorf("CSV link %q", href)
		}
		csv := eval[string](b, "download the CSV", `fetch(document.querySelector("#dl-csv").href).then((r) => r.ok ? r.text() : "HTTP " + r.status)`, chromedp.EvalAwaitPromise)
		if first, _, _ := strings.Cut(csv, "\n"); strings.TrimSuffix(first, "\r") != formFHeader {
			t.Errorf("CSV header %q, want %q", first, formFHeader)
		}
		b.screenshot("reports.png")
		b.noCSPViolations("reports")
	})

	// No request may leave the test server.
	b.mu.Lock()
	defer b.mu.Unlock()
	host := strings.TrimPrefix(a.base, "http://")
	if len(b.requests) == 0 {
		t.Error("no network request recorded")
	}
	for _, r := range b.requests {
		u, err := url.Parse(r)
		if err != nil {
			t.Errorf("request to unparsable URL %q", r)
			continue
		}
		switch {
		case u.Scheme == "data" || u.Scheme == "blob" || r == "about:blank":
		case u.Host != host:
			t.Errorf("request left the server: %s", r)
		}
	}
	t.Logf("%d requests, all to %s", len(b.requests), host)
}

// setPassword runs `landrelease password set` in process, the password in LANDRELEASE_PASSWORD.
func (a *app) setPassword(user, password string) {
	a.t.Helper()
	getenv := func(k string) string {
		if k == "LANDRELEASE_PASSWORD" {
			return password
		}
		return a.getenv(k)
	}
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), []string{"password", "set", "--user", user}, getenv, &stdout, &stderr); err != nil {
		a.t.Fatalf("landrelease password set --user %s: %v\n%s", user, err, stderr.String())
	}
}

// writeGeoJSON writes v as a file in dir and returns its path.
func writeGeoJSON(t *testing.T, dir, name string, v any) string {
	t.Helper()
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, j, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// waitAcross polls expr like waitFor but survives the page being replaced while it waits (a sign-in redirects).
func (b *browser) waitAcross(what, expr string) {
	b.t.Helper()
	deadline := time.Now().Add(35 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
		time.Sleep(100 * time.Millisecond)
	}
	b.screenshot("failure-" + strings.NewReplacer(" ", "-", "/", "-").Replace(what) + ".png")
	b.t.Fatalf("waiting for %s (%s): %v", what, expr, last)
}

// signIn signs in through the sign-in page, which returns to next.
func (b *browser) signIn(base, user, password, next, role string) {
	b.t.Helper()
	b.do("open the sign-in page", chromedp.Navigate(base+"/signin.html?next="+url.QueryEscape(next)))
	b.waitFor("the sign-in form", `document.body.dataset.session === "none" && !!document.querySelector("#user")`)
	b.do("sign in as "+user,
		chromedp.SendKeys(chromedp.CSS("#user"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#signin-submit")),
	)
	b.waitAcross("signed in as "+user, `location.pathname === `+strconv.Quote(next)+` && document.body.dataset.session === `+strconv.Quote(role)+
		` && (document.querySelector("#session .who") || {}).textContent?.includes(`+strconv.Quote(user)+`)`)
}

// onlyLocal fails the test when a request of the browser went to another host than the test server.
func (b *browser) onlyLocal(base string) {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	host := strings.TrimPrefix(base, "http://")
	if len(b.requests) == 0 {
		b.t.Error("no network request recorded")
	}
	for _, r := range b.requests {
		u, err := url.Parse(r)
		switch {
		case err != nil:
			b.t.Errorf("request to unparsable URL %q", r)
		case u.Scheme == "data" || u.Scheme == "blob" || r == "about:blank":
		case u.Host != host:
			b.t.Errorf("request left the server: %s", r)
		}
	}
	b.t.Logf("%d requests, all to %s", len(b.requests), host)
}

// TestBrowserUploadReview signs in as a field team, checks a file with a bow-tie polygon on the upload page (the
// invalid feature highlighted with its reason, Submit disabled), submits a valid one, then signs in as a data
// manager and approves it on the review page.
func TestBrowserUploadReview(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	if out := a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name"); !strings.Contains(out, "imported 17 admin units") {
		t.Fatalf("admin import: %q", out)
	}
	field := strings.TrimSpace(a.cli("token", "create", "--user", "team7", "--role", "field_team"))
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))
	a.setPassword("team7", "field-pass-7")
	a.setPassword("manager", "manager-pass-1")

	// A hazard area already in the registry, which the valid upload redraws (changed against the current record).
	const w, s = 102.50, 18.00
	if res := a.do("POST", "/api/v1/hazard-areas", dm, nil, hazardFeature("LA-VT-2024-0100", w+0.01, s, w+0.012, s+0.001)); res.status != http.StatusCreated {
		t.Fatalf("existing hazard area: %d %v", res.status, res.body)
	}
	dir := t.TempDir()
	bowtie := hazardFeature("LA-VT-2024-0200", 0, 0, 0, 0)
	bowtie["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][2]float64{{{w, s}, {w + 0.004, s + 0.004}, {w + 0.004, s}, {w, s + 0.004}, {w, s}}}}
	badFile := writeGeoJSON(t, dir, "bad.geojson", collection(bowtie, hazardFeature("LA-VT-2024-0201", w+0.006, s, w+0.008, s+0.001)))
	changed := hazardFeature("LA-VT-2024-0100", w+0.01, s, w+0.013, s+0.001)
	changed["properties"].(map[string]any)["notes"] = "boundary walked again by team 7"
	goodFile := writeGeoJSON(t, dir, "good.geojson", collection(
		hazardFeature("LA-VT-2024-0101", w, s, w+0.002, s+0.001),
		releaseFeature("LA-VT-2024-0101-R1", "LA-VT-2024-0101", w, s, w+0.001, s+0.001),
		changed,
	))

	// A large file (about 3.4 MB: 150 valid areas of 600 vertices each), to see the progress of reading and sending it
	// (the kernel takes in about 1.4 MB of it at once, counted as sent: see throttleMSS).
	var large []any
	for i := range 150 {
		f := hazardFeature(fmt.Sprintf("LA-VT-2024-1%03d", i), 0, 0, 0, 0)
		cx, cy := 102.3+0.01*float64(i%15), 17.6+0.01*float64(i/15)
		ring := make([][2]float64, 0, 601)
		for k := range 600 {
			a := 2 * math.Pi * float64(k) / 600
			ring = append(ring, [2]float64{cx + 0.003*math.Cos(a), cy + 0.002*math.Sin(a)})
		}
		f["geometry"] = map[string]any{"type": "Polygon", "coordinates": [][][2]float64{append(ring, ring[0])}}
		large = append(large, f)
	}
	largeFile := writeGeoJSON(t, dir, "large.geojson", collection(large...))
	if st, err := os.Stat(largeFile); err != nil || st.Size() < 3<<20 {
		t.Fatalf("large file: %v, %v", st, err)
	}

	// The browser goes through a proxy that can throttle what it sends (a DevTools network emulation depends on the
	// browser's version: chromium 148 refuses it); the API calls of the test go to the server directly.
	proxy := newThrottleProxy(t, a.base)
	web := proxy.base
	b := newBrowser(t, chrome)
	var uploadID string

	t.Run("upload", func(t *testing.T) {
		b.t = t
		// Signed out: no Upload or Review link, a Sign in link, and the page says to sign in.
		b.do("open the upload page", chromedp.Navigate(web+"/upload.html"))
		b.waitFor("the session", `document.body.dataset.session === "none"`)
		if got := eval[string](b, "header", `[...document.querySelectorAll(".topbar nav a:not([hidden])")].map((a) => a.textContent).join(",") + "|" + document.querySelector("#session").textContent`); got != "Map,Reports,Registry,API|Sign in" {
			t.Errorf("signed-out header %q", got)
		}
		if !eval[bool](b, "gate", `!document.querySelector("#gate").hidden && document.querySelector("#pick").hidden`) {
			t.Error("the upload form is offered to nobody signed in")
		}
		// A wrong password is refused on the page.
		b.do("open the sign-in page", chromedp.Click(chromedp.CSS("#session a.signin")))
		b.waitAcross("the sign-in form", `location.pathname === "/signin.html" && document.body.dataset.session === "none"`)
		b.do("sign in with a wrong password",
			chromedp.SendKeys(chromedp.CSS("#user"), "team7"),
			chromedp.SendKeys(chromedp.CSS("#password"), "wrong"),
			chromedp.Click(chromedp.CSS("#signin-submit")),
		)
		b.waitFor("the refusal", `document.querySelector("#signin-msg").textContent.includes("Wrong user or password")`)
		b.screenshot("signin.png")
		b.noCSPViolations("signin")

		b.signIn(web, "team7", "field-pass-7", "/upload.html", "field_team")
		if got := eval[string](b, "header", `[...document.querySelectorAll(".topbar nav a:not([hidden])")].map((a) => a.textContent).join(",")`); got != "Map,Upload,Reports,Registry,API" {
			t.Errorf("field team header links %q, want Upload and no Review", got)
		}

		// The file with a bow-tie: rejected, highlighted with its reason, nothing to submit.
		b.do("choose the file with a bow-tie", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{badFile}))
		b.waitFor("the check", `document.body.dataset.checked === "rejected"`)
		li := eval[string](b, "rejected item", `(document.querySelector('#features li.feature.rejected[data-index="0"]') || {}).textContent || ""`)
		if !strings.Contains(li, "LA-VT-2024-0200") || !strings.Contains(li, "Self-intersection") || !strings.Contains(li, "/features/0/geometry") {
			t.Errorf("rejected feature's item %q, want its local ID, Self-intersection and a pointer", li)
		}
		if !eval[bool](b, "accepted item", `!!document.querySelector('#features li.feature.accepted[data-index="1"]')`) {
			t.Error("the valid feature is not listed as accepted")
		}
		if n := eval[int](b, "highlighted", `document.querySelectorAll(".leaflet-overlay-pane path.lr-rejected").length`); n != 1 {
			t.Errorf("%d rejected polygons highlighted, want 1", n)
		}
		if n := eval[int](b, "accepted polygons", `document.querySelectorAll(".leaflet-overlay-pane path.lr-accepted").length`); n != 1 {
			t.Errorf("%d accepted polygons drawn, want 1", n)
		}
		if !eval[bool](b, "defect marker", `document.querySelectorAll(".leaflet-overlay-pane path.lr-defect").length === 1`) {
			t.Error("no marker at the self-intersection")
		}
		if tip := eval[string](b, "reason beside it", `[...document.querySelectorAll(".leaflet-tooltip.reason")].map((e) => e.textContent).join(" | ")`); !strings.Contains(tip, "Self-intersection") {
			t.Errorf("map labels %q, want the reason Self-intersection", tip)
		}
		if !eval[bool](b, "submit disabled", `document.querySelector("#submit").disabled`) {
			t.Error("Submit is enabled for a rejected file")
		}
		b.do("zoom to the rejected feature", chromedp.Click(chromedp.CSS(`#features li.feature[data-index="0"]`)))
		b.waitFor("the zoom to the feature", `Number(document.body.dataset.zoom) >= 15`)
		b.screenshot("upload-rejected.png")

		// A large file shows its progress: read, then sent (the upload throttled to 2 MB/s by the proxy so that the
		// bar is seen part-way), then the check; the bar goes away with the report.
		b.do("record the progress", chromedp.Evaluate[chromedp.Void](`window.__progress = [];
			new MutationObserver(() => {
			  const box = document.querySelector("#progress"), bar = document.querySelector("#progress-bar");
			  window.__progress.push({hidden: box.hidden, value: bar.hasAttribute("value") ? bar.value : -1, text: document.querySelector("#progress-text").textContent});
			}).observe(document.querySelector("#progress"), {attributes: true, childList: true, subtree: true, characterData: true});`))
		proxy.limit(2 << 20)
		b.do("choose the large file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{largeFile}))
		b.waitFor("the check of the large file", `document.body.dataset.checked === "accepted"`)
		paced := proxy.paced.Load()
		proxy.limit(0)
		type step struct {
			Hidden bool    `json:"hidden"`
			Value  float64 `json:"value"`
			Text   string  `json:"text"`
		}
		steps := eval[[]step](b, "progress", `window.__progress`)
		var read, partSent, checking bool
		for _, s := range steps {
			read = read || (!s.Hidden && strings.HasPrefix(s.Text, "Reading large.geojson: ") && strings.Contains(s.Text, " MB"))
			partSent = partSent || (!s.Hidden && s.Value > 0 && s.Value < 100 && regexp.MustCompile(`^Sending for checking: [\d.]+ (KB|MB) of [\d.]+ MB sent$`).MatchString(s.Text))
			checking = checking || (!s.Hidden && s.Value == -1 && strings.Contains(s.Text, "the server is checking every feature"))
		}
		if !read || !partSent || !checking || len(steps) == 0 || !steps[len(steps)-1].Hidden {
			t.Errorf("progress of a large file: read %v, sent part-way %v, checking %v, hidden at the end: %v (the proxy throttled %d bytes)", read, partSent, checking, steps, paced)
		}

		// The valid file: accepted, submitted once with an Idempotency-Key.
		b.do("choose the valid file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{goodFile}))
		b.waitFor("the check", `document.body.dataset.checked === "accepted" && !document.querySelector("#submit").disabled`)
		if got := eval[string](b, "actions", `[...document.querySelectorAll("#features li.feature")].map((li) => li.className.match(/act-(\w+)/)?.[1]).join(",")`); got != "new,new,changed" {
			t.Errorf("actions %q, want new,new,changed", got)
		}
		b.do("submit", chromedp.Click(chromedp.CSS("#submit")))
		b.waitFor("the upload id", `!!document.body.dataset.submitted`)
		uploadID = eval[string](b, "upload id", `document.querySelector("#result").dataset.id`)
		if st := eval[string](b, "status", `document.querySelector("#result").dataset.status`); st != "submitted" || uploadID == "" {
			t.Errorf("result: upload %q status %q", uploadID, st)
		}
		if !eval[bool](b, "submit disabled", `document.querySelector("#submit").disabled`) {
			t.Error("Submit stays enabled after the file was submitted")
		}
		b.screenshot("upload.png")
		b.noCSPViolations("upload")
		// One upload stored, with the random Idempotency-Key of this file choice.
		if res := a.do("GET", "/api/v1/uploads?status=submitted", dm, nil, nil); len(res.body["uploads"].([]any)) != 1 {
			t.Errorf("submitted uploads after one submission: %v", res.body)
		}
		key, _ := a.do("GET", "/api/v1/uploads/"+uploadID, dm, nil, nil).body["idempotency_key"].(string)
		if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(key) {
			t.Errorf("idempotency key %q, want a random UUID", key)
		}
	})
	if uploadID == "" {
		t.Fatal("no upload to review")
	}

	// A second upload redraws the same area, from its current record: once the first upload is approved, that record
	// has changed, and the approval of the second fails with its report (422).
	stale := hazardFeature("LA-VT-2024-0100", w+0.01, s, w+0.012, s+0.0012)
	stale["properties"].(map[string]any)["notes"] = "a second team's sketch"
	res := a.do("POST", "/api/v1/uploads", field, nil, collection(stale))
	if res.status != http.StatusCreated {
		t.Fatalf("second upload: %d %v", res.status, res.body)
	}
	staleID := fmt.Sprint(int(res.body["id"].(float64)))

	t.Run("review", func(t *testing.T) {
		b.t = t
		b.do("sign out", chromedp.Click(chromedp.CSS("#signout")))
		b.waitAcross("signed out", `document.body.dataset.session === "none" && !!document.querySelector("#session a.signin")`)
		b.signIn(web, "manager", "manager-pass-1", "/review.html", "data_manager")
		if got := eval[string](b, "header", `[...document.querySelectorAll(".topbar nav a:not([hidden])")].map((a) => a.textContent).join(",")`); got != "Map,Upload,Review,Reports,Registry,API" {
			t.Errorf("data manager header links %q", got)
		}
		b.waitFor("the queue", `document.body.dataset.queue === "2"`)
		row := `#uploads tbody tr[data-id="` + uploadID + `"]`
		b.waitFor("the counts", `(document.querySelector('`+row+`') || {}).textContent?.endsWith("3210")`) // 3 features: 2 new, 1 changed, 0 unchanged
		b.do("open the upload", chromedp.Click(chromedp.CSS(row)))
		b.waitFor("the upload on the map", `document.body.dataset.opened === "`+uploadID+`" && document.body.dataset.current === "1" && Number(document.body.dataset.zoom) >= 14`)
		for sel, want := range map[string]int{"path.lr-new": 2, "path.lr-changed": 1, "path.lr-current": 1, "path.lr-rejected": 0} {
			if n := eval[int](b, sel, `document.querySelectorAll(".leaflet-map-pane `+sel+`").length`); n != want {
				t.Errorf("%d %s, want %d", n, sel, want)
			}
		}
		if got := eval[string](b, "changed item", `(document.querySelector('#features li[data-action="changed"]') || {}).textContent || ""`); !strings.Contains(got, "LA-VT-2024-0100") {
			t.Errorf("changed feature's item %q", got)
		}
		time.Sleep(300 * time.Millisecond)
		b.screenshot("review.png")
		// Reject needs a comment; nothing is sent without one.
		b.do("reject without a comment", chromedp.Click(chromedp.CSS("#reject")))
		b.waitFor("the comment asked for", `document.querySelector("#review-msg").textContent.includes("Write why")`)
		b.do("approve with a comment",
			chromedp.SendKeys(chromedp.CSS("#comment"), "checked against the team's sketch map"),
			chromedp.Click(chromedp.CSS("#approve")),
		)
		b.waitFor("the approval", `document.body.dataset.reviewed === "`+uploadID+`:approved"`)
		if got := eval[string](b, "queue", `[...document.querySelectorAll("#uploads tbody tr")].map((tr) => tr.dataset.id).join(",")`); got != staleID {
			t.Errorf("queue after the approval lists %q, want only the second upload %s", got, staleID)
		}
		b.screenshot("review-approved.png")

		// The second upload's approval fails: the page says so, shows the report's reason beside the feature, and
		// keeps the upload in the queue; nothing is changed.
		stRow := `#uploads tbody tr[data-id="` + staleID + `"]`
		b.do("open the second upload", chromedp.Click(chromedp.CSS(stRow)))
		b.waitFor("the second upload", `document.body.dataset.opened === "`+staleID+`" && !document.querySelector("#approve").disabled`)
		b.do("approve it",
			chromedp.SendKeys(chromedp.CSS("#comment"), "looks fine"),
			chromedp.Click(chromedp.CSS("#approve")),
		)
		b.waitFor("the refusal", `document.querySelector("#review-msg").textContent.startsWith("Not approved")`)
		msg := eval[string](b, "message", `document.querySelector("#review-msg").className + "|" + document.querySelector("#review-msg").textContent`)
		if !strings.HasPrefix(msg, "msg error|") || !strings.Contains(msg, "Nothing was changed") {
			t.Errorf("failed approval message %q, want an error saying nothing was changed", msg)
		}
		li := eval[string](b, "the feature's reason", `(document.querySelector('#features li.feature.rejected[data-index="0"]') || {}).textContent || ""`)
		if !strings.Contains(li, "LA-VT-2024-0100") || !strings.Contains(li, "changed since the upload was submitted") {
			t.Errorf("failed approval's feature %q, want LA-VT-2024-0100 rejected with the reason", li)
		}
		if sum := eval[string](b, "summary", `document.querySelector("#summary").textContent`); !strings.Contains(sum, "1 rejected now") {
			t.Errorf("report summary %q", sum)
		}
		if n := eval[int](b, "highlighted", `document.querySelectorAll(".leaflet-map-pane path.lr-rejected").length`); n != 1 {
			t.Errorf("%d rejected polygons highlighted, want 1", n)
		}
		if eval[string](b, "reviewed", `document.body.dataset.reviewed`) != uploadID+":approved" || !eval[bool](b, "still queued", `!!document.querySelector('`+stRow+`')`) {
			t.Error("the failed approval was shown as a review, or its upload left the queue")
		}
		if st := a.do("GET", "/api/v1/uploads/"+staleID, dm, nil, nil).body["status"]; st != "submitted" {
			t.Errorf("second upload after the failed approval: %v, want submitted", st)
		}
		b.screenshot("review-failed.png")
		b.noCSPViolations("review")

		// The registry holds the approved records, recorded by the approver.
		for id, notes := range map[string]string{"LA-VT-2024-0101": "", "LA-VT-2024-0100": "boundary walked again by team 7"} {
			res := a.do("GET", "/api/v1/hazard-areas/"+id, "", nil, nil)
			if p := props(res); res.status != http.StatusOK || p["recorded_by"] != "manager" || (notes != "" && p["notes"] != notes) {
				t.Errorf("hazard area %s after approval: %d %v", id, res.status, res.body)
			}
		}
		if res := a.do("GET", "/api/v1/uploads/"+uploadID, dm, nil, nil); res.body["status"] != "approved" || res.body["review_comment"] != "checked against the team's sketch map" {
			t.Errorf("upload after approval: %v", res.body)
		}
	})

	b.t = t
	b.onlyLocal(web)
}
