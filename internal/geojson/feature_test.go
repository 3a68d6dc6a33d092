package geojson_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// today is the date the decoded fixtures are validated against.
var today = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ring returns a closed counterclockwise square with its south-west corner at lon, lat.
func ring(lon, lat, side float64) orb.Ring {
	return orb.Ring{{lon, lat}, {lon + side, lat}, {lon + side, lat + side}, {lon, lat + side}, {lon, lat}}
}

// Geometries used by the inline cases. polygonGeom is counterclockwise, so Clean leaves it alone.
const (
	polygonGeom = `{"type":"Polygon","coordinates":[[[103.2,19.45],[103.2017,19.45],[103.2017,19.4509],[103.2,19.4509],[103.2,19.45]]]}`
	// clockwiseMulti is polygonGeom as a MultiPolygon with its exterior ring wound clockwise.
	clockwiseMulti = `{"type":"MultiPolygon","coordinates":[[[[103.2,19.45],[103.2,19.4509],[103.2017,19.4509],[103.2017,19.45],[103.2,19.45]]]]}`
	// clockwisePolygon is the same ring as a Polygon.
	clockwisePolygon = `{"type":"Polygon","coordinates":[[[103.2,19.45],[103.2,19.4509],[103.2017,19.4509],[103.2017,19.45],[103.2,19.45]]]}`
)

var polygonRing = orb.Ring{{103.2, 19.45}, {103.2017, 19.45}, {103.2017, 19.4509}, {103.2, 19.4509}, {103.2, 19.45}}

// del marks a property to remove in with.
type del struct{}

func hazardProps() map[string]any {
	return map[string]any{
		"record": "hazard_area", "local_id": "LA-XK-2022-0001", "kind": "SHA", "contamination": "cmr",
		"evidence": "indirect", "evidence_category": "former_combat_zone", "devices": []string{"BLU-26"},
		"marking": "marked", "identified_on": "2022-03-15", "organisation": "UXO Lao",
	}
}

func releaseProps() map[string]any {
	return map[string]any{
		"record": "land_release", "local_id": "LA-XK-2022-0001-C1", "hazard_area": "LA-XK-2022-0001",
		"method": "cleared", "completed_on": "2023-05-20", "organisation": "HALO Trust", "depth_cm": 30,
		"items_destroyed": map[string]any{"BLU-26": 4},
	}
}

// with returns a copy of props with the given name, value pairs set; a del{} value removes the property.
func with(props map[string]any, kv ...any) map[string]any {
	out := make(map[string]any, len(props)+len(kv)/2)
	for k, v := range props {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if _, ok := kv[i+1].(del); ok {
			delete(out, k)
		} else {
			out[k] = kv[i+1]
		}
	}
	return out
}

// feat returns a feature with props (omitted when nil) and geometry (omitted when "").
func feat(t testing.TB, props map[string]any, geometry string) []byte {
	t.Helper()
	m := map[string]any{"type": "Feature"}
	if props != nil {
		m["properties"] = props
	}
	if geometry != "" {
		m["geometry"] = json.RawMessage(geometry)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fp is the field and pointer of a detail.
type fp struct{ Field, Pointer string }

func fieldsAndPointers(ds []landrelease.Detail) []fp {
	out := make([]fp, len(ds))
	for i, d := range ds {
		out[i] = fp{d.Field, d.Pointer}
	}
	return out
}

func TestDecodeHazardFixture(t *testing.T) {
	d, err := geojson.Decode(readFixture(t, "hazard.geojson"), geojson.Options{})
	if err != nil {
		t.Fatalf("Decode: %v (%+v)", err, landrelease.ErrorDetails(err))
	}
	want := &landrelease.HazardArea{
		LocalID:       "LA-XK-2022-0001",
		Kind:          landrelease.KindSHA, // "sha" upper-cased
		Contamination: landrelease.ContaminationCMR,
		Evidence:      landrelease.Evidence{Type: landrelease.EvidenceIndirect, Category: "former_combat_zone"},
		Devices:       []string{"BLU-26", "BLU-63"}, // trimmed
		Marking:       landrelease.MarkingMarked,
		Priority:      landrelease.PriorityHigh,
		LandUse:       landrelease.LandUseAgriculture,
		IdentifiedOn:  date(2022, 3, 15),
		Organisation:  "UXO Lao",
		Status:        landrelease.StatusOpen,
		Notes:         "Reported by the village chief of Ban Phonsavan.",
		Geometry:      orb.MultiPolygon{{polygonRing}},
	}
	if d.Record != geojson.RecordHazardArea || d.Release != nil {
		t.Errorf("Record %q, Release %v; want hazard_area and nil", d.Record, d.Release)
	}
	if !reflect.DeepEqual(d.Hazard, want) {
		t.Errorf("Hazard:\n got %+v\nwant %+v", d.Hazard, want)
	}
	if d.Version != 2 {
		t.Errorf("Version = %d, want 2", d.Version)
	}
	if d.ChangedOn == nil || !d.ChangedOn.Equal(date(2023, 1, 10)) {
		t.Errorf("ChangedOn = %v, want 2023-01-10", d.ChangedOn)
	}
	if d.Reason != "boundary redrawn after non-technical survey" {
		t.Errorf("Reason = %q", d.Reason)
	}
	if len(d.Fixes) != 0 || len(d.Warnings) != 0 {
		t.Errorf("Fixes %v, Warnings %v; want none", d.Fixes, d.Warnings)
	}
	if err := d.Hazard.Validate(today); err != nil {
		t.Errorf("the decoded fixture does not validate: %v %+v", err, landrelease.ErrorDetails(err))
	}
}

func TestDecodeReleaseFixture(t *testing.T) {
	d, err := geojson.Decode(readFixture(t, "release.geojson"), geojson.Options{})
	if err != nil {
		t.Fatalf("Decode: %v (%+v)", err, landrelease.ErrorDetails(err))
	}
	depth := 30
	want := &landrelease.LandRelease{
		LocalID:        "LA-XK-2022-0001-C1",
		HazardArea:     "LA-XK-2022-0001",
		Method:         landrelease.MethodCleared,
		CompletedOn:    date(2023, 5, 20), // from 2023-05-20T09:30:00Z
		Organisation:   "HALO Trust",
		Criteria:       "full clearance to 30 cm",
		DepthCM:        &depth,
		ItemsDestroyed: map[string]int{"BLU-26": 4, "BLU-63": 1},
		Geometry:       orb.MultiPolygon{{ring(103.2, 19.45, 0.0005)}, {ring(103.201, 19.45, 0.0005)}},
	}
	if d.Record != geojson.RecordLandRelease || d.Hazard != nil {
		t.Errorf("Record %q, Hazard %v; want land_release and nil", d.Record, d.Hazard)
	}
	// The fixture's coordinates are decimal literals; compare them within rounding.
	if len(d.Release.Geometry) != 2 {
		t.Fatalf("Geometry has %d polygons, want 2", len(d.Release.Geometry))
	}
	for i, p := range d.Release.Geometry {
		for j, r := range p {
			for k, pt := range r {
				w := want.Geometry[i][j][k]
				if abs(pt[0]-w[0]) > 1e-12 || abs(pt[1]-w[1]) > 1e-12 {
					t.Errorf("position %d/%d/%d = %v, want %v", i, j, k, pt, w)
				}
			}
		}
	}
	got := *d.Release
	got.Geometry, want.Geometry = nil, nil
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("Release:\n got %+v\nwant %+v", &got, want)
	}
	if d.Version != 0 || d.ChangedOn != nil || d.Reason != "" || len(d.Warnings) != 0 {
		t.Errorf("Version %d, ChangedOn %v, Reason %q, Warnings %v; want zero", d.Version, d.ChangedOn, d.Reason, d.Warnings)
	}
	if err := d.Release.Validate(today); err != nil {
		t.Errorf("the decoded fixture does not validate: %v %+v", err, landrelease.ErrorDetails(err))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestDecodeHazardValues checks how single properties of a hazard area are read.
func TestDecodeHazardValues(t *testing.T) {
	cases := []struct {
		name  string
		props map[string]any
		check func(t *testing.T, h *landrelease.HazardArea)
	}{
		{"kind upper-cased", with(hazardProps(), "kind", " cha "), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Kind != landrelease.KindCHA {
				t.Errorf("Kind = %q, want CHA", h.Kind)
			}
		}},
		{"devices array", with(hazardProps(), "devices", []string{"BLU-26", " M42 "}), func(t *testing.T, h *landrelease.HazardArea) {
			if !reflect.DeepEqual(h.Devices, []string{"BLU-26", "M42"}) {
				t.Errorf("Devices = %q", h.Devices)
			}
		}},
		{"devices comma-separated", with(hazardProps(), "devices", "BLU-26, BLU-63,, M42 ,"), func(t *testing.T, h *landrelease.HazardArea) {
			if !reflect.DeepEqual(h.Devices, []string{"BLU-26", "BLU-63", "M42"}) {
				t.Errorf("Devices = %q", h.Devices)
			}
		}},
		{"devices single string", with(hazardProps(), "devices", "BLU-26"), func(t *testing.T, h *landrelease.HazardArea) {
			if !reflect.DeepEqual(h.Devices, []string{"BLU-26"}) {
				t.Errorf("Devices = %q", h.Devices)
			}
		}},
		{"devices null", with(hazardProps(), "devices", nil), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Devices != nil {
				t.Errorf("Devices = %q, want nil", h.Devices)
			}
		}},
		{"devices empty array", with(hazardProps(), "devices", []string{}), func(t *testing.T, h *landrelease.HazardArea) {
			if len(h.Devices) != 0 {
				t.Errorf("Devices = %q, want none", h.Devices)
			}
		}},
		{"date only", with(hazardProps(), "identified_on", "2021-12-31"), func(t *testing.T, h *landrelease.HazardArea) {
			if !h.IdentifiedOn.Equal(date(2021, 12, 31)) || h.IdentifiedOn.Location() != time.UTC {
				t.Errorf("IdentifiedOn = %v", h.IdentifiedOn)
			}
		}},
		{"RFC 3339 UTC", with(hazardProps(), "identified_on", "2021-12-31T17:45:00Z"), func(t *testing.T, h *landrelease.HazardArea) {
			if !h.IdentifiedOn.Equal(date(2021, 12, 31)) {
				t.Errorf("IdentifiedOn = %v, want 2021-12-31", h.IdentifiedOn)
			}
		}},
		{"RFC 3339 fractional seconds", with(hazardProps(), "identified_on", "2021-12-31T17:45:00.123Z"), func(t *testing.T, h *landrelease.HazardArea) {
			if !h.IdentifiedOn.Equal(date(2021, 12, 31)) {
				t.Errorf("IdentifiedOn = %v, want 2021-12-31", h.IdentifiedOn)
			}
		}},
		{"status default open", with(hazardProps(), "status", del{}), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Status != landrelease.StatusOpen {
				t.Errorf("Status = %q, want open", h.Status)
			}
		}},
		{"status null is open", with(hazardProps(), "status", nil), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Status != landrelease.StatusOpen {
				t.Errorf("Status = %q, want open", h.Status)
			}
		}},
		{"status closed kept", with(hazardProps(), "status", "closed"), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Status != landrelease.StatusClosed {
				t.Errorf("Status = %q, want closed", h.Status)
			}
		}},
		{"marking default none", with(hazardProps(), "marking", del{}), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Marking != landrelease.MarkingNone {
				t.Errorf("Marking = %q, want none", h.Marking)
			}
		}},
		{"marking blank is none", with(hazardProps(), "marking", "  "), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Marking != landrelease.MarkingNone {
				t.Errorf("Marking = %q, want none", h.Marking)
			}
		}},
		{"strings trimmed", with(hazardProps(), "organisation", "  UXO Lao\n", "local_id", " LA-1 "), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Organisation != "UXO Lao" || h.LocalID != "LA-1" {
				t.Errorf("Organisation %q, LocalID %q", h.Organisation, h.LocalID)
			}
		}},
		{"optional properties absent", with(hazardProps(), "priority", del{}, "land_use", del{}, "notes", nil), func(t *testing.T, h *landrelease.HazardArea) {
			if h.Priority != "" || h.LandUse != "" || h.Notes != "" {
				t.Errorf("Priority %q, LandUse %q, Notes %q", h.Priority, h.LandUse, h.Notes)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode(feat(t, c.props, polygonGeom), geojson.Options{})
			if err != nil {
				t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
			}
			if d.Hazard == nil {
				t.Fatal("no hazard area")
			}
			c.check(t, d.Hazard)
		})
	}
}

// TestDecodeReleaseValues checks how single properties of a land release are read.
func TestDecodeReleaseValues(t *testing.T) {
	cases := []struct {
		name  string
		props map[string]any
		check func(t *testing.T, r *landrelease.LandRelease)
	}{
		{"depth_cm", with(releaseProps(), "depth_cm", 25), func(t *testing.T, r *landrelease.LandRelease) {
			if r.DepthCM == nil || *r.DepthCM != 25 {
				t.Errorf("DepthCM = %v, want 25", r.DepthCM)
			}
		}},
		{"depth_cm zero", with(releaseProps(), "depth_cm", 0), func(t *testing.T, r *landrelease.LandRelease) {
			if r.DepthCM == nil || *r.DepthCM != 0 {
				t.Errorf("DepthCM = %v, want 0", r.DepthCM)
			}
		}},
		{"depth_cm written 30.0", with(releaseProps(), "depth_cm", json.RawMessage("30.0")), func(t *testing.T, r *landrelease.LandRelease) {
			if r.DepthCM == nil || *r.DepthCM != 30 {
				t.Errorf("DepthCM = %v, want 30", r.DepthCM)
			}
		}},
		{"depth_cm absent", with(releaseProps(), "depth_cm", del{}), func(t *testing.T, r *landrelease.LandRelease) {
			if r.DepthCM != nil {
				t.Errorf("DepthCM = %v, want nil", *r.DepthCM)
			}
		}},
		{"depth_cm null", with(releaseProps(), "depth_cm", nil), func(t *testing.T, r *landrelease.LandRelease) {
			if r.DepthCM != nil {
				t.Errorf("DepthCM = %v, want nil", *r.DepthCM)
			}
		}},
		{"items_destroyed", with(releaseProps(), "items_destroyed", map[string]any{"BLU-26": 12, "M42": 0, "a/b": 1}), func(t *testing.T, r *landrelease.LandRelease) {
			if !reflect.DeepEqual(r.ItemsDestroyed, map[string]int{"BLU-26": 12, "M42": 0, "a/b": 1}) {
				t.Errorf("ItemsDestroyed = %v", r.ItemsDestroyed)
			}
		}},
		{"items_destroyed null", with(releaseProps(), "items_destroyed", nil), func(t *testing.T, r *landrelease.LandRelease) {
			if r.ItemsDestroyed != nil {
				t.Errorf("ItemsDestroyed = %v, want nil", r.ItemsDestroyed)
			}
		}},
		{"beneficiaries", with(releaseProps(), "beneficiaries", map[string]any{"women": 12, "girls": 7, "men": 11, "with_disabilities": 1}, "land_use_after", "grazing"), func(t *testing.T, r *landrelease.LandRelease) {
			if r.Beneficiaries == nil || *r.Beneficiaries != (landrelease.Beneficiaries{Women: 12, Girls: 7, Men: 11, WithDisabilities: 1}) || r.LandUseAfter != landrelease.LandUseGrazing {
				t.Errorf("Beneficiaries = %+v, LandUseAfter %q", r.Beneficiaries, r.LandUseAfter)
			}
		}},
		{"beneficiaries null", with(releaseProps(), "beneficiaries", nil), func(t *testing.T, r *landrelease.LandRelease) {
			if r.Beneficiaries != nil {
				t.Errorf("Beneficiaries = %+v, want nil (not recorded)", r.Beneficiaries)
			}
		}},
		{"completed_on RFC 3339", with(releaseProps(), "completed_on", "2023-05-20T00:00:00Z"), func(t *testing.T, r *landrelease.LandRelease) {
			if !r.CompletedOn.Equal(date(2023, 5, 20)) {
				t.Errorf("CompletedOn = %v", r.CompletedOn)
			}
		}},
		{"method and criteria", with(releaseProps(), "method", "reduced", "criteria", " TS ", "depth_cm", del{}), func(t *testing.T, r *landrelease.LandRelease) {
			if r.Method != landrelease.MethodReduced || r.Criteria != "TS" {
				t.Errorf("Method %q, Criteria %q", r.Method, r.Criteria)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode(feat(t, c.props, polygonGeom), geojson.Options{})
			if err != nil {
				t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
			}
			if d.Release == nil {
				t.Fatal("no land release")
			}
			c.check(t, d.Release)
		})
	}
}

// TestDecodeRFC3339Offset: the calendar date of an RFC 3339 time is the date written in it, in its own offset.
func TestDecodeRFC3339Offset(t *testing.T) {
	// Survey tools in Laos (UTC+7) export dates such as ODK's "2022-03-15T00:00:00.000+07:00".
	d, err := geojson.Decode(feat(t, with(hazardProps(), "identified_on", "2022-03-15T00:00:00.000+07:00"), polygonGeom), geojson.Options{})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := d.Hazard.IdentifiedOn; !got.Equal(date(2022, 3, 15)) {
		t.Error("identified_on \"2022-03-15T00:00:00.000+07:00\" decodes to " + got.Format(time.DateOnly) +
			": props.date truncates RFC 3339 times to their UTC date (landrelease.Day), shifting field dates written in an offset east of UTC back a day")
	}
}

func TestDecodeRecordOption(t *testing.T) {
	cases := []struct {
		name   string
		data   []byte
		opt    string
		want   string
		hazard bool
	}{
		{"record absent, option hazard", feat(t, with(hazardProps(), "record", del{}), polygonGeom), geojson.RecordHazardArea, geojson.RecordHazardArea, true},
		{"record absent, option release", feat(t, with(releaseProps(), "record", del{}), polygonGeom), geojson.RecordLandRelease, geojson.RecordLandRelease, false},
		{"record wins over option", feat(t, releaseProps(), polygonGeom), geojson.RecordHazardArea, geojson.RecordLandRelease, false},
		{"record trimmed", feat(t, with(hazardProps(), "record", " hazard_area "), polygonGeom), "", geojson.RecordHazardArea, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode(c.data, geojson.Options{Record: c.opt})
			if err != nil {
				t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
			}
			if d.Record != c.want || (d.Hazard != nil) != c.hazard || (d.Release != nil) == c.hazard {
				t.Errorf("Record %q, Hazard %v, Release %v; want %q", d.Record, d.Hazard != nil, d.Release != nil, c.want)
			}
			if len(d.Warnings) != 0 {
				t.Errorf("Warnings %+v", d.Warnings)
			}
		})
	}
}

func TestDecodeWarnings(t *testing.T) {
	cases := []struct {
		name  string
		data  []byte
		want  []landrelease.Detail
		fixes []geo.Fix
	}{
		{name: "none", data: feat(t, hazardProps(), polygonGeom)},
		{name: "unknown property", data: feat(t, with(hazardProps(), "colour", "red"), polygonGeom),
			want: []landrelease.Detail{{Field: "colour", Pointer: "/properties/colour", Reason: "is not a known property and was ignored"}}},
		{name: "pointer escaping, sorted", data: feat(t, with(hazardProps(), "a/b", 1, "m~n", nil, "~/", true), polygonGeom),
			want: []landrelease.Detail{
				{Field: "a/b", Pointer: "/properties/a~1b", Reason: "is not a known property and was ignored"},
				{Field: "m~n", Pointer: "/properties/m~0n", Reason: "is not a known property and was ignored"},
				{Field: "~/", Pointer: "/properties/~0~1", Reason: "is not a known property and was ignored"},
			}},
		{name: "read-only hazard properties", data: feat(t, with(hazardProps(),
			"area_m2", 1234.5, "remaining_area_m2", 1000, "admin1_code", "LAO-3286", "admin1_name", "Xiangkhoang",
			"admin2_code", nil, "admin2_name", nil, "valid_from", "2022-03-15", "recorded_at", "2024-01-01T00:00:00Z",
			"recorded_by", "someone", "status_reason", "", "releases_since", nil, "withdrawn", false,
			"version", 3, "reason", "why", "changed_on", "2023-01-01"), polygonGeom)},
		{name: "read-only release properties", data: feat(t, with(releaseProps(),
			"area_m2", 12.5, "recorded_at", "2024-01-01T00:00:00Z", "recorded_by", "x", "withdrawn", false,
			"version", 1, "reason", "r"), polygonGeom)},
		{name: "hazard properties unknown on a release", data: feat(t, with(releaseProps(), "kind", "SHA", "changed_on", "2023-01-01"), polygonGeom),
			want: []landrelease.Detail{
				{Field: "changed_on", Pointer: "/properties/changed_on", Reason: "is not a known property and was ignored"},
				{Field: "kind", Pointer: "/properties/kind", Reason: "is not a known property and was ignored"},
			}},
		{name: "release properties unknown on a hazard area", data: feat(t, with(hazardProps(), "depth_cm", 5), polygonGeom),
			want: []landrelease.Detail{{Field: "depth_cm", Pointer: "/properties/depth_cm", Reason: "is not a known property and was ignored"}}},
		{name: "winding order fixed", data: feat(t, hazardProps(), clockwiseMulti),
			want:  []landrelease.Detail{{Field: "geometry", Pointer: "/geometry/coordinates/0/0", Reason: "winding order fixed (1)"}},
			fixes: []geo.Fix{{Kind: geo.FixWinding, Pointer: "/coordinates/0/0", Count: 1}}},
		{name: "hole winding and repeats", data: feat(t, hazardProps(),
			`{"type":"MultiPolygon","coordinates":[[[[0,0],[0,0],[4,0],[4,4],[0,4],[0,0]],[[1,1],[2,1],[2,2],[1,2],[1,1]]]]}`),
			want: []landrelease.Detail{
				{Field: "geometry", Pointer: "/geometry/coordinates/0/0", Reason: "repeated vertices removed (1)"},
				{Field: "geometry", Pointer: "/geometry/coordinates/0/1", Reason: "winding order fixed (1)"},
			},
			fixes: []geo.Fix{{Kind: geo.FixRepeated, Pointer: "/coordinates/0/0", Count: 1}, {Kind: geo.FixWinding, Pointer: "/coordinates/0/1", Count: 1}}},
		{name: "unknown property and fix", data: feat(t, with(hazardProps(), "x", 1), clockwiseMulti),
			want: []landrelease.Detail{
				{Field: "x", Pointer: "/properties/x", Reason: "is not a known property and was ignored"},
				{Field: "geometry", Pointer: "/geometry/coordinates/0/0", Reason: "winding order fixed (1)"},
			},
			fixes: []geo.Fix{{Kind: geo.FixWinding, Pointer: "/coordinates/0/0", Count: 1}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode(c.data, geojson.Options{})
			if err != nil {
				t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
			}
			if len(d.Warnings) != 0 || len(c.want) != 0 {
				if !reflect.DeepEqual(d.Warnings, c.want) {
					t.Errorf("Warnings:\n got %+v\nwant %+v", d.Warnings, c.want)
				}
			}
			if len(d.Fixes) != 0 || len(c.fixes) != 0 {
				if !reflect.DeepEqual(d.Fixes, c.fixes) {
					t.Errorf("Fixes:\n got %+v\nwant %+v", d.Fixes, c.fixes)
				}
			}
		})
	}
}

// TestDecodeWindingFixed checks that the decoded geometry is the cleaned one.
func TestDecodeWindingFixed(t *testing.T) {
	d, err := geojson.Decode(feat(t, hazardProps(), clockwiseMulti), geojson.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := orb.MultiPolygon{{polygonRing}}
	// Reversing a closed ring keeps its first position, so the cleaned ring starts where the input did.
	if !d.Hazard.Geometry.Equal(want) {
		t.Errorf("Geometry = %v, want %v", d.Hazard.Geometry, want)
	}
}

// resolve returns the value a JSON pointer names in doc, and whether it exists.
func resolve(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := doc.(type) {
		case map[string]any:
			var ok bool
			if doc, ok = v[tok]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(v) || fmt.Sprint(i) != tok {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// isRing reports whether v is a JSON array of positions.
func isRing(v any) bool {
	a, ok := v.([]any)
	if !ok || len(a) < 4 {
		return false
	}
	p, ok := a[0].([]any)
	if !ok || len(p) < 2 {
		return false
	}
	_, ok = p[0].(float64)
	return ok
}

// TestDecodeFixPointerPolygon: a fix of a Polygon must point at the ring in the document the client sent.
func TestDecodeFixPointerPolygon(t *testing.T) {
	for _, c := range []struct{ name, geometry string }{
		{"MultiPolygon", clockwiseMulti},
		{"Polygon", clockwisePolygon},
		{"Polygon with repeats", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,0]]]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := feat(t, hazardProps(), c.geometry)
			var doc any
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			d, err := geojson.Decode(data, geojson.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(d.Warnings) != 1 {
				t.Fatalf("Warnings = %+v, want one", d.Warnings)
			}
			ptr := d.Warnings[0].Pointer
			if v, ok := resolve(doc, ptr); !ok || !isRing(v) {
				if strings.HasPrefix(c.name, "Polygon") {
					t.Errorf("warning pointer %s does not name a ring of the Polygon sent (it names %v): geojson.Decode "+
						"discards geo.Decode's isPolygon result and prefixes geo.Clean's MultiPolygon-form pointer "+
						"/coordinates/P/R unchanged; for a Polygon it should be /geometry/coordinates/R", ptr, v)
				}
				t.Errorf("warning pointer %s names %v, not a ring", ptr, v)
			}
		})
	}
}

// TestDecodeErrors checks every error with its code and the field and pointer of each detail, in order.
func TestDecodeErrors(t *testing.T) {
	hz := hazardProps
	rl := releaseProps
	cases := []struct {
		name     string
		data     []byte
		opt      geojson.Options
		code     string
		want     []fp
		reason   string    // a substring of the first detail's reason, when set
		location []float64 // the first detail's location, when set
	}{
		// Property types.
		{name: "number for a string", data: feat(t, with(hz(), "kind", 5), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"kind", "/properties/kind"}}, reason: "must be a string, not a number"},
		{name: "array for a string", data: feat(t, with(hz(), "organisation", []string{"UXO Lao"}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"organisation", "/properties/organisation"}}, reason: "must be a string, not an array"},
		{name: "boolean for a string", data: feat(t, with(rl(), "hazard_area", true), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"hazard_area", "/properties/hazard_area"}}, reason: "must be a string, not a boolean"},
		{name: "object for a string", data: feat(t, with(hz(), "notes", map[string]any{}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"notes", "/properties/notes"}}, reason: "not an object"},
		{name: "devices a number", data: feat(t, with(hz(), "devices", 26), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"devices", "/properties/devices"}}, reason: "must be an array of strings, not a number"},
		{name: "devices numbers", data: feat(t, with(hz(), "devices", []int{26, 63}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"devices", "/properties/devices"}}, reason: "must be an array of strings, not an array"},
		{name: "string for depth_cm", data: feat(t, with(rl(), "depth_cm", "30"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"depth_cm", "/properties/depth_cm"}}, reason: "must be a whole number, not a string"},
		{name: "fractional depth_cm", data: feat(t, with(rl(), "depth_cm", 30.5), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"depth_cm", "/properties/depth_cm"}}, reason: "must be a whole number, not 30.5"},
		{name: "negative depth_cm", data: feat(t, with(rl(), "depth_cm", -5), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"depth_cm", "/properties/depth_cm"}}, reason: "must be 0 or more, not -5"},
		{name: "huge depth_cm", data: feat(t, with(rl(), "depth_cm", json.RawMessage("1e12")), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"depth_cm", "/properties/depth_cm"}}},
		{name: "depth_cm beyond float64", data: feat(t, with(rl(), "depth_cm", json.RawMessage("1e400")), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"depth_cm", "/properties/depth_cm"}}},
		{name: "beneficiaries a number", data: feat(t, with(rl(), "beneficiaries", 40), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"beneficiaries", "/properties/beneficiaries"}}, reason: "must be an object of women, girls, boys, men and with_disabilities"},
		{name: "unknown beneficiary", data: feat(t, with(rl(), "beneficiaries", map[string]any{"elders": 3}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"beneficiaries", "/properties/beneficiaries/elders"}}, reason: `"elders" is not one of women, girls, boys, men, with_disabilities`},
		{name: "fractional beneficiaries", data: feat(t, with(rl(), "beneficiaries", map[string]any{"girls": 2.5}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"beneficiaries", "/properties/beneficiaries/girls"}}, reason: "girls must be a whole number, not 2.5"},
		{name: "fractional count", data: feat(t, with(rl(), "items_destroyed", map[string]any{"BLU-26": 1.5}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed/BLU-26"}}, reason: "count for BLU-26 must be a whole number, not 1.5"},
		{name: "string count", data: feat(t, with(rl(), "items_destroyed", map[string]any{"BLU-26": "4"}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed/BLU-26"}}},
		{name: "negative count", data: feat(t, with(rl(), "items_destroyed", map[string]any{"BLU-26": -2}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed/BLU-26"}}, reason: "count for BLU-26 is negative (-2)"},
		{name: "negative count, escaped device", data: feat(t, with(rl(), "items_destroyed", map[string]any{"a/b~c": -1, "ok": 1}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed/a~1b~0c"}}},
		{name: "two bad counts", data: feat(t, with(rl(), "items_destroyed", map[string]any{"b": -1, "a": 0.5}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed/a"}, {"items_destroyed", "/properties/items_destroyed/b"}}},
		{name: "items_destroyed an array", data: feat(t, with(rl(), "items_destroyed", []int{4}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"items_destroyed", "/properties/items_destroyed"}}, reason: "must be an object of device type to count, not an array"},
		{name: "fractional version", data: feat(t, with(hz(), "version", 1.5), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"version", "/properties/version"}}},
		{name: "negative version", data: feat(t, with(hz(), "version", -1), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"version", "/properties/version"}}},
		{name: "string version", data: feat(t, with(rl(), "version", "2"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"version", "/properties/version"}}},
		{name: "number reason", data: feat(t, with(hz(), "reason", 1), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"reason", "/properties/reason"}}},

		// Dates.
		{name: "bad date", data: feat(t, with(hz(), "identified_on", "15/03/2022"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"identified_on", "/properties/identified_on"}}, reason: `"15/03/2022" is not a date`},
		{name: "no such day", data: feat(t, with(hz(), "identified_on", "2022-02-30"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"identified_on", "/properties/identified_on"}}},
		{name: "date a number", data: feat(t, with(hz(), "identified_on", 20220315), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"identified_on", "/properties/identified_on"}}, reason: "must be a string"},
		{name: "bad completed_on", data: feat(t, with(rl(), "completed_on", "yesterday"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"completed_on", "/properties/completed_on"}}},
		{name: "bad changed_on", data: feat(t, with(hz(), "changed_on", "2023-13-01"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"changed_on", "/properties/changed_on"}}},

		// Record.
		{name: "record missing", data: feat(t, with(hz(), "record", del{}), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"record", "/properties/record"}}, reason: `must be "hazard_area" or "land_release"`},
		{name: "record unknown", data: feat(t, with(hz(), "record", "minefield"), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"record", "/properties/record"}}},
		{name: "record unknown despite option", data: feat(t, with(hz(), "record", "Hazard_Area"), polygonGeom),
			opt: geojson.Options{Record: geojson.RecordHazardArea}, code: landrelease.EINVALID,
			want: []fp{{"record", "/properties/record"}}},
		{name: "record a number", data: feat(t, with(hz(), "record", 1), polygonGeom), code: landrelease.EINVALID,
			want: []fp{{"record", "/properties/record"}, {"record", "/properties/record"}}},

		// Feature members.
		{name: "type not Feature", data: []byte(`{"type":"FeatureCollection","geometry":` + polygonGeom + `,"properties":{"record":"hazard_area"}}`),
			code: landrelease.EINVALID, want: []fp{{"type", "/type"}}, reason: `must be "Feature", not "FeatureCollection"`},
		{name: "type missing", data: []byte(`{"geometry":` + polygonGeom + `,"properties":{"record":"hazard_area"}}`),
			code: landrelease.EINVALID, want: []fp{{"type", "/type"}}},
		{name: "properties missing", data: feat(t, nil, polygonGeom), opt: geojson.Options{Record: geojson.RecordHazardArea},
			code: landrelease.EINVALID, want: []fp{{"properties", "/properties"}}, reason: "is required"},
		{name: "properties null", data: []byte(`{"type":"Feature","geometry":` + polygonGeom + `,"properties":null}`),
			opt: geojson.Options{Record: geojson.RecordLandRelease}, code: landrelease.EINVALID, want: []fp{{"properties", "/properties"}}},
		{name: "properties missing, no record", data: feat(t, nil, polygonGeom),
			code: landrelease.EINVALID, want: []fp{{"properties", "/properties"}}},

		// Geometry.
		{name: "geometry null", data: []byte(`{"type":"Feature","geometry":null,"properties":` + string(mustJSON(t, hz())) + `}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry"}}, reason: "is required: a Polygon or MultiPolygon"},
		{name: "geometry missing", data: feat(t, hz(), ""), code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry"}}},
		{name: "geometry missing on a release", data: feat(t, rl(), ""), code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry"}}},
		{name: "unclosed ring", data: feat(t, hz(), `{"type":"Polygon","coordinates":[[[103.2,19.45],[103.3,19.45],[103.3,19.5],[103.2,19.5]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0"}}, reason: "differs from last", location: []float64{103.2, 19.5}},
		{name: "unclosed ring in a MultiPolygon", data: feat(t, hz(), `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[6,5],[6,6],[5,6]]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/1/0"}}, location: []float64{5, 6}},
		{name: "longitude out of range", data: feat(t, hz(), `{"type":"Polygon","coordinates":[[[103.2,19.45],[200,19.45],[103.3,19.5],[103.2,19.45]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0/1/0"}}, reason: "longitude 200 outside", location: []float64{200, 19.45}},
		{name: "latitude out of range, Z dropped from location", data: feat(t, hz(), `{"type":"Polygon","coordinates":[[[103.2,19.45,1],[103.3,95,1],[103.3,19.5,1],[103.2,19.45,1]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0/1/1"}}, location: []float64{103.3, 95}},
		{name: "projected coordinates", data: feat(t, hz(), `{"type":"Polygon","coordinates":[[[11490000,2200000],[11500000,2200000],[11500000,2210000],[11490000,2200000]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0/0/0"}}, location: []float64{11490000, 2200000}},
		{name: "Point", data: feat(t, hz(), `{"type":"Point","coordinates":[103.2,19.45]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/type"}}, reason: "type \"Point\" is not allowed"},
		{name: "geometry a string", data: feat(t, hz(), `"POLYGON((0 0,1 0,1 1,0 0))"`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry"}}},
		{name: "too few positions", data: feat(t, hz(), `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0"}}},
		{name: "ring collapses after removing repeats", data: feat(t, hz(), `{"type":"MultiPolygon","coordinates":[[[[0,0],[0,0],[1,1],[0,0]]]]}`),
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0/0"}}, reason: "after removing 1 repeated"},
		{name: "over the vertex limit", data: feat(t, hz(), polygonGeom), opt: geojson.Options{Limits: geo.Limits{MaxVertices: 4}},
			code: landrelease.EINVALID, want: []fp{{"geometry", "/geometry/coordinates/0/4"}}},

		// Several problems at once, in property order then geometry.
		{name: "several problems", data: feat(t, with(hz(), "kind", 1, "identified_on", "soon", "version", "x"), `null`),
			code: landrelease.EINVALID, want: []fp{{"kind", "/properties/kind"}, {"identified_on", "/properties/identified_on"},
				{"version", "/properties/version"}, {"geometry", "/geometry"}}},

		// Not a feature at all.
		{name: "malformed JSON", data: []byte(`{"type":"Feature",`), code: landrelease.EBADREQUEST},
		{name: "empty body", data: nil, code: landrelease.EBADREQUEST},
		{name: "blank body", data: []byte(" \n"), code: landrelease.EBADREQUEST},
		{name: "an array", data: []byte(`[` + string(feat(t, hz(), polygonGeom)) + `]`), code: landrelease.EBADREQUEST},
		{name: "a string", data: []byte(`"Feature"`), code: landrelease.EBADREQUEST},
		{name: "trailing data", data: append(feat(t, hz(), polygonGeom), " x"...), code: landrelease.EBADREQUEST},
		{name: "two features", data: append(feat(t, hz(), polygonGeom), feat(t, hz(), polygonGeom)...), code: landrelease.EBADREQUEST},
		{name: "trailing number", data: append(feat(t, hz(), polygonGeom), "\n1"...), code: landrelease.EBADREQUEST},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode(c.data, c.opt)
			if got := landrelease.ErrorCode(err); got != c.code {
				t.Fatalf("ErrorCode = %q, want %q (err %v, details %+v)", got, c.code, err, landrelease.ErrorDetails(err))
			}
			var le *landrelease.Error
			if !errors.As(err, &le) || le.Message == "" {
				t.Fatalf("error %T %v is not a *landrelease.Error with a message", err, err)
			}
			if c.code == landrelease.EBADREQUEST {
				if d != nil {
					t.Errorf("Decoded %+v with a bad_request error", d)
				}
				return
			}
			ds := landrelease.ErrorDetails(err)
			if got := fieldsAndPointers(ds); !reflect.DeepEqual(got, c.want) {
				t.Errorf("details:\n got %v\nwant %v\n(%+v)", got, c.want, ds)
			}
			if len(ds) == 0 {
				return
			}
			if !strings.Contains(le.Message, ds[0].Field) {
				t.Errorf("message %q does not name the first field %q", le.Message, ds[0].Field)
			}
			for _, dt := range ds {
				if dt.Reason == "" {
					t.Errorf("detail %+v has no reason", dt)
				}
			}
			if c.reason != "" && !strings.Contains(ds[0].Reason, c.reason) {
				t.Errorf("reason %q does not contain %q", ds[0].Reason, c.reason)
			}
			if c.location != nil && !reflect.DeepEqual(ds[0].Location, c.location) {
				t.Errorf("location %v, want %v", ds[0].Location, c.location)
			}
			if d == nil {
				t.Error("no Decoded with an invalid error")
			}
		})
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeTrailingDelimiter: any data after the feature is bad_request, a stray closing bracket too.
func TestDecodeTrailingDelimiter(t *testing.T) {
	for _, tail := range []string{"}", "]", " ]]"} {
		t.Run(tail, func(t *testing.T) {
			_, err := geojson.Decode(append(feat(t, hazardProps(), polygonGeom), tail...), geojson.Options{})
			if landrelease.ErrorCode(err) != landrelease.EBADREQUEST {
				t.Errorf("a feature followed by %q decodes (err %v): Decode checks for trailing data with "+
					"json.Decoder.More, which reports false before a '}' or ']', so such trailing data is accepted", tail, err)
			}
		})
	}
}

// TestDecodeNotAnObjectContract checks the documented contract: EBADREQUEST exactly when data is not a JSON
// object, EINVALID with pointers otherwise.
func TestDecodeNotAnObjectContract(t *testing.T) {
	cases := []struct {
		name string
		data string
		code string
		want []fp
	}{
		{"properties an array", `{"type":"Feature","geometry":` + polygonGeom + `,"properties":[]}`, landrelease.EINVALID, []fp{{"properties", "/properties"}}},
		{"type a number", `{"type":1,"geometry":` + polygonGeom + `,"properties":{"record":"hazard_area"}}`, landrelease.EINVALID, []fp{{"type", "/type"}}},
		{"JSON null", `null`, landrelease.EBADREQUEST, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := geojson.Decode([]byte(c.data), geojson.Options{})
			got := landrelease.ErrorCode(err)
			if got != c.code || (c.want != nil && !reflect.DeepEqual(fieldsAndPointers(landrelease.ErrorDetails(err)), c.want)) {
				t.Errorf("%s gives %s with details %+v; Decode's doc promises EBADREQUEST only when data is not a JSON "+
					"object and EINVALID with a pointer otherwise (want %s %v): a member of the wrong JSON type makes "+
					"json.Decoder fail as a whole, and JSON null decodes into the zero struct",
					c.data, got, landrelease.ErrorDetails(err), c.code, c.want)
			}
		})
	}
}

// TestDecodeRoundTrip encodes domain values as a client would send them and decodes them back.
func TestDecodeRoundTrip(t *testing.T) {
	depth := 40
	hazards := []*landrelease.HazardArea{
		{
			LocalID: "LA-XK-2022-0001", Kind: landrelease.KindCHA, Contamination: landrelease.ContaminationMixed,
			Evidence: landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"},
			Devices:  []string{"BLU-26", "BLU-63", "M42"}, Marking: landrelease.MarkingFenced,
			Priority: landrelease.PriorityMedium, LandUse: landrelease.LandUseResidential,
			IdentifiedOn: date(2019, 11, 2), Organisation: "Mines Advisory Group", Status: landrelease.StatusClosed,
			Notes:    "near the school\nsecond line",
			Geometry: orb.MultiPolygon{{ring(103.2, 19.45, 0.01), reverse(ring(103.202, 19.452, 0.002))}},
		},
		{
			LocalID: "LA-SV-2024-0107", Kind: landrelease.KindSHA, Contamination: landrelease.ContaminationCMR,
			Evidence: landrelease.Evidence{Type: landrelease.EvidenceIndirect}, Marking: landrelease.MarkingNone,
			IdentifiedOn: date(2024, 2, 29), Organisation: "UXO Lao", Status: landrelease.StatusOpen,
			Geometry: orb.MultiPolygon{{ring(106.4, 16.5, 0.001)}, {ring(106.41, 16.5, 0.001)}},
		},
	}
	for _, h := range hazards {
		t.Run(h.LocalID, func(t *testing.T) {
			data := mustJSON(t, geojson.HazardInputFeature(h))
			d, err := geojson.Decode(data, geojson.Options{})
			if err != nil {
				t.Fatalf("Decode(%s): %v %+v", data, err, landrelease.ErrorDetails(err))
			}
			if !reflect.DeepEqual(d.Hazard, h) {
				t.Errorf("round trip:\n got %+v\nwant %+v\n(%s)", d.Hazard, h, data)
			}
			if len(d.Warnings) != 0 {
				t.Errorf("Warnings %+v", d.Warnings)
			}
		})
	}
	releases := []*landrelease.LandRelease{
		{
			LocalID: "LA-XK-2022-0001-C1", HazardArea: "LA-XK-2022-0001", Method: landrelease.MethodCleared,
			CompletedOn: date(2023, 5, 20), Organisation: "HALO Trust", Criteria: "IMAS 09.10", DepthCM: &depth,
			ItemsDestroyed: map[string]int{"BLU-26": 4, "BLU-63": 1, "a/b": 0},
			Geometry:       orb.MultiPolygon{{ring(103.2, 19.45, 0.0005)}},
		},
		{
			LocalID: "LA-XK-2022-0001-R1", HazardArea: "LA-XK-2022-0001", Method: landrelease.MethodCancelled,
			CompletedOn: date(2020, 1, 1), Organisation: "NRA",
			Geometry: orb.MultiPolygon{{ring(103.2, 19.45, 0.0005)}, {ring(103.21, 19.45, 0.0005)}},
		},
	}
	for _, r := range releases {
		t.Run(r.LocalID, func(t *testing.T) {
			data := mustJSON(t, geojson.ReleaseInputFeature(r))
			d, err := geojson.Decode(data, geojson.Options{})
			if err != nil {
				t.Fatalf("Decode(%s): %v %+v", data, err, landrelease.ErrorDetails(err))
			}
			if !reflect.DeepEqual(d.Release, r) {
				t.Errorf("round trip:\n got %+v\nwant %+v\n(%s)", d.Release, r, data)
			}
			if len(d.Warnings) != 0 {
				t.Errorf("Warnings %+v", d.Warnings)
			}
		})
	}
}

// reverse returns r reversed (a clockwise ring from a counterclockwise one).
func reverse(r orb.Ring) orb.Ring {
	c := append(orb.Ring(nil), r...)
	c.Reverse()
	return c
}

// sampleHazard is a hazard area as the registry returns it.
func sampleHazard() *landrelease.HazardArea {
	since := date(2024, 1, 15)
	return &landrelease.HazardArea{
		LocalID: "LA-XK-2022-0001", Kind: landrelease.KindCHA, Contamination: landrelease.ContaminationCMR,
		Evidence: landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"},
		Devices:  []string{"BLU-26"}, Marking: landrelease.MarkingMarked, Priority: landrelease.PriorityHigh,
		LandUse: landrelease.LandUseAgriculture, IdentifiedOn: date(2022, 3, 15), Organisation: "UXO Lao",
		Status: landrelease.StatusOpen, Notes: "n",
		Geometry:  orb.MultiPolygon{{ring(103.2, 19.45, 0.01)}},
		Remaining: orb.MultiPolygon{{ring(103.2, 19.45, 0.004)}, {ring(103.206, 19.45, 0.004)}},
		ID:        7, Version: 3, ValidFrom: date(2023, 1, 10),
		RecordedAt: time.Date(2024, 2, 1, 16, 30, 0, 500, time.FixedZone("ICT", 7*3600)),
		RecordedBy: "dm", Reason: "reclassified", ReleasesSince: &since,
		AreaM2: 1234567.891, RemainingAreaM2: 400000.006,
		Admin1: &landrelease.AdminRef{Code: "LAO-3286", Name: "Xiangkhoang"},
	}
}

// propsOf marshals f and returns its members and properties as generic JSON.
func propsOf(t *testing.T, f any) (doc, props map[string]any) {
	t.Helper()
	if err := json.Unmarshal(mustJSON(t, f), &doc); err != nil {
		t.Fatal(err)
	}
	props, _ = doc["properties"].(map[string]any)
	return doc, props
}

func geometryType(doc map[string]any) any {
	g, ok := doc["geometry"].(map[string]any)
	if !ok {
		return doc["geometry"]
	}
	return g["type"]
}

func TestHazardOutput(t *testing.T) {
	h := sampleHazard()
	f := geojson.Hazard(h, false)
	if f.Type != "Feature" || f.ID != h.LocalID {
		t.Errorf("Type %q, ID %q", f.Type, f.ID)
	}
	doc, p := propsOf(t, f)
	want := map[string]any{
		"record": "hazard_area", "local_id": "LA-XK-2022-0001", "kind": "CHA", "contamination": "cmr",
		"evidence": "direct", "evidence_category": "items_seen", "devices": []any{"BLU-26"}, "marking": "marked",
		"priority": "high", "land_use": "agriculture", "identified_on": "2022-03-15", "organisation": "UXO Lao",
		"status": "open", "status_reason": "", "notes": "n", "area_m2": 1234567.89, "remaining_area_m2": 400000.01,
		"admin1_code": "LAO-3286", "admin1_name": "Xiangkhoang", "admin2_code": nil, "admin2_name": nil,
		"version": 3.0, "valid_from": "2023-01-10", "recorded_at": "2024-02-01T09:30:00.0000005Z",
		"recorded_by": "dm", "reason": "reclassified", "releases_since": "2024-01-15", "withdrawn": false,
		"residual": false,
	}
	if !reflect.DeepEqual(p, want) {
		for k := range want {
			if !reflect.DeepEqual(p[k], want[k]) {
				t.Errorf("properties[%q] = %#v, want %#v", k, p[k], want[k])
			}
		}
		for k := range p {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected property %q = %#v", k, p[k])
			}
		}
	}
	for k, v := range p {
		if _, nested := v.(map[string]any); nested {
			t.Errorf("property %q is an object; properties must be flat", k)
		}
	}
	if doc["id"] != "LA-XK-2022-0001" || doc["type"] != "Feature" {
		t.Errorf("id %v, type %v", doc["id"], doc["type"])
	}
	if g := geometryType(doc); g != "Polygon" {
		t.Errorf("geometry type %v, want Polygon", g)
	}
	if got, ok := f.Geometry.Geometry().(orb.Polygon); !ok || !got.Equal(h.Geometry[0]) {
		t.Errorf("geometry %v, want %v", f.Geometry.Geometry(), h.Geometry[0])
	}
}

func TestHazardOutputGeometry(t *testing.T) {
	two := orb.MultiPolygon{{ring(103.2, 19.45, 0.01)}, {ring(103.3, 19.45, 0.01)}}
	one := orb.MultiPolygon{{ring(103.2, 19.45, 0.004)}}
	cases := []struct {
		name          string
		geometry      orb.MultiPolygon
		remaining     orb.MultiPolygon
		withRemaining bool
		wantType      any
		want          orb.Geometry
	}{
		{"one part is a Polygon", one, nil, false, "Polygon", one[0]},
		{"two parts are a MultiPolygon", two, nil, false, "MultiPolygon", two},
		{"remaining drawn", two, one, true, "Polygon", one[0]},
		{"remaining in two parts", one, two, true, "MultiPolygon", two},
		{"nothing remaining is a null geometry", two, nil, true, nil, nil},
		{"remaining ignored without withRemaining", one, two, false, "Polygon", one[0]},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := sampleHazard()
			h.Geometry, h.Remaining = c.geometry, c.remaining
			f := geojson.Hazard(h, c.withRemaining)
			doc, _ := propsOf(t, f)
			if got := geometryType(doc); got != c.wantType {
				t.Errorf("geometry type %v, want %v", got, c.wantType)
			}
			if _, ok := doc["geometry"]; !ok {
				t.Error("no geometry member; RFC 7946 requires one, null when there is none")
			}
			if c.want == nil {
				if f.Geometry != nil {
					t.Errorf("geometry %v, want nil", f.Geometry)
				}
				return
			}
			if f.Geometry == nil || !orb.Equal(f.Geometry.Geometry(), c.want) {
				t.Errorf("geometry %v, want %v", f.Geometry, c.want)
			}
		})
	}
}

func TestHazardOutputEmpty(t *testing.T) {
	// A minimal hazard area: nil devices become [], no admin units and no releases_since are null.
	h := &landrelease.HazardArea{LocalID: "X", Geometry: orb.MultiPolygon{{ring(0, 0, 1)}}}
	_, p := propsOf(t, geojson.Hazard(h, false))
	if d, ok := p["devices"].([]any); !ok || len(d) != 0 {
		t.Errorf("devices = %#v, want []", p["devices"])
	}
	for _, k := range []string{"admin1_code", "admin1_name", "admin2_code", "admin2_name", "releases_since"} {
		if v, ok := p[k]; !ok || v != nil {
			t.Errorf("%s = %#v (present %v), want null", k, v, ok)
		}
	}
	if p["identified_on"] != "" || p["valid_from"] != "" {
		t.Errorf("identified_on %#v, valid_from %#v; want empty", p["identified_on"], p["valid_from"])
	}
}

func TestReleaseOutput(t *testing.T) {
	depth := 30
	r := &landrelease.LandRelease{
		LocalID: "LA-XK-2022-0001-C1", HazardArea: "LA-XK-2022-0001", Method: landrelease.MethodCleared,
		CompletedOn: date(2023, 5, 20), Organisation: "HALO Trust", Criteria: "c", DepthCM: &depth,
		ItemsDestroyed: map[string]int{"BLU-26": 4},
		Geometry:       orb.MultiPolygon{{ring(103.2, 19.45, 0.0005)}, {ring(103.201, 19.45, 0.0005)}},
		ID:             3, Version: 2, RecordedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC), RecordedBy: "dm",
		Reason: "corrected", AreaM2: 5432.109,
	}
	f := geojson.Release(r)
	if f.Type != "Feature" || f.ID != r.LocalID {
		t.Errorf("Type %q, ID %q", f.Type, f.ID)
	}
	doc, p := propsOf(t, f)
	want := map[string]any{
		"record": "land_release", "local_id": "LA-XK-2022-0001-C1", "hazard_area": "LA-XK-2022-0001",
		"method": "cleared", "completed_on": "2023-05-20", "organisation": "HALO Trust", "criteria": "c",
		"depth_cm": 30.0, "items_destroyed": map[string]any{"BLU-26": 4.0}, "area_m2": 5432.11, "version": 2.0,
		"recorded_at": "2024-03-01T00:00:00Z", "recorded_by": "dm", "reason": "corrected", "withdrawn": false,
		"beneficiaries": nil, "land_use_after": "",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("properties:\n got %v\nwant %v", p, want)
	}
	r.Beneficiaries, r.LandUseAfter = &landrelease.Beneficiaries{Women: 12, Girls: 7, Boys: 9, Men: 11, WithDisabilities: 2}, landrelease.LandUseAgriculture
	_, p = propsOf(t, geojson.Release(r))
	if b := p["beneficiaries"]; !reflect.DeepEqual(b, map[string]any{"women": 12.0, "girls": 7.0, "boys": 9.0, "men": 11.0, "with_disabilities": 2.0}) || p["land_use_after"] != "agriculture" {
		t.Errorf("beneficiaries %#v, land_use_after %#v", b, p["land_use_after"])
	}
	if g := geometryType(doc); g != "MultiPolygon" {
		t.Errorf("geometry type %v, want MultiPolygon", g)
	}

	r.DepthCM, r.ItemsDestroyed, r.Geometry = nil, nil, r.Geometry[:1]
	doc, p = propsOf(t, geojson.Release(r))
	if v, ok := p["depth_cm"]; !ok || v != nil {
		t.Errorf("depth_cm = %#v, want null", v)
	}
	if m, ok := p["items_destroyed"].(map[string]any); !ok || len(m) != 0 {
		t.Errorf("items_destroyed = %#v, want {}", p["items_destroyed"])
	}
	if g := geometryType(doc); g != "Polygon" {
		t.Errorf("geometry type %v, want Polygon", g)
	}
}

// TestOutputSentBack: a client may send a feature it read back unchanged; the output-only properties are
// ignored without warnings and the rest decodes to the same values.
func TestOutputSentBack(t *testing.T) {
	h := sampleHazard()
	d, err := geojson.Decode(mustJSON(t, geojson.Hazard(h, false)), geojson.Options{})
	if err != nil {
		t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
	}
	if len(d.Warnings) != 0 {
		t.Errorf("hazard warnings %+v", d.Warnings)
	}
	want := *h
	want.Remaining, want.ID, want.Version, want.ValidFrom, want.RecordedAt, want.RecordedBy = nil, 0, 0, time.Time{}, time.Time{}, ""
	want.Reason, want.StatusReason, want.ReleasesSince, want.AreaM2, want.RemainingAreaM2, want.Admin1 = "", "", nil, 0, 0, nil
	if !reflect.DeepEqual(d.Hazard, &want) {
		t.Errorf("hazard:\n got %+v\nwant %+v", d.Hazard, &want)
	}
	if d.Version != 3 || d.Reason != "reclassified" {
		t.Errorf("Version %d, Reason %q; want 3, reclassified", d.Version, d.Reason)
	}

	depth := 10
	r := &landrelease.LandRelease{LocalID: "R1", HazardArea: "H1", Method: landrelease.MethodCleared, CompletedOn: date(2023, 1, 2),
		Organisation: "o", DepthCM: &depth, ItemsDestroyed: map[string]int{"M42": 2}, Geometry: orb.MultiPolygon{{ring(1, 1, 1)}},
		Version: 4, RecordedAt: time.Now(), RecordedBy: "x", Reason: "y", Withdrawn: true, AreaM2: 12}
	d, err = geojson.Decode(mustJSON(t, geojson.Release(r)), geojson.Options{})
	if err != nil {
		t.Fatalf("Decode: %v %+v", err, landrelease.ErrorDetails(err))
	}
	if len(d.Warnings) != 0 {
		t.Errorf("release warnings %+v", d.Warnings)
	}
	wantR := &landrelease.LandRelease{LocalID: "R1", HazardArea: "H1", Method: landrelease.MethodCleared, CompletedOn: date(2023, 1, 2),
		Organisation: "o", DepthCM: &depth, ItemsDestroyed: map[string]int{"M42": 2}, Geometry: orb.MultiPolygon{{ring(1, 1, 1)}}}
	if !reflect.DeepEqual(d.Release, wantR) {
		t.Errorf("release:\n got %+v\nwant %+v", d.Release, wantR)
	}
	if d.Version != 4 || d.Reason != "y" {
		t.Errorf("Version %d, Reason %q; want 4, y", d.Version, d.Reason)
	}
}

func TestCollectionJSON(t *testing.T) {
	c := geojson.Collection[geojson.ReleaseProperties]{Type: "FeatureCollection",
		Features: []geojson.Feature[geojson.ReleaseProperties]{}, NumberReturned: 0}
	var doc map[string]any
	if err := json.Unmarshal(mustJSON(t, c), &doc); err != nil {
		t.Fatal(err)
	}
	if f, ok := doc["features"].([]any); !ok || len(f) != 0 {
		t.Errorf("features = %#v, want []", doc["features"])
	}
	if _, ok := doc["links"]; ok {
		t.Error("links present though empty")
	}
	if _, ok := doc["timeStamp"]; ok {
		t.Error("timeStamp present though empty")
	}
}

// TestDecodeMemberNames: GeoJSON member names are case-sensitive (RFC 7946, as geo.Decode treats them), and a
// feature holds each member once.
func TestDecodeMemberNames(t *testing.T) {
	props := string(mustJSON(t, hazardProps()))
	for _, c := range []struct{ name, data string }{
		{"TYPE", `{"TYPE":"Feature","geometry":` + polygonGeom + `,"properties":` + props + `}`},
		{"Properties", `{"type":"Feature","geometry":` + polygonGeom + `,"Properties":` + props + `}`},
		{"Geometry", `{"type":"Feature","Geometry":` + polygonGeom + `,"properties":` + props + `}`},
		{"duplicate type", `{"type":"FeatureCollection","type":"Feature","geometry":` + polygonGeom + `,"properties":` + props + `}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := geojson.Decode([]byte(c.data), geojson.Options{})
			if err == nil {
				t.Errorf("%s decodes as a valid %s: Decode reads the feature with encoding/json into a struct, "+
					"which matches member names case-insensitively and keeps the last of repeated members", c.data, d.Record)
			}
		})
	}
}
