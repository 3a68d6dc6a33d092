package landrelease

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Properties an upload's features may carry, by record (the upload schema's properties, read-only ones apart).
var (
	hazardUploadFields = []string{"record", "local_id", "kind", "contamination", "evidence", "evidence_category", "devices",
		"marking", "priority", "land_use", "identified_on", "organisation", "status", "notes", "version", "changed_on", "reason"}
	releaseUploadFields = []string{"record", "local_id", "hazard_area", "method", "completed_on", "organisation", "criteria",
		"depth_cm", "items_destroyed", "beneficiaries", "land_use_after", "version", "reason"}
)

// UploadFields returns the properties an uploaded feature of record (RecordHazardArea or RecordLandRelease) may
// carry, in the schema's order; any other record gives nil. The slice is the caller's.
func UploadFields(record string) []string {
	switch record {
	case RecordHazardArea:
		return slices.Clone(hazardUploadFields)
	case RecordLandRelease:
		return slices.Clone(releaseUploadFields)
	}
	return nil
}

// isUploadField reports whether name is a property of either record.
func isUploadField(name string) bool {
	return slices.Contains(hazardUploadFields, name) || slices.Contains(releaseUploadFields, name)
}

// beneficiaryMembers are the members of a release's beneficiaries, each a mapping target of its own as
// "beneficiaries.MEMBER": flat files carry the counts as fields of their own.
var beneficiaryMembers = []string{"women", "girls", "boys", "men", "with_disabilities"}

// isMappingTarget reports whether a mapping may give name a value: a property, or a member of beneficiaries.
func isMappingTarget(name string) bool {
	if m, ok := strings.CutPrefix(name, "beneficiaries."); ok {
		return slices.Contains(beneficiaryMembers, m)
	}
	return isUploadField(name)
}

// How Apply reads the values of our properties from fields that files carry as text or as numbers.
var (
	dateFields    = []string{"identified_on", "completed_on", "changed_on"}
	integerFields = []string{"version", "depth_cm"}
	listFields    = []string{"devices"}
	objectFields  = []string{"items_destroyed", "beneficiaries"}
)

// Mapping limits.
const (
	MaxMappingBytes   = 64 << 10 // a mapping document
	MaxMappingEntries = 2000     // fields, constants and value pairs together
	maxMappingName    = 64
)

var mappingName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)

// Mapping says how the properties of a file that does not use our names become an upload's properties. The
// document, as sent with an upload or saved by name:
//
//	{"name": "district-team",
//	 "fields":    {"HAZ_ID": "local_id", "Status": "kind", "Found": "identified_on"},
//	 "constants": {"record": "hazard_area", "organisation": "NPA", "contamination": "cmr"},
//	 "values":    {"kind": {"Suspected": "SHA", "Confirmed": "CHA"}}}
//
// Fields maps a source field (the file's name, matched exactly, then ignoring case) to one of our properties;
// a source field of one of our names that Fields does not map keeps its name, and every other source field is
// left out. Constants give our property a value for every feature whose own value (after Fields) is missing,
// null or blank. Values map, for one of our properties, a source value (matched exactly, then trimmed and
// ignoring case) to ours; a value the table does not name passes unchanged, for the record's rules to judge.
type Mapping struct {
	Name      string                       `json:"name,omitempty"`
	Fields    map[string]string            `json:"fields,omitempty"`
	Constants map[string]any               `json:"constants,omitempty"`
	Values    map[string]map[string]string `json:"values,omitempty"`
	// Preset is set on the mappings the service ships (read-only); a saved or sent mapping has it false.
	Preset bool `json:"preset,omitempty"`
	// Description says, for people, what files the mapping is for.
	Description string `json:"description,omitempty"`
	// Version is the saved mapping's version, 1 when first saved and one more at each save. Sent with a save,
	// it is the version replaced (0: the name must be free), as a record's version is.
	Version int `json:"version,omitempty"`
	// UpdatedBy and UpdatedAt say who saved the mapping last, and when; the service sets them (read-only).
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// ParseMapping reads a mapping document (JSON, at most MaxMappingBytes; unknown members are refused; nothing
// but white space may follow it) and validates it. Preset, UpdatedBy and UpdatedAt are the service's and are
// cleared, and empty members are nil. Its error is EINVALID with a detail per problem, each with a JSON
// pointer into the document.
func ParseMapping(b []byte) (*Mapping, error) {
	if len(b) > MaxMappingBytes {
		return nil, Invalid(fmt.Sprintf("The mapping is %d bytes; the limit is %d.", len(b), MaxMappingBytes))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var m Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, Invalid("The mapping is not a mapping document.", Detail{Field: "mapping", Reason: err.Error()})
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, Invalid("The mapping is not a mapping document.", Detail{Field: "mapping", Reason: "data follows the document"})
	}
	m.Preset, m.UpdatedBy, m.UpdatedAt = false, "", nil
	if len(m.Fields) == 0 {
		m.Fields = nil
	}
	if len(m.Constants) == 0 {
		m.Constants = nil
	}
	if len(m.Values) == 0 {
		m.Values = nil
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// Validate checks the mapping: a name (when set) of lower-case letters, digits, '.', '_' and '-'; each target
// one of our properties and named by one source field at most; constants of our properties with values of the
// right shape; value tables of our properties. Its error is EINVALID with a detail per problem.
func (m *Mapping) Validate() error {
	var ds []Detail
	fail := func(ptr, field, format string, args ...any) {
		ds = append(ds, Detail{Pointer: ptr, Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if r := mappingNameProblem(m.Name); m.Name != "" && r != "" {
		fail("/name", "name", "%s", r)
	}
	if m.Version < 0 {
		fail("/version", "version", "%d is not a version: use the version the mapping was read at, or 0 for a new one", m.Version)
	}
	entries := len(m.Fields) + len(m.Constants)
	for _, vs := range m.Values {
		entries += len(vs)
	}
	if entries > MaxMappingEntries {
		fail("", "mapping", "%d entries; the limit is %d", entries, MaxMappingEntries)
	}
	targets := map[string]string{}
	for _, src := range sortedKeys(m.Fields) {
		ours := m.Fields[src]
		ptr := "/fields/" + pointerEscape(src)
		switch {
		case strings.TrimSpace(src) == "":
			fail(ptr, "fields", "a source field name is empty")
		case !isMappingTarget(ours):
			fail(ptr, "fields", "maps %q to %q, which is not a property of an upload (%s, or beneficiaries.%s)", src, ours, strings.Join(allUploadFields(), ", "), strings.Join(beneficiaryMembers, "|"))
		case targets[ours] != "":
			fail(ptr, "fields", "maps %q to %q, which %q already gives", src, ours, targets[ours])
		default:
			targets[ours] = src
		}
	}
	for _, ours := range sortedKeys(m.Constants) {
		ptr := "/constants/" + pointerEscape(ours)
		if !isMappingTarget(ours) {
			fail(ptr, "constants", "%q is not a property of an upload (%s)", ours, strings.Join(allUploadFields(), ", "))
			continue
		}
		if _, err := coerce(ours, m.Constants[ours]); err != nil {
			fail(ptr, "constants", "%s: %v", ours, err)
		}
	}
	for _, ours := range sortedKeys(m.Values) {
		ptr := "/values/" + pointerEscape(ours)
		if !isMappingTarget(ours) {
			fail(ptr, "values", "%q is not a property of an upload (%s)", ours, strings.Join(allUploadFields(), ", "))
		}
	}
	if len(ds) > 0 {
		return Invalid("The mapping is not valid.", ds...)
	}
	return nil
}

// CheckMappingName returns EINVALID unless name is a mapping's name: 1 to 64 lower-case letters, digits, '.',
// '_' and '-', starting with a letter or digit.
func CheckMappingName(name string) error {
	if r := mappingNameProblem(name); r != "" {
		return Invalid(fmt.Sprintf("%q is not a mapping name.", name), Detail{Pointer: "/name", Field: "name", Reason: r})
	}
	return nil
}

// mappingNameProblem says why name is not a mapping's name ("" when it is one).
func mappingNameProblem(name string) string {
	if len(name) > maxMappingName || !mappingName.MatchString(name) {
		return fmt.Sprintf("%q is not a mapping name: use up to %d lower-case letters, digits, '.', '_' and '-'", name, maxMappingName)
	}
	return ""
}

// CheckFields checks that each source field the mapping names is among fields, the fields of the file it is
// applied to (matched as Apply matches them). Its error is EINVALID naming each missing field and the file's.
func (m *Mapping) CheckFields(fields []string) error {
	if m == nil {
		return nil
	}
	var ds []Detail
	for _, src := range sortedKeys(m.Fields) {
		if findField(fields, src) == "" {
			ds = append(ds, Detail{Pointer: "/fields/" + pointerEscape(src), Field: m.Fields[src],
				Reason: fmt.Sprintf("the mapping reads field %q for %s, but the file has no such field (it has: %s)", src, m.Fields[src], strings.Join(fields, ", "))})
		}
	}
	if len(ds) > 0 {
		return Invalid("The mapping names fields the file does not have; nothing was written.", ds...)
	}
	return nil
}

// SourceOf returns the source field that gives our property ours ("" when the mapping maps none to it).
func (m *Mapping) SourceOf(ours string) string {
	if m == nil {
		return ""
	}
	for src, o := range m.Fields {
		if o == ours {
			return src
		}
	}
	return ""
}

// Apply returns the properties of one feature, read from the file's props as the mapping says (a nil mapping
// keeps props' names; a field the mapping does not name, beneficiaries_MEMBER as the exports write it, is
// beneficiaries.MEMBER), with the values of our properties in the shapes the upload schema gives them: dates
// as YYYY-MM-DD (from a date, a date and time, or YYYY/MM/DD), whole numbers from numeric text, text from
// numbers, lists from comma-separated text. A value table matches a number or a boolean by its text (a coded
// value 2 by "2"). A value it cannot read so is passed as it is, for the record's rules to report. props is
// not changed.
func (m *Mapping) Apply(props map[string]any) map[string]any {
	out := make(map[string]any, len(props))
	mapped := map[string]bool{}
	if m != nil {
		for src, ours := range m.Fields {
			name := findFieldKey(props, src)
			if name == "" {
				continue
			}
			mapped[name] = true
			out[ours] = props[name]
		}
	}
	for name, v := range props {
		if mapped[name] {
			continue
		}
		if member, ok := strings.CutPrefix(name, "beneficiaries_"); ok && slices.Contains(beneficiaryMembers, member) {
			name = "beneficiaries." + member // the column of the exports' flat tables
		} else if !isUploadField(name) {
			continue
		}
		if _, set := out[name]; !set {
			out[name] = v
		}
	}
	if m != nil {
		for ours, vs := range m.Values {
			if s, ok := valueText(out[ours]); ok {
				if v, ok := lookupValue(vs, s); ok {
					out[ours] = v
				}
			}
		}
		for ours, c := range m.Constants {
			if blank(out[ours]) {
				out[ours] = c
			}
		}
	}
	members := map[string]any{}
	for name, v := range out {
		if blank(v) {
			delete(out, name)
			continue
		}
		if member, ok := strings.CutPrefix(name, "beneficiaries."); ok {
			delete(out, name)
			if c, err := coerceInt(v); err == nil {
				v = c
			}
			members[member] = v
			continue
		}
		if c, err := coerce(name, v); err == nil {
			out[name] = c
		}
	}
	if len(members) > 0 {
		// Counts in fields of their own join the file's own beneficiaries object (copied), or make one; where
		// the file's beneficiaries are not an object, the record's rules judge them as they are.
		switch b := out["beneficiaries"].(type) {
		case nil:
			out["beneficiaries"] = members
		case map[string]any:
			merged := maps.Clone(b)
			for k, v := range members {
				if _, set := merged[k]; !set {
					merged[k] = v
				}
			}
			out["beneficiaries"] = merged
		}
	}
	return out
}

// MappingService keeps the mappings a team saves, by name, beside the presets the service ships.
type MappingService interface {
	// FindMapping returns the saved mapping or preset called name; ENOTFOUND when there is none.
	FindMapping(ctx context.Context, name string) (*Mapping, error)
	// FindMappings lists the presets, then the saved mappings, by name.
	FindMappings(ctx context.Context) ([]*Mapping, error)
	// SaveMapping creates or replaces the mapping of m.Name (data managers and field teams), recorded in the
	// audit trail. m.Version is the version replaced: 0 creates (EPRECONDITIONREQUIRED when the name is taken:
	// a replacement names the version it replaces); another must be the saved one's (EPRECONDITION when it is
	// not, ENOTFOUND when nothing is saved). On success m.Version, m.UpdatedBy and m.UpdatedAt are the saved
	// mapping's. A preset's name is refused (ECONFLICT), an invalid mapping or a missing name too (EINVALID).
	SaveMapping(ctx context.Context, m *Mapping) error
	// DeleteMapping removes a saved mapping (data managers), recorded in the audit trail: the one at version,
	// or at any version when version is 0. ENOTFOUND when there is none, EPRECONDITION when it is at another
	// version, ECONFLICT for a preset.
	DeleteMapping(ctx context.Context, name string, version int) error
}

func allUploadFields() []string {
	all := slices.Clone(hazardUploadFields)
	for _, f := range releaseUploadFields {
		if !slices.Contains(all, f) {
			all = append(all, f)
		}
	}
	return all
}

// findField returns the name in fields that src names: the same, else the same ignoring case ("" when none).
func findField(fields []string, src string) string {
	if slices.Contains(fields, src) {
		return src
	}
	for _, f := range fields {
		if strings.EqualFold(f, src) {
			return f
		}
	}
	return ""
}

// findFieldKey returns the key of props that src names: the same, else the least (in byte order) that is the
// same ignoring case ("" when none), so that the choice does not depend on the map's order.
func findFieldKey(props map[string]any, src string) string {
	if _, ok := props[src]; ok {
		return src
	}
	found := ""
	for k := range props {
		if strings.EqualFold(k, src) && (found == "" || k < found) {
			found = k
		}
	}
	return found
}

// lookupValue returns the value table's value for s: the entry of s itself, else that of the least key (in
// byte order) which, trimmed, is s trimmed ignoring case. One pass, no allocation: it runs for every feature.
func lookupValue(vs map[string]string, s string) (string, bool) {
	if v, ok := vs[s]; ok {
		return v, true
	}
	t := strings.TrimSpace(s)
	found, ok := "", false
	for k := range vs {
		if strings.EqualFold(strings.TrimSpace(k), t) && (!ok || k < found) {
			found, ok = k, true
		}
	}
	return vs[found], ok
}

// valueText returns the text a value table looks v up by: text as it is, numbers and booleans as text.
func valueText(v any) (string, bool) {
	switch v.(type) {
	case string, json.Number, float64, int, int64, bool:
		if t, err := coerceText(v); err == nil {
			s, ok := t.(string)
			return s, ok
		}
	}
	return "", false
}

func blank(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	}
	return false
}

// coerce gives v, the value of our property name, the shape the upload schema asks for, or says why it cannot.
func coerce(name string, v any) (any, error) {
	switch {
	case slices.Contains(dateFields, name):
		return coerceDate(v)
	case slices.Contains(integerFields, name) || strings.HasPrefix(name, "beneficiaries."):
		return coerceInt(v)
	case slices.Contains(listFields, name):
		return coerceList(v)
	case slices.Contains(objectFields, name):
		return coerceObject(v)
	}
	return coerceText(v)
}

var dateLayouts = []string{time.DateOnly, "2006/01/02", time.RFC3339, "2006-01-02T15:04:05", "2006/01/02 15:04:05", "2006-01-02 15:04:05", "2006/01/02 15:04:05-07", "2006-01-02 15:04:05-07"}

func coerceDate(v any) (any, error) {
	s, ok := v.(string)
	if !ok {
		return nil, fmt.Errorf("must be a date (YYYY-MM-DD), not %s", describeValue(v))
	}
	s = strings.TrimSpace(s)
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return nil, fmt.Errorf("%q is not a date: use YYYY-MM-DD", s)
}

func coerceInt(v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case json.Number:
		g, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", x.String())
		}
		f = g
	case float64:
		f = x
	case int:
		return x, nil
	case int64:
		return x, nil
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", x)
		}
		f = g
	default:
		return nil, fmt.Errorf("must be a whole number, not %s", describeValue(v))
	}
	if f != math.Trunc(f) || math.Abs(f) > 1e15 {
		return nil, fmt.Errorf("%v is not a whole number", f)
	}
	return int64(f), nil
}

func coerceList(v any) (any, error) {
	switch x := v.(type) {
	case []any:
		return x, nil
	case []string:
		return x, nil
	case string:
		return x, nil // the record's decoder splits comma-separated text
	}
	return nil, fmt.Errorf("must be a list of text, not %s", describeValue(v))
}

// coerceObject reads an object, or the JSON text of one (as a file that has no objects carries it).
func coerceObject(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		return x, nil
	case string:
		dec := json.NewDecoder(strings.NewReader(x))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err == nil && m != nil && !dec.More() {
			return m, nil
		}
		return nil, fmt.Errorf("%q is not an object (JSON text such as {\"BLU-26\": 2})", x)
	}
	return nil, fmt.Errorf("must be an object, not %s", describeValue(v))
}

func coerceText(v any) (any, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return nil, fmt.Errorf("must be text, not %s", describeValue(v))
}

func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "text"
	case bool:
		return "a boolean"
	case float64, json.Number, int, int64:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// pointerEscape escapes a JSON pointer's reference token (RFC 6901).
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
