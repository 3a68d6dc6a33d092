package postgres_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// closeBelowM2 is the closing threshold docs/REGISTRY.md states (a 5 m x 5 m square), written here rather than
// read from landrelease.CloseBelowM2 so that a changed threshold fails the test.
const closeBelowM2 = 25.0

// releasedLeaving returns the west part of box b (of about areaM2) that leaves an east strip of about left m2.
func releasedLeaving(b orb.MultiPolygon, areaM2, left float64) orb.MultiPolygon {
	return strip(b, 0, 1-left/areaM2)
}

// TestClosingThreshold checks the registry's closing threshold half a square metre on either side of 25 m2: a
// release leaving less closes the area (status_reason released), one leaving more keeps it open; correcting the
// release of an area so closed reopens it only when 25 m2 or more remain.
func TestClosingThreshold(t *testing.T) {
	r := newRegistry(t)
	// 100 m x 10 m near Pakse: 1000 m2, so a strip of a few tens of m2 is a few metres wide.
	const area = 1000.0
	tests := []struct {
		name   string
		left   float64 // m2 the release leaves, about
		closed bool
	}{
		{"20 m2 left", 20, true},
		{"24.5 m2 left", 24.5, true},
		{"25.5 m2 left", 25.5, false},
		{"30 m2 left", 30, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := box(105.8+0.01*float64(i), 15.1, 100, 10)
			id := fmt.Sprintf("CT-%d", i)
			if err := r.hazards.CreateHazardArea(r.ctx, hazard(id, b, "2021-01-01")); err != nil {
				t.Fatal(err)
			}
			rel := release(id+"-R1", id, landrelease.MethodCancelled, releasedLeaving(b, area, tt.left), "2022-05-01")
			if err := r.releases.CreateLandRelease(r.ctx, rel); err != nil {
				t.Fatal(err)
			}
			got, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{})
			if err != nil {
				t.Fatal(err)
			}
			// The case lies on the side of the threshold meant: the remaining area is what the strip holds, within
			// 0.1 m2 (the boxes are drawn with a spherical approximation, within 0.1 %).
			if math.Abs(got.RemainingAreaM2-tt.left) > 0.1 || (got.RemainingAreaM2 < closeBelowM2) != tt.closed {
				t.Fatalf("remaining %.2f m2, want about %.1f m2, on the %v side of %.0f m2", got.RemainingAreaM2, tt.left, tt.closed, closeBelowM2)
			}
			if closed := got.Status == landrelease.StatusClosed && got.StatusReason == "released"; closed != tt.closed {
				t.Errorf("%.2f m2 left: status %s (%q), want closed by release %v", got.RemainingAreaM2, got.Status, got.StatusReason, tt.closed)
			}
		})
	}

	// An area closed with 20 m2 left, its release then corrected to leave another figure.
	reopen := []struct {
		name     string
		left     float64
		reopened bool
	}{
		{"corrected to leave 24.5 m2", 24.5, false},
		{"corrected to leave 25.5 m2", 25.5, true},
	}
	for i, tt := range reopen {
		t.Run(tt.name, func(t *testing.T) {
			b := box(105.9+0.01*float64(i), 15.2, 100, 10)
			id := fmt.Sprintf("CT-R%d", i)
			if err := r.hazards.CreateHazardArea(r.ctx, hazard(id, b, "2021-01-01")); err != nil {
				t.Fatal(err)
			}
			if err := r.releases.CreateLandRelease(r.ctx, release(id+"-R1", id, landrelease.MethodCancelled, releasedLeaving(b, area, 20), "2022-05-01")); err != nil {
				t.Fatal(err)
			}
			if h, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{}); err != nil || h.Status != landrelease.StatusClosed {
				t.Fatalf("before the correction: %+v, %v; want closed", h, err)
			}
			cur, err := r.releases.FindLandRelease(r.ctx, id+"-R1", landrelease.Temporal{})
			if err != nil {
				t.Fatal(err)
			}
			cur.Geometry = releasedLeaving(b, area, tt.left)
			if _, err := r.releases.UpdateLandRelease(r.ctx, id+"-R1", landrelease.LandReleaseChange{LandRelease: cur, Reason: "boundary corrected", IfVersion: cur.Version}); err != nil {
				t.Fatal(err)
			}
			got, err := r.hazards.FindHazardArea(r.ctx, id, landrelease.Temporal{})
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(got.RemainingAreaM2-tt.left) > 0.1 || (got.RemainingAreaM2 >= closeBelowM2) != tt.reopened {
				t.Fatalf("remaining %.2f m2, want about %.1f m2, reopening %v at %.0f m2", got.RemainingAreaM2, tt.left, tt.reopened, closeBelowM2)
			}
			if reopened := got.Status == landrelease.StatusOpen; reopened != tt.reopened {
				t.Errorf("%.2f m2 left after the correction: status %s (%q), want reopened %v", got.RemainingAreaM2, got.Status, got.StatusReason, tt.reopened)
			}
		})
	}
}
