package landrelease

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on property values.
const (
	MaxLocalIDLen = 64
	MaxTextLen    = 10000 // notes, criteria
	MaxNameLen    = 200   // organisation, device type
	MaxDevices    = 50
	MaxItemCount  = 1000000
	// MaxBeneficiaries bounds each count of a release's beneficiaries.
	MaxBeneficiaries = 10000000
)

// Valid reports whether k is SHA or CHA.
func (k Kind) Valid() bool { return k == KindSHA || k == KindCHA }

// Valid reports whether c is a known contamination.
func (c Contamination) Valid() bool {
	return c == ContaminationCMR || c == ContaminationOther || c == ContaminationMixed
}

// CountsAsCMR reports whether an area with c counts in the Convention's reports.
func (c Contamination) CountsAsCMR() bool { return c == ContaminationCMR || c == ContaminationMixed }

// Valid reports whether m is a known marking.
func (m Marking) Valid() bool { return m == MarkingNone || m == MarkingMarked || m == MarkingFenced }

// Valid reports whether p is a known priority.
func (p Priority) Valid() bool { return p == PriorityHigh || p == PriorityMedium || p == PriorityLow }

// Valid reports whether l is a known land use.
func (l LandUse) Valid() bool {
	return slices.Contains([]LandUse{LandUseAgriculture, LandUseResidential, LandUseForest, LandUseGrazing,
		LandUseInfrastructure, LandUseWater, LandUseOther}, l)
}

// Valid reports whether s is open or closed.
func (s Status) Valid() bool { return s == StatusOpen || s == StatusClosed }

// Valid reports whether m is a known release method.
func (m Method) Valid() bool { return m == MethodCancelled || m == MethodReduced || m == MethodCleared }

// ValidLocalID reports why id is not a usable local ID, or "".
func ValidLocalID(id string) string {
	switch {
	case id == "":
		return "is required"
	case len(id) > MaxLocalIDLen:
		return fmt.Sprintf("is longer than %d characters", MaxLocalIDLen)
	}
	for _, r := range id {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:/", r)) {
			return fmt.Sprintf("contains %q: use letters, digits and - _ . : /", r)
		}
	}
	return ""
}

// Day truncates t to its UTC date.
func Day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

type checker struct{ details []Detail }

func (c *checker) fail(field, format string, args ...any) {
	c.details = append(c.details, Detail{Field: field, Pointer: "/properties/" + field, Reason: fmt.Sprintf(format, args...)})
}

func (c *checker) text(field, v string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(v) == "":
		c.fail(field, "is required")
	case len(v) > max:
		c.fail(field, "is longer than %d bytes", max)
	case !utf8.ValidString(v):
		c.fail(field, "is not valid UTF-8")
	}
}

func (c *checker) date(field string, v, today time.Time) {
	switch {
	case v.IsZero():
		c.fail(field, "is required (a date such as 2024-03-31)")
	case v.After(today):
		c.fail(field, "%s is in the future", v.Format(time.DateOnly))
	case v.Year() < 1960:
		c.fail(field, "%s is before 1960", v.Format(time.DateOnly))
	}
}

func (c *checker) err(what string) error {
	if len(c.details) == 0 {
		return nil
	}
	return Invalid(fmt.Sprintf("The %s is not valid: %s %s.", what, c.details[0].Field, c.details[0].Reason), c.details...)
}

// Validate checks the properties of h (not its geometry's topology, which the registry checks) as of today.
// It returns an EINVALID *Error with one Detail per problem.
func (h *HazardArea) Validate(today time.Time) error {
	var c checker
	if r := ValidLocalID(h.LocalID); r != "" {
		c.fail("local_id", "%s", r)
	}
	if !h.Kind.Valid() {
		c.fail("kind", "%q is not SHA or CHA", h.Kind)
	}
	if !h.Contamination.Valid() {
		c.fail("contamination", "%q is not one of cmr, other, mixed", h.Contamination)
	}
	if cats, ok := evidenceCategories[h.Evidence.Type]; !ok {
		c.fail("evidence", "type %q is not direct or indirect", h.Evidence.Type)
	} else if h.Evidence.Category != "" && !slices.Contains(cats, h.Evidence.Category) {
		c.fail("evidence", "category %q is not one of %s", h.Evidence.Category, strings.Join(cats, ", "))
	}
	if h.Kind == KindCHA && h.Evidence.Type == EvidenceIndirect {
		c.fail("evidence", "a CHA rests on direct evidence, not indirect")
	}
	if len(h.Devices) > MaxDevices {
		c.fail("devices", "lists more than %d device types", MaxDevices)
	}
	for i, d := range h.Devices {
		if strings.TrimSpace(d) == "" || len(d) > MaxNameLen {
			c.fail("devices", "item %d must be a device type of 1 to %d characters", i, MaxNameLen)
		}
	}
	if !h.Marking.Valid() {
		c.fail("marking", "%q is not one of none, marked, fenced", h.Marking)
	}
	if h.Priority != "" && !h.Priority.Valid() {
		c.fail("priority", "%q is not one of high, medium, low", h.Priority)
	}
	if h.LandUse != "" && !h.LandUse.Valid() {
		c.fail("land_use", "%q is not one of agriculture, residential, forest, grazing, infrastructure, water, other", h.LandUse)
	}
	c.date("identified_on", h.IdentifiedOn, today)
	c.text("organisation", h.Organisation, MaxNameLen, true)
	if !h.Status.Valid() {
		c.fail("status", "%q is not open or closed", h.Status)
	}
	c.text("notes", h.Notes, MaxTextLen, false)
	if len(h.Geometry) == 0 {
		c.details = append(c.details, Detail{Field: "geometry", Pointer: "/geometry", Reason: "is required: a Polygon or MultiPolygon"})
	}
	return c.err("hazard area")
}

// Validate checks the properties of r as of today. It returns an EINVALID *Error with one Detail per problem.
func (r *LandRelease) Validate(today time.Time) error {
	var c checker
	if s := ValidLocalID(r.LocalID); s != "" {
		c.fail("local_id", "%s", s)
	}
	if s := ValidLocalID(r.HazardArea); s != "" {
		c.fail("hazard_area", "%s", s)
	}
	if !r.Method.Valid() {
		c.fail("method", "%q is not one of cancelled, reduced, cleared", r.Method)
	}
	c.date("completed_on", r.CompletedOn, today)
	c.text("organisation", r.Organisation, MaxNameLen, true)
	c.text("criteria", r.Criteria, MaxTextLen, false)
	if r.DepthCM != nil {
		if r.Method != MethodCleared {
			c.fail("depth_cm", "is for cleared land only")
		} else if *r.DepthCM < 0 || *r.DepthCM > 10000 {
			c.fail("depth_cm", "%d is not between 0 and 10000", *r.DepthCM)
		}
	}
	for _, dev := range slices.Sorted(maps.Keys(r.ItemsDestroyed)) {
		n := r.ItemsDestroyed[dev]
		if strings.TrimSpace(dev) == "" || len(dev) > MaxNameLen {
			c.fail("items_destroyed", "device type %q must have 1 to %d characters", dev, MaxNameLen)
		}
		if n < 0 {
			c.fail("items_destroyed", "count for %s is negative (%d)", dev, n)
		} else if n > MaxItemCount {
			c.fail("items_destroyed", "count for %s is over %d", dev, MaxItemCount)
		}
	}
	if b := r.Beneficiaries; b != nil {
		for _, n := range []struct {
			name  string
			count int
		}{{"women", b.Women}, {"girls", b.Girls}, {"boys", b.Boys}, {"men", b.Men}, {"with_disabilities", b.WithDisabilities}} {
			if n.count < 0 || n.count > MaxBeneficiaries {
				c.fail("beneficiaries", "%s: %d is not between 0 and %d", n.name, n.count, MaxBeneficiaries)
			}
		}
		if b.WithDisabilities > b.Total() {
			c.fail("beneficiaries", "with_disabilities (%d) counts people among the women, girls, boys and men (%d in all), not beside them", b.WithDisabilities, b.Total())
		}
	}
	if r.LandUseAfter != "" && !r.LandUseAfter.Valid() {
		c.fail("land_use_after", "%q is not one of agriculture, residential, forest, grazing, infrastructure, water, other", r.LandUseAfter)
	}
	if len(r.Geometry) == 0 {
		c.details = append(c.details, Detail{Field: "geometry", Pointer: "/geometry", Reason: "is required: a Polygon or MultiPolygon"})
	}
	return c.err("land release")
}
