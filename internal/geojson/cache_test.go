package geojson_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// cacheBytes is the budget of the caches of these tests, the API's.
const cacheBytes = 256 << 20

// encodeFeature is the reference encoding of one hazard feature: encoding/json's of geojson.Hazard(h, rem),
// HTML characters not escaped, as the API writes it.
func encodeFeature(h *landrelease.HazardArea, rem bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(geojson.Hazard(h, rem)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// closed closes an open feature of the cache.
func closed(b []byte) []byte { return append(slices.Clip(b), "}}"...) }

// TestAppendCollectionMatchesEncoder compares the fast path with the reference encoding for many pages: point
// and bbox pages (no distance) and near pages (a distance per feature), full and remaining geometries.
func TestAppendCollectionMatchesEncoder(t *testing.T) {
	hs := geojsontest.HazardAreas(300, 1)
	r := rand.New(rand.NewPCG(2, 3))
	distances := []float64{0, 0.001, 0.004999, 0.005, 0.5, 1, 12.345, 499.995, 500, 1e-7, 99999.999, 100000}
	allLinks := geojsontest.Links()
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
		links := allLinks[round%len(allLinks)]
		ts := []string{"2025-06-30T01:02:03Z", "", time.Now().UTC().Format(time.RFC3339)}[round%3]
		for pass := range 2 { // the second pass reads the cache
			got, err := geojson.NewFeatureCache(cacheBytes).AppendCollection(nil, page, rem, dist, links, ts)
			if err != nil {
				t.Fatal(err)
			}
			geojsontest.SamePage(t, fmt.Sprintf("round %d pass %d (rem %v, near %v)", round, pass, rem, dist != nil), got, geojsontest.ReferencePage(t, page, rem, dist, links, ts))
		}
	}
}

// TestAppendCollectionFailsLikeEncoder checks that what encoding/json refuses (an infinite area) makes the fast path fail
// too, so that the server falls back on the reference encoding (HazardCollection), which fails as it always did.
func TestAppendCollectionFailsLikeEncoder(t *testing.T) {
	h := geojsontest.HazardAreas(1, 9)[0]
	h.ID = 1 << 40
	// A NaN distance survives its rounding to the centimetre as some number, in both paths.
	dist := map[int64]float64{h.ID: math.NaN()}
	got, err := geojson.NewFeatureCache(cacheBytes).AppendCollection(nil, []*landrelease.HazardArea{h}, false, dist, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	geojsontest.SamePage(t, "NaN distance", got, geojsontest.ReferencePage(t, []*landrelease.HazardArea{h}, false, dist, nil, ""))
	bad := *h
	bad.ID++
	bad.AreaM2 = math.Inf(1)
	if _, err := geojson.NewFeatureCache(cacheBytes).AppendCollection(nil, []*landrelease.HazardArea{&bad}, false, nil, nil, ""); err == nil {
		t.Error("infinite area encoded")
	}
}

// TestFeatureCacheNewValue checks that the cache answers for a hazard area value, not for its ID and version: a
// land release changes the remaining polygon and area without a new version.
func TestFeatureCacheNewValue(t *testing.T) {
	c := geojson.NewFeatureCache(1 << 20)
	h := geojsontest.HazardAreas(2, 4)[1]
	h.ID = 77
	for _, rem := range []bool{false, true} {
		b1, err := c.Get(h, rem)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := c.Get(h, rem)
		if &again[0] != &b1[0] {
			t.Error("second get did not come from the cache")
		}
		h2 := *h // same ID and version, after a release
		h2.Remaining = orb.MultiPolygon{{geojsontest.Square(101, 15, 0.001, 0)}}
		h2.RemainingAreaM2 = 42
		s := time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)
		h2.ReleasesSince = &s
		b2, err := c.Get(&h2, rem)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := encodeFeature(&h2, rem)
		if !bytes.Equal(closed(b2), want) {
			t.Errorf("rem %v: stale feature after a change of the same version\n got %s\nwant %s", rem, b2, want)
		}
	}
}

// TestFeatureCacheBounded checks the byte budget.
func TestFeatureCacheBounded(t *testing.T) {
	const budget = 64 * geojson.CacheShards << 10
	c := geojson.NewFeatureCache(budget)
	hs := geojsontest.HazardAreas(3000, 5)
	for _, h := range hs {
		for _, rem := range []bool{false, true} {
			b, err := c.Get(h, rem)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := encodeFeature(h, rem)
			if !bytes.Equal(closed(b), want) {
				t.Fatalf("area %d: wrong bytes", h.ID)
			}
		}
	}
	total, n := 0, 0
	usage, shardBudget := c.Usage()
	for i, u := range usage {
		if u.Held != u.Counted || u.Counted > shardBudget {
			t.Errorf("shard %d: %d bytes counted, %d held, budget %d", i, u.Counted, u.Held, shardBudget)
		}
		total += u.Held
		n += u.Entries
	}
	if total > budget || n == 0 {
		t.Errorf("%d entries, %d bytes for a budget of %d", n, total, budget)
	}

}

// TestFeatureCacheFreshValue checks that a fresh value of an unchanged area (the change feed replays areas)
// takes the cached bytes and replaces the value the entry keeps, which is then free to go.
func TestFeatureCacheFreshValue(t *testing.T) {
	c := geojson.NewFeatureCache(1 << 20)
	h := geojsontest.HazardAreas(2, 6)[1]
	h.ID = 1 << 41
	b1, err := c.Get(h, true)
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
	b2, err := c.Get(&fresh, true)
	if err != nil {
		t.Fatal(err)
	}
	if &b1[0] != &b2[0] {
		t.Error("an identical fresh value was encoded again")
	}
	if got := c.Holds(h.ID, true); got != &fresh {
		t.Error("the entry still keeps the superseded value")
	}
}

// TestEncodesSameCoversEveryField changes each field of a hazard area in turn: whenever the feature's bytes
// change, encodesSame must tell the values apart. A field of a type it does not know how to change fails the
// test, so that a new field of landrelease.HazardArea is looked at.
func TestEncodesSameCoversEveryField(t *testing.T) {
	base := geojsontest.HazardAreas(8, 11)[7] // admin 2 absent, releases_since set, two parts
	base.Admin2 = nil
	if base.ReleasesSince == nil {
		s := time.Date(2021, 2, 3, 0, 0, 0, 0, time.UTC)
		base.ReleasesSince = &s
	}
	other := orb.MultiPolygon{{geojsontest.Square(103, 18, 0.002, 2)}}
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
			t.Errorf("field %s of type %s: teach this test (and encodesSame) about it", f.Name, f.Type)
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
				if !bytes.Equal(got, want) && geojson.EncodesSame(base, &b, rem) {
					t.Errorf("field %s, change %d, rem %v: the feature changes but encodesSame reports the same", f.Name, j, rem)
				}
			}
		}
	}
	cp := *base
	if !geojson.EncodesSame(base, &cp, false) || !geojson.EncodesSame(base, &cp, true) {
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
			if same := geojson.EncodesSame(&x, &y, false); same != (i == j) || (same && !bytes.Equal(ex, ey)) {
				t.Errorf("shapes %d and %d: encodesSame %v\n%s\n%s", i, j, same, ex, ey)
			}
		}
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
		if got := geojson.SharesPolygon(&tc.h); got != tc.want {
			t.Errorf("geojson.SharesPolygon(%v, %v) = %v, want %v", tc.h.Geometry, tc.h.Remaining, got, tc.want)
		}
	}
}
