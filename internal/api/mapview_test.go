package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
)

func TestLargestFirst(t *testing.T) {
	var hs []*landrelease.HazardArea
	for i, a := range []float64{5, 1, 9, 3, 7} {
		hs = append(hs, &landrelease.HazardArea{ID: int64(i + 1), AreaM2: a})
	}
	got := largestFirst(hs, 3)
	var ids []int64
	for _, h := range got {
		ids = append(ids, h.ID)
	}
	if !slices.Equal(ids, []int64{1, 3, 5}) {
		t.Errorf("largest 3 of areas 5,1,9,3,7: IDs %v, want [1 3 5] (areas 5, 9, 7 in ID order)", ids)
	}
	if len(largestFirst(hs, 10)) != 5 || hs[1].ID != 2 {
		t.Error("largestFirst changed or cut a list within the limit")
	}
}

type mapAnswer struct {
	Type     string `json:"type"`
	Features []struct {
		Geometry struct {
			Type        string          `json:"type"`
			Coordinates [][][][]float64 `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]any `json:"properties"`
	} `json:"features"`
	NumberReturned int     `json:"numberReturned"`
	NumberMatched  *int    `json:"numberMatched"`
	Truncated      bool    `json:"truncated"`
	Zoom           int     `json:"zoom"`
	Tolerance      float64 `json:"tolerance_deg"`
}

func TestMapHazardAreas(t *testing.T) {
	hs := geojsontest.HazardAreas(400, 8)
	for i, h := range hs {
		h.Residual = i%7 == 2 // some residual contamination, drawn with "residual":true
	}
	srv, svc, open := indexServer(hs)
	get := func(target string, want int) (mapAnswer, []byte) {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != want {
			t.Fatalf("GET %s: status %d, want %d: %s", target, rec.Code, want, rec.Body)
		}
		var a mapAnswer
		if want == http.StatusOK {
			if ct := rec.Header().Get("Content-Type"); ct != mediaGeoJSON {
				t.Errorf("GET %s: Content-Type %q", target, ct)
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
				t.Fatalf("GET %s: %v", target, err)
			}
		}
		return a, rec.Body.Bytes()
	}
	var all orb.Bound
	for i, h := range open {
		if i == 0 {
			all = h.Geometry.Bound()
		}
		all = all.Union(h.Geometry.Bound())
	}
	view := all.Pad(0.01)
	bbox := func(b orb.Bound) string {
		return "bbox=" + jsonNum(b.Min[0]) + "," + jsonNum(b.Min[1]) + "," + jsonNum(b.Max[0]) + "," + jsonNum(b.Max[1])
	}
	for _, zoom := range []string{"10", "16.5"} {
		a, body := get("/api/v1/map/hazard-areas?status=all&zoom="+zoom+"&"+bbox(view), http.StatusOK)
		want := svc.BBox(view, landrelease.HazardAreaFilter{Status: landrelease.StatusAll})
		if len(want) != len(open) {
			t.Fatalf("zoom %s: the index answers %d areas in the view around all %d", zoom, len(want), len(open))
		}
		if a.Type != "FeatureCollection" || a.NumberReturned != len(want) || len(a.Features) != len(want) ||
			a.NumberMatched == nil || *a.NumberMatched != len(want) || a.Truncated {
			t.Fatalf("zoom %s: %d features (numberReturned %d, matched %v, truncated %v), want %d", zoom, len(a.Features), a.NumberReturned, a.NumberMatched, a.Truncated, len(want))
		}
		residual := 0
		for i, f := range a.Features {
			h := want[i]
			props := 3
			if h.Residual {
				props, residual = 4, residual+1
			}
			if f.Geometry.Type != "MultiPolygon" || len(f.Geometry.Coordinates) == 0 || f.Properties["local_id"] != h.LocalID ||
				f.Properties["kind"] != string(h.Kind) || f.Properties["status"] != string(h.Status) || len(f.Properties) != props ||
				(h.Residual && f.Properties["residual"] != true) {
				t.Fatalf("zoom %s: feature %d is %v, want %s drawn with local_id, kind and status only, and residual true when residual (%v)",
					zoom, i, f.Properties, h.LocalID, h.Residual)
			}
		}
		if residual == 0 || residual == len(want) {
			t.Fatalf("zoom %s: %d residual areas of %d: the test needs some of each", zoom, residual, len(want))
		}
		if zoom == "10" {
			if a.Zoom != 10 {
				t.Errorf("zoom %d", a.Zoom)
			}
			// The same view again comes from the cache, byte for byte.
			if _, again := get("/api/v1/map/hazard-areas?status=all&zoom=10&"+bbox(view), http.StatusOK); string(again) != string(body) {
				t.Error("a second read of the same view differs")
			}
		}
	}
	// Simplified at zoom 10, drawn in full at zoom 18: fewer bytes.
	_, low := get("/api/v1/map/hazard-areas?status=all&zoom=10&"+bbox(view), http.StatusOK)
	_, high := get("/api/v1/map/hazard-areas?status=all&zoom=18&"+bbox(view), http.StatusOK)
	if len(low) >= len(high) {
		t.Errorf("zoom 10: %d bytes, zoom 18: %d; want fewer at zoom 10", len(low), len(high))
	}
	// Filters apply as on /hazard-areas.
	wantCHA := 0
	for _, h := range open {
		if h.Kind == landrelease.KindCHA && h.Status == landrelease.StatusOpen {
			wantCHA++
		}
	}
	if wantCHA == 0 || wantCHA == len(open) {
		t.Fatalf("%d open CHAs of %d areas: the kind filter needs some of each", wantCHA, len(open))
	}
	a, _ := get("/api/v1/map/hazard-areas?kind=CHA&zoom=12&"+bbox(view), http.StatusOK)
	if len(a.Features) != wantCHA {
		t.Errorf("kind=CHA: %d features, want the %d open CHAs", len(a.Features), wantCHA)
	}
	for _, f := range a.Features {
		if f.Properties["kind"] != "CHA" || f.Properties["status"] != "open" {
			t.Fatalf("kind=CHA (open by default) answered %v", f.Properties)
		}
	}
	for _, bad := range []string{
		"/api/v1/map/hazard-areas?zoom=10",
		"/api/v1/map/hazard-areas?" + bbox(view),
		"/api/v1/map/hazard-areas?zoom=23&" + bbox(view),
		"/api/v1/map/hazard-areas?zoom=ten&" + bbox(view),
		"/api/v1/map/hazard-areas?zoom=10&limit=5&" + bbox(view),
		"/api/v1/map/land-releases?zoom=10",
	} {
		get(bad, http.StatusBadRequest)
	}
}

func jsonNum(v float64) string { b, _ := json.Marshal(v); return string(b) }
