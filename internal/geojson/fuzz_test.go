package geojson_test

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// FuzzDecode checks that Decode never panics, that it fails only with a *landrelease.Error of code invalid
// (with located details) or bad_request, and that what it accepts has a non-empty geometry of closed rings
// in range, so that Validate of either record kind never reports the geometry missing. A decoded record that
// validates must survive a round trip through the client's input feature. Each input is decoded with no
// expected record and with each record type expected, as the API does. The seed corpus is the fixtures plus
// testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"hazard.geojson", "release.geojson"} {
		f.Add(readFixture(f, name))
	}
	lim := geo.Limits{MaxVertices: 512, MaxRings: 32}
	now := time.Now()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, record := range []string{"", geojson.RecordHazardArea, geojson.RecordLandRelease} {
			d, err := geojson.Decode(data, geojson.Options{Limits: lim, Record: record})
			if err != nil {
				checkDecodeError(t, d, err)
				continue
			}
			checkDecoded(t, d, now, lim)
		}
	})
}

func checkDecodeError(t *testing.T, d *geojson.Decoded, err error) {
	t.Helper()
	var le *landrelease.Error
	if !errors.As(err, &le) {
		t.Fatalf("error %T is not a *landrelease.Error: %v", err, err)
	}
	if le.Message == "" {
		t.Fatalf("error without a message: %+v", le)
	}
	switch le.Code {
	case landrelease.EBADREQUEST:
		if d != nil {
			t.Fatalf("Decoded %+v with bad_request", d)
		}
	case landrelease.EINVALID:
		if d == nil {
			t.Fatal("no Decoded with invalid")
		}
		if len(le.Details) == 0 {
			t.Fatalf("invalid without details: %v", err)
		}
		for _, dt := range le.Details {
			if dt.Field == "" || dt.Reason == "" || !strings.HasPrefix(dt.Pointer, "/") {
				t.Fatalf("detail %+v lacks a field, a reason or a pointer", dt)
			}
			if dt.Location != nil && len(dt.Location) != 2 {
				t.Fatalf("detail %+v: location is not [lon, lat]", dt)
			}
			if dt.Field == "geometry" && !strings.HasPrefix(dt.Pointer, "/geometry") {
				t.Fatalf("geometry detail %+v points outside /geometry", dt)
			}
		}
	default:
		t.Fatalf("code %q: %v", le.Code, err)
	}
}

func checkDecoded(t *testing.T, d *geojson.Decoded, now time.Time, lim geo.Limits) {
	t.Helper()
	var (
		mp    orb.MultiPolygon
		valid error
	)
	switch d.Record {
	case geojson.RecordHazardArea:
		if d.Hazard == nil || d.Release != nil {
			t.Fatalf("record %q with hazard %v, release %v", d.Record, d.Hazard != nil, d.Release != nil)
		}
		mp, valid = d.Hazard.Geometry, d.Hazard.Validate(now)
		if d.Hazard.Status == "" || d.Hazard.Marking == "" {
			t.Fatalf("defaults not applied: status %q, marking %q", d.Hazard.Status, d.Hazard.Marking)
		}
	case geojson.RecordLandRelease:
		if d.Release == nil || d.Hazard != nil {
			t.Fatalf("record %q with hazard %v, release %v", d.Record, d.Hazard != nil, d.Release != nil)
		}
		mp, valid = d.Release.Geometry, d.Release.Validate(now)
	default:
		t.Fatalf("decoded record %q", d.Record)
	}
	if len(mp) == 0 {
		t.Fatal("decoded without a geometry")
	}
	if geo.Vertices(mp) > lim.MaxVertices {
		t.Fatalf("%d positions over the limit %d", geo.Vertices(mp), lim.MaxVertices)
	}
	for _, p := range mp {
		if len(p) == 0 {
			t.Fatal("polygon without rings")
		}
		for _, r := range p {
			if len(r) < 4 || r[0] != r[len(r)-1] {
				t.Fatalf("ring %v not closed or too short", r)
			}
			for k, pt := range r {
				if math.IsNaN(pt[0]) || math.IsNaN(pt[1]) || pt[0] < -180 || pt[0] > 180 || pt[1] < -90 || pt[1] > 90 {
					t.Fatalf("position %v out of range", pt)
				}
				if k > 0 && pt == r[k-1] {
					t.Fatalf("ring %v repeats a position after cleaning", r)
				}
			}
		}
	}
	for _, dt := range landrelease.ErrorDetails(valid) {
		if dt.Field == "geometry" {
			t.Fatalf("Validate reports the decoded geometry: %+v", dt)
		}
	}
	fixes := 0
	for _, w := range d.Warnings {
		switch {
		case w.Field == "geometry" && strings.HasPrefix(w.Pointer, "/geometry/coordinates/"):
			fixes++
		case w.Field != "geometry" && w.Pointer != "" && strings.HasPrefix(w.Pointer, "/properties/"):
		default:
			t.Fatalf("warning %+v", w)
		}
	}
	if fixes != len(d.Fixes) {
		t.Fatalf("%d geometry warnings for %d fixes", fixes, len(d.Fixes))
	}
	if valid != nil {
		return
	}

	// A valid record round-trips through the feature a client would send.
	var data []byte
	var err error
	if d.Hazard != nil {
		data, err = json.Marshal(geojson.HazardInputFeature(d.Hazard))
	} else {
		data, err = json.Marshal(geojson.ReleaseInputFeature(d.Release))
	}
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	again, err := geojson.Decode(data, geojson.Options{Limits: lim})
	if err != nil {
		t.Fatalf("round trip of %s: %v %+v", data, err, landrelease.ErrorDetails(err))
	}
	if d.Hazard != nil {
		got, want := *again.Hazard, *d.Hazard
		got.Geometry, want.Geometry = nil, nil // Clean may turn a near-degenerate ring again
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("hazard round trip:\n got %+v\nwant %+v", got, want)
		}
	} else {
		got, want := *again.Release, *d.Release
		got.Geometry, want.Geometry = nil, nil
		if len(got.ItemsDestroyed) == 0 && len(want.ItemsDestroyed) == 0 {
			got.ItemsDestroyed, want.ItemsDestroyed = nil, nil // {} is omitted on output
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("release round trip:\n got %+v\nwant %+v", got, want)
		}
	}
}
