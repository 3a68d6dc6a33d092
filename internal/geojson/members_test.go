package geojson

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
)

// FuzzMembers checks the fast object splitter against the token-by-token reader on valid JSON: the same members,
// the same duplicates, the same verdict. The seed corpus is in testdata/fuzz/FuzzMembers.
func FuzzMembers(f *testing.F) {
	for _, s := range []string{
		`{}`, ` { } `, `{"a":1}`, `{"a":1,"b":[1,{"c":"]}"}],"a":null}`, `{"k\u0065y":"v\"}","x":true}`,
		`{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]},"properties":{"n":-1.5e3}}`,
		`[1,2]`, `"s"`, `12`, `{"a" : { "b" : [ ] } , "c" : "" }`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		fast, ferr := split(data)
		slow, serr := membersSlow(data, true)
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("split error %v, token reader error %v for %q", ferr, serr, data)
		}
		if ferr != nil {
			return
		}
		if !slices.Equal(fast.dups, slow.dups) || len(fast.m) != len(slow.m) {
			t.Fatalf("split %v %v, token reader %v %v", fast.m, fast.dups, slow.m, slow.dups)
		}
		for k, v := range slow.m {
			if !bytes.Equal(bytes.TrimSpace(fast.m[k]), bytes.TrimSpace(v)) {
				t.Fatalf("member %q: split %q, token reader %q", k, fast.m[k], v)
			}
		}
	})
}

// TestMembers checks Members against encoding/json's reading of an object into a map of raw members: the same
// verdict and the same members, the last of a repeated name winning.
func TestMembers(t *testing.T) {
	for _, data := range []string{
		`{}`, ` {"type" : "Feature" , "geometry":{"type":"Polygon"}} `, `{"a":1,"a":2}`, `{"k\u0065y":[1, 2 ],"n":-0.5e3}`,
		`{"type":"Feature"}x`, `{"type":"Feature"`, `[{"type":"Feature"}]`, `"Feature"`, ``, `{"a":}`, `{"\xff":true}`,
	} {
		got, gerr := Members([]byte(data))
		var want map[string]json.RawMessage
		werr := json.Unmarshal([]byte(data), &want)
		if (gerr == nil) != (werr == nil) {
			t.Errorf("%q: Members error %v, encoding/json error %v", data, gerr, werr)
			continue
		}
		if gerr != nil {
			continue
		}
		if len(got) != len(want) {
			t.Errorf("%q: Members %q, encoding/json %q", data, got, want)
		}
		for k, v := range want {
			if !bytes.Equal(got[k], v) {
				t.Errorf("%q: member %q is %q, encoding/json reads %q", data, k, got[k], v)
			}
		}
	}
}
