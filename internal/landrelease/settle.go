package landrelease

import (
	"fmt"
	"time"
)

// Standing is what the closing rule needs to know of a hazard area's current version and of the releases that
// count against it.
type Standing struct {
	Status       Status
	StatusReason string
	ValidFrom    time.Time  // of the current version
	RemainingM2  float64    // the area less the union of the releases that count
	Releases     int        // how many releases count
	LastRelease  *time.Time // the latest completion date among them (nil: none)
}

// Settlement is the version the closing rule asks for: its status, status reason, field date and the reason
// recorded with it.
type Settlement struct {
	Status       Status
	StatusReason string
	ValidFrom    time.Time
	Reason       string
}

// Settle applies the closing rule after a land release, or its correction or withdrawal, changed what remains
// of an area (docs/REGISTRY.md): an open area whose releases leave less than CloseBelowM2 closes ("released"),
// valid from its latest release (or from its current version, when that is later); an area closed by release
// whose remaining area is CloseBelowM2 or more again reopens, valid from its current version. It returns false
// when the area keeps its status. Every writer of the registry (a single write, an upload, the bulk loader of
// the tests) settles through it.
func Settle(s Standing) (Settlement, bool) {
	switch {
	case s.Status == StatusOpen && s.Releases > 0 && s.RemainingM2 < CloseBelowM2:
		from := s.ValidFrom
		if s.LastRelease != nil && s.LastRelease.After(from) {
			from = *s.LastRelease
		}
		return Settlement{Status: StatusClosed, StatusReason: "released", ValidFrom: from,
			Reason: fmt.Sprintf("closed: remaining area %.1f m2 below %.0f m2 after land release", s.RemainingM2, CloseBelowM2)}, true
	case s.Status == StatusClosed && s.StatusReason == "released" && s.RemainingM2 >= CloseBelowM2:
		return Settlement{Status: StatusOpen, ValidFrom: s.ValidFrom,
			Reason: fmt.Sprintf("reopened: remaining area %.1f m2 after a release was corrected or withdrawn", s.RemainingM2)}, true
	}
	return Settlement{}, false
}
