package landrelease_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestMappingPresets applies each IMSMA Core preset to a feature of that layer (testdata/imsma-core-*.geojson:
// imsma_id, imsma_links and the editor-tracking fields IMSMA Core's documentation names, and fields a programme
// names its own way, which the documentation does not give). The preset alone gives the local id, the record
// and, for a release, the hazard area, and leaves exactly the rest; the preset with the programme's own fields
// added decodes as a valid hazard area or land release.
func TestMappingPresets(t *testing.T) {
	today := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		preset, file string
		// leaves: the properties the decoder reports missing after the preset alone.
		leaves []string
		// own: the programme's additions to a copy of the preset.
		fields    map[string]string
		constants map[string]any
		values    map[string]map[string]string
		check     func(t *testing.T, d *landrelease.UploadFeature)
	}{
		{landrelease.PresetIMSMACoreHazard, "testdata/imsma-core-hazard.geojson",
			[]string{"contamination", "evidence", "identified_on", "kind", "organisation"},
			map[string]string{"classification": "kind", "found_on": "identified_on", "org": "organisation"},
			map[string]any{"contamination": "cmr", "evidence": "direct", "evidence_category": "items_seen", "priority": "high", "land_use": "agriculture"},
			map[string]map[string]string{"kind": {"Suspected": "SHA", "Confirmed": "CHA"}},
			func(t *testing.T, d *landrelease.UploadFeature) {
				h := d.Hazard
				if h == nil || h.LocalID != "hazard_poly_145" || h.Kind != landrelease.KindCHA || h.Organisation != "UXO Lao" ||
					!h.IdentifiedOn.Equal(time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)) {
					t.Fatalf("hazard area %+v", h)
				}
			}},
		{landrelease.PresetIMSMACoreLandRelease, "testdata/imsma-core-land-release.geojson",
			[]string{"completed_on", "method", "organisation"},
			map[string]string{"outcome": "method", "completed": "completed_on", "org": "organisation", "criteria_text": "criteria"},
			nil,
			map[string]map[string]string{"method": {"NTS": "cancelled", "TS": "reduced", "Clearance": "cleared"}},
			func(t *testing.T, d *landrelease.UploadFeature) {
				r := d.Release
				if r == nil || r.LocalID != "release_poly_7" || r.HazardArea != "hazard_poly_145" || r.Method != landrelease.MethodReduced ||
					r.Organisation != "NPA" {
					t.Fatalf("land release %+v", r)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.preset, func(t *testing.T) {
			p := landrelease.MappingPreset(tt.preset)
			if p == nil || !p.Preset || p.Name != tt.preset {
				t.Fatalf("preset %q: %+v", tt.preset, p)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the preset is not valid: %v", err)
			}
			feature := readFeature(t, tt.file)
			var props map[string]any
			if err := json.Unmarshal(feature["properties"], &props); err != nil {
				t.Fatal(err)
			}
			fields := make([]string, 0, len(props))
			for k := range props {
				fields = append(fields, k)
			}
			if err := p.CheckFields(fields); err != nil {
				t.Fatalf("the layer lacks a field the preset reads: %v", err)
			}

			_, err := decode(t, feature, p.Apply(props), today)
			var missing []string
			if e, ok := err.(*landrelease.Error); ok {
				for _, d := range e.Details {
					missing = append(missing, d.Field)
				}
			}
			slices.Sort(missing)
			if !slices.Equal(missing, tt.leaves) {
				t.Errorf("the preset alone leaves %v (%v), want %v", missing, err, tt.leaves)
			}

			own := landrelease.MappingPreset(tt.preset)
			own.Name, own.Preset = "our-"+tt.preset, false
			for k, v := range tt.fields {
				own.Fields[k] = v
			}
			for k, v := range tt.constants {
				own.Constants[k] = v
			}
			own.Values = tt.values
			b, err := json.Marshal(own)
			if err != nil {
				t.Fatal(err)
			}
			m, err := landrelease.ParseMapping(b)
			if err != nil {
				t.Fatalf("the programme's mapping: %v", err)
			}
			d, err := decode(t, feature, m.Apply(props), today)
			if err != nil {
				t.Fatalf("with the programme's fields: %v", err)
			}
			tt.check(t, d)
		})
	}
	// A release linked to more than its hazard area: imsma_links is a list, refused as the hazard area.
	feature := readFeature(t, "testdata/imsma-core-land-release.geojson")
	props := map[string]any{"imsma_id": "release_poly_8", "imsma_links": "hazard_poly_145,organization_2", "method": "reduced",
		"completed_on": "2023-06-01", "organisation": "NPA", "criteria": "technical survey"}
	_, err := decode(t, feature, landrelease.MappingPreset(landrelease.PresetIMSMACoreLandRelease).Apply(props), today)
	if e, ok := err.(*landrelease.Error); !ok || len(e.Details) != 1 || e.Details[0].Field != "hazard_area" {
		t.Errorf("several links as the hazard area: %v", err)
	}

	if got := landrelease.MappingPresets(); len(got) != 2 || got[0].Name != landrelease.PresetIMSMACoreHazard ||
		got[1].Name != landrelease.PresetIMSMACoreLandRelease {
		t.Errorf("MappingPresets = %v", got)
	}
	a, b := landrelease.MappingPreset(landrelease.PresetIMSMACoreHazard), landrelease.MappingPreset(landrelease.PresetIMSMACoreHazard)
	a.Fields["x"] = "notes"
	if _, shared := b.Fields["x"]; shared {
		t.Error("MappingPreset returns a shared map")
	}
	if landrelease.MappingPreset("nope") != nil {
		t.Error("MappingPreset of an unknown name")
	}
}

// readFeature returns the members of the first feature of a FeatureCollection file.
func readFeature(t *testing.T, file string) map[string]json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fc struct {
		Features []map[string]json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("%s: %v", file, err)
	}
	return fc.Features[0]
}

// decode decodes feature with props as its properties, as an upload's feature, and validates its record.
func decode(t *testing.T, feature map[string]json.RawMessage, props map[string]any, today time.Time) (*landrelease.UploadFeature, error) {
	t.Helper()
	pb, err := json.Marshal(props)
	if err != nil {
		t.Fatal(err)
	}
	f := map[string]json.RawMessage{"type": feature["type"], "geometry": feature["geometry"], "properties": pb}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	d, err := geojson.Decode(b, geojson.Options{})
	switch {
	case err != nil:
		return d, err
	case d.Hazard != nil:
		return d, d.Hazard.Validate(today)
	case d.Release != nil:
		return d, d.Release.Validate(today)
	}
	t.Fatalf("decoded neither record: %+v", d)
	return nil, nil
}
