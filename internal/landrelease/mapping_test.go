package landrelease

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseMapping(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		wantErr []string // pointers of the details, in order; nil: valid
	}{
		{"empty", `{}`, nil},
		{"full", `{"name":"district-team","fields":{"HAZ_ID":"local_id","Status":"kind"},"constants":{"record":"hazard_area","version":0},"values":{"kind":{"Suspected":"SHA"}}}`, nil},
		{"unknown member", `{"field":{"a":"kind"}}`, []string{""}},
		{"not an object", `[1]`, []string{""}},
		{"trailing data", `{} {}`, []string{""}},
		{"trailing bracket", `{}]`, []string{""}},
		{"trailing brace", `{"name":"a"}}`, []string{""}},
		{"trailing space", "{} \n\t", nil},
		{"saved fields", `{"name":"a","version":3,"updated_by":"x","updated_at":"2024-01-02T03:04:05Z","preset":true}`, nil},
		{"negative version", `{"version":-1}`, []string{"/version"}},
		{"bad name", `{"name":"Team A"}`, []string{"/name"}},
		{"unknown target", `{"fields":{"A":"kindd"}}`, []string{"/fields/A"}},
		{"two sources one target", `{"fields":{"A":"kind","B":"kind"}}`, []string{"/fields/B"}},
		{"empty source", `{"fields":{" ":"kind"}}`, []string{"/fields/ "}},
		{"unknown constant", `{"constants":{"colour":"red"}}`, []string{"/constants/colour"}},
		{"constant of the wrong shape", `{"constants":{"identified_on":"yesterday","version":"two"}}`, []string{"/constants/identified_on", "/constants/version"}},
		{"unknown value table", `{"values":{"colour":{"a":"b"}}}`, []string{"/values/colour"}},
		{"beneficiary members", `{"fields":{"F":"beneficiaries.women","G":"beneficiaries.girls"}}`, nil},
		{"unknown beneficiary member", `{"fields":{"X":"beneficiaries.elders"}}`, []string{"/fields/X"}},
		{"escaped pointer", `{"fields":{"a/b":"nope"}}`, []string{"/fields/a~1b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping([]byte(tt.doc))
			if tt.wantErr == nil {
				if err != nil || m == nil {
					t.Fatalf("ParseMapping: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID {
				t.Fatalf("err = %v, want EINVALID", err)
			}
			var got []string
			for _, d := range e.Details {
				got = append(got, d.Pointer)
			}
			if !reflect.DeepEqual(got, tt.wantErr) {
				t.Errorf("pointers = %q, want %q (%v)", got, tt.wantErr, e.Details)
			}
		})
	}
	if _, err := ParseMapping([]byte(`{"description":"` + strings.Repeat("x", MaxMappingBytes) + `"}`)); err == nil {
		t.Error("a mapping over MaxMappingBytes was accepted")
	}
	if m, err := ParseMapping([]byte(`{"preset":true}`)); err != nil || m.Preset {
		t.Errorf("a sent mapping claimed to be a preset: %+v, %v", m, err)
	}
	if m, err := ParseMapping([]byte(`{"version":3,"updated_by":"x","updated_at":"2024-01-02T03:04:05Z"}`)); err != nil ||
		m.Version != 3 || m.UpdatedBy != "" || m.UpdatedAt != nil {
		t.Errorf("a sent mapping kept the service's fields or lost its version: %+v, %v", m, err)
	}
	for _, name := range []string{"a", "imsma-core.v2_x", strings.Repeat("a", 64)} {
		if err := CheckMappingName(name); err != nil {
			t.Errorf("CheckMappingName(%q): %v", name, err)
		}
	}
	for _, name := range []string{"", "A", "-a", "a b", "a/b", strings.Repeat("a", 65)} {
		if ErrorCode(CheckMappingName(name)) != EINVALID {
			t.Errorf("CheckMappingName(%q) accepted it", name)
		}
	}
}

func TestMappingApply(t *testing.T) {
	m, err := ParseMapping([]byte(`{
		"fields": {"HAZ_ID": "local_id", "Status": "kind", "found": "identified_on", "Depth": "depth_cm"},
		"constants": {"record": "hazard_area", "organisation": "NPA", "contamination": "cmr"},
		"values": {"kind": {"Suspected": "SHA", "Confirmed": "CHA"}, "marking": {"yes": "marked"}, "priority": {"1": "high", "true": "low"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		m     *Mapping
		props map[string]any
		want  map[string]any
	}{
		{"renamed, values and constants", m,
			map[string]any{"HAZ_ID": 1234.0, "Status": "Suspected", "FOUND": "2024/03/05", "marking": " YES ", "Colour": "red"},
			map[string]any{"local_id": "1234", "kind": "SHA", "identified_on": "2024-03-05", "marking": "marked",
				"record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"own value beats the constant", m,
			map[string]any{"HAZ_ID": "A-1", "organisation": "HALO", "Status": "confirmed"},
			map[string]any{"local_id": "A-1", "organisation": "HALO", "kind": "CHA", "record": "hazard_area", "contamination": "cmr"}},
		{"blank own value takes the constant", m,
			map[string]any{"HAZ_ID": "A-2", "organisation": "  ", "Status": nil},
			map[string]any{"local_id": "A-2", "organisation": "NPA", "record": "hazard_area", "contamination": "cmr"}},
		{"unmapped value passes", m,
			map[string]any{"Status": "Maybe"},
			map[string]any{"kind": "Maybe", "record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"numbers from text, text from numbers", m,
			map[string]any{"Depth": "20", "version": "3", "priority": 2.0, "notes": 1.5},
			map[string]any{"depth_cm": int64(20), "version": int64(3), "priority": "2", "notes": "1.5", "record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"coded values matched by their text", m,
			map[string]any{"priority": 1.0},
			map[string]any{"priority": "high", "record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"a boolean matched by its text", m,
			map[string]any{"priority": true},
			map[string]any{"priority": "low", "record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"unreadable value kept for the rules", m,
			map[string]any{"Depth": "deep", "found": "last week"},
			map[string]any{"depth_cm": "deep", "identified_on": "last week", "record": "hazard_area", "organisation": "NPA", "contamination": "cmr"}},
		{"beneficiaries from fields of their own", &Mapping{Fields: map[string]string{"F": "beneficiaries.women", "M": "beneficiaries.men", "PWD": "beneficiaries.with_disabilities"}},
			map[string]any{"F": "12", "M": 10.0, "PWD": "", "land_use_after": "agriculture"},
			map[string]any{"beneficiaries": map[string]any{"women": int64(12), "men": int64(10)}, "land_use_after": "agriculture"}},
		{"beneficiaries fields join the file's object", &Mapping{Fields: map[string]string{"M": "beneficiaries.men"}},
			map[string]any{"M": "3", "beneficiaries": map[string]any{"girls": 2.0, "men": 1.0}},
			map[string]any{"beneficiaries": map[string]any{"girls": 2.0, "men": 1.0}}},
		{"beneficiaries from the exports' columns", nil,
			map[string]any{"beneficiaries_women": 7.0, "beneficiaries_girls": "1", "beneficiaries_boys": nil, "beneficiaries_men": 3.0,
				"beneficiaries_with_disabilities": 2.0, "beneficiaries_elders": 4.0, "land_use_after": "residential"},
			map[string]any{"beneficiaries": map[string]any{"women": int64(7), "girls": int64(1), "men": int64(3), "with_disabilities": int64(2)},
				"land_use_after": "residential"}},
		{"a release without beneficiaries in the exports' columns", nil,
			map[string]any{"beneficiaries_women": nil, "beneficiaries_girls": nil, "local_id": "R-1"},
			map[string]any{"local_id": "R-1"}},
		{"a mapped field beats the exports' column", &Mapping{Fields: map[string]string{"W": "beneficiaries.women", "beneficiaries_men": "notes"}},
			map[string]any{"W": 5.0, "beneficiaries_women": 9.0, "beneficiaries_men": "x"},
			map[string]any{"beneficiaries": map[string]any{"women": int64(5)}, "notes": "x"}},
		{"nil mapping keeps our names and shapes them", nil,
			map[string]any{"local_id": 7.0, "completed_on": "2024-03-05T10:00:00Z", "depth_cm": "15", "OTHER": "x"},
			map[string]any{"local_id": "7", "completed_on": "2024-03-05", "depth_cm": int64(15)}},
		{"items from JSON text (a file's fields hold no objects)", nil,
			map[string]any{"items_destroyed": `{ "BLU-26": 2 }`},
			map[string]any{"items_destroyed": map[string]any{"BLU-26": json.Number("2")}}},
		{"items that are not an object kept for the rules", nil,
			map[string]any{"items_destroyed": "two bombs"},
			map[string]any{"items_destroyed": "two bombs"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.Apply(tt.props); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Apply = %#v\nwant    %#v", got, tt.want)
			}
		})
	}
}

func TestMappingCheckFields(t *testing.T) {
	m := &Mapping{Fields: map[string]string{"HAZ_ID": "local_id", "Status": "kind", "Gone": "notes"}}
	err := m.CheckFields([]string{"haz_id", "Status", "Other"})
	var e *Error
	if !errors.As(err, &e) || e.Code != EINVALID || len(e.Details) != 1 || e.Details[0].Pointer != "/fields/Gone" ||
		!strings.Contains(e.Details[0].Reason, `"Gone"`) {
		t.Fatalf("CheckFields = %v, want one detail for Gone", err)
	}
	if err := m.CheckFields([]string{"HAZ_ID", "status", "gone"}); err != nil {
		t.Errorf("CheckFields with every field (case apart): %v", err)
	}
	if err := (*Mapping)(nil).CheckFields(nil); err != nil {
		t.Errorf("nil mapping: %v", err)
	}
	if got := m.SourceOf("kind"); got != "Status" {
		t.Errorf("SourceOf(kind) = %q", got)
	}
}

// TestMappingMatchesAreDeterministic: when several keys match ignoring case, the least in byte order wins, every
// time, whatever the maps' order: source field "STATUS" before "Status", value key " Sha" before "SHA " and "sha".
func TestMappingMatchesAreDeterministic(t *testing.T) {
	m := &Mapping{Fields: map[string]string{"status": "kind"},
		Values: map[string]map[string]string{"kind": {" Sha": "SHA", "SHA ": "CHA", "sha": "other"}}}
	for range 50 {
		if got := m.Apply(map[string]any{"STATUS": "Sha", "Status": "unmapped"}); got["kind"] != "SHA" {
			t.Fatalf("Apply = %v, want kind SHA", got)
		}
	}
}
