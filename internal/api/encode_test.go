package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spatial"
)

// referencePage is the page writeList wrote before the cache of encoded features, encoded as geoJSON encodes it:
// the fast path must give these bytes.
func referencePage(t testing.TB, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) []byte {
	t.Helper()
	out := geojson.Collection[geojson.HazardProperties]{Type: "FeatureCollection", Features: make([]geojson.Feature[geojson.HazardProperties], 0, len(hs)),
		NumberReturned: len(hs), TimeStamp: timeStamp}
	for _, h := range hs {
		ft := geojson.Hazard(h, rem)
		if d, ok := dist[h.ID]; ok {
			d = float64(int64(d*100+0.5)) / 100
			ft.Properties.DistanceM = &d
		}
		out.Features = append(out.Features, ft)
	}
	out.Links = links
	var buf bytes.Buffer
	if err := jsonEncoder(&buf).Encode(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// samePage fails unless got and want are the same bytes and the same JSON value.
func samePage(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: fast path wrote invalid JSON: %v\n%s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: reference is invalid JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: JSON values differ\n got %s\nwant %s", what, got, want)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: same value, different bytes\n got %s\nwant %s", what, got, want)
	}
}

// square returns a closed square ring of side d (degrees) at (x, y), with n extra vertices along its first side.
func square(x, y, d float64, n int) orb.Ring {
	r := orb.Ring{{x, y}}
	for i := 1; i <= n; i++ {
		r = append(r, orb.Point{x + d*float64(i)/float64(n+1), y})
	}
	return append(r, orb.Point{x + d, y}, orb.Point{x + d, y + d}, orb.Point{x, y + d}, orb.Point{x, y})
}

var oddText = []string{"", "plain", `quote " and \ backslash`, "<b>fish & chips</b>", "ນ້ຳ ລາວ", "tab\tnew\nline\r\x01\x1f",
	"line\u2028sep\u2029", "invalid \xff utf-8", "emoji 🦺", "'apostrophe'"}

// handMade returns n hazard areas covering every shape of the output: one- and two-part geometries, an empty
// remaining polygon, admin references present or not, releases_since, devices, odd strings and numbers.
func handMade(n int, seed uint64) []*landrelease.HazardArea {
	r := rand.New(rand.NewPCG(seed, 7))
	day := func(i int) time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i) }
	areas := []float64{0, 0.004, 0.005, 1, 1234.5678, 1e-7, 1e21, 123456789.987654321, math.Pi * 1e6}
	hs := make([]*landrelease.HazardArea, n)
	for i := range hs {
		x, y := 100+r.Float64()*7, 14+r.Float64()*8
		d := 0.001 + r.Float64()*0.01
		geom := orb.MultiPolygon{{square(x, y, d, r.IntN(5))}}
		if i%3 == 1 {
			geom = append(geom, orb.Polygon{square(x+2*d, y, d/2, 0), square(x+2.1*d, y+0.1*d, d/10, 0)})
		}
		rem := geom
		switch i % 4 {
		case 1:
			rem = orb.MultiPolygon{{square(x, y, d/2, 1)}}
		case 2:
			rem = nil
		}
		h := &landrelease.HazardArea{
			LocalID: fmt.Sprintf("LA-XK-2024-%04d", i), Kind: []landrelease.Kind{landrelease.KindSHA, landrelease.KindCHA}[i%2],
			Contamination: landrelease.ContaminationCMR, Evidence: landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: oddText[i%len(oddText)]},
			Marking: landrelease.MarkingFenced, Priority: landrelease.PriorityHigh, LandUse: landrelease.LandUseAgriculture,
			IdentifiedOn: day(i), Organisation: oddText[(i+3)%len(oddText)], Status: landrelease.StatusOpen,
			Notes: oddText[(i+5)%len(oddText)], Geometry: geom, ID: int64(i + 1), Version: 1 + i%5, ValidFrom: day(i + 10),
			RecordedAt: time.Date(2024, 5, 6, 7, 8, 9, i*1000, time.FixedZone("ICT", 7*3600)), RecordedBy: oddText[(i+7)%len(oddText)],
			Reason: oddText[(i+1)%len(oddText)], AreaM2: areas[i%len(areas)], RemainingAreaM2: areas[(i+4)%len(areas)], Remaining: rem,
		}
		if i%5 != 0 {
			h.Devices = []string{"BLU-26", oddText[i%len(oddText)]}
		}
		if i%6 == 0 {
			h.Devices = []string{}
		}
		if i%2 == 0 {
			h.Admin1 = &landrelease.AdminRef{Code: "LA-XK", Name: "Xiangkhouang"}
		}
		if i%3 == 0 {
			h.Admin2 = &landrelease.AdminRef{Code: "LA-XK-01", Name: oddText[i%len(oddText)]}
		}
		if i%7 == 3 {
			s := day(i + 100)
			h.ReleasesSince = &s
		}
		if i%9 == 4 {
			h.Withdrawn, h.StatusReason, h.Status = true, "released", landrelease.StatusClosed
		}
		hs[i] = h
	}
	return hs
}

var testLinks = [][]geojson.Link{
	{{Href: "/api/v1/hazard-areas?point=102.1,19.2", Rel: "self", Type: mediaGeoJSON}},
	{{Href: "/api/v1/hazard-areas?bbox=1,2,3,4&limit=2&kind=SHA", Rel: "self", Type: mediaGeoJSON},
		{Href: "/api/v1/hazard-areas?after=7&bbox=1%2C2%2C3%2C4&kind=SHA&limit=2", Rel: "next", Type: mediaGeoJSON}},
	{{Href: `/api/v1/hazard-areas?near=1,2&admin="<x>"&q=ນ້ຳ` + "\u2028\x7f", Rel: "self", Type: mediaGeoJSON}, {Href: "/x", Rel: "alternate"}},
	nil,
}

// TestAppendCollectionMatchesEncoder compares the fast path with the reference encoding for many pages: point
// and bbox pages (no distance) and near pages (a distance per feature), full and remaining geometries.
func TestAppendCollectionMatchesEncoder(t *testing.T) {
	hs := handMade(300, 1)
	r := rand.New(rand.NewPCG(2, 3))
	distances := []float64{0, 0.001, 0.004999, 0.005, 0.5, 1, 12.345, 499.995, 500, 1e-7, 99999.999, 100000}
	for round := range 400 {
		page := make([]*landrelease.HazardArea, r.IntN(12))
		if round%50 == 0 {
			page = hs // one large page now and then
		}
		if len(page) < len(hs) {
			for i := range page {
				page[i] = hs[r.IntN(len(hs))]
			}
		}
		rem := round%2 == 1
		var dist map[int64]float64
		if round%3 == 2 {
			dist = make(map[int64]float64, len(page))
			for _, h := range page {
				if r.IntN(8) == 0 {
					dist[h.ID] = distances[r.IntN(len(distances))]
				} else {
					dist[h.ID] = r.Float64() * 100000
				}
			}
		}
		links := testLinks[round%len(testLinks)]
		ts := []string{"2025-06-30T01:02:03Z", "", time.Now().UTC().Format(time.RFC3339)}[round%3]
		for pass := range 2 { // the second pass reads the cache
			got, err := newFeatureCache(featureCacheBytes).appendCollection(nil, page, rem, dist, links, ts)
			if err != nil {
				t.Fatal(err)
			}
			samePage(t, fmt.Sprintf("round %d pass %d (rem %v, near %v)", round, pass, rem, dist != nil), got, referencePage(t, page, rem, dist, links, ts))
		}
	}
}

// TestAppendCollectionFailsLikeEncoder checks that what encoding/json refuses (an infinite area) makes the fast path fail
// too, so that writeList falls back on the reference encoding.
func TestAppendCollectionFailsLikeEncoder(t *testing.T) {
	h := handMade(1, 9)[0]
	h.ID = 1 << 40
	// A NaN distance survives its rounding to the centimetre as some number, in both paths.
	dist := map[int64]float64{h.ID: math.NaN()}
	got, err := newFeatureCache(featureCacheBytes).appendCollection(nil, []*landrelease.HazardArea{h}, false, dist, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	samePage(t, "NaN distance", got, referencePage(t, []*landrelease.HazardArea{h}, false, dist, nil, ""))
	bad := *h
	bad.ID++
	bad.AreaM2 = math.Inf(1)
	if _, err := newFeatureCache(featureCacheBytes).appendCollection(nil, []*landrelease.HazardArea{&bad}, false, nil, nil, ""); err == nil {
		t.Error("infinite area encoded")
	}
}

// TestFeatureCacheNewValue checks that the cache answers for a hazard area value, not for its ID and version: a
// land release changes the remaining polygon and area without a new version.
func TestFeatureCacheNewValue(t *testing.T) {
	c := newFeatureCache(1 << 20)
	h := handMade(2, 4)[1]
	h.ID = 77
	for _, rem := range []bool{false, true} {
		b1, err := c.get(h, rem)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.get(h, rem)
		if &again[0] != &b1[0] {
			t.Error("second get did not come from the cache")
		}
		h2 := *h // same ID and version, after a release
		h2.Remaining = orb.MultiPolygon{{square(101, 15, 0.001, 0)}}
		h2.RemainingAreaM2 = 42
		s := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
		h2.ReleasesSince = &s
		b2, err := c.get(&h2, rem)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := encodeFeature(&h2, rem)
		if !bytes.Equal(b2, want) {
			t.Errorf("rem %v: stale feature after a change of the same version\n got %s\nwant %s", rem, b2, want)
		}
	}
}

// TestFeatureCacheBounded checks the byte budget.
func TestFeatureCacheBounded(t *testing.T) {
	const budget = 64 * cacheShards << 10
	c := newFeatureCache(budget)
	hs := handMade(3000, 5)
	for _, h := range hs {
		for _, rem := range []bool{false, true} {
			b, err := c.get(h, rem)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := encodeFeature(h, rem)
			if !bytes.Equal(b, want) {
				t.Fatalf("area %d: wrong bytes", h.ID)
			}
		}
	}
	total, n := 0, 0
	for i := range c.shards {
		sh := &c.shards[i]
		sum := 0
		for _, e := range sh.m {
			sum += e.cost
		}
		if sum != sh.bytes || sh.bytes > c.budget {
			t.Errorf("shard %d: %d bytes counted, %d held, budget %d", i, sh.bytes, sum, c.budget)
		}
		total += sum
		n += len(sh.m)
	}
	if total > budget || n == 0 {
		t.Errorf("%d entries, %d bytes for a budget of %d", n, total, budget)
	}

}

// TestFeatureCacheFreshValue checks that a fresh value of an unchanged area (the change feed replays areas)
// takes the cached bytes and replaces the value the entry keeps, which is then free to go.
func TestFeatureCacheFreshValue(t *testing.T) {
	c := newFeatureCache(1 << 20)
	h := handMade(2, 6)[1]
	h.ID = 1 << 41
	b1, err := c.get(h, true)
	if err != nil {
		t.Fatal(err)
	}
	fresh := *h
	fresh.Remaining = orb.MultiPolygon{}
	for _, p := range h.Remaining {
		np := orb.Polygon{}
		for _, r := range p {
			np = append(np, append(orb.Ring(nil), r...))
		}
		fresh.Remaining = append(fresh.Remaining, np)
	}
	b2, err := c.get(&fresh, true)
	if err != nil {
		t.Fatal(err)
	}
	if &b1[0] != &b2[0] {
		t.Error("an identical fresh value was encoded again")
	}
	if got := c.shards[uint64(h.ID)%cacheShards].m[cacheKey{h.ID, true}].h.Load(); got != &fresh {
		t.Error("the entry still keeps the superseded value")
	}
}

// TestSameHazardCoversEveryField changes each field of a hazard area in turn: whenever the feature's bytes
// change, sameHazard must tell the values apart. A field of a type it does not know how to change fails the
// test, so that a new field of landrelease.HazardArea is looked at.
func TestSameHazardCoversEveryField(t *testing.T) {
	base := handMade(8, 11)[7] // admin 2 absent, releases_since set, two parts
	base.Admin2 = nil
	if base.ReleasesSince == nil {
		s := time.Date(2021, 2, 3, 0, 0, 0, 0, time.UTC)
		base.ReleasesSince = &s
	}
	other := orb.MultiPolygon{{square(103, 18, 0.002, 2)}}
	typ := reflect.TypeFor[landrelease.HazardArea]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		var muts []func(v reflect.Value)
		switch v := reflect.ValueOf(base).Elem().Field(i).Interface(); v.(type) {
		case orb.MultiPolygon:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Set(reflect.ValueOf(other)) },
				func(v reflect.Value) { v.Set(reflect.ValueOf(orb.MultiPolygon(nil))) },
				func(v reflect.Value) { // one coordinate nudged, or made -0
					mp := v.Interface().(orb.MultiPolygon)
					cp := orb.MultiPolygon{{append(orb.Ring(nil), mp[0][0]...)}}
					cp[0][0][1][0] = math.Nextafter(cp[0][0][1][0], 200)
					v.Set(reflect.ValueOf(cp))
				},
				func(v reflect.Value) {
					v.Set(reflect.ValueOf(orb.MultiPolygon{{orb.Ring{{0, 0}, {1, 0}, {math.Copysign(0, -1), 1}, {0, 0}}}}))
				},
				func(v reflect.Value) { v.Set(reflect.ValueOf(orb.MultiPolygon{{nil}})) },
				func(v reflect.Value) { v.Set(reflect.ValueOf(orb.MultiPolygon{{orb.Ring{}}})) },
			}
		case time.Time:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Set(reflect.ValueOf(v.Interface().(time.Time).AddDate(0, 0, 1))) },
				func(v reflect.Value) { v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(time.Nanosecond))) },
				func(v reflect.Value) {
					v.Set(reflect.ValueOf(v.Interface().(time.Time).In(time.FixedZone("X", -11*3600))))
				},
				func(v reflect.Value) { v.Set(reflect.ValueOf(time.Time{})) },
			}
		case *time.Time:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Set(reflect.Zero(v.Type())) },
				func(v reflect.Value) { t2 := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); v.Set(reflect.ValueOf(&t2)) },
			}
		case *landrelease.AdminRef:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Set(reflect.ValueOf(&landrelease.AdminRef{Code: "X", Name: "Y"})) },
				func(v reflect.Value) { v.Set(reflect.ValueOf(&landrelease.AdminRef{Code: "LA-XK", Name: "other"})) },
				func(v reflect.Value) { v.Set(reflect.Zero(v.Type())) },
			}
		case []string:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Set(reflect.ValueOf([]string{"other"})) },
				func(v reflect.Value) { v.Set(reflect.ValueOf([]string{})) },
				func(v reflect.Value) { v.Set(reflect.Zero(v.Type())) },
			}
		case landrelease.Evidence:
			muts = []func(reflect.Value){
				func(v reflect.Value) { v.Field(0).SetString("indirect") },
				func(v reflect.Value) { v.Field(1).SetString("other category") },
			}
		default:
			switch reflect.TypeOf(v).Kind() {
			case reflect.String:
				muts = []func(reflect.Value){func(v reflect.Value) { v.SetString(v.String() + "x") }}
			case reflect.Int, reflect.Int64:
				muts = []func(reflect.Value){func(v reflect.Value) { v.SetInt(v.Int() + 1) }}
			case reflect.Float64:
				muts = []func(reflect.Value){
					func(v reflect.Value) { v.SetFloat(v.Float() + 1.5) },
					func(v reflect.Value) { v.SetFloat(math.Nextafter(v.Float(), 1e300)) },
					func(v reflect.Value) { v.SetFloat(math.Copysign(0, -1)) },
				}
			case reflect.Bool:
				muts = []func(reflect.Value){func(v reflect.Value) { v.SetBool(!v.Bool()) }}
			}
		}
		if muts == nil {
			t.Errorf("field %s of type %s: teach this test (and sameHazard) about it", f.Name, f.Type)
			continue
		}
		for j, mut := range muts {
			for _, rem := range []bool{false, true} {
				b := *base
				mut(reflect.ValueOf(&b).Elem().Field(i))
				want, err1 := encodeFeature(base, rem)
				got, err2 := encodeFeature(&b, rem)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				if !bytes.Equal(got, want) && sameHazard(base, &b, rem) {
					t.Errorf("field %s, change %d, rem %v: the feature changes but sameHazard reports the same", f.Name, j, rem)
				}
			}
		}
	}
	cp := *base
	if !sameHazard(base, &cp, false) || !sameHazard(base, &cp, true) {
		t.Error("a copy is not the same")
	}
	// Geometries that differ only by nil and empty parts encode differently (null and []).
	shapes := []orb.MultiPolygon{{{nil}}, {{orb.Ring{}}}, {nil}, {orb.Polygon{}}}
	for i, a := range shapes {
		for j, b := range shapes {
			x, y := *base, *base
			x.Geometry, y.Geometry = a, b
			ex, _ := encodeFeature(&x, false)
			ey, _ := encodeFeature(&y, false)
			if same := sameHazard(&x, &y, false); same != (i == j) || (same && !bytes.Equal(ex, ey)) {
				t.Errorf("shapes %d and %d: sameHazard %v\n%s\n%s", i, j, same, ex, ey)
			}
		}
	}
}

// TestSpatialListPages serves point, bbox, near and intersecting queries from an index and compares each body with
// the reference encoding of the same areas.
func TestSpatialListPages(t *testing.T) {
	hs := handMade(400, 8)
	var open []*landrelease.HazardArea
	for _, h := range hs {
		if !h.Withdrawn {
			open = append(open, h)
		}
	}
	svc := spatial.NewService()
	svc.Load(open)
	srv := New(Config{Spatial: svc, Settings: publicSettings{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
		samePage(t, target, body, referencePage(t, want, rem, nil, self(target), ts))

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
		samePage(t, target, body, referencePage(t, want, rem, nil, links, ts))

		target = "/api/v1/hazard-areas?near=" + lonlat + "&within_m=3000" + suffix
		body, ts = get(target)
		near := svc.Near(p, 3000, f)
		want = nil
		dist := map[int64]float64{}
		for _, n := range near {
			want = append(want, n.HazardArea)
			dist[n.HazardArea.ID] = n.DistanceM
		}
		samePage(t, target, body, referencePage(t, want, rem, dist, self(target), ts))

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
		samePage(t, target, got, referencePage(t, svc.Intersecting(mp, f), rem, nil, self(target), page.TimeStamp))
	}
	if hits == 0 {
		t.Fatal("no point query found an area: the test checks nothing")
	}
}

// BenchmarkSpatialListServe measures a point query through the server's handler and middleware, without a
// network, with the request line logged (info) and not (error).
func BenchmarkSpatialListServe(b *testing.B) {
	hs := handMade(2000, 12)
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

// TestSharesPolygon checks that the cache counts an area's polygon once when its remaining polygon is the same
// value (as the change feed loads an area without releases), and twice when it is a copy.
func TestSharesPolygon(t *testing.T) {
	g := orb.MultiPolygon{{{{103, 19}, {103.01, 19}, {103.01, 19.01}, {103, 19}}}}
	copied := orb.MultiPolygon{{{{103, 19}, {103.01, 19}, {103.01, 19.01}, {103, 19}}}}
	for _, tc := range []struct {
		h    landrelease.HazardArea
		want bool
	}{
		{landrelease.HazardArea{Geometry: g, Remaining: g}, true},
		{landrelease.HazardArea{Geometry: g, Remaining: copied}, false},
		{landrelease.HazardArea{Geometry: g}, false},
		{landrelease.HazardArea{}, false},
	} {
		if got := sharesPolygon(&tc.h); got != tc.want {
			t.Errorf("sharesPolygon(%v, %v) = %v, want %v", tc.h.Geometry, tc.h.Remaining, got, tc.want)
		}
	}
}
