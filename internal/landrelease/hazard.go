package landrelease

import (
	"context"
	"slices"
	"time"

	"github.com/paulmach/orb"
)

// Kind says how strong the evidence of a hazard area is.
type Kind string

const (
	KindSHA Kind = "SHA" // suspected hazardous area: indirect evidence
	KindCHA Kind = "CHA" // confirmed hazardous area: direct evidence
)

// Contamination says what a hazard area holds. Only CMR counts in the Convention's reports.
type Contamination string

const (
	ContaminationCMR   Contamination = "cmr"   // cluster munition remnants
	ContaminationOther Contamination = "other" // other explosive ordnance
	ContaminationMixed Contamination = "mixed" // CMR and other explosive ordnance
)

// EvidenceType is direct or indirect evidence (IMAS 07.11).
type EvidenceType string

const (
	EvidenceDirect   EvidenceType = "direct"
	EvidenceIndirect EvidenceType = "indirect"
)

// evidenceCategories lists the categories allowed for each evidence type, after IMAS 07.11; read only.
var evidenceCategories = map[EvidenceType][]string{
	EvidenceDirect:   {"detonation", "accident_known_location", "reliable_record", "signs_or_fences_seen", "items_seen"},
	EvidenceIndirect: {"old_survey", "former_combat_zone", "accident_unknown_location", "unreliable_record", "productive_land_not_in_use", "verbal_report"},
}

// EvidenceCategories returns the categories allowed for evidence of type t, after IMAS 07.11, in a slice of the
// caller's own; ok is false when t is not an evidence type.
func EvidenceCategories(t EvidenceType) (cats []string, ok bool) {
	cats, ok = evidenceCategories[t]
	return slices.Clone(cats), ok
}

// Marking says how a hazard area is marked (Lausanne Action Plan Action 18).
type Marking string

const (
	MarkingNone   Marking = "none"
	MarkingMarked Marking = "marked"
	MarkingFenced Marking = "fenced"
)

// Priority ranks hazard areas for release.
type Priority string

const (
	PriorityHigh   Priority = "high"
	PriorityMedium Priority = "medium"
	PriorityLow    Priority = "low"
)

// LandUse is the main use of the land a hazard area blocks.
type LandUse string

const (
	LandUseAgriculture    LandUse = "agriculture"
	LandUseResidential    LandUse = "residential"
	LandUseForest         LandUse = "forest"
	LandUseGrazing        LandUse = "grazing"
	LandUseInfrastructure LandUse = "infrastructure"
	LandUseWater          LandUse = "water"
	LandUseOther          LandUse = "other"
)

// Status says whether a hazard area is still to be released.
type Status string

const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)

// Evidence is the basis of a hazard area's classification.
type Evidence struct {
	Type     EvidenceType
	Category string
}

// AdminRef names the admin unit a record is assigned to.
type AdminRef struct {
	Code string
	Name string
}

// HazardArea is one version of a suspected or confirmed hazardous area.
type HazardArea struct {
	LocalID       string // national ID, unique, e.g. LA-XK-2024-0001; never changes
	Kind          Kind
	Contamination Contamination
	Evidence      Evidence
	Devices       []string // device types suspected or found, e.g. BLU-26
	Marking       Marking
	Priority      Priority
	LandUse       LandUse
	IdentifiedOn  time.Time // field date the area was first identified (UTC midnight)
	Organisation  string
	Status        Status
	Notes         string
	Geometry      orb.MultiPolygon // WGS 84 lon/lat

	// Set by the registry.
	ID            int64
	Version       int       // version number, 1 for the first; also the ETag
	ValidFrom     time.Time // field date from which this version describes the ground
	RecordedAt    time.Time // record time: when the registry learnt of this version
	RecordedBy    string
	Reason        string     // why this version was made
	StatusReason  string     // "released" when closed by land release, "" otherwise
	ReleasesSince *time.Time // releases completed before this date no longer count (set on reopening)
	Withdrawn     bool
	// Residual is true for residual contamination: a CMR area identified after the completion date declared for
	// its admin unit or the State (IsResidual, with the declarations in force now).
	Residual        bool
	AreaM2          float64 // on the WGS 84 spheroid
	RemainingAreaM2 float64 // area less its releases
	Remaining       orb.MultiPolygon
	Admin1          *AdminRef
	Admin2          *AdminRef
}

// HazardAreaChange is an update of a hazard area: a new version.
type HazardAreaChange struct {
	HazardArea *HazardArea // the full new state; LocalID and registry-set fields are ignored
	// ChangedOn is the field date from which the new state holds (a reclassification, a redrawn boundary).
	// Nil makes the change a correction of the latest version: it takes that version's ValidFrom.
	ChangedOn *time.Time
	Reason    string
	// IfVersion must equal the current version, or the change fails with EPRECONDITION.
	IfVersion int
}

// Temporal selects a state of the registry on its two clocks.
type Temporal struct {
	At   *time.Time // field time: the ground as it stood at the end of this date; nil means the latest
	AsOf *time.Time // record time: what had been recorded by this instant; nil means now
}

// IsZero reports whether t asks for the current state.
func (t Temporal) IsZero() bool { return t.At == nil && t.AsOf == nil }

// StatusFilter values beyond Status.
const StatusAll Status = "all"

// HazardAreaFilter selects hazard areas. Results are ordered by ID; After and Limit page through them.
type HazardAreaFilter struct {
	Kind          Kind
	Status        Status // "" means open; StatusAll means both
	Contamination Contamination
	Admin         string     // admin unit code, level 1 or 2
	BBox          *orb.Bound // intersects
	// Point selects the areas whose open (unreleased) part covers it; current state only.
	Point    *orb.Point
	LocalIDs []string
	// Residual, when set, keeps the areas whose residual flag (HazardArea.Residual, as the read's record time
	// stands) is its value; answered by the database only.
	Residual *bool
	// Where is a further condition (a CQL2 filter), answered by the database only.
	Where Where
	Temporal
	After int64 // ID of the last item of the previous page
	Limit int   // default 100, at most 10000
}

// HazardAreaService keeps hazard areas.
type HazardAreaService interface {
	// FindHazardArea returns the version of a hazard area selected by t. ENOTFOUND if it did not exist then or was withdrawn.
	FindHazardArea(ctx context.Context, localID string, t Temporal) (*HazardArea, error)
	// FindHazardAreas returns a page of hazard areas.
	FindHazardAreas(ctx context.Context, f HazardAreaFilter) ([]*HazardArea, error)
	// HazardAreaHistory returns every version of a hazard area in record order. ENOTFOUND if unknown.
	HazardAreaHistory(ctx context.Context, localID string) ([]*HazardArea, error)
	// CreateHazardArea records a new hazard area and sets its registry fields. EINVALID, ECONFLICT (local_id taken), EFORBIDDEN.
	CreateHazardArea(ctx context.Context, h *HazardArea) error
	// UpdateHazardArea records a new version. EINVALID, ENOTFOUND, EPRECONDITION, EFORBIDDEN.
	UpdateHazardArea(ctx context.Context, localID string, c HazardAreaChange) (*HazardArea, error)
	// WithdrawHazardArea marks a hazard area recorded in error as withdrawn, as a new version.
	// ECONFLICT while it has releases that are not withdrawn; ENOTFOUND, EPRECONDITION, EFORBIDDEN.
	WithdrawHazardArea(ctx context.Context, localID string, ifVersion int, reason string) (*HazardArea, error)
}
