// Package geojsontest holds what the tests of geojson and of the packages that write its pages share: hazard
// areas covering every shape of the output, and the reference encoding of a page to compare written pages with.
package geojsontest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// mediaGeoJSON is the media type of the links of test pages.
const mediaGeoJSON = "application/geo+json"

// ReferencePage is the page of hazard areas built and encoded the reference way, by encoding/json from the
// values geojson.Hazard returns (HTML characters not escaped, as the API writes): the pages written from
// geojson's cache of encoded features must give these bytes.
func ReferencePage(t testing.TB, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) []byte {
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
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// SamePage fails unless got and want are the same bytes and the same JSON value.
func SamePage(t testing.TB, what string, got, want []byte) {
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

// Square returns a closed square ring of side d (degrees) at (x, y), with n extra vertices along its first side.
func Square(x, y, d float64, n int) orb.Ring {
	r := orb.Ring{{x, y}}
	for i := 1; i <= n; i++ {
		r = append(r, orb.Point{x + d*float64(i)/float64(n+1), y})
	}
	return append(r, orb.Point{x + d, y}, orb.Point{x + d, y + d}, orb.Point{x, y + d}, orb.Point{x, y})
}

var oddText = []string{"", "plain", `quote " and \ backslash`, "<b>fish & chips</b>", "ນ້ຳ ລາວ", "tab\tnew\nline\r\x01\x1f",
	"line\u2028sep\u2029", "invalid \xff utf-8", "emoji 🦺", "'apostrophe'"}

// HazardAreas returns n hazard areas covering every shape of the output: one- and two-part geometries, an empty
// remaining polygon, admin references present or not, releases_since, devices, odd strings and numbers.
func HazardAreas(n int, seed uint64) []*landrelease.HazardArea {
	r := rand.New(rand.NewPCG(seed, 7))
	day := func(i int) time.Time { return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i) }
	areas := []float64{0, 0.004, 0.005, 1, 1234.5678, 1e-7, 1e21, 123456789.987654321, math.Pi * 1e6}
	hs := make([]*landrelease.HazardArea, n)
	for i := range hs {
		x, y := 100+r.Float64()*7, 14+r.Float64()*8
		d := 0.001 + r.Float64()*0.01
		geom := orb.MultiPolygon{{Square(x, y, d, r.IntN(5))}}
		if i%3 == 1 {
			geom = append(geom, orb.Polygon{Square(x+2*d, y, d/2, 0), Square(x+2.1*d, y+0.1*d, d/10, 0)})
		}
		rem := geom
		switch i % 4 {
		case 1:
			rem = orb.MultiPolygon{{Square(x, y, d/2, 1)}}
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

// Links returns the links of test pages: one, two, with odd characters, none.
func Links() [][]geojson.Link {
	return [][]geojson.Link{
		{{Href: "/api/v1/hazard-areas?point=102.1,19.2", Rel: "self", Type: mediaGeoJSON}},
		{{Href: "/api/v1/hazard-areas?bbox=1,2,3,4&limit=2&kind=SHA", Rel: "self", Type: mediaGeoJSON},
			{Href: "/api/v1/hazard-areas?after=7&bbox=1%2C2%2C3%2C4&kind=SHA&limit=2", Rel: "next", Type: mediaGeoJSON}},
		{{Href: `/api/v1/hazard-areas?near=1,2&admin="<x>"&q=ນ້ຳ` + "\u2028\x7f", Rel: "self", Type: mediaGeoJSON}, {Href: "/x", Rel: "alternate"}},
		nil,
	}
}
