package api

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestMergePatch holds mergePatch to the examples of RFC 7396, appendix A.
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	} {
		var target, patch, want any
		for i, s := range []string{tc.target, tc.patch, tc.want} {
			if err := json.Unmarshal([]byte(s), []*any{&target, &patch, &want}[i]); err != nil {
				t.Fatal(err)
			}
		}
		if got := mergePatch(target, patch); !reflect.DeepEqual(got, want) {
			t.Errorf("%s + %s = %v, want %s", tc.target, tc.patch, got, tc.want)
		}
	}
}

// TestPatched: a patch applied to the current feature keeps what it leaves out, drops the current version's
// reason, names what it changed as the reason unless it gives one, and takes If-Match as the version changed.
func TestPatched(t *testing.T) {
	current := func() *anyFeature {
		var f anyFeature
		if err := json.Unmarshal([]byte(`{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[]},
			"properties":{"local_id":"LA-1","kind":"SHA","marking":"none","notes":"a","version":3,"reason":"identified"}}`), &f); err != nil {
			t.Fatal(err)
		}
		return &f
	}
	for _, tc := range []struct {
		patch   string
		ifMatch int
		want    string
	}{
		{`{"properties":{"marking":"fenced"}}`, 0,
			`{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[]},"properties":{"local_id":"LA-1","kind":"SHA","marking":"fenced","notes":"a","version":3,"reason":"changed marking (PATCH)"}}`},
		{`{"properties":{"notes":null,"kind":"CHA","reason":"confirmed by survey","version":2}}`, 0,
			`{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[]},"properties":{"local_id":"LA-1","kind":"CHA","marking":"none","version":2,"reason":"confirmed by survey"}}`},
		{`{"geometry":{"type":"Polygon","coordinates":[[[1,2]]]},"properties":{"marking":"marked"}}`, 2,
			`{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[[[1,2]]]},"properties":{"local_id":"LA-1","kind":"SHA","marking":"marked","notes":"a","version":2,"reason":"changed geometry, marking (PATCH)"}}`},
		{`{}`, 0, `{"type":"Feature","id":"LA-1","geometry":{"type":"Polygon","coordinates":[]},"properties":{"local_id":"LA-1","kind":"SHA","marking":"none","notes":"a","version":3}}`},
	} {
		var patch map[string]any
		if err := json.Unmarshal([]byte(tc.patch), &patch); err != nil {
			t.Fatal(err)
		}
		b, err := patched(current(), patch, tc.ifMatch)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tc.want), &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s (If-Match %d):\n got %s\nwant %s", tc.patch, tc.ifMatch, b, tc.want)
		}
	}
}
