package geojson

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// circle is a ring of n vertices around (x, y), radius r degrees.
func circle(x, y, r float64, n int) orb.Ring {
	ring := make(orb.Ring, 0, n+1)
	for i := range n {
		a := 2 * math.Pi * float64(i) / float64(n)
		ring = append(ring, orb.Point{x + r*math.Cos(a), y + r*math.Sin(a)})
	}
	return append(ring, ring[0])
}

func TestScaleAt(t *testing.T) {
	for _, c := range []struct {
		zoom, decimals int
	}{{4, 3}, {10, 5}, {12, 5}, {16, 6}, {20, 7}} {
		sc := ScaleAt(c.zoom, 18)
		px := 360 / (256 * math.Exp2(float64(c.zoom)))
		if sc.Tol <= 0.4*px || sc.Tol > 0.5*px {
			t.Errorf("zoom %d: tolerance %g for a pixel of %g degrees, want about half a pixel", c.zoom, sc.Tol, px)
		}
		if sc.Decimals != c.decimals || (sc.Decimals < 7 && math.Pow10(-sc.Decimals) > sc.Tol/10) {
			t.Errorf("zoom %d: %d decimals (tolerance %g), want %d", c.zoom, sc.Decimals, sc.Tol, c.decimals)
		}
	}
}

func TestSimplifyForMap(t *testing.T) {
	big := orb.Polygon{circle(103, 18, 0.05, 200), circle(103, 18, 0.01, 100)} // about 11 km across, with a hole
	tiny := orb.Polygon{circle(103.2, 18, 0.0002, 60)}                         // about 40 m across
	mp := orb.MultiPolygon{big, tiny}
	orig := mp.Clone()
	sc := ScaleAt(10, 18)
	got := simplifyForMap(mp, sc)
	if !orb.Equal(mp, orig) {
		t.Fatal("simplifyForMap modified its input")
	}
	if len(got) != 2 {
		t.Fatalf("%d polygons, want 2 (none may vanish)", len(got))
	}
	// The big one keeps its hole, with far fewer vertices, each within the tolerance of the original boundary and
	// every original vertex within the tolerance (and the rounding) of the simplified one.
	if len(got[0]) != 2 {
		t.Fatalf("big polygon: %d rings, want the outer ring and its hole", len(got[0]))
	}
	for i, r := range got[0] {
		if len(r) >= len(big[i])/3 || len(r) < 4 || r[0] != r[len(r)-1] {
			t.Errorf("ring %d: %d vertices of %d, want a closed ring and far fewer", i, len(r), len(big[i]))
		}
		slack := sc.Tol + math.Pow10(-sc.Decimals)
		for _, p := range big[i] {
			if d := planar.DistanceFrom(orb.LineString(r), p); d > slack {
				t.Errorf("ring %d: original vertex %v is %g degrees from the simplified ring, more than %g", i, p, d, slack)
				break
			}
		}
	}
	// The tiny one, below a pixel, is drawn as its bounding box rather than dropped.
	if r := got[1][0]; len(r) != 5 || !r.Bound().Pad(1e-4).Contains(tiny[0].Bound().Center()) {
		t.Errorf("tiny polygon drawn as %v, want its bounding box", r)
	}
	// From zoom 20 nothing is simplified: every vertex kept, rounded to 7 decimals.
	if full := simplifyForMap(mp, ScaleAt(20, 18)); len(full[0][0]) != len(big[0]) {
		t.Errorf("zoom 20: %d vertices of %d", len(full[0][0]), len(big[0]))
	}
}

// TestAppendMapHazard checks the bytes of the map's feature of a hazard area: local_id, kind and status, and
// "residual":true only for residual contamination (absent otherwise, so that an area not residual costs what it
// did before the flag).
func TestAppendMapHazard(t *testing.T) {
	square := orb.MultiPolygon{{{{103, 18}, {103.001, 18}, {103.001, 18.001}, {103, 18.001}, {103, 18}}}}
	const geom = `{"type":"Feature","geometry":{"type":"MultiPolygon","coordinates":[[[[103,18],[103.001,18],[103.001,18.001],[103,18.001],[103,18]]]]},`
	for _, c := range []struct {
		name string
		h    landrelease.HazardArea
		want string
	}{
		{"open, not residual", landrelease.HazardArea{LocalID: "LA-XK-1", Kind: landrelease.KindCHA, Status: landrelease.StatusOpen},
			`"properties":{"local_id":"LA-XK-1","kind":"CHA","status":"open"}}`},
		{"open, residual", landrelease.HazardArea{LocalID: "LA-XK-2", Kind: landrelease.KindSHA, Status: landrelease.StatusOpen, Residual: true},
			`"properties":{"local_id":"LA-XK-2","kind":"SHA","status":"open","residual":true}}`},
		{"closed, residual", landrelease.HazardArea{LocalID: "LA-XK-3", Kind: landrelease.KindCHA, Status: landrelease.StatusClosed, Residual: true},
			`"properties":{"local_id":"LA-XK-3","kind":"CHA","status":"closed","residual":true}}`},
		{"closed, odd local id, not residual", landrelease.HazardArea{LocalID: `a "b" <c>`, Kind: landrelease.KindSHA, Status: landrelease.StatusClosed},
			`"properties":{"local_id":"a \"b\" <c>","kind":"SHA","status":"closed"}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := c.h
			h.Geometry = square
			got := AppendMapHazard([]byte("prefix"), &h, ScaleAt(20, 18))
			if want := "prefix" + geom + c.want; string(got) != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
			var f struct {
				Properties map[string]any `json:"properties"`
			}
			if err := json.Unmarshal(got[len("prefix"):], &f); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
			if r, ok := f.Properties["residual"]; ok != h.Residual || (ok && r != true) {
				t.Errorf("residual property %v (present %v), want present and true only when residual", r, ok)
			}
		})
	}
}
