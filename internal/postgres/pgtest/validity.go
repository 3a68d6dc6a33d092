package pgtest

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
)

// DefectTolerance is how far, in degrees on each axis, the location PostGIS gives for a geometry's defect may lie
// from the expected one: GEOS versions compute an intersection point with different rounding.
const DefectTolerance = 1e-9

// DefectMismatch compares a validity defect as PostGIS reports it with the expected kind and location, and returns
// "" when they agree, else what differs. reason is ST_IsValidDetail's reason ("Self-intersection", with loc its
// location [x, y]) or ST_IsValidReason's text ("Self-intersection[103.005 19.005]", loc empty): the kind is the
// text before '[', compared exactly; the location is loc, or else the bracketed numbers, each within
// DefectTolerance of x and y.
func DefectMismatch(reason string, loc []float64, kind string, x, y float64) string {
	got, bracket, hasBracket := strings.Cut(reason, "[")
	if got = strings.TrimSpace(got); got != kind {
		return fmt.Sprintf("defect %q, want kind %q", reason, kind)
	}
	if len(loc) == 0 && hasBracket {
		var err error
		if loc, err = parseLocation(bracket); err != nil {
			return fmt.Sprintf("defect %q: %v", reason, err)
		}
	}
	if len(loc) != 2 {
		return fmt.Sprintf("defect %q at %v, want a location [x y]", reason, loc)
	}
	if math.Abs(loc[0]-x) > DefectTolerance || math.Abs(loc[1]-y) > DefectTolerance {
		return fmt.Sprintf("defect %q at %v, want it at [%v %v] (within %g)", reason, loc, x, y, DefectTolerance)
	}
	return ""
}

// WantDefect fails tb unless reason and loc report a defect of kind at (x, y), as DefectMismatch compares them.
func WantDefect(tb testing.TB, reason string, loc []float64, kind string, x, y float64) {
	tb.Helper()
	if m := DefectMismatch(reason, loc, kind, x, y); m != "" {
		tb.Error(m)
	}
}

// parseLocation reads "x y]" (the end of ST_IsValidReason's text) as [x, y].
func parseLocation(s string) ([]float64, error) {
	inner, ok := strings.CutSuffix(strings.TrimSpace(s), "]")
	if !ok {
		return nil, fmt.Errorf("location %q has no closing ']'", s)
	}
	fs := strings.Fields(inner)
	if len(fs) != 2 {
		return nil, fmt.Errorf("location %q is not two numbers", s)
	}
	loc := make([]float64, 2)
	for i, f := range fs {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("location %q: %w", s, err)
		}
		loc[i] = v
	}
	return loc, nil
}
