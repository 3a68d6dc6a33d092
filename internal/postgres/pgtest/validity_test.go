package pgtest_test

import (
	"testing"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

func TestDefectMismatch(t *testing.T) {
	const x, y = 103.005, 19.005
	tests := []struct {
		name   string
		reason string
		loc    []float64
		kind   string
		agrees bool
	}{
		{"detail, exact", "Self-intersection", []float64{x, y}, "Self-intersection", true},
		{"detail, within the tolerance", "Self-intersection", []float64{x + 5e-10, y - 5e-10}, "Self-intersection", true},
		{"detail, x off", "Self-intersection", []float64{x + 1e-8, y}, "Self-intersection", false},
		{"detail, y off", "Self-intersection", []float64{x, y + 1e-8}, "Self-intersection", false},
		{"detail, no location", "Self-intersection", nil, "Self-intersection", false},
		{"detail, one number", "Self-intersection", []float64{x}, "Self-intersection", false},
		{"another kind", "Ring Self-intersection", []float64{x, y}, "Self-intersection", false},
		{"a kind that only starts alike", "Self-intersection of rings", []float64{x, y}, "Self-intersection", false},
		{"reason text", "Self-intersection[103.005 19.005]", nil, "Self-intersection", true},
		{"reason text, rounded differently", "Self-intersection[103.00500000000001 19.004999999999999]", nil, "Self-intersection", true},
		{"reason text, elsewhere", "Self-intersection[103.006 19.005]", nil, "Self-intersection", false},
		{"reason text, another kind", "Too few points in geometry component[103 19]", nil, "Self-intersection", false},
		{"reason text, unclosed", "Self-intersection[103.005 19.005", nil, "Self-intersection", false},
		{"reason text, not numbers", "Self-intersection[a b]", nil, "Self-intersection", false},
		{"reason text, three numbers", "Self-intersection[103.005 19.005 0]", nil, "Self-intersection", false},
		{"location given wins over the text", "Self-intersection[0 0]", []float64{x, y}, "Self-intersection", true},
		{"valid geometry", "", nil, "Self-intersection", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := pgtest.DefectMismatch(tt.reason, tt.loc, tt.kind, x, y)
			if (m == "") != tt.agrees {
				t.Errorf("DefectMismatch(%q, %v) = %q, want agreement %v", tt.reason, tt.loc, m, tt.agrees)
			}
		})
	}
}
