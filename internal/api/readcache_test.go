package api

import (
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"

	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
)

// TestReadsAfterIndexChange reads one area through every read the index answers (the map at a simplifying and at
// a full zoom, the list by bbox and by point), changes the area in the index (as the change feed does after a
// write: a new value of the same id, version, kind and boundary changed), and reads again: each answer shows the
// new value, whatever the Server cached from the first reads. Then a declaration of completion makes the area
// residual (the feed hands a new value of the same version, only its residual flag changed): each read shows it.
func TestReadsAfterIndexChange(t *testing.T) {
	var open []*landrelease.HazardArea
	for _, h := range geojsontest.HazardAreas(40, 3) {
		if !h.Withdrawn {
			open = append(open, h)
		}
	}
	svc := spatial.NewService()
	svc.Load(open)
	srv := New(Config{Spatial: svc, Settings: publicSettings{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

	old := open[0]
	moved := *old
	moved.Version++
	moved.Kind = map[landrelease.Kind]landrelease.Kind{landrelease.KindSHA: landrelease.KindCHA, landrelease.KindCHA: landrelease.KindSHA}[old.Kind]
	d := old.Geometry.Bound().Max[0] - old.Geometry.Bound().Min[0]
	moved.Geometry = shift(old.Geometry, d/4)
	moved.Remaining = moved.Geometry
	// Both boundaries lie in the view and cover its centre, so every read below answers the area before and after.
	view := old.Geometry.Bound().Union(moved.Geometry.Bound()).Pad(d / 10)
	centre := old.Geometry.Bound().Center()
	centre[0] += d / 8
	if !old.Geometry.Bound().Contains(centre) || !moved.Geometry.Bound().Contains(centre) {
		t.Fatalf("the point %v is not in both boundaries", centre)
	}
	bb := "bbox=" + jsonNum(view.Min[0]) + "," + jsonNum(view.Min[1]) + "," + jsonNum(view.Max[0]) + "," + jsonNum(view.Max[1])
	reads := []struct {
		name, target string
		tol          float64 // how far the boundary drawn may lie from the area's, in degrees
	}{
		// Simplified: vertices may go, but the boundary does not move by a quarter of the area's width.
		{"map at zoom 10", "/api/v1/map/hazard-areas?status=all&zoom=10&" + bb, d / 8},
		// Drawn in full, with 7 decimals.
		{"map at zoom 18", "/api/v1/map/hazard-areas?status=all&zoom=18&" + bb, 1e-7},
		{"list by bbox", "/api/v1/hazard-areas?" + bb, 1e-12},
		{"list by point", "/api/v1/hazard-areas?point=" + jsonNum(centre[0]) + "," + jsonNum(centre[1]), 1e-12},
	}
	// read returns the feature of old's local id in the answer to target.
	read := func(target string) (props map[string]any, bound orb.Bound) {
		t.Helper()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: status %d: %s", target, rec.Code, rec.Body)
		}
		var a struct {
			Features []struct {
				Geometry   geojson.Geometry `json:"geometry"`
				Properties map[string]any   `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
			t.Fatalf("GET %s: %v", target, err)
		}
		for _, f := range a.Features {
			if f.Properties["local_id"] == old.LocalID && f.Geometry.Geometry() != nil {
				return f.Properties, f.Geometry.Geometry().Bound()
			}
		}
		t.Fatalf("GET %s: no feature %s among %d", target, old.LocalID, len(a.Features))
		return nil, orb.Bound{}
	}
	for _, r := range reads {
		if props, _ := read(r.target); props["kind"] != string(old.Kind) {
			t.Fatalf("%s before the change: kind %v, want %s", r.name, props["kind"], old.Kind)
		}
	}

	svc.Apply([]*landrelease.HazardArea{&moved}, nil)
	for _, r := range reads {
		props, b := read(r.target)
		if props["kind"] != string(moved.Kind) {
			t.Errorf("%s after the change: kind %v, want %s", r.name, props["kind"], moved.Kind)
		}
		if v, ok := props["version"]; ok && v != float64(moved.Version) {
			t.Errorf("%s after the change: version %v, want %d", r.name, v, moved.Version)
		}
		if want := moved.Geometry.Bound(); !boundsNear(b, want, r.tol) {
			t.Errorf("%s after the change: boundary within %v, want %v (within %g)", r.name, b, want, r.tol)
		}
		if props["residual"] == true {
			t.Fatalf("%s after the change: residual before any declaration", r.name)
		}
	}

	declared := moved
	declared.Residual = true
	svc.Apply([]*landrelease.HazardArea{&declared}, nil)
	for _, r := range reads {
		if props, _ := read(r.target); props["residual"] != true || props["kind"] != string(moved.Kind) {
			t.Errorf("%s after the declaration: residual %v kind %v, want residual %s", r.name, props["residual"], props["kind"], moved.Kind)
		}
	}
}

// shift returns mp moved east by dx degrees.
func shift(mp orb.MultiPolygon, dx float64) orb.MultiPolygon {
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = make(orb.Ring, len(r))
			for k, c := range r {
				out[i][j][k] = orb.Point{c[0] + dx, c[1]}
			}
		}
	}
	return out
}

func boundsNear(a, b orb.Bound, tol float64) bool {
	return math.Abs(a.Min[0]-b.Min[0]) <= tol && math.Abs(a.Min[1]-b.Min[1]) <= tol &&
		math.Abs(a.Max[0]-b.Max[0]) <= tol && math.Abs(a.Max[1]-b.Max[1]) <= tol
}
