package api

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
	"github.com/paulmach/orb"
)

// indexServer returns a Server of a public registry that answers from an index of the areas of hs not
// withdrawn, with that index and those areas.
func indexServer(hs []*landrelease.HazardArea) (*Server, *spatial.Service, []*landrelease.HazardArea) {
	var open []*landrelease.HazardArea
	for _, h := range hs {
		if !h.Withdrawn {
			open = append(open, h)
		}
	}
	svc := spatial.NewService()
	svc.Load(open)
	return New(Config{Spatial: svc, Settings: publicSettings{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}), svc, open
}

// TestSpatialListPages serves point, bbox, near and intersecting queries from an index and compares each body with
// the reference encoding of the same areas.
func TestSpatialListPages(t *testing.T) {
	srv, svc, open := indexServer(geojsontest.HazardAreas(400, 8))
	r := rand.New(rand.NewPCG(4, 5))
	get := func(target string) ([]byte, string) {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", target, rec.Code, rec.Body)
		}
		if ct := rec.Header().Get("Content-Type"); ct != mediaGeoJSON {
			t.Fatalf("GET %s: Content-Type %q", target, ct)
		}
		if cl := rec.Header().Get("Content-Length"); cl != fmt.Sprint(rec.Body.Len()) {
			t.Fatalf("GET %s: Content-Length %q for %d bytes", target, cl, rec.Body.Len())
		}
		var page struct {
			TimeStamp string `json:"timeStamp"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil {
			t.Fatal(err)
		}
		return rec.Body.Bytes(), page.TimeStamp
	}
	const origin = "http://example.com" // httptest.NewRequest's host: links are absolute
	self := func(target string) []geojson.Link {
		u, _ := url.Parse(target)
		return []geojson.Link{{Href: origin + u.RequestURI(), Rel: "self", Type: mediaGeoJSON}}
	}
	hits := 0
	for i := range 200 {
		h := open[r.IntN(len(open))]
		c := h.Geometry[0][0][0]
		r7 := func(x float64) float64 { return math.Round(x*1e7) / 1e7 }
		p := orb.Point{r7(c[0] + 0.0004), r7(c[1] + 0.0004)}
		rem := i%2 == 1
		suffix := ""
		if rem {
			suffix = "&geometry=remaining"
		}
		lonlat := fmt.Sprintf("%v,%v", p[0], p[1])
		f := landrelease.HazardAreaFilter{}

		target := "/api/v1/hazard-areas?point=" + lonlat + suffix
		body, ts := get(target)
		want := svc.Point(p, f)
		hits += len(want)
		geojsontest.SamePage(t, target, body, geojsontest.ReferencePage(t, want, rem, nil, self(target), ts))

		b := orb.Bound{Min: orb.Point{r7(p[0] - 0.05), r7(p[1] - 0.05)}, Max: orb.Point{r7(p[0] + 0.05), r7(p[1] + 0.05)}}
		target = fmt.Sprintf("/api/v1/hazard-areas?bbox=%v,%v,%v,%v&limit=3%s", b.Min[0], b.Min[1], b.Max[0], b.Max[1], suffix)
		body, ts = get(target)
		all := svc.BBox(b, f)
		want = all
		links := self(target)
		if len(all) > 3 {
			want = all[:3]
			q, _ := url.ParseQuery(target[strings.IndexByte(target, '?')+1:])
			q.Set("after", fmt.Sprint(want[2].ID))
			links = append(links, geojson.Link{Href: origin + "/api/v1/hazard-areas?" + q.Encode(), Rel: "next", Type: mediaGeoJSON})
		}
		geojsontest.SamePage(t, target, body, geojsontest.ReferencePage(t, want, rem, nil, links, ts))

		target = "/api/v1/hazard-areas?near=" + lonlat + "&within_m=3000" + suffix
		body, ts = get(target)
		near := svc.Near(p, 3000, f)
		want = nil
		dist := map[int64]float64{}
		for _, n := range near {
			want = append(want, n.HazardArea)
			dist[n.HazardArea.ID] = n.DistanceM
		}
		geojsontest.SamePage(t, target, body, geojsontest.ReferencePage(t, want, rem, dist, self(target), ts))

		target = "/api/v1/hazard-areas/intersecting" + strings.Replace(suffix, "&", "?", 1)
		poly := fmt.Sprintf(`{"type":"Polygon","coordinates":[[[%[1]v,%[2]v],[%[3]v,%[2]v],[%[3]v,%[4]v],[%[1]v,%[4]v],[%[1]v,%[2]v]]]}`, b.Min[0], b.Min[1], b.Max[0], b.Max[1])
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(poly))
		req.Header.Set("Content-Type", "application/geo+json")
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("POST %s: status %d: %s", target, rec.Code, rec.Body)
		}
		var page struct {
			TimeStamp string `json:"timeStamp"`
		}
		got, _ := io.ReadAll(rec.Body)
		if err := json.Unmarshal(got, &page); err != nil {
			t.Fatal(err)
		}
		mp := orb.MultiPolygon{{orb.Ring{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}, b.Min}}}
		geojsontest.SamePage(t, target, got, geojsontest.ReferencePage(t, svc.Intersecting(mp, f), rem, nil, self(target), page.TimeStamp))
	}
	if hits == 0 {
		t.Fatal("no point query found an area: the test checks nothing")
	}
}

// BenchmarkSpatialListServe measures a point query through the server's handler and middleware, without a
// network, with the request line logged (info) and not (error).
func BenchmarkSpatialListServe(b *testing.B) {
	hs := geojsontest.HazardAreas(2000, 12)
	svc := spatial.NewService()
	svc.Load(hs)
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelError} {
		b.Run("log="+level.String(), func(b *testing.B) {
			srv := New(Config{Spatial: svc, Settings: publicSettings{}, Logger: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))})
			c := hs[7].Geometry[0][0][0]
			target := fmt.Sprintf("/api/v1/hazard-areas?point=%v,%v", c[0]+0.0004, c[1]+0.0004)
			req := httptest.NewRequest(http.MethodGet, target, nil)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				srv.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || rec.Body.Len() < 500 {
					b.Fatalf("status %d, %d bytes", rec.Code, rec.Body.Len())
				}
			}
		})
	}
}
