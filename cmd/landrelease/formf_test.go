package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestFormFEqualsRegistryReads records same-day histories through the API, as field teams and data managers do,
// and checks every year's Form F (CSV) against what a client reads back: the closing SHA and CHA counts and
// areas of each province against GET /api/v1/hazard-areas?at=YEAR-12-31&status=open (CMR areas, summing
// remaining_area_m2), and the cancelled, reduced and cleared areas and items against the releases of the year.
func TestFormFEqualsRegistryReads(t *testing.T) {
	a := start(t)
	a.cli("admin", "import", "../../testdata/admin1-LA.geojson", "--level", "1", "--code-field", "adm1_code", "--name-field", "name")
	dm := strings.TrimSpace(a.cli("token", "create", "--user", "manager", "--role", "data_manager"))

	type rel struct {
		year   int
		method string
		unit   string
		m2     float64
		items  int
	}
	var releases []rel
	units := map[string]string{} // hazard local id -> admin1 code
	hazard := func(id, kind, identified string, w, s, e, n float64) {
		t.Helper()
		ev, cat := "indirect", "former_combat_zone"
		if kind == "CHA" {
			ev, cat = "direct", "items_seen"
		}
		res := a.do("POST", "/api/v1/hazard-areas", dm, nil, feat(rect(w, s, e, n), map[string]any{
			"local_id": id, "kind": kind, "contamination": "cmr", "evidence": ev, "evidence_category": cat,
			"devices": []string{"BLU-26"}, "marking": "marked", "priority": "high", "land_use": "agriculture",
			"identified_on": identified, "organisation": "UXO Lao"}))
		if res.status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", id, res.status, res.body)
		}
		units[id] = props(res)["admin1_code"].(string)
	}
	// change PUTs the current record of id with the fields of p, from changedOn.
	change := func(id, changedOn string, p map[string]any, geom map[string]any) {
		t.Helper()
		cur := a.do("GET", "/api/v1/hazard-areas/"+id, "", nil, nil)
		q := props(cur)
		for k, v := range p {
			q[k] = v
		}
		q["changed_on"] = changedOn
		if geom == nil {
			geom = cur.body["geometry"].(map[string]any)
		}
		res := a.do("PUT", "/api/v1/hazard-areas/"+id, dm, map[string]string{"If-Match": cur.header.Get("ETag")}, feat(geom, q))
		if res.status != http.StatusOK {
			t.Fatalf("change %s on %s: %d %v", id, changedOn, res.status, res.body)
		}
	}
	release := func(id, hazard, method, completed string, items int, w, s, e, n float64) {
		t.Helper()
		p := map[string]any{"local_id": id, "hazard_area": hazard, "method": method, "completed_on": completed, "organisation": "NPA"}
		if method == "cleared" {
			p["depth_cm"] = 30
			p["items_destroyed"] = map[string]int{"BLU-26": items}
		} else {
			p["criteria"] = "no evidence found"
		}
		res := a.do("POST", "/api/v1/land-releases", dm, nil, feat(rect(w, s, e, n), p))
		if res.status != http.StatusCreated {
			t.Fatalf("release %s: %d %v", id, res.status, res.body)
		}
		year, _ := strconv.Atoi(completed[:4])
		releases = append(releases, rel{year, method, units[hazard], props(res)["area_m2"].(float64), items})
	}
	const d = 0.002 // about 210 m at these latitudes

	// Xiangkhoang. A: an SHA recorded on 21 December 2022 with a fifth cancelled on the same visit.
	hazard("A", "SHA", "2022-12-21", 103.20, 19.45, 103.20+d, 19.45+d)
	release("A-R1", "A", "cancelled", "2022-12-21", 0, 103.20, 19.45, 103.20+d/5, 19.45+d)
	// B: technical survey finds direct evidence on 1 June 2022, reclassifies it and reduces 30 % that day.
	hazard("B", "SHA", "2021-05-01", 103.21, 19.45, 103.21+d, 19.45+d)
	change("B", "2022-06-01", map[string]any{"kind": "CHA", "evidence": "direct", "evidence_category": "items_seen"}, nil)
	release("B-R1", "B", "reduced", "2022-06-01", 0, 103.21, 19.45, 103.21+0.3*d, 19.45+d)
	// Houaphan. C: a spot task identifies a CHA on 3 March 2023 and clears it in full the same day: it closes.
	hazard("C", "CHA", "2023-03-03", 104.00, 20.40, 104.00+d/2, 20.40+d/2)
	release("C-R1", "C", "cleared", "2023-03-03", 4, 104.00, 20.40, 104.00+d/2, 20.40+d/2)
	// D: 40 % cleared on 8 August 2022, and a data manager closes it from that day.
	hazard("D", "SHA", "2022-02-02", 104.01, 20.40, 104.01+d, 20.40+d)
	release("D-R1", "D", "cleared", "2022-08-08", 2, 104.01, 20.40, 104.01+0.4*d, 20.40+d)
	change("D", "2022-08-08", map[string]any{"status": "closed"}, nil)
	// Champasak. E: the boundary is redrawn eastwards on 4 April 2024 and half the new area cancelled that day.
	hazard("E", "SHA", "2021-01-01", 105.80, 15.10, 105.80+d, 15.10+d)
	change("E", "2024-04-04", nil, rect(105.80, 15.10, 105.80+1.5*d, 15.10+d))
	release("E-R1", "E", "cancelled", "2024-04-04", 0, 105.80, 15.10, 105.80+0.75*d, 15.10+d)
	// F: cleared in full in 2022 (closed), reopened on 7 July 2023 after items were found, 30 % cleared that day.
	hazard("F", "CHA", "2022-01-01", 105.81, 15.10, 105.81+d, 15.10+d)
	release("F-R1", "F", "cleared", "2022-05-05", 5, 105.81, 15.10, 105.81+d, 15.10+d)
	change("F", "2023-07-07", map[string]any{"status": "open"}, nil)
	release("F-R2", "F", "cleared", "2023-07-07", 1, 105.81, 15.10, 105.81+0.3*d, 15.10+d)

	for year := 2021; year <= 2024; year++ {
		rows, err := csv.NewReader(strings.NewReader(a.get(fmt.Sprintf("/api/v1/reports/article7?year=%d&level=1&format=csv", year)))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		col := map[string]int{}
		for i, h := range rows[0] {
			col[h] = i
		}
		report := map[string]map[string]float64{}
		for _, r := range rows[1:] {
			if r[0] == "TOTAL" {
				continue
			}
			report[r[0]] = map[string]float64{}
			for _, k := range []string{"sha_count", "sha_area_m2", "cha_count", "cha_area_m2", "cancelled_area_m2", "reduced_area_m2", "cleared_area_m2", "submunitions_destroyed", "balance_diff_m2"} {
				report[r[0]][k], _ = strconv.ParseFloat(r[col[k]], 64)
			}
		}

		want := map[string]map[string]float64{}
		unit := func(code string) map[string]float64 {
			if want[code] == nil {
				want[code] = map[string]float64{}
			}
			return want[code]
		}
		read := a.do("GET", fmt.Sprintf("/api/v1/hazard-areas?at=%d-12-31&status=open&limit=10000", year), "", nil, nil)
		open, _ := read.body["features"].([]any)
		for _, f := range open {
			p := f.(map[string]any)["properties"].(map[string]any)
			if p["contamination"] == "other" {
				continue
			}
			k := strings.ToLower(p["kind"].(string))
			unit(p["admin1_code"].(string))[k+"_count"]++
			unit(p["admin1_code"].(string))[k+"_area_m2"] += p["remaining_area_m2"].(float64)
		}
		for _, r := range releases {
			if r.year == year {
				unit(r.unit)[r.method+"_area_m2"] += r.m2
				unit(r.unit)["submunitions_destroyed"] += float64(r.items)
			}
		}
		// Every year has open areas (B and E from 2021): each comparison below has something to compare.
		if len(want) == 0 || len(report) == 0 {
			t.Fatalf("%d: %d units in the registry's reads, %d in Form F: nothing to compare", year, len(want), len(report))
		}
		for code, w := range want {
			for k, v := range w {
				if got := report[code][k]; math.Abs(got-v) > 1 {
					t.Errorf("%d %s: Form F %s = %.0f, the registry's reads give %.1f", year, code, k, got, v)
				}
			}
		}
		for code, r := range report {
			for k, v := range r {
				if k != "balance_diff_m2" && v != 0 && want[code][k] == 0 {
					t.Errorf("%d %s: Form F %s = %.0f, the registry's reads give none", year, code, k, v)
				}
			}
		}
	}
	if t.Failed() {
		return
	}
	// Every year above had something to compare: each same-day release counted in its year.
	if len(releases) != 7 {
		t.Fatalf("%d releases recorded, want the 7 above", len(releases))
	}
	for _, r := range releases {
		if r.m2 <= 0 {
			t.Errorf("release of %d in %s has no area", r.year, r.unit)
		}
	}
}
