package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// openAPIPath is the OpenAPI path of an echo route: :name becomes {name}.
func openAPIPath(echoPath string) string {
	parts := strings.Split(echoPath, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = "{" + p[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// routeMatches reports whether the documented operation "METHOD /path" is served by the route "METHOD /path"
// (with {name} parameters): the same, or a concrete path the route's parameters match.
func routeMatches(route, documented string) bool {
	rm, rp, _ := strings.Cut(route, " ")
	dm, dp, _ := strings.Cut(documented, " ")
	rs, ds := strings.Split(rp, "/"), strings.Split(dp, "/")
	if rm != dm || len(rs) != len(ds) {
		return false
	}
	for i := range rs {
		if rs[i] != ds[i] && !(strings.HasPrefix(rs[i], "{") && ds[i] != "" && !strings.HasPrefix(ds[i], "{")) {
			return false
		}
	}
	return true
}

// TestOpenAPIDocument loads and validates the OpenAPI document with kin-openapi, and holds it to routes.go: every
// route is in it with its method, and it has no operation the server lacks. The document's paths are relative
// to its server, /api/v1, as OGC API clients look them up (GDAL finds the items' parameters at
// /collections/{collection}/items); /healthz names its own server. The catch-all routes (the JSON 404
// of /api/v1/* and the web application's pages) are no endpoints of the API and are left out.
func TestOpenAPIDocument(t *testing.T) {
	doc, err := loadOpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	srv := New(Config{Web: http.NotFoundHandler()})
	var routes, documented []string
	for _, r := range srv.Routes() {
		if strings.HasSuffix(r.Path, "/*") {
			continue
		}
		routes = append(routes, r.Method+" "+openAPIPath(r.Path))
	}
	for path, item := range doc.Paths.Map() {
		server := doc.Servers[0].URL
		if len(item.Servers) > 0 {
			server = item.Servers[0].URL
		}
		full := strings.TrimSuffix(server, "/") + path
		if path == "/" && server != "/" {
			full = server
		}
		for method, op := range item.Operations() {
			documented = append(documented, method+" "+full)
			if op.Responses.Default() == nil || op.Responses.Default().Value.Content.Get(mediaJSON).Schema.Ref != "#/components/schemas/Error" {
				t.Errorf("%s %s: no default response with the JSON error body", method, path)
			}
			if strings.Contains(path, "{") {
				// Path parameters named in the path are declared (on the path or the operation).
				params := append(slices.Clone(item.Parameters), op.Parameters...)
				for _, seg := range strings.Split(path, "/") {
					if !strings.HasPrefix(seg, "{") {
						continue
					}
					name := strings.Trim(seg, "{}")
					if !slices.ContainsFunc(params, func(p *openapi3.ParameterRef) bool { return p.Value.In == "path" && p.Value.Name == name }) {
						t.Errorf("%s %s: path parameter %s is not declared", method, path, name)
					}
				}
			}
		}
	}
	sort.Strings(routes)
	sort.Strings(documented)
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if !slices.ContainsFunc(routes, func(r string) bool { return routeMatches(r, d) }) {
			t.Errorf("openapi.yaml has %s, which routes.go does not register", d)
		}
	}
	for _, c := range collections { // each collection's items by its own path too, for GDAL
		if !slices.Contains(documented, "GET /api/v1/collections/"+c.id+"/items") {
			t.Errorf("openapi.yaml lacks GET /api/v1/collections/%s/items", c.id)
		}
	}
	// The error codes of the Error schema are those of the error table.
	var codes []string
	for _, v := range doc.Components.Schemas["Error"].Value.Properties["error"].Value.Properties["code"].Value.Enum {
		codes = append(codes, v.(string))
	}
	var want []string
	for code := range statuses {
		want = append(want, code)
	}
	sort.Strings(codes)
	sort.Strings(want)
	if !slices.Equal(codes, want) {
		t.Errorf("Error.code enumerates %v, the error table has %v", codes, want)
	}
}

// TestOpenAPIServed: /api/v1/api answers the document as JSON, with the media type the landing page's
// service-desc link names, to anyone.
func TestOpenAPIServed(t *testing.T) {
	srv := New(Config{})
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/api", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != mediaOpenAPI {
		t.Fatalf("GET /api/v1/api: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" || doc.Paths.Find("/collections/{collection}/items") == nil {
		t.Errorf("served document: openapi %q, %d paths", doc.OpenAPI, doc.Paths.Len())
	}
	var raw map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
}
