package geojson

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// mapped reads the properties of each feature of a collection through a mapping, and collects the names of
// the fields the features carry.
type mapped struct {
	m      *landrelease.Mapping
	fields []string
	seen   map[string]bool
}

// apply returns feature raw with its properties as the mapping gives them. A feature whose properties are not
// an object is returned as it is, for Decode to report.
func (m *mapped) apply(raw json.RawMessage) json.RawMessage {
	top, err := members(raw, true, true)
	if err != nil {
		return raw
	}
	pr, ok := top.m["properties"]
	if !ok || isNull(pr) {
		return raw
	}
	dec := json.NewDecoder(bytes.NewReader(pr))
	dec.UseNumber()
	var props map[string]any
	if err := dec.Decode(&props); err != nil || props == nil {
		return raw
	}
	for _, k := range sortedNames(props) {
		if !m.seen[k] {
			m.seen[k] = true
			m.fields = append(m.fields, k)
		}
	}
	out, err := json.Marshal(m.m.Apply(props))
	if err != nil {
		return raw
	}
	top.m["properties"] = out
	b, err := json.Marshal(top.m)
	if err != nil {
		return raw
	}
	return b
}

// note sets, in the feature's warnings and the details of its error, the source field of each mapped property.
func (m *mapped) note(d *Decoded, derr error) {
	for i := range d.Warnings {
		d.Warnings[i].SourceField = m.m.SourceOf(d.Warnings[i].Field)
	}
	if le, ok := derr.(*landrelease.Error); ok {
		for i := range le.Details {
			le.Details[i].SourceField = m.m.SourceOf(le.Details[i].Field)
		}
	}
}

func sortedNames(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
