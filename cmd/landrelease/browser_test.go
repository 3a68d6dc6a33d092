package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
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

const formFHeader = "admin_code,admin_name,sha_count,sha_area_m2,cha_count,cha_area_m2,new_count,new_area_m2,cancelled_area_m2,reduced_area_m2,cleared_area_m2,reclassified_area_m2,submunitions_destroyed,balance_diff_m2"

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
	ctx, cancel := context.WithTimeout(b.ctx, 40*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(35*time.Second))); err != nil {
		status, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(document.querySelector("#status, #f-msg") || {}).textContent || ""`))
		b.screenshot("failure-" + strings.NewReplacer(" ", "-", "/", "-").Replace(what) + ".png")
		b.t.Fatalf("waiting for %s (%s): %v; page status %q", what, expr, err, status)
	}
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

func TestBrowser(t *testing.T) {
	chrome := browserPrerequisites(t)
	a := start(t)
	a.cli("demo", "load", "--hazards", "300", "--seed", "3", "--admin", "../../testdata/admin1-LA.geojson")

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
		if n := eval[int](b, "hazard paths", `document.querySelectorAll(".leaflet-hazards-pane path").length`); n != 0 {
			t.Errorf("national view draws %d hazard polygons, want provinces only", n)
		}
		b.waitFor("the province shading", `document.querySelector("#ramp-max").textContent.includes("km²")`)
		b.screenshot("map-national.png")
		// Search a local ID: the map fits it, then draws the polygons of the view.
		b.do("search "+id,
			chromedp.SendKeys(chromedp.CSS("#search-id"), id),
			chromedp.Click(chromedp.CSS(`#search button[type="submit"]`)),
		)
		b.waitFor("hazard polygons", `document.querySelectorAll(".leaflet-hazards-pane path").length > 0`)
		b.waitFor("the record panel", `!document.querySelector("#panel").hidden && document.querySelectorAll("#panel-history tbody tr").length > 0`)
		if got := eval[string](b, "panel title", `document.querySelector("#panel-title").textContent`); got != id {
			t.Errorf("panel shows %q, want %q", got, id)
		}
		if z := eval[float64](b, "zoom", `Number(document.body.dataset.hazards)`); z <= 0 {
			t.Errorf("status counts %v hazard areas in view", z)
		}
		time.Sleep(300 * time.Millisecond) // let the zoom animation settle for the picture
		b.screenshot("map.png")
		b.noCSPViolations("map")
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
