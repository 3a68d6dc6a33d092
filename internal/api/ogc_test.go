package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
)

// ogcHazards answers the registry's lists from a slice, keeping the last filter asked.
type ogcHazards struct {
	landrelease.HazardAreaService
	open []*landrelease.HazardArea
	last landrelease.HazardAreaFilter
	at   *time.Time // of the last FindHazardArea
}

func (h *ogcHazards) FindHazardAreas(_ context.Context, f landrelease.HazardAreaFilter) ([]*landrelease.HazardArea, error) {
	h.last = f
	var out []*landrelease.HazardArea
	for _, a := range h.open {
		if a.ID > f.After && len(out) < landrelease.PageLimit(f.Limit) {
			out = append(out, a)
		}
	}
	return out, nil
}

func (h *ogcHazards) FindHazardArea(_ context.Context, id string, t landrelease.Temporal) (*landrelease.HazardArea, error) {
	h.at = t.At
	for _, a := range h.open {
		if a.LocalID == id {
			return a, nil
		}
	}
	return nil, landrelease.Errorf(landrelease.ENOTFOUND, "No hazard area %s.", id)
}

// ogcAdmin is a gazetteer of two provinces and a district.
type ogcAdmin struct{ landrelease.AdminUnitService }

func (ogcAdmin) FindAdminUnits(_ context.Context, level int, _ bool) ([]*landrelease.AdminUnit, error) {
	sq := func(x, y, d float64) orb.MultiPolygon {
		return orb.MultiPolygon{{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}}
	}
	all := []*landrelease.AdminUnit{
		{Level: 1, Code: "LA01", Name: "Vientiane <Capital>", Geometry: sq(102, 17, 1)},
		{Level: 1, Code: "LA09", Name: "Xiangkhouang", Geometry: sq(103, 19, 1)},
		{Level: 2, Code: "LA0901", Name: "Pek", ParentCode: "LA09", Geometry: sq(103, 19, 0.5)},
	}
	var out []*landrelease.AdminUnit
	for _, u := range all {
		if level == 0 || u.Level == level {
			out = append(out, u)
		}
	}
	return out, nil
}

// affineCRS stands in for PostGIS: srid s maps (x, y) to (x*s, y*s); its gazetteer spans Lao PDR.
type affineCRS struct{ toWGS84 []orb.Bound }

func (affineCRS) FromWGS84(_ context.Context, srid int, gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) {
	out := make([]orb.MultiPolygon, len(gs))
	for i, g := range gs {
		out[i] = orb.Clone(g).(orb.MultiPolygon)
		for _, p := range out[i] {
			for _, r := range p {
				for k := range r {
					r[k] = orb.Point{r[k][0] * float64(srid), r[k][1] * float64(srid)}
				}
			}
		}
	}
	return out, nil
}

func (a *affineCRS) ToWGS84(_ context.Context, srid int, b orb.Bound) (orb.Bound, error) {
	f := float64(srid)
	out := orb.Bound{Min: orb.Point{b.Min[0] / f, b.Min[1] / f}, Max: orb.Point{b.Max[0] / f, b.Max[1] / f}}
	a.toWGS84 = append(a.toWGS84, out)
	return out, nil
}

func (affineCRS) AdminExtent(context.Context) (orb.Bound, bool, error) {
	return orb.Bound{Min: orb.Point{100.08, 13.91}, Max: orb.Point{107.7, 22.5}}, true, nil
}

type ogcFixture struct {
	srv     *Server
	hazards *ogcHazards
	crs     *affineCRS
	index   *spatial.Service
}

func newOGCFixture(n int) ogcFixture {
	var open []*landrelease.HazardArea
	for _, h := range geojsontest.HazardAreas(n, 3) {
		if !h.Withdrawn {
			open = append(open, h)
		}
	}
	idx := spatial.NewService()
	idx.Load(open)
	fx := ogcFixture{hazards: &ogcHazards{open: open}, crs: &affineCRS{}, index: idx}
	fx.srv = New(Config{Hazards: fx.hazards, Admin: ogcAdmin{}, Spatial: idx, CRS: fx.crs, Settings: publicSettings{},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return fx
}

func (fx ogcFixture) get(t *testing.T, target string, header map[string]string, want int) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	fx.srv.ServeHTTP(rec, req)
	if rec.Code != want {
		t.Fatalf("GET %s: %d, want %d: %s", target, rec.Code, want, rec.Body)
	}
	return rec
}

type testPage struct {
	Type     string `json:"type"`
	Features []struct {
		ID       string `json:"id"`
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	Links          []link `json:"links"`
	NumberMatched  *int   `json:"numberMatched"`
	NumberReturned int    `json:"numberReturned"`
}

func decodePage(t *testing.T, rec *httptest.ResponseRecorder) testPage {
	t.Helper()
	var p testPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	return p
}

// firstPosition is the first position of a Polygon or MultiPolygon.
func firstPosition(t *testing.T, typ string, coords json.RawMessage) orb.Point {
	t.Helper()
	var poly [][][2]float64
	if typ == "MultiPolygon" {
		var mp [][][][2]float64
		if err := json.Unmarshal(coords, &mp); err != nil {
			t.Fatal(err)
		}
		poly = mp[0]
	} else if err := json.Unmarshal(coords, &poly); err != nil {
		t.Fatal(err)
	}
	return orb.Point(poly[0][0])
}

const items = "/api/v1/collections/hazard-areas/items"

func TestOGCDatetime(t *testing.T) {
	fx := newOGCFixture(5)
	for q, want := range map[string]string{
		"datetime=2024-05-01":                   "2024-05-01",
		"datetime=2024-05-01T23:00:00-05:00":    "2024-05-02",
		"datetime=2024-05-01&at=2024-05-01":     "2024-05-01",
		"datetime=2024-05-01T00:00:00Z&limit=3": "2024-05-01",
	} {
		fx.get(t, items+"?"+q, nil, http.StatusOK)
		if at := fx.hazards.last.Temporal.At; at == nil || at.Format(time.DateOnly) != want {
			t.Errorf("%s: at %v, want %s", q, at, want)
		}
	}
	fx.get(t, items+"/"+fx.hazards.open[0].LocalID+"?datetime=2023-01-02", nil, http.StatusOK)
	if fx.hazards.at == nil || fx.hazards.at.Format(time.DateOnly) != "2023-01-02" {
		t.Errorf("item: at %v", fx.hazards.at)
	}
	for _, q := range []string{"datetime=../2024-05-01", "datetime=2024-01-01/2024-05-01", "datetime=2024-05-01&at=2024-05-02", "datetime=soon"} {
		rec := fx.get(t, items+"?"+q, nil, http.StatusBadRequest)
		if !strings.Contains(rec.Body.String(), "datetime") {
			t.Errorf("%s: %s", q, rec.Body)
		}
	}
	if rec := fx.get(t, items+"?datetime=../2024-05-01", nil, http.StatusBadRequest); !strings.Contains(rec.Body.String(), "intervals") {
		t.Errorf("an interval is not refused as one: %s", rec.Body)
	}
	fx.get(t, "/api/v1/collections/admin-units/items?datetime=2024-05-01", nil, http.StatusBadRequest)
}

func TestOGCLimitAndNumberMatched(t *testing.T) {
	fx := newOGCFixture(12)
	n := len(fx.hazards.open)
	// Above the maximum is the maximum; the whole result in one page says how many matched.
	p := decodePage(t, fx.get(t, items+"?limit=999999", nil, http.StatusOK))
	if fx.hazards.last.Limit != landrelease.MaxPageSize {
		t.Errorf("limit 999999 asked the registry for %d", fx.hazards.last.Limit)
	}
	if p.NumberReturned != n || p.NumberMatched == nil || *p.NumberMatched != n {
		t.Errorf("whole result: returned %d, matched %v, want %d", p.NumberReturned, p.NumberMatched, n)
	}
	for _, l := range p.Links {
		if l.Rel == "next" {
			t.Errorf("a next link on the whole result: %v", l)
		}
	}
	// A page with a next page, and a later page, do not count what they cannot see.
	p = decodePage(t, fx.get(t, items+"?limit=2", nil, http.StatusOK))
	if p.NumberMatched != nil || p.NumberReturned != 2 {
		t.Errorf("first of several pages: matched %v, returned %d", p.NumberMatched, p.NumberReturned)
	}
	var next string
	for _, l := range p.Links {
		if l.Rel == "next" {
			next = strings.TrimPrefix(l.Href, "http://example.com")
		}
	}
	if next == "" {
		t.Fatal("no next link")
	}
	p = decodePage(t, fx.get(t, next, nil, http.StatusOK))
	if p.NumberMatched != nil {
		t.Errorf("a later page: matched %v", *p.NumberMatched)
	}
	for _, bad := range []string{"limit=0", "limit=-1", "limit=x"} {
		fx.get(t, items+"?"+bad, nil, http.StatusBadRequest)
	}
	// The registry's own list keeps refusing what it always refused.
	fx.get(t, "/api/v1/hazard-areas?limit=999999", nil, http.StatusBadRequest)
}

func TestOGCCRS(t *testing.T) {
	fx := newOGCFixture(12)
	h := fx.hazards.open[0]
	want := h.Geometry[0][0][0]
	for _, tc := range []struct {
		crs  string
		want orb.Point
	}{
		{"", want},
		{crs84URI, want},
		{epsgPrefix + "4326", orb.Point{want[1], want[0]}},
		{epsgPrefix + "3857", orb.Point{want[0] * 3857, want[1] * 3857}},
		{"[EPSG:32648]", orb.Point{want[0] * 32648, want[1] * 32648}},
	} {
		q := url.Values{}
		if tc.crs != "" {
			q.Set("crs", tc.crs)
		}
		uri, _ := parseCRS(tc.crs)
		if tc.crs == "" {
			uri = crsCRS84
		}
		for _, target := range []string{items + "?" + q.Encode(), items + "?bbox=100,13,108,23&" + q.Encode(), items + "/" + h.LocalID + "?" + q.Encode()} {
			rec := fx.get(t, target, nil, http.StatusOK)
			if got := rec.Header().Get("Content-Crs"); got != "<"+uri.uri+">" {
				t.Errorf("%s: Content-Crs %q", target, got)
			}
			var g struct {
				Type     string `json:"type"`
				Geometry struct {
					Type        string          `json:"type"`
					Coordinates json.RawMessage `json:"coordinates"`
				} `json:"geometry"`
			}
			if strings.Contains(target, "/items/") {
				if err := json.Unmarshal(rec.Body.Bytes(), &g); err != nil {
					t.Fatal(err)
				}
				if rec.Header().Get("ETag") == "" {
					t.Errorf("%s: no ETag", target)
				}
			} else {
				p := decodePage(t, rec)
				i := slices.IndexFunc(p.Features, func(f struct {
					ID       string `json:"id"`
					Geometry struct {
						Type        string          `json:"type"`
						Coordinates json.RawMessage `json:"coordinates"`
					} `json:"geometry"`
					Properties map[string]any `json:"properties"`
				}) bool {
					return f.ID == h.LocalID
				})
				if i < 0 {
					t.Fatalf("%s: %s not answered", target, h.LocalID)
				}
				g.Geometry = p.Features[i].Geometry
			}
			if got := firstPosition(t, g.Geometry.Type, g.Geometry.Coordinates); got != tc.want {
				t.Errorf("%s: first position %v, want %v", target, got, tc.want)
			}
		}
	}
	// bbox in another CRS is the registry's bbox of its transform.
	b := h.Geometry.Bound()
	q := url.Values{"bbox-crs": {epsgPrefix + "3857"}, "bbox": {formatBBox(orb.Bound{Min: orb.Point{b.Min[0] * 3857, b.Min[1] * 3857}, Max: orb.Point{b.Max[0] * 3857, b.Max[1] * 3857}})}}
	p := decodePage(t, fx.get(t, items+"?"+q.Encode(), nil, http.StatusOK))
	wantIDs := []string{}
	for _, a := range fx.index.BBox(b, landrelease.HazardAreaFilter{}) {
		wantIDs = append(wantIDs, a.LocalID)
	}
	var got []string
	for _, f := range p.Features {
		got = append(got, f.ID)
	}
	if !slices.Contains(got, h.LocalID) || !slices.Equal(got, wantIDs) {
		t.Errorf("bbox-crs 3857: %v, want %v", got, wantIDs)
	}
	// Latitude first in EPSG:4326.
	q = url.Values{"bbox-crs": {epsgPrefix + "4326"}, "bbox": {formatBBox(orb.Bound{Min: orb.Point{b.Min[1], b.Min[0]}, Max: orb.Point{b.Max[1], b.Max[0]}})}}
	p = decodePage(t, fx.get(t, items+"?"+q.Encode(), nil, http.StatusOK))
	if len(p.Features) != len(wantIDs) {
		t.Errorf("bbox-crs 4326: %d features, want %d", len(p.Features), len(wantIDs))
	}
	for _, bad := range []string{"crs=" + url.QueryEscape(epsgPrefix+"2154"), "crs=CRS84", "bbox-crs=" + url.QueryEscape(epsgPrefix+"3857"),
		"bbox-crs=" + url.QueryEscape(epsgPrefix+"9999") + "&bbox=1,2,3,4"} {
		rec := fx.get(t, items+"?"+bad, nil, http.StatusBadRequest)
		if strings.HasPrefix(bad, "crs") && !strings.Contains(rec.Body.String(), epsgPrefix+"32648") {
			t.Errorf("%s: the error does not name the supported CRSs: %s", bad, rec.Body)
		}
	}
	// Without a Reprojector only CRS84 and EPSG:4326.
	plain := New(Config{Hazards: fx.hazards, Settings: publicSettings{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rec := httptest.NewRecorder()
	plain.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/collections/hazard-areas", nil))
	var col collectionDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &col); err != nil || !slices.Equal(col.CRS, []string{crs84URI, epsgPrefix + "4326"}) || col.StorageCRS != crs84URI {
		t.Errorf("collection without a Reprojector: %s", rec.Body)
	}
}

func TestOGCCollections(t *testing.T) {
	fx := newOGCFixture(3)
	var conf conformanceDoc
	if err := json.Unmarshal(fx.get(t, "/api/v1/conformance", nil, http.StatusOK).Body.Bytes(), &conf); err != nil {
		t.Fatal(err)
	}
	for _, class := range []string{"core", "geojson", "html", "oas30"} {
		if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"+class) {
			t.Errorf("conformance lacks %s: %v", class, conf.ConformsTo)
		}
	}
	if !slices.Contains(conf.ConformsTo, "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs") {
		t.Errorf("conformance lacks crs: %v", conf.ConformsTo)
	}
	var landing landingDoc
	if err := json.Unmarshal(fx.get(t, "/api/v1", nil, http.StatusOK).Body.Bytes(), &landing); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(landing.Links, func(l link) bool {
		return l.Rel == "service-desc" && l.Type == mediaOpenAPI && l.Href == "http://example.com/api/v1/api"
	}) {
		t.Errorf("landing page: no service-desc link: %v", landing.Links)
	}
	var cols collectionsDoc
	if err := json.Unmarshal(fx.get(t, "/api/v1/collections", nil, http.StatusOK).Body.Bytes(), &cols); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cols.Collections {
		ids = append(ids, c.ID)
		if c.StorageCRS != crs84URI || len(c.CRS) != 5 || c.CRS[0] != crs84URI {
			t.Errorf("%s: crs %v, storageCrs %s", c.ID, c.CRS, c.StorageCRS)
		}
	}
	if !slices.Equal(ids, []string{"hazard-areas", "land-releases", "admin-units"}) {
		t.Errorf("collections %v", ids)
	}
	fx.get(t, "/api/v1/collections/minefields", nil, http.StatusNotFound)
}

func TestOGCAdminUnits(t *testing.T) {
	fx := newOGCFixture(1)
	const admin = "/api/v1/collections/admin-units/items"
	for _, tc := range []struct {
		q       string
		ids     []string
		matched int
		next    bool
	}{
		{"", []string{"1-LA01", "1-LA09", "2-LA0901"}, 3, false},
		{"level=1", []string{"1-LA01", "1-LA09"}, 2, false},
		{"level=2", []string{"2-LA0901"}, 1, false},
		{"limit=2", []string{"1-LA01", "1-LA09"}, 3, true},
		{"limit=2&offset=2", []string{"2-LA0901"}, 3, false},
		{"offset=9", nil, 3, false},
		{"bbox=103.6,19.6,103.7,19.7", []string{"1-LA09"}, 1, false},             // inside the province, outside the district
		{"bbox=102.9,18.9,103.1,19.1", []string{"1-LA09", "2-LA0901"}, 2, false}, // across a corner
		{"bbox=101,16,102,17", []string{"1-LA01"}, 1, false},                     // touching a corner
		{"bbox=101,16,101.9,16.9", nil, 0, false},
		{"limit=100000", []string{"1-LA01", "1-LA09", "2-LA0901"}, 3, false},
	} {
		p := decodePage(t, fx.get(t, admin+"?"+tc.q, nil, http.StatusOK))
		var ids []string
		next := false
		for _, f := range p.Features {
			ids = append(ids, f.ID)
		}
		for _, l := range p.Links {
			next = next || l.Rel == "next"
		}
		if !slices.Equal(ids, tc.ids) || p.NumberMatched == nil || *p.NumberMatched != tc.matched || next != tc.next {
			t.Errorf("%q: %v matched %v next %v; want %v matched %d next %v", tc.q, ids, p.NumberMatched, next, tc.ids, tc.matched, tc.next)
		}
	}
	p := decodePage(t, fx.get(t, admin+"?level=2", nil, http.StatusOK))
	if f := p.Features[0]; f.Properties["code"] != "LA0901" || f.Properties["name"] != "Pek" || f.Properties["parent_code"] != "LA09" || f.Properties["level"] != float64(2) || f.Geometry.Type != "Polygon" {
		t.Errorf("district: %+v", f)
	}
	var one struct {
		ID         string         `json:"id"`
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal(fx.get(t, admin+"/1-LA01", nil, http.StatusOK).Body.Bytes(), &one); err != nil || one.ID != "1-LA01" || one.Properties["parent_code"] != nil {
		t.Errorf("1-LA01: %+v %v", one, err)
	}
	for _, id := range []string{"2-LA01", "LA01", "3-LA01", "1-"} {
		fx.get(t, admin+"/"+id, nil, http.StatusNotFound)
	}
	for _, bad := range []string{"level=3", "offset=-1", "bbox=1,2", "limit=0"} {
		fx.get(t, admin+"?"+bad, nil, http.StatusBadRequest)
	}
	// In UTM 48N by the Reprojector.
	p = decodePage(t, fx.get(t, admin+"?level=2&crs="+url.QueryEscape(epsgPrefix+"32648"), nil, http.StatusOK))
	if got := firstPosition(t, p.Features[0].Geometry.Type, p.Features[0].Geometry.Coordinates); got != (orb.Point{103 * 32648, 19 * 32648}) {
		t.Errorf("district in 32648: %v", got)
	}
}

func TestOGCHTML(t *testing.T) {
	fx := newOGCFixture(12)
	browser := map[string]string{"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
	h := fx.hazards.open[1]
	for _, tc := range []struct {
		target string
		header map[string]string
		want   []string
	}{
		{"/api/v1", browser, []string{"<h1>landrelease registry API</h1>", `href="http://example.com/api/v1/collections"`}},
		{"/api/v1?f=html", nil, []string{"service-desc"}},
		{"/api/v1/conformance?f=html", nil, []string{"conf/oas30", "conf/html"}},
		{"/api/v1/collections", browser, []string{`href="/api/v1/collections/admin-units?f=html"`, "Storage CRS"}},
		{"/api/v1/collections/land-releases", browser, []string{`href="/api/v1/collections/land-releases/items?f=html"`}},
		{items, browser, []string{"<th>local_id</th>", `href="/api/v1/collections/hazard-areas/items/` + h.LocalID + `?f=html"`, "&lt;b&gt;fish &amp; chips&lt;/b&gt;"}},
		{items + "?limit=2&f=html", nil, []string{`rel="next"`}},
		{items + "/" + h.LocalID + "?f=html", nil, []string{"<td>" + h.LocalID + "</td>"}},
		{"/api/v1/collections/admin-units/items?f=html", nil, []string{"Vientiane &lt;Capital&gt;", "2-LA0901", "3 items of 3"}},
	} {
		rec := fx.get(t, tc.target, tc.header, http.StatusOK)
		body := rec.Body.String()
		if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", tc.target, ct)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: no %q in\n%s", tc.target, w, body)
			}
		}
		for _, never := range []string{"<b>", "<script", "http://cdn", "https://"} {
			if strings.Contains(body, never) {
				t.Errorf("%s: %q in the page", tc.target, never)
			}
		}
	}
	// f=json wins over a browser's Accept; GDAL's Accept gets JSON.
	for _, tc := range []struct {
		target string
		header map[string]string
		want   string
	}{
		{items + "?f=json", browser, mediaGeoJSON},
		{"/api/v1/collections?f=json", browser, mediaJSON},
		{items, map[string]string{"Accept": "application/geo+json, application/json;q=0.9, */*;q=0.1"}, mediaGeoJSON},
		{"/api/v1", nil, mediaJSON},
	} {
		rec := fx.get(t, tc.target, tc.header, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.want) {
			t.Errorf("%s: Content-Type %q, want %s", tc.target, ct, tc.want)
		}
	}
	fx.get(t, items+"?f=xml", nil, http.StatusBadRequest)
}
