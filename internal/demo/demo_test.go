package demo_test

import (
	"encoding/json"
	"errors"
	"github.com/landrelease/landrelease/internal/geojson"
	"math"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"github.com/landrelease/landrelease/internal/demo"
	lr "github.com/landrelease/landrelease/internal/landrelease"
)

var today = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

var (
	unitsOnce sync.Once
	units     []*lr.AdminUnit
	unitsErr  error
)

// laos loads the 17 provinces of testdata/admin1-LA.geojson.
func laos(t testing.TB) []*lr.AdminUnit {
	t.Helper()
	unitsOnce.Do(func() {
		f, err := os.Open("../../testdata/admin1-LA.geojson")
		if err != nil {
			unitsErr = err
			return
		}
		defer f.Close()
		units, unitsErr = geojson.ReadAdminUnits(f, 1, geojson.AdminFields{Code: "adm1_code", Name: "name"})
	})
	if unitsErr != nil {
		t.Fatal(unitsErr)
	}
	return units
}

var (
	bigOnce sync.Once
	big     *demo.Data
	bigErr  error
)

const bigN = 2000

// bigData is one history of bigN hazard areas shared by the tests.
func bigData(t *testing.T) *demo.Data {
	t.Helper()
	u := laos(t)
	bigOnce.Do(func() { big, bigErr = demo.Generate(u, demo.Options{Hazards: bigN, Seed: 42, Today: today}) })
	if bigErr != nil {
		t.Fatal(bigErr)
	}
	// The tests that loop over this history check nothing when it is empty.
	if len(big.Hazards) != bigN || len(big.Releases) == 0 || len(big.Reclassifications) == 0 {
		t.Fatalf("%d hazard areas, %d releases, %d reclassifications; want %d and some of each", len(big.Hazards), len(big.Releases), len(big.Reclassifications), bigN)
	}
	return big
}

func TestReadUnits(t *testing.T) {
	u := laos(t)
	if len(u) != 17 {
		t.Fatalf("got %d units, want 17", len(u))
	}
	for _, x := range u {
		if x.Level != 1 || !strings.HasPrefix(x.Code, "LAO-") || x.Name == "" || len(x.Geometry) == 0 {
			t.Errorf("unit %+v", x)
		}
	}
}

func TestProvinceWeight(t *testing.T) {
	tests := []struct {
		name, nameEN string
		heavy        bool
	}{
		{"Xiangkhoang", "Xiangkhouang", true},
		{"XIANGKHOANG", "", true},
		{"Xékong", "", true},
		{"", "Sekong", true},
		{"Saravan", "Salavan", true},
		{"Savannakhét", "", true},
		{"Houaphan", "", true},
		{"Attapu", "", true},
		{"Champasak", "", true},
		{"Khammouan", "", true},
		{"Vientiane [prefecture]", "Vientiane Prefecture", false},
		{"Phôngsali", "Phongsaly", false},
		{"Nowhere", "", false},
	}
	for _, tt := range tests {
		u := &lr.AdminUnit{Name: tt.name, Properties: map[string]any{"name_en": tt.nameEN}}
		w := demo.ProvinceWeight(u)
		if tt.heavy != (w >= 5) || w < 1 {
			t.Errorf("ProvinceWeight(%q, %q) = %v, heavy %v", tt.name, tt.nameEN, w, tt.heavy)
		}
	}
	if w := demo.ProvinceWeight(&lr.AdminUnit{Name: "Elsewhere"}); w != 1 {
		t.Errorf("unknown unit weight %v, want 1", w)
	}
}

func TestDeterminism(t *testing.T) {
	u := laos(t)
	tests := []struct {
		name   string
		a, b   demo.Options
		wantEq bool
	}{
		{"same seed", demo.Options{Hazards: 300, Seed: 7, Today: today}, demo.Options{Hazards: 300, Seed: 7, Today: today}, true},
		{"same seed many releases", demo.Options{Hazards: 200, Seed: 9, MeanReleases: 6, Today: today},
			demo.Options{Hazards: 200, Seed: 9, MeanReleases: 6, Today: today}, true},
		{"other seed", demo.Options{Hazards: 300, Seed: 7, Today: today}, demo.Options{Hazards: 300, Seed: 8, Today: today}, false},
		{"other today", demo.Options{Hazards: 300, Seed: 7, Today: today}, demo.Options{Hazards: 300, Seed: 7, Today: today.AddDate(-1, 0, 0)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := demo.Generate(u, tt.a)
			if err != nil {
				t.Fatal(err)
			}
			b, err := demo.Generate(u, tt.b)
			if err != nil {
				t.Fatal(err)
			}
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if eq := reflect.DeepEqual(a, b); eq != tt.wantEq {
				t.Errorf("DeepEqual = %v, want %v", eq, tt.wantEq)
			}
			if eq := string(ja) == string(jb); eq != tt.wantEq {
				t.Errorf("same JSON = %v, want %v", eq, tt.wantEq)
			}
		})
	}
}

func TestOptionsErrors(t *testing.T) {
	u := laos(t)
	tests := []struct {
		name  string
		units []*lr.AdminUnit
		opt   demo.Options
	}{
		{"negative hazards", u, demo.Options{Hazards: -1, Today: today}},
		{"negative mean", u, demo.Options{Hazards: 1, MeanReleases: -1, Today: today}},
		{"years reversed", u, demo.Options{Hazards: 1, From: 2024, To: 2020, Today: today}},
		{"today before from", u, demo.Options{Hazards: 1, From: 2024, To: 2025, Today: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{"no units", nil, demo.Options{Hazards: 1, Today: today}},
		{"no geometry", []*lr.AdminUnit{{Level: 1, Code: "X"}}, demo.Options{Hazards: 1, Today: today}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := demo.Generate(tt.units, tt.opt); err == nil {
				t.Error("no error")
			}
		})
	}
	d, err := demo.Generate(u, demo.Options{Today: today})
	if err != nil || len(d.Hazards) != 0 || len(d.Releases) != 0 {
		t.Errorf("zero hazards: %v, %+v", err, d)
	}
}

var (
	hazardID  = regexp.MustCompile(`^LA-[A-Z]{2}-(\d{4})-(\d{6})$`)
	releaseID = regexp.MustCompile(`^(.+)-R(\d+)$`)
)

func TestHazards(t *testing.T) {
	d := bigData(t)
	if len(d.Hazards) != bigN {
		t.Fatalf("got %d hazards", len(d.Hazards))
	}
	seen := map[string]bool{}
	var cha, cmr, mixed int
	years := map[int]int{}
	for i, h := range d.Hazards {
		if err := h.Validate(today); err != nil {
			t.Errorf("%s: %v", h.LocalID, err)
		}
		m := hazardID.FindStringSubmatch(h.LocalID)
		if m == nil || m[1] != h.IdentifiedOn.Format("2006") {
			t.Errorf("local ID %q, identified %s", h.LocalID, h.IdentifiedOn)
		}
		if seen[h.LocalID] {
			t.Errorf("duplicate %s", h.LocalID)
		}
		seen[h.LocalID] = true
		if i > 0 && h.IdentifiedOn.Before(d.Hazards[i-1].IdentifiedOn) {
			t.Errorf("%s identified before its predecessor", h.LocalID)
		}
		if h.IdentifiedOn.After(today) || h.IdentifiedOn.Year() < 2018 || h.IdentifiedOn != lr.Day(h.IdentifiedOn) {
			t.Errorf("%s identified on %s", h.LocalID, h.IdentifiedOn)
		}
		if h.Status != lr.StatusOpen || h.Version != 0 || !h.ValidFrom.IsZero() || h.Priority == "" || h.LandUse == "" {
			t.Errorf("%s: %+v", h.LocalID, h)
		}
		switch h.Kind {
		case lr.KindCHA:
			cha++
			if h.Evidence.Type != lr.EvidenceDirect {
				t.Errorf("%s: CHA on %s evidence", h.LocalID, h.Evidence.Type)
			}
		case lr.KindSHA:
			if h.Evidence.Type != lr.EvidenceIndirect {
				t.Errorf("%s: SHA on %s evidence", h.LocalID, h.Evidence.Type)
			}
		}
		switch h.Contamination {
		case lr.ContaminationCMR:
			cmr++
		case lr.ContaminationMixed:
			mixed++
		}
		years[h.IdentifiedOn.Year()]++
	}
	within(t, "CHA share", float64(cha)/bigN, 0.30, 0.40)
	within(t, "CMR share", float64(cmr)/bigN, 0.81, 0.89)
	within(t, "mixed share", float64(mixed)/bigN, 0.07, 0.13)
	if years[2018] <= years[2024] {
		t.Errorf("identifications by year %v: want more in early years", years)
	}
}

func within(t *testing.T, what string, v, lo, hi float64) {
	t.Helper()
	if v < lo || v > hi {
		t.Errorf("%s = %.3f, want in [%.2f, %.2f]", what, v, lo, hi)
	}
}

func TestHazardGeometry(t *testing.T) {
	d := bigData(t)
	u := laos(t)
	byISO := map[string][]*lr.AdminUnit{}
	for _, x := range u {
		iso := x.Properties["iso_3166_2"].(string)
		byISO[iso] = append(byISO[iso], x)
	}
	for _, h := range d.Hazards {
		if len(h.Geometry) != 1 || len(h.Geometry[0]) != 1 {
			t.Fatalf("%s: want one polygon of one ring", h.LocalID)
		}
		ring := h.Geometry[0][0]
		n := len(ring) - 1
		if n < demo.MinVertices || n > demo.MaxVertices {
			t.Errorf("%s: %d vertices", h.LocalID, n)
		}
		if ring[0] != ring[n] {
			t.Errorf("%s: ring not closed", h.LocalID)
		}
		for i, p := range ring {
			if i > 0 && p == ring[i-1] {
				t.Errorf("%s: repeated vertex %d", h.LocalID, i)
			}
			for _, v := range p {
				if math.Abs(v*1e7-math.Round(v*1e7)) > 1e-6 {
					t.Errorf("%s: %v not rounded to 7 decimals", h.LocalID, v)
				}
			}
		}
		if signedArea(ring) <= 0 {
			t.Errorf("%s: ring not counterclockwise", h.LocalID)
		}
		if i, j, ok := selfIntersection(ring); ok {
			t.Errorf("%s: edges %d and %d cross", h.LocalID, i, j)
		}
		// Every vertex inside one province of the ID's prefix.
		iso := h.LocalID[:5]
		in := false
		for _, x := range byISO[iso] {
			all := true
			for _, p := range ring {
				if !planar.MultiPolygonContains(x.Geometry, p) {
					all = false
					break
				}
			}
			in = in || all
		}
		if !in {
			t.Errorf("%s: not inside %s", h.LocalID, iso)
		}
		// Size, on the local projection.
		ha := localArea(ring) / 1e4
		lo, hi := 5.0, 80.0
		if h.Kind == lr.KindCHA {
			lo, hi = 0.5, 12
		}
		if ha < lo*0.98 || ha > hi*1.02 {
			t.Errorf("%s: %s of %.2f ha", h.LocalID, h.Kind, ha)
		}
	}
}

func signedArea(r orb.Ring) float64 {
	a := 0.0
	for i := 1; i < len(r); i++ {
		a += r[i-1][0]*r[i][1] - r[i][0]*r[i-1][1]
	}
	return a / 2
}

// localArea is the area in m2 on the local equirectangular projection.
func localArea(r orb.Ring) float64 {
	kx := 6371008.8 * math.Pi / 180 * math.Cos(r[0][1]*math.Pi/180)
	ky := 6371008.8 * math.Pi / 180
	return math.Abs(signedArea(r)) * kx * ky
}

// selfIntersection finds two non-adjacent edges of a closed ring that meet.
func selfIntersection(r orb.Ring) (int, int, bool) {
	n := len(r) - 1
	for i := range n {
		for j := i + 2; j < n; j++ {
			if i == 0 && j == n-1 {
				continue
			}
			if segmentsMeet(r[i], r[i+1], r[j], r[j+1]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}

func cross(o, a, b orb.Point) float64 {
	return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0])
}

func segmentsMeet(a, b, c, d orb.Point) bool {
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if (d1 > 0) != (d2 > 0) && (d3 > 0) != (d4 > 0) && d1 != 0 && d2 != 0 && d3 != 0 && d4 != 0 {
		return true
	}
	on := func(p, q, x orb.Point, c float64) bool {
		return c == 0 && min(p[0], q[0]) <= x[0] && x[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= x[1] && x[1] <= max(p[1], q[1])
	}
	return on(c, d, a, d1) || on(c, d, b, d2) || on(a, b, c, d3) || on(a, b, d, d4)
}

func TestHazardsDisjoint(t *testing.T) {
	d := bigData(t)
	hs := append([]*lr.HazardArea(nil), d.Hazards...)
	bounds := make(map[*lr.HazardArea]orb.Bound, len(hs))
	for _, h := range hs {
		bounds[h] = h.Geometry.Bound()
	}
	sort.Slice(hs, func(i, j int) bool { return bounds[hs[i]].Min[0] < bounds[hs[j]].Min[0] })
	pairs := 0
	for i, a := range hs {
		ba := bounds[a]
		for _, b := range hs[i+1:] {
			bb := bounds[b]
			if bb.Min[0] > ba.Max[0] {
				break
			}
			if !ba.Intersects(bb) {
				continue
			}
			pairs++
			ra, rb := a.Geometry[0][0], b.Geometry[0][0]
			if planar.RingContains(ra, rb[0]) || planar.RingContains(rb, ra[0]) {
				t.Errorf("%s and %s overlap", a.LocalID, b.LocalID)
				continue
			}
			for x := 1; x < len(ra); x++ {
				for y := 1; y < len(rb); y++ {
					if segmentsMeet(ra[x-1], ra[x], rb[y-1], rb[y]) {
						t.Fatalf("%s and %s cross", a.LocalID, b.LocalID)
					}
				}
			}
		}
	}
	t.Logf("%d pairs with touching bounds checked", pairs)
}

// sectorEdges returns the hazard ring edges (by index of their first vertex) a release covers, and its apex.
func sectorEdges(t *testing.T, h *lr.HazardArea, r *lr.LandRelease) ([]int, orb.Point, bool) {
	t.Helper()
	ring := h.Geometry[0][0]
	n := len(ring) - 1
	idx := make(map[orb.Point]int, n)
	for i, p := range ring[:n] {
		idx[p] = i
	}
	if len(r.Geometry) != 1 || len(r.Geometry[0]) != 1 {
		t.Fatalf("%s: want one polygon of one ring", r.LocalID)
	}
	rr := r.Geometry[0][0]
	if rr[0] != rr[len(rr)-1] || len(rr) < 4 {
		t.Fatalf("%s: ring not closed or too short", r.LocalID)
	}
	var apex orb.Point
	hasApex := false
	var seq []int
	for _, p := range rr[:len(rr)-1] {
		if i, ok := idx[p]; ok {
			seq = append(seq, i)
		} else if hasApex && p != apex {
			t.Fatalf("%s: vertex %v is neither on %s nor its centre", r.LocalID, p, h.LocalID)
		} else {
			apex, hasApex = p, true
		}
	}
	if !hasApex { // the whole hazard
		if len(seq) != n {
			t.Fatalf("%s: a release without apex must be the whole hazard", r.LocalID)
		}
		edges := make([]int, n)
		for i := range n {
			edges[i] = i
		}
		return edges, apex, false
	}
	if rr[0] != apex {
		t.Fatalf("%s: sector does not start at the centre", r.LocalID)
	}
	var edges []int
	for k := 1; k < len(seq); k++ {
		if seq[k] != (seq[k-1]+1)%n {
			t.Fatalf("%s: vertices %d, %d of %s not consecutive", r.LocalID, seq[k-1], seq[k], h.LocalID)
		}
		edges = append(edges, seq[k-1])
	}
	if len(edges) == 0 {
		t.Fatalf("%s: empty sector", r.LocalID)
	}
	return edges, apex, true
}

func TestReleases(t *testing.T) {
	d := bigData(t)
	byHazard := map[string][]*lr.LandRelease{}
	for i, r := range d.Releases {
		if err := r.Validate(today); err != nil {
			t.Errorf("%s: %v", r.LocalID, err)
		}
		if i > 0 && r.CompletedOn.Before(d.Releases[i-1].CompletedOn) {
			t.Errorf("%s: releases not in completion order", r.LocalID)
		}
		byHazard[r.HazardArea] = append(byHazard[r.HazardArea], r)
	}
	rcs := map[string]demo.Reclassification{}
	for i, rc := range d.Reclassifications {
		if i > 0 && rc.On.Before(d.Reclassifications[i-1].On) {
			t.Errorf("%s: reclassifications not in date order", rc.LocalID)
		}
		rcs[rc.LocalID] = rc
	}
	var full, sha, released int
	methods := map[lr.Method]int{}
	for _, h := range d.Hazards {
		if h.Kind == lr.KindSHA {
			sha++
		}
		rc, reclassified := rcs[h.LocalID]
		if reclassified {
			if h.Kind != lr.KindSHA || rc.Evidence.Type != lr.EvidenceDirect || len(rc.Devices) == 0 ||
				!rc.On.After(h.IdentifiedOn) || rc.On.After(today) || rc.On != lr.Day(rc.On) {
				t.Errorf("%s: bad reclassification %+v", h.LocalID, rc)
			}
		}
		rs := byHazard[h.LocalID]
		if len(rs) > demo.MaxReleases {
			t.Errorf("%s: %d releases", h.LocalID, len(rs))
		}
		sort.SliceStable(rs, func(i, j int) bool { return releaseNo(t, rs[i]) < releaseNo(t, rs[j]) })
		used := map[int]string{}
		var apex orb.Point
		for k, r := range rs {
			if n := releaseNo(t, r); n != k+1 || !strings.HasPrefix(r.LocalID, h.LocalID+"-R") {
				t.Errorf("%s: release %d of %s", r.LocalID, k+1, h.LocalID)
			}
			if !r.CompletedOn.After(h.IdentifiedOn) || r.CompletedOn.After(today) || r.CompletedOn != lr.Day(r.CompletedOn) ||
				r.CompletedOn.Year() > 2025 {
				t.Errorf("%s completed on %s, hazard identified on %s", r.LocalID, r.CompletedOn, h.IdentifiedOn)
			}
			if k > 0 && r.CompletedOn.Before(rs[k-1].CompletedOn) {
				t.Errorf("%s completed before R%d", r.LocalID, k)
			}
			methods[r.Method]++
			switch r.Method {
			case lr.MethodCleared:
				if r.DepthCM == nil || *r.DepthCM <= 0 || r.Criteria != "" {
					t.Errorf("%s: cleared without depth or with criteria", r.LocalID)
				}
				if h.Kind == lr.KindSHA && (!reclassified || !r.CompletedOn.After(rc.On)) {
					t.Errorf("%s: SHA %s cleared before reclassification", r.LocalID, h.LocalID)
				}
			default:
				if r.DepthCM != nil || r.Criteria == "" {
					t.Errorf("%s: %s with depth or without criteria", r.LocalID, r.Method)
				}
				if r.Method == lr.MethodCancelled && (h.Kind == lr.KindCHA || reclassified && r.CompletedOn.After(rc.On)) {
					t.Errorf("%s: a confirmed area cancelled", r.LocalID)
				}
			}
			for dev, c := range r.ItemsDestroyed {
				if c <= 0 || dev == "" {
					t.Errorf("%s: %d items of %q", r.LocalID, c, dev)
				}
			}
			edges, a, hasApex := sectorEdges(t, h, r)
			if hasApex {
				if k > 0 && a != apex && apex != (orb.Point{}) {
					t.Errorf("%s: apex %v, earlier %v", r.LocalID, a, apex)
				}
				apex = a
				if !planar.RingContains(h.Geometry[0][0], a) {
					t.Errorf("%s: apex outside %s", r.LocalID, h.LocalID)
				}
			}
			for _, e := range edges {
				if o, ok := used[e]; ok {
					t.Errorf("%s and %s overlap on edge %d", r.LocalID, o, e)
				}
				used[e] = r.LocalID
			}
		}
		if len(rs) > 0 {
			released++
		}
		if len(used) == len(h.Geometry[0][0])-1 {
			full++
		}
		if apex != (orb.Point{}) {
			checkRadii(t, h, apex)
		}
	}
	t.Logf("%d releases, %v, %d of %d hazards released, %d fully, %d reclassified", len(d.Releases), methods, released, bigN, full, len(rcs))
	within(t, "fully released share", float64(full)/bigN, 0.11, 0.19)
	within(t, "released share", float64(released)/bigN, 0.65, 0.90)
	within(t, "reclassified SHA share", float64(len(rcs))/float64(sha), 0.05, 0.11)
	within(t, "releases per hazard", float64(len(d.Releases))/bigN, 1.3, 1.9)
	if methods[lr.MethodCancelled] == 0 || methods[lr.MethodReduced] == 0 || methods[lr.MethodCleared] == 0 {
		t.Errorf("methods %v", methods)
	}
}

// checkRadii checks the hazard is star-shaped around c with angles increasing and min radius >= 0.4 mean.
func checkRadii(t *testing.T, h *lr.HazardArea, c orb.Point) {
	t.Helper()
	ring := h.Geometry[0][0]
	kx := math.Cos(c[1] * math.Pi / 180)
	var sum, lo float64
	lo = math.Inf(1)
	prev, turned := -math.Inf(1), 0.0
	for i, p := range ring[:len(ring)-1] {
		dx, dy := (p[0]-c[0])*kx, p[1]-c[1]
		r := math.Hypot(dx, dy)
		sum += r
		lo = min(lo, r)
		a := math.Atan2(dy, dx)
		if i > 0 {
			step := a - prev
			for step <= 0 {
				step += 2 * math.Pi
			}
			turned += step
		}
		prev = a
	}
	if mean := sum / float64(len(ring)-1); lo < 0.4*mean {
		t.Errorf("%s: min radius %.3g < 0.4 * mean %.3g", h.LocalID, lo, mean)
	}
	if turned >= 2*math.Pi {
		t.Errorf("%s: angles around the centre turn %.3f rad, not strictly increasing within one turn", h.LocalID, turned)
	}
}

func releaseNo(t *testing.T, r *lr.LandRelease) int {
	m := releaseID.FindStringSubmatch(r.LocalID)
	if m == nil || m[1] != r.HazardArea {
		t.Fatalf("release ID %q of %q", r.LocalID, r.HazardArea)
	}
	n := 0
	for _, c := range m[2] {
		n = n*10 + int(c-'0')
	}
	return n
}

func TestStreamSameAsGenerate(t *testing.T) {
	u := laos(t)
	tests := []demo.Options{
		{Hazards: 400, Seed: 3, Today: today},
		{Hazards: 150, Seed: 4, MeanReleases: 10, Today: today},
		{Hazards: 200, Seed: 5, From: 2019, To: 2021, Today: today},
	}
	for _, opt := range tests {
		d, err := demo.Generate(u, opt)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Hazards) != opt.Hazards || len(d.Releases) == 0 {
			t.Fatalf("%+v: %d hazard areas and %d releases generated, want %d and some", opt, len(d.Hazards), len(d.Releases), opt.Hazards)
		}
		var hs []*lr.HazardArea
		var rs []*lr.LandRelease
		var rcs []demo.Reclassification
		err = demo.Stream(u, opt, func(h *lr.HazardArea, r []*lr.LandRelease, rc *demo.Reclassification) error {
			hs = append(hs, h)
			rs = append(rs, r...)
			if rc != nil {
				rcs = append(rcs, *rc)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sort.SliceStable(rs, func(i, j int) bool { return rs[i].CompletedOn.Before(rs[j].CompletedOn) })
		sort.SliceStable(rcs, func(i, j int) bool { return rcs[i].On.Before(rcs[j].On) })
		if !reflect.DeepEqual(hs, d.Hazards) || !reflect.DeepEqual(rs, d.Releases) || !reflect.DeepEqual(rcs, d.Reclassifications) {
			t.Errorf("%+v: Stream differs from Generate", opt)
		}
		// Dates stay within the years.
		for _, r := range d.Releases {
			if y := r.CompletedOn.Year(); y < opt.From && opt.From != 0 || opt.To != 0 && y > opt.To {
				t.Errorf("%s completed in %d", r.LocalID, y)
			}
		}
	}
}

func TestStreamStops(t *testing.T) {
	stop := errors.New("stop")
	calls := 0
	err := demo.Stream(laos(t), demo.Options{Hazards: 50, Seed: 1, Today: today}, func(*lr.HazardArea, []*lr.LandRelease, *demo.Reclassification) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || calls != 3 {
		t.Errorf("err %v after %d calls", err, calls)
	}
}

func TestTodayEarly(t *testing.T) {
	early := time.Date(2019, 3, 15, 0, 0, 0, 0, time.UTC)
	d, err := demo.Generate(laos(t), demo.Options{Hazards: 300, Seed: 11, MeanReleases: 3, Today: early.Add(15 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Hazards) != 300 || len(d.Releases) == 0 || len(d.Reclassifications) == 0 {
		t.Fatalf("%d hazard areas, %d releases, %d reclassifications; want 300 and some of each", len(d.Hazards), len(d.Releases), len(d.Reclassifications))
	}
	for _, h := range d.Hazards {
		if h.IdentifiedOn.After(early) || h.Validate(early) != nil {
			t.Errorf("%s identified on %s", h.LocalID, h.IdentifiedOn)
		}
	}
	for _, r := range d.Releases {
		if r.CompletedOn.After(early) || r.Validate(early) != nil {
			t.Errorf("%s completed on %s", r.LocalID, r.CompletedOn)
		}
	}
	for _, rc := range d.Reclassifications {
		if rc.On.After(early) {
			t.Errorf("%s reclassified on %s", rc.LocalID, rc.On)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	u := laos(b)
	b.ReportAllocs()
	for b.Loop() {
		d, err := demo.Generate(u, demo.Options{Hazards: 10000, Seed: 1, MeanReleases: 10, Today: today})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(d.Releases)), "releases/op")
	}
}
