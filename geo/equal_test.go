package geo_test

import (
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
)

func TestEqual(t *testing.T) {
	square := func(x, y, d float64) orb.Polygon {
		return orb.Polygon{{{x, y}, {x + d, y}, {x + d, y + d}, {x, y + d}, {x, y}}}
	}
	base := orb.MultiPolygon{square(103.2, 19.45, 0.001)}
	shift := func(dx float64) orb.MultiPolygon {
		p := square(103.2, 19.45, 0.001)
		p[0][2][0] += dx
		return orb.MultiPolygon{p}
	}
	withHole := orb.MultiPolygon{append(square(103.2, 19.45, 0.001), orb.Ring{{103.2002, 19.4502}, {103.2002, 19.4504}, {103.2004, 19.4504}, {103.2002, 19.4502}})}
	tests := []struct {
		name string
		b    orb.MultiPolygon
		want bool
	}{
		{"the same", orb.MultiPolygon{square(103.2, 19.45, 0.001)}, true},
		{"a round trip's noise", shift(3e-14), true},
		{"within the tolerance", shift(0.9e-9), true},
		{"beyond the tolerance", shift(2e-9), false},
		{"a vertex moved 1 m", shift(1e-5), false},
		{"a hole more", withHole, false},
		{"another polygon more", orb.MultiPolygon{square(103.2, 19.45, 0.001), square(103.3, 19.45, 0.001)}, false},
		{"empty", orb.MultiPolygon{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := geo.Equal(base, tt.b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
			if got := geo.Equal(tt.b, base); got != tt.want {
				t.Errorf("Equal, reversed = %v, want %v", got, tt.want)
			}
		})
	}
}
