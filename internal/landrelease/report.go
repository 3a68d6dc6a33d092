package landrelease

import (
	"context"
	"io"
	"time"
)

// Stock is the open CMR contamination of a unit at one date: number and remaining area (whole m2) of SHAs and CHAs.
type Stock struct {
	SHACount  int   `json:"sha_count"`
	SHAAreaM2 int64 `json:"sha_area_m2"`
	CHACount  int   `json:"cha_count"`
	CHAAreaM2 int64 `json:"cha_area_m2"`
}

// AreaM2 is the total remaining area.
func (s Stock) AreaM2() int64 { return s.SHAAreaM2 + s.CHAAreaM2 }

// UnitFigures are the Article 4 figures of one admin unit (or of the total) over a period. Areas are whole m2,
// each hazard area's figures rounded before summing, so that units add up to the total exactly.
type UnitFigures struct {
	Code string `json:"admin_code"`
	Name string `json:"admin_name"`

	Opening Stock `json:"opening"` // at the end of the day before the period
	Closing Stock `json:"closing"` // at the end of the period's last day

	NewCount     int   `json:"new_count"` // areas identified in the period
	NewAreaM2    int64 `json:"new_area_m2"`
	NewSHAAreaM2 int64 `json:"new_sha_area_m2"`
	NewCHAAreaM2 int64 `json:"new_cha_area_m2"`

	CancelledM2    int64          `json:"cancelled_area_m2"`
	ReducedM2      int64          `json:"reduced_area_m2"`
	ClearedM2      int64          `json:"cleared_area_m2"`
	ReleasedSHAM2  int64          `json:"released_sha_area_m2"` // of the released area, what was SHA when released
	ReleasedCHAM2  int64          `json:"released_cha_area_m2"`
	ReclassifiedM2 int64          `json:"reclassified_area_m2"`        // remaining area moved from SHA to CHA
	DeclassifiedM2 int64          `json:"reclassified_to_sha_area_m2"` // moved from CHA back to SHA
	ItemsDestroyed map[string]int `json:"items_destroyed"`
	ItemsTotal     int            `json:"submunitions_destroyed"`
	// Beneficiaries sum the people the period's releases benefit, over the ReleasesWithBeneficiaries releases
	// that record them.
	Beneficiaries             Beneficiaries `json:"beneficiaries"`
	ReleasesWithBeneficiaries int           `json:"releases_with_beneficiaries"`

	// ResidualCount and ResidualAreaM2 are the residual contamination within Closing: the open CMR areas at the
	// end of the period identified after a completion date (IsResidual, as recorded at the report's AsOf), and
	// their remaining area. They are part of Closing, not beside it: the balance is unchanged.
	ResidualCount  int   `json:"residual_count"`
	ResidualAreaM2 int64 `json:"residual_area_m2"`

	// BalanceDiffM2 is Closing - (Opening + New - Cancelled - Reduced - Cleared); every unit of it is explained
	// by a Difference. SHA and CHA balance separately with reclassification moving area between them.
	BalanceDiffM2    int64 `json:"balance_diff_m2"`
	SHABalanceDiffM2 int64 `json:"sha_balance_diff_m2"`
	CHABalanceDiffM2 int64 `json:"cha_balance_diff_m2"`
}

// Difference explains a change of stock that is not a flow of the report: a boundary redrawn, an area closed
// below the threshold, reopened, changed to or from CMR, or released beyond what remained.
type Difference struct {
	AdminCode string    `json:"admin_code"`
	LocalID   string    `json:"local_id"`
	On        time.Time `json:"on"`
	Kind      Kind      `json:"kind"`
	AreaM2    int64     `json:"area_m2"` // signed: added to (positive) or taken from (negative) the stock
	Reason    string    `json:"reason"`
}

// Article7 is the Form F report ("Contaminated areas and clearance") of the Convention's Article 7, for
// Article 4: CMR contamination only.
type Article7 struct {
	State       string        `json:"state"`
	From        time.Time     `json:"from"` // first day of the period
	To          time.Time     `json:"to"`   // last day of the period
	Level       int           `json:"admin_level"`
	AsOf        time.Time     `json:"as_of"` // what had been recorded by then; regenerating with it gives the same figures
	GeneratedAt time.Time     `json:"generated_at"`
	Units       []UnitFigures `json:"units"` // ordered by code; areas without an admin unit under code "UNASSIGNED"
	Total       UnitFigures   `json:"total"` // code "TOTAL"
	Differences []Difference  `json:"differences"`
	// ComparedWith and Changes are set when the report is compared with itself as recorded at an earlier time:
	// every figure of a hazard area that differs, with its cause (late entries, corrections, withdrawals).
	ComparedWith *time.Time `json:"compared_with,omitempty"`
	Changes      []Change   `json:"changes,omitempty"`
}

// Article7Request selects a report.
type Article7Request struct {
	From, To time.Time  // inclusive field dates; a calendar year by default
	Level    int        // 1 or 2
	AsOf     *time.Time // nil: everything recorded now
	// CompareAsOf, when set, lists what changed since the report as recorded then (see Article7.Changes).
	CompareAsOf *time.Time
}

// ReportService computes reports. Article7 returns EINVALID for a bad period or level.
type ReportService interface {
	Article7(ctx context.Context, req Article7Request) (*Article7, error)
}

// Settings are the registry's settings.
type Settings struct {
	StateName      string     // e.g. Lao People's Democratic Republic
	EntryIntoForce *time.Time // the Convention's entry into force for the State: the Article 4 baseline
	// PublicRead opens the registry's reads (hazard areas, land releases, admin units, the map, reports) to
	// anyone, without credentials: never uploads, users, tokens or the audit trail. Off by default.
	PublicRead bool
}

// SettingService keeps the settings.
type SettingService interface {
	Settings(ctx context.Context) (*Settings, error)
	// SetSetting sets state_name, entry_into_force (a date) or public_read (true or false). EINVALID for another
	// key or a bad value, EFORBIDDEN.
	SetSetting(ctx context.Context, key, value string) error
}

// ReportFormat finds how to write a report format: its media type, file extension and writer.
type ReportFormat func(name string) (contentType, ext string, write func(io.Writer, *Article7) error, ok bool)

// Deadline is an Article 4 clearance deadline: the original one or an extension granted.
type Deadline struct {
	Deadline  time.Time  `json:"deadline"`
	Kind      string     `json:"kind"` // original or extension
	DecidedOn *time.Time `json:"decided_on,omitempty"`
	Note      string     `json:"note"`
}

// Target is the national work plan's area to address (release) in a year.
type Target struct {
	Year   int    `json:"year"`
	AreaM2 int64  `json:"area_m2"`
	Note   string `json:"note"`
}

// YearProgress sets a year's target against what was released.
type YearProgress struct {
	Year       int   `json:"year"`
	TargetM2   int64 `json:"target_area_m2"` // 0 when no target was set
	ReleasedM2 int64 `json:"released_area_m2"`
	Complete   bool  `json:"complete"` // false for the year in progress
}

// Baseline gives the figures an Article 4 extension request states: since the Convention's entry into force.
type Baseline struct {
	EntryIntoForce     time.Time `json:"entry_into_force"`
	AreaAtBaselineM2   int64     `json:"area_at_baseline_m2"`
	IdentifiedSinceM2  int64     `json:"identified_since_m2"`
	IdentifiedCount    int       `json:"identified_since_count"`
	CancelledSinceM2   int64     `json:"cancelled_since_m2"`
	ReducedSinceM2     int64     `json:"reduced_since_m2"`
	ClearedSinceM2     int64     `json:"cleared_since_m2"`
	DifferencesSinceM2 int64     `json:"differences_since_m2"` // see Article7.Differences of the same period
	RemainingM2        int64     `json:"remaining_m2"`
	RemainingSHAM2     int64     `json:"remaining_sha_m2"`
	RemainingCHAM2     int64     `json:"remaining_cha_m2"`
}

// Article4Progress tracks clearance against the Article 4 deadline (Lausanne Action Plan Actions 19 and 20).
type Article4Progress struct {
	State     string     `json:"state"`
	On        time.Time  `json:"on"` // the field date of the figures (today)
	AsOf      time.Time  `json:"as_of"`
	Baseline  *Baseline  `json:"baseline"` // nil until entry_into_force is set
	Deadlines []Deadline `json:"deadlines"`
	// Deadline is the latest deadline in force, nil when none is recorded.
	Deadline *Deadline `json:"deadline"`
	// RemainingM2 is the open CMR contamination on On, residual contamination included: ResidualCount and
	// ResidualAreaM2 are its residual part (open CMR areas identified after a completion date, as recorded at
	// AsOf), which falls to the national residual capacity (Lausanne Action Plan Action 25) rather than to Article
	// 4 clearance. The projection is of the whole RemainingM2.
	RemainingM2    int64 `json:"remaining_m2"`
	ResidualCount  int   `json:"residual_count"`
	ResidualAreaM2 int64 `json:"residual_area_m2"`
	// MeanReleaseM2PerYear is the mean area released (cancelled, reduced, cleared) in the last three full years.
	MeanReleaseM2PerYear int64 `json:"mean_release_m2_per_year"`
	RateYears            []int `json:"rate_years"`
	// ProjectedCompletion is when the remaining area would be released at that rate; nil when the rate is zero.
	ProjectedCompletion *time.Time     `json:"projected_completion"`
	OnTrack             *bool          `json:"on_track"` // projected completion on or before the deadline
	Years               []YearProgress `json:"years"`
}

// Article4Service keeps Article 4 deadlines and work-plan targets and tracks progress.
type Article4Service interface {
	// AddDeadline records a deadline. EINVALID, ECONFLICT (the date is recorded), EFORBIDDEN.
	AddDeadline(ctx context.Context, d Deadline) error
	// SetTarget sets a year's target. EINVALID, EFORBIDDEN.
	SetTarget(ctx context.Context, t Target) error
	// Progress computes the progress summary on field date on as recorded at asOf (nil: now).
	Progress(ctx context.Context, on time.Time, asOf *time.Time) (*Article4Progress, error)
}
