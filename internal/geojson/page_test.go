package geojson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/geojson/geojsontest"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// shift moves every position by (1000, 2000).
func shift(gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) {
	out := make([]orb.MultiPolygon, len(gs))
	for i, g := range gs {
		if g == nil {
			continue
		}
		c := orb.Clone(g).(orb.MultiPolygon)
		for _, p := range c {
			for _, r := range p {
				for k := range r {
					r[k] = orb.Point{r[k][0] + 1000, r[k][1] + 2000}
				}
			}
		}
		out[i] = c
	}
	return out, nil
}

func shifted(mp orb.MultiPolygon) orb.MultiPolygon {
	out, _ := shift([]orb.MultiPolygon{mp})
	return out[0]
}

// TestTransformPage: a page written by the registry, its geometries transformed, is the page of the transformed
// areas, every other member the same.
func TestTransformPage(t *testing.T) {
	hs := geojsontest.HazardAreas(40, 5)
	links := []geojson.Link{{Href: "http://x/items?after=3&b=<&>", Rel: "next", Type: "application/geo+json"}}
	for _, rem := range []bool{false, true} {
		page := encode(t, geojson.HazardCollection(hs, rem, map[int64]float64{hs[0].ID: 12.5}, links, "2024-05-06T07:08:09Z"))
		got, err := geojson.TransformPage(page, shift)
		if err != nil {
			t.Fatal(err)
		}
		moved := make([]*landrelease.HazardArea, len(hs))
		for i, h := range hs {
			c := *h
			c.Geometry, c.Remaining = shifted(h.Geometry), shifted(h.Remaining)
			moved[i] = &c
		}
		want := encode(t, geojson.HazardCollection(moved, rem, map[int64]float64{hs[0].ID: 12.5}, links, "2024-05-06T07:08:09Z"))
		sameJSON(t, "remaining "+map[bool]string{false: "no", true: "yes"}[rem], got, want)
	}
	one := encode(t, geojson.Hazard(hs[1], false))
	got, err := geojson.TransformFeature(one, shift)
	if err != nil {
		t.Fatal(err)
	}
	c := *hs[1]
	c.Geometry = shifted(hs[1].Geometry)
	sameJSON(t, "feature", got, encode(t, geojson.Hazard(&c, false)))

	// A null geometry stays null; the transformer's error is returned; what is no page is refused.
	null := []byte(`{"type":"FeatureCollection","features":[{"type":"Feature","id":"a","geometry":null,"properties":{"b":1}}],"numberReturned":1}`)
	if got, err := geojson.TransformPage(null, shift); err != nil || !bytes.Contains(got, []byte(`"geometry":null`)) {
		t.Errorf("null geometry: %s %v", got, err)
	}
	boom := errors.New("boom")
	if _, err := geojson.TransformPage(page(t), func([]orb.MultiPolygon) ([]orb.MultiPolygon, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("transformer error: %v", err)
	}
	if _, err := geojson.TransformPage(page(t), func([]orb.MultiPolygon) ([]orb.MultiPolygon, error) { return nil, nil }); err == nil {
		t.Error("a transformer that loses geometries is not refused")
	}
	for _, bad := range []string{`[]`, `{"features":{}}`, `{"features":[{"geometry":{"type":"Point","coordinates":[1,2]}}]}`, `{"features":[1]}`} {
		if _, err := geojson.TransformPage([]byte(bad), shift); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

func page(t *testing.T) []byte {
	return encode(t, geojson.HazardCollection(geojsontest.HazardAreas(3, 1), false, nil, nil, ""))
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sameJSON compares two JSON texts as values.
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v: %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s:\n got %s\nwant %s", what, got, want)
	}
}

func TestNumberMatchedAndCounts(t *testing.T) {
	hs := geojsontest.HazardAreas(4, 2)
	for _, tc := range []struct {
		links []geojson.Link
		next  bool
	}{
		{nil, false},
		{[]geojson.Link{{Href: "h", Rel: "self"}}, false},
		{[]geojson.Link{{Href: "h", Rel: "self"}, {Href: "n", Rel: "next"}}, true},
	} {
		p := encode(t, geojson.HazardCollection(hs, false, nil, tc.links, "t"))
		c, err := geojson.ReadPageCounts(p)
		if err != nil || c != (geojson.PageCounts{Returned: 4, Next: tc.next}) {
			t.Errorf("links %v: %+v %v", tc.links, c, err)
		}
		with, err := geojson.WithNumberMatched(p, 7)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(with, &m); err != nil || m["numberMatched"] != float64(7) || len(m["features"].([]any)) != 4 {
			t.Errorf("numberMatched: %s", with)
		}
		if c, err := geojson.ReadPageCounts(with); err != nil || !c.Matched {
			t.Errorf("counts after numberMatched: %+v %v", c, err)
		}
	}
	if _, err := geojson.ReadPageCounts([]byte(`{"features":[]}`)); err == nil {
		t.Error("a page without numberReturned is read")
	}
}

func TestReadPage(t *testing.T) {
	hs := geojsontest.HazardAreas(3, 9)
	p, err := geojson.ReadPage(encode(t, geojson.HazardCollection(hs, false, nil, []geojson.Link{{Href: "n", Rel: "next"}}, "t")))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Features) != 3 || p.NumberReturned != 3 || p.NumberMatched != nil || len(p.Links) != 1 {
		t.Fatalf("page %+v", p)
	}
	var names []string
	for _, pr := range p.Features[0].Properties {
		names = append(names, pr.Name)
	}
	// The properties in the order the feature writes them.
	if names[0] != "record" || names[1] != "local_id" || names[len(names)-1] != "residual" || p.Features[0].ID != hs[0].LocalID {
		t.Errorf("properties %v, id %q", names, p.Features[0].ID)
	}
	one, err := geojson.ReadPage(encode(t, geojson.AdminUnitFeature(&landrelease.AdminUnit{Level: 2, Code: "LA0901", Name: "Pek", ParentCode: "LA09"})))
	if err != nil || len(one.Features) != 1 || one.Features[0].ID != "2-LA0901" || string(one.Features[0].Properties[3].Value) != `"LA09"` {
		t.Errorf("one feature: %+v %v", one, err)
	}
}

func TestAdminUnitID(t *testing.T) {
	for _, tc := range []struct {
		id    string
		level int
		code  string
		ok    bool
	}{
		{"1-LA01", 1, "LA01", true},
		{"2-LAO-3286", 2, "LAO-3286", true}, // a code with a hyphen
		{"3-LA01", 0, "", false},
		{"1-", 0, "", false},
		{"LA01", 0, "", false},
		{"12-LA01", 0, "", false},
	} {
		level, code, ok := geojson.ParseAdminUnitID(tc.id)
		if level != tc.level || code != tc.code || ok != tc.ok {
			t.Errorf("%q: %d %q %v", tc.id, level, code, ok)
		}
		if ok && geojson.AdminUnitID(&landrelease.AdminUnit{Level: level, Code: code}) != tc.id {
			t.Errorf("%q does not round-trip", tc.id)
		}
	}
}
