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
}

// Article7Request selects a report.
type Article7Request struct {
	From, To time.Time  // inclusive field dates; a calendar year by default
	Level    int        // 1 or 2
	AsOf     *time.Time // nil: everything recorded now
}

// ReportService computes reports. Article7 returns EINVALID for a bad period or level.
type ReportService interface {
	Article7(ctx context.Context, req Article7Request) (*Article7, error)
}

// Settings are the registry's settings.
type Settings struct {
	StateName      string     // e.g. Lao People's Democratic Republic
	EntryIntoForce *time.Time // the Convention's entry into force for the State: the Article 4 baseline
}

// SettingService keeps the settings.
type SettingService interface {
	Settings(ctx context.Context) (*Settings, error)
	// SetSetting sets state_name or entry_into_force (a date). EINVALID for another key or a bad value, EFORBIDDEN.
	SetSetting(ctx context.Context, key, value string) error
}

// ReportFormat finds how to write a report format: its media type, file extension and writer.
type ReportFormat func(name string) (contentType, ext string, write func(io.Writer, *Article7) error, ok bool)
