package landrelease

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseMapping checks properties of ParseMapping, not only the absence of a panic: what it refuses is an
// EINVALID *Error whose details point into the document; what it accepts validates, is no preset, reads back
// the same from its own JSON, and applies to a feature giving only our properties. The seeds are the
// examples of mapping_test.go, the presets and docs/UPLOAD.md; the corpus the fuzzer found is under
// testdata/fuzz/FuzzParseMapping.
func FuzzParseMapping(f *testing.F) {
	for _, s := range []string{
		`{}`, `{} {}`, `{}]`, `[1]`, `null`, `{"name":"Team A"}`, `{"version":-1}`,
		`{"name":"district-team","fields":{"HAZ_ID":"local_id","Status":"kind","Found":"identified_on"},` +
			`"constants":{"record":"hazard_area","organisation":"NPA","contamination":"cmr","version":0},` +
			`"values":{"kind":{"Suspected":"SHA","Confirmed":"CHA"},"priority":{"1":"high"}}}`,
		`{"fields":{"a/b~c":"nope"}}`, `{"constants":{"identified_on":"2024/03/05","depth_cm":"20","items_destroyed":{"BLU-26":3}}}`,
		`{"constants":{"devices":["BLU-26","M14"],"notes":1e400}}`, `{"values":{"kind":{"":""}}}`,
	} {
		f.Add([]byte(s))
	}
	for _, p := range MappingPresets() {
		b, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	props := map[string]any{"HAZ_ID": 12.0, "status": "Suspected", "found": "2024-03-05", "depth_cm": "x", "notes": nil,
		"imsma_id": "hazard_poly_1", "Other": true, "items_destroyed": map[string]any{"a": 1.0}}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseMapping(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code != EINVALID || len(e.Details) == 0 {
				t.Fatalf("error %#v, want EINVALID with details", err)
			}
			for _, d := range e.Details {
				if d.Pointer != "" && !strings.HasPrefix(d.Pointer, "/") || d.Reason == "" {
					t.Fatalf("detail %+v: a pointer into the document and a reason", d)
				}
			}
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("accepted, then Validate: %v", err)
		}
		if m.Preset || m.UpdatedBy != "" || m.UpdatedAt != nil {
			t.Fatalf("a sent mapping kept the service's fields: %+v", m)
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		m2, err := ParseMapping(again)
		if err != nil {
			t.Fatalf("its own JSON %s: %v", again, err)
		}
		if !reflect.DeepEqual(m, m2) {
			t.Fatalf("read back differs:\n%+v\n%+v", m, m2)
		}
		for name := range m.Apply(props) {
			if !isUploadField(name) {
				t.Fatalf("Apply gave %q, not one of our properties", name)
			}
		}
		if err := m.CheckFields(nil); (err == nil) != (len(m.Fields) == 0) {
			t.Fatalf("CheckFields of a file without fields: %v, with %d fields mapped", err, len(m.Fields))
		}
	})
}
