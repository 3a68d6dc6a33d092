package landrelease

import (
	"context"
	"time"

	"github.com/paulmach/orb"
)

// Method is how land was released.
type Method string

const (
	MethodCancelled Method = "cancelled" // through non-technical survey
	MethodReduced   Method = "reduced"   // through technical survey
	MethodCleared   Method = "cleared"   // through clearance
)

// LandRelease is one version of a released polygon of a hazard area.
type LandRelease struct {
	LocalID        string // national ID of the release, unique
	HazardArea     string // local ID of the hazard area released
	Method         Method
	CompletedOn    time.Time // field date (UTC midnight)
	Organisation   string
	Criteria       string         // the criteria used to cancel or reduce
	DepthCM        *int           // clearance depth, cleared only
	ItemsDestroyed map[string]int // device type to count
	// Beneficiaries are the people who benefit from the release (nil: not recorded).
	Beneficiaries *Beneficiaries
	// LandUseAfter is the use of the land once released ("" when not recorded).
	LandUseAfter LandUse
	Geometry     orb.MultiPolygon

	// Set by the registry.
	ID         int64
	Version    int
	RecordedAt time.Time
	RecordedBy string
	Reason     string
	Withdrawn  bool
	AreaM2     float64 // area of the part within its hazard area, on the WGS 84 spheroid
}

// Beneficiaries are the people who benefit directly from a release, by sex and age as GICHD's minimum data
// requirements ask (women and men 18 or older, girls and boys under 18), and how many of them live with a
// disability (counted within the four, not beside them). A count not recorded is 0.
type Beneficiaries struct {
	Women            int `json:"women"`
	Girls            int `json:"girls"`
	Boys             int `json:"boys"`
	Men              int `json:"men"`
	WithDisabilities int `json:"with_disabilities"`
}

// Total is the number of people: women, girls, boys and men.
func (b Beneficiaries) Total() int { return b.Women + b.Girls + b.Boys + b.Men }

// Add adds o's counts to b's.
func (b *Beneficiaries) Add(o Beneficiaries) {
	b.Women += o.Women
	b.Girls += o.Girls
	b.Boys += o.Boys
	b.Men += o.Men
	b.WithDisabilities += o.WithDisabilities
}

// LandReleaseChange is a correction of a land release: a new version.
type LandReleaseChange struct {
	LandRelease *LandRelease
	Reason      string
	IfVersion   int
}

// LandReleaseFilter selects land releases. Results are ordered by ID.
type LandReleaseFilter struct {
	HazardArea string
	Method     Method
	BBox       *orb.Bound
	// Where is a further condition (a CQL2 filter).
	Where Where
	Temporal
	After int64
	Limit int
}

// LandReleaseService keeps land releases. Every write also updates the remaining area of the hazard area and closes
// it when that falls below CloseBelowM2, or reopens it when a withdrawal raises it again.
type LandReleaseService interface {
	// FindLandRelease returns the version selected by t. ENOTFOUND.
	FindLandRelease(ctx context.Context, localID string, t Temporal) (*LandRelease, error)
	// FindLandReleases returns a page of land releases.
	FindLandReleases(ctx context.Context, f LandReleaseFilter) ([]*LandRelease, error)
	// LandReleaseHistory returns every version in record order. ENOTFOUND.
	LandReleaseHistory(ctx context.Context, localID string) ([]*LandRelease, error)
	// CreateLandRelease records a release. EINVALID (outside its hazard area, overlapping another release, dated
	// before the area was identified, parent closed or unknown), ECONFLICT (local_id taken), EFORBIDDEN.
	CreateLandRelease(ctx context.Context, r *LandRelease) error
	// UpdateLandRelease corrects a release. EINVALID, ENOTFOUND, EPRECONDITION, EFORBIDDEN.
	UpdateLandRelease(ctx context.Context, localID string, c LandReleaseChange) (*LandRelease, error)
	// WithdrawLandRelease withdraws a release recorded in error. ENOTFOUND, EPRECONDITION, EFORBIDDEN.
	WithdrawLandRelease(ctx context.Context, localID string, ifVersion int, reason string) (*LandRelease, error)
}

// Registry rules, documented in docs/REGISTRY.md.
const (
	// ReleaseToleranceM is how far, in metres, a release may stray outside its hazard area (GPS precision).
	ReleaseToleranceM = 1.0
	// OverlapToleranceM2 is the largest overlap, in m2, allowed between two releases of one hazard area.
	OverlapToleranceM2 = 1.0
	// CloseBelowM2 closes a hazard area whose remaining area falls below it (a 5 m x 5 m square).
	CloseBelowM2 = 25.0
)
