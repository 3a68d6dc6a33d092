package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestMapResidual follows residual contamination onto the map's view features (GET /api/v1/map/hazard-areas,
// served from the index and its cache of encoded features) of a running server: an area found after the
// completion date of its unit but recorded before the declaration is drawn without the flag, then with
// "residual":true once the declaration is recorded (the declaration rewrites the affected heads, the feed hands
// them to the index again, and the features cached from the read before are not served); an area recorded after
// the declaration is drawn residual; an area identified before the date, and one whose contamination is not CMR,
// are not. A map of the past (at, read from the database) draws the same flags.
func TestMapResidual(t *testing.T) {
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))

	const phongsali, d = "LAO-3291", 0.001
	area := func(id string, w float64, contamination, identified string) {
		t.Helper()
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w, 21.70, w+d, 21.70+d), map[string]any{
			"local_id": id, "kind": "CHA", "contamination": contamination, "evidence": "direct", "evidence_category": "items_seen",
			"devices": []string{"BLU-26"}, "marking": "marked", "priority": "high", "land_use": "agriculture",
			"identified_on": identified, "organisation": "UXO Lao"}))
		if res.status != http.StatusCreated || props(res)["admin1_code"] != phongsali {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
	}
	// P-1: identified and cleared before the completion date. P-0: found after it, recorded before the declaration.
	area("P-1", 102.200, "cmr", "2019-01-01")
	if res := a.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(102.200, 21.70, 102.200+d, 21.70+d), map[string]any{
		"local_id": "P-1-R", "hazard_area": "P-1", "method": "cleared", "completed_on": "2022-03-01", "organisation": "NPA",
		"depth_cm": 30, "items_destroyed": map[string]int{"BLU-26": 2}})); res.status != http.StatusCreated {
		t.Fatalf("release P-1: %d %v", res.status, res.body)
	}
	area("P-0", 102.205, "cmr", "2023-06-01")

	// view reads the map's features of the areas, by local id: their residual property (nil when absent).
	const view = "/api/v1/map/hazard-areas?status=all&zoom=15&bbox=102.19,21.69,102.23,21.71"
	mapView := func(path string) map[string]any {
		t.Helper()
		var fc struct {
			Features []struct {
				Properties map[string]any `json:"properties"`
			} `json:"features"`
		}
		if err := json.Unmarshal([]byte(a.get(path)), &fc); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		out := map[string]any{}
		for _, f := range fc.Features {
			out[f.Properties["local_id"].(string)] = f.Properties["residual"]
		}
		return out
	}
	flags := func(m map[string]any) string {
		var s []string
		for _, id := range []string{"P-0", "P-1", "P-2", "P-3"} {
			if v, ok := m[id]; ok {
				s = append(s, fmt.Sprintf("%s:%v", id, v))
			}
		}
		return strings.Join(s, " ")
	}
	// Before any declaration nothing is residual; this read also fills the server's cache of the view's features.
	var got string
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("the map's last flags: %s", got)
		}
	})
	eventually(t, "P-0 and P-1 on the map", feedWithin, func() bool { got = flags(mapView(view)); return got == "P-0:<nil> P-1:<nil>" })

	if res := a.do("PUT", "/api/v1/completion/"+phongsali, dm, nil, map[string]any{"completed_on": "2022-06-01", "note": "11MSP"}); res.status != http.StatusOK {
		t.Fatalf("declare %s: %d %v", phongsali, res.status, res.body)
	}
	if p := props(a.do("GET", "/api/v1/hazard-areas/P-0", "", nil, nil)); p["residual"] != true {
		t.Fatalf("the record of P-0 after the declaration: residual %v", p["residual"])
	}
	took := eventually(t, "P-0 residual on the map after the declaration", feedWithin, func() bool {
		got = flags(mapView(view))
		return got == "P-0:true P-1:<nil>"
	})
	t.Logf("the map drew P-0 residual %v after the declaration was recorded", took.Round(time.Millisecond))

	// Found after the declaration: residual from its first drawing. Not CMR: never residual.
	area("P-2", 102.210, "cmr", "2023-07-01")
	area("P-3", 102.215, "other", "2023-07-01")
	eventually(t, "P-2 residual, P-3 not", feedWithin, func() bool {
		got = flags(mapView(view))
		return got == "P-0:true P-1:<nil> P-2:true P-3:<nil>"
	})
	// The same view at another zoom (encoded afresh) and a map of the past (from the database) agree.
	if g := flags(mapView(strings.Replace(view, "zoom=15", "zoom=11", 1))); g != got {
		t.Errorf("zoom 11: %s, want %s", g, got)
	}
	if g := flags(mapView(view + "&at=2024-01-01")); g != got {
		t.Errorf("at 2024-01-01: %s, want %s", g, got)
	}
}
