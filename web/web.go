// Package web holds the browser application, embedded in the binary. Everything it loads is served from here:
// no CDN, no remote tiles, no web fonts.
//
// Two trees are embedded:
//   - dist/, the map and reports pages bundled by `make web` (npm ci && npm run build: Leaflet and the
//     application code, pinned by package-lock.json; git-ignored but for its README.md);
//   - static/, committed: a plain registry browser (/registry.html, without sign-in) and the page served at /
//     when dist/ was not built, which says how to build it; a built dist/ holds the registry page with the
//     application's header and session, which replaces it.
//
// A path is looked up in dist/ first, then in static/, so a built dist/index.html replaces that page.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed dist static
var files embed.FS

// csp keeps every load on this server. style-src needs no 'unsafe-inline': the pages have no style attributes
// or elements, and Leaflet positions its panes and polygons through the CSSOM (element.style), which CSP does
// not govern. img-src allows data: for Leaflet's CSS images should esbuild inline them.
const csp = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; " +
	"font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// Built reports whether the bundled application (dist/index.html) is embedded.
func Built() bool {
	_, err := fs.Stat(files, "dist/index.html")
	return err == nil
}

// layered serves a path from dist/ when the application is built and holds it, else from static/.
type layered struct {
	dist, static fs.FS
	built        bool
}

func (l layered) Open(name string) (fs.File, error) {
	if l.built && name != "README.md" {
		if f, err := l.dist.Open(name); err == nil {
			return f, nil
		}
	}
	return l.static.Open(name)
}

// Handler serves the embedded application.
func Handler() http.Handler {
	dist, err := fs.Sub(files, "dist")
	if err != nil {
		panic(err) // the embedded tree always holds dist/README.md
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embedded tree always holds static/
	}
	fileServer := http.FileServerFS(layered{dist: dist, static: static, built: Built()})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/assets/") && path.Ext(r.URL.Path) != "" {
			h.Set("Cache-Control", "no-cache") // the file names carry no hash: a new binary must not meet stale assets
		}
		fileServer.ServeHTTP(w, r)
	})
}
