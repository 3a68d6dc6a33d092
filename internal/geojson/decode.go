package geojson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Decoded is what Decode read from one feature: the domain's upload feature.
type Decoded = landrelease.UploadFeature

// Options control Decode.
type Options struct {
	Limits geo.Limits
	// Record is the record type expected when the feature has no "record" property ("" requires one).
	Record string

	validJSON bool                // the data is known to be valid JSON
	names     map[string]struct{} // when not nil, receives the names of the feature's properties
}

// readOnly lists output properties a client may send back unchanged; they are ignored on input.
var readOnly = []string{"area_m2", "remaining_area_m2", "admin1_code", "admin1_name", "admin2_code", "admin2_name",
	"valid_from", "recorded_at", "recorded_by", "status_reason", "releases_since", "withdrawn", "residual"}

// hazardFields and releaseFields are the properties each record may carry, as the domain lists them.
var (
	hazardFields  = landrelease.UploadFields(landrelease.RecordHazardArea)
	releaseFields = landrelease.UploadFields(landrelease.RecordLandRelease)
)

// Decode reads one GeoJSON Feature into a hazard area or a land release. It returns EBADREQUEST when data is not
// one JSON object, and otherwise an EINVALID *landrelease.Error listing every problem, each with a JSON pointer
// relative to the feature. Member names are case-sensitive (RFC 7946) and each may appear once.
func Decode(data []byte, opt Options) (*Decoded, error) {
	top, err := members(data, true, opt.validJSON)
	if err != nil {
		return nil, &landrelease.Error{Code: landrelease.EBADREQUEST, Message: fmt.Sprintf("The body is not a GeoJSON Feature: %v.", err),
			Details: []landrelease.Detail{{Reason: err.Error()}}}
	}
	var p props
	for _, k := range top.dups {
		p.fail(k, "/"+escape(k), "appears more than once")
	}
	var typ string
	if err := json.Unmarshal(top.m["type"], &typ); err != nil || typ != "Feature" {
		p.fail("type", "/type", "must be \"Feature\", not %s", string(bytes.TrimSpace(top.m["type"])))
	}
	if raw, ok := top.m["properties"]; !ok || isNull(raw) {
		p.fail("properties", "/properties", "is required: an object")
	} else if pm, err := members(raw, false, opt.validJSON); err != nil {
		p.fail("properties", "/properties", "must be an object, not %s", jsonKind(raw))
	} else {
		p.raw = pm.m
		if opt.names != nil {
			for k := range pm.m {
				opt.names[k] = struct{}{}
			}
		}
		for _, k := range pm.dups {
			p.failProp(k, "appears more than once")
		}
	}
	d := &Decoded{Record: opt.Record}
	if v, ok := p.raw["record"]; ok && !isNull(v) {
		d.Record = p.str("record")
	}
	var known []string
	switch d.Record {
	case RecordHazardArea:
		d.Hazard, known = p.hazard(), hazardFields
		d.ChangedOn = p.optDate("changed_on")
	case RecordLandRelease:
		d.Release, known = p.release(), releaseFields
	default:
		if p.raw != nil { // without a properties object, that is the error to report
			p.fail("record", "/properties/record", "must be %q or %q", RecordHazardArea, RecordLandRelease)
		}
	}
	d.Version = p.int("version", false, 0)
	d.Reason = p.str("reason")
	for _, k := range sortedKeys(p.raw) {
		if !slices.Contains(known, k) && !slices.Contains(readOnly, k) && known != nil {
			d.Warnings = append(d.Warnings, landrelease.Detail{Field: k, Pointer: "/properties/" + escape(k), Reason: "is not a known property and was ignored"})
		}
	}
	mp, isPolygon, err := p.geometry(top.m["geometry"], opt.Limits)
	if err == nil && mp != nil {
		var fixes []geo.Fix
		mp, fixes, err = geo.Clean(mp)
		if err != nil {
			if ge, ok := err.(*geo.Error); ok && isPolygon {
				ge.Pointer = polygonPointer(ge.Pointer)
			}
			p.geoFail(err)
		}
		for i := range fixes {
			if isPolygon {
				fixes[i].Pointer = polygonPointer(fixes[i].Pointer)
			}
		}
		d.Fixes = fixes
		for _, f := range fixes {
			d.Warnings = append(d.Warnings, landrelease.Detail{Field: "geometry", Pointer: "/geometry" + f.Pointer, Reason: fmt.Sprintf("%s (%d)", f.Kind, f.Count)})
		}
	}
	if d.Hazard != nil {
		d.Hazard.Geometry = mp
	}
	if d.Release != nil {
		d.Release.Geometry = mp
	}
	if len(p.details) > 0 {
		return d, landrelease.Invalid(fmt.Sprintf("The feature is not valid: %s %s.", p.details[0].Field, p.details[0].Reason), p.details...)
	}
	return d, nil
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// escape escapes a JSON pointer token (RFC 6901).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// props reads typed property values, collecting problems.
type props struct {
	raw     map[string]json.RawMessage
	details []landrelease.Detail
}

func (p *props) fail(field, pointer, format string, args ...any) {
	p.details = append(p.details, landrelease.Detail{Field: field, Pointer: pointer, Reason: fmt.Sprintf(format, args...)})
}

func (p *props) failProp(name, format string, args ...any) {
	p.fail(name, "/properties/"+escape(name), format, args...)
}

func isNull(v json.RawMessage) bool { return v == nil || string(bytes.TrimSpace(v)) == "null" }

func (p *props) str(name string) string {
	v, ok := p.raw[name]
	if !ok || isNull(v) {
		return ""
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		p.failProp(name, "must be a string, not %s", jsonKind(v))
		return ""
	}
	return strings.TrimSpace(s)
}

func (p *props) int(name string, required bool, min int) int {
	v, ok := p.raw[name]
	if !ok || isNull(v) {
		if required {
			p.failProp(name, "is required")
		}
		return 0
	}
	var f float64
	if err := json.Unmarshal(v, &f); err != nil {
		p.failProp(name, "must be a whole number, not %s", jsonKind(v))
		return 0
	}
	if f != math.Trunc(f) || math.Abs(f) > 1e9 {
		p.failProp(name, "must be a whole number, not %s", string(v))
		return 0
	}
	if int(f) < min {
		p.failProp(name, "must be %d or more, not %d", min, int(f))
	}
	return int(f)
}

func (p *props) date(name string) time.Time {
	s := p.str(name)
	if s == "" {
		return time.Time{} // Validate reports missing dates
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		// The field date is the calendar date where the time was taken, in its own offset.
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	p.failProp(name, "%q is not a date: use YYYY-MM-DD", s)
	return time.Time{}
}

func (p *props) optDate(name string) *time.Time {
	if v, ok := p.raw[name]; !ok || isNull(v) {
		return nil
	}
	t := p.date(name)
	if t.IsZero() {
		return nil
	}
	return &t
}

// strings reads an array of strings; a single comma-separated string is accepted too, as survey tools export lists so.
func (p *props) strings(name string) []string {
	v, ok := p.raw[name]
	if !ok || isNull(v) {
		return nil
	}
	var list []string
	if err := json.Unmarshal(v, &list); err == nil {
		for i := range list {
			list[i] = strings.TrimSpace(list[i])
		}
		return list
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		for _, part := range strings.Split(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				list = append(list, part)
			}
		}
		return list
	}
	p.failProp(name, "must be an array of strings, not %s", jsonKind(v))
	return nil
}

// beneficiaries reads an object of counts of people: women, girls, boys, men and with_disabilities, each a whole
// number of 0 or more (a member left out is 0); null or absent is nil (not recorded).
func (p *props) beneficiaries(name string) *landrelease.Beneficiaries {
	v, ok := p.raw[name]
	if !ok || isNull(v) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		p.failProp(name, "must be an object of women, girls, boys, men and with_disabilities, not %s", jsonKind(v))
		return nil
	}
	b := &landrelease.Beneficiaries{}
	fields := map[string]*int{"women": &b.Women, "girls": &b.Girls, "boys": &b.Boys, "men": &b.Men, "with_disabilities": &b.WithDisabilities}
	for _, k := range sortedKeys(m) {
		ptr := "/properties/" + escape(name) + "/" + escape(k)
		dst, known := fields[k]
		if !known {
			p.fail(name, ptr, "%q is not one of women, girls, boys, men, with_disabilities", k)
			continue
		}
		if isNull(m[k]) {
			continue
		}
		var f float64
		if err := json.Unmarshal(m[k], &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			p.fail(name, ptr, "%s must be a whole number, not %s", k, string(m[k]))
			continue
		}
		*dst = int(f) // Validate reports negative counts and counts over the limit
	}
	return b
}

func (p *props) counts(name string) map[string]int {
	v, ok := p.raw[name]
	if !ok || isNull(v) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(v, &m); err != nil {
		p.failProp(name, "must be an object of device type to count, not %s", jsonKind(v))
		return nil
	}
	out := make(map[string]int, len(m))
	for _, k := range sortedKeys(m) {
		var f float64
		ptr := "/properties/" + escape(name) + "/" + escape(k)
		if err := json.Unmarshal(m[k], &f); err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
			p.fail(name, ptr, "count for %s must be a whole number, not %s", k, string(m[k]))
			continue
		}
		if f < 0 {
			p.fail(name, ptr, "count for %s is negative (%d)", k, int(f))
			continue
		}
		out[k] = int(f)
	}
	return out
}

func (p *props) hazard() *landrelease.HazardArea {
	h := &landrelease.HazardArea{
		LocalID:       p.str("local_id"),
		Kind:          landrelease.Kind(strings.ToUpper(p.str("kind"))),
		Contamination: landrelease.Contamination(p.str("contamination")),
		Evidence:      landrelease.Evidence{Type: landrelease.EvidenceType(p.str("evidence")), Category: p.str("evidence_category")},
		Devices:       p.strings("devices"),
		Marking:       landrelease.Marking(p.str("marking")),
		Priority:      landrelease.Priority(p.str("priority")),
		LandUse:       landrelease.LandUse(p.str("land_use")),
		IdentifiedOn:  p.date("identified_on"),
		Organisation:  p.str("organisation"),
		Status:        landrelease.Status(p.str("status")),
		Notes:         p.str("notes"),
	}
	if h.Marking == "" {
		h.Marking = landrelease.MarkingNone
	}
	if h.Status == "" {
		h.Status = landrelease.StatusOpen
	}
	return h
}

func (p *props) release() *landrelease.LandRelease {
	r := &landrelease.LandRelease{
		LocalID:        p.str("local_id"),
		HazardArea:     p.str("hazard_area"),
		Method:         landrelease.Method(p.str("method")),
		CompletedOn:    p.date("completed_on"),
		Organisation:   p.str("organisation"),
		Criteria:       p.str("criteria"),
		ItemsDestroyed: p.counts("items_destroyed"),
		Beneficiaries:  p.beneficiaries("beneficiaries"),
		LandUseAfter:   landrelease.LandUse(p.str("land_use_after")),
	}
	if v, ok := p.raw["depth_cm"]; ok && !isNull(v) {
		d := p.int("depth_cm", false, 0)
		r.DepthCM = &d
	}
	return r
}

func (p *props) geometry(raw json.RawMessage, lim geo.Limits) (orb.MultiPolygon, bool, error) {
	if raw == nil || isNull(raw) {
		p.fail("geometry", "/geometry", "is required: a Polygon or MultiPolygon")
		return nil, false, fmt.Errorf("no geometry")
	}
	mp, isPolygon, err := geo.Decode(raw, lim)
	if err != nil {
		p.geoFail(err)
		return nil, false, err
	}
	return mp, isPolygon, nil
}

// polygonPointer turns a MultiPolygon pointer of geo.Clean ("/coordinates/0/R...") into the pointer of the
// Polygon the client sent ("/coordinates/R...").
func polygonPointer(ptr string) string {
	if rest, ok := strings.CutPrefix(ptr, "/coordinates/0"); ok {
		return "/coordinates" + rest
	}
	return ptr
}
func (p *props) geoFail(err error) {
	d := landrelease.Detail{Field: "geometry", Pointer: "/geometry", Reason: err.Error()}
	if ge, ok := err.(*geo.Error); ok {
		d.Pointer += ge.Pointer
		d.Reason = ge.Msg
		if len(ge.Position) >= 2 {
			d.Location = ge.Position[:2]
		}
	}
	p.details = append(p.details, d)
}
