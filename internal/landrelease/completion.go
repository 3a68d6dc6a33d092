package landrelease

import (
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// The completion of Article 4.1(c) (Lausanne Action Plan Actions 22 and 25): when no open CMR area remains in an
// admin unit or in the State, the summary that a declaration of completion attaches; completion dates declared;
// and the residual contamination, the CMR areas identified after a completion date.

// StateScope is the scope (the admin unit code) that stands for the whole State.
const StateScope = ""

// MaxCompletionNote is the most characters a completion's note holds.
const MaxCompletionNote = 10000

// CompletionRelease is one land release of an area in a completion summary.
type CompletionRelease struct {
	LocalID        string         `json:"local_id"`
	Method         Method         `json:"method"`
	CompletedOn    time.Time      `json:"completed_on"`
	AreaM2         int64          `json:"area_m2"`
	Organisation   string         `json:"organisation"`
	ItemsDestroyed map[string]int `json:"items_destroyed,omitempty"`
	Beneficiaries  *Beneficiaries `json:"beneficiaries,omitempty"`
}

// CompletionArea is a CMR hazard area of a completion summary: its version in force on the summary's date, as
// recorded at its AsOf, and every release counting against it.
type CompletionArea struct {
	LocalID       string        `json:"local_id"`
	Kind          Kind          `json:"kind"`
	Contamination Contamination `json:"contamination"`
	IdentifiedOn  time.Time     `json:"identified_on"`
	AreaM2        int64         `json:"area_m2"`
	Status        Status        `json:"status"`
	// ClosedOn is the field date of the version that closed the area; nil while open.
	ClosedOn        *time.Time          `json:"closed_on"`
	RemainingAreaM2 int64               `json:"remaining_area_m2"`
	Admin1Code      string              `json:"admin1_code"`
	Admin2Code      string              `json:"admin2_code"`
	Residual        bool                `json:"residual"`
	Withdrawn       bool                `json:"-"`
	Releases        []CompletionRelease `json:"releases"`
}

// CMR reports whether the area holds cluster munition remnants (contamination cmr or mixed).
func (a *CompletionArea) CMR() bool {
	return a.Contamination == ContaminationCMR || a.Contamination == ContaminationMixed
}

// Completion is a completion date declared for an admin unit (Admin, by code) or the State (Admin ""): no CMR area
// remained open there at the end of CompletedOn.
type Completion struct {
	Admin       string    `json:"admin_code"`
	CompletedOn time.Time `json:"completed_on"`
	DeclaredOn  time.Time `json:"declared_on"`
	Note        string    `json:"note"`
	RecordedAt  time.Time `json:"recorded_at"`
	RecordedBy  string    `json:"recorded_by"`
}

// Covers reports whether c's scope holds an area of admin units a1 and a2 (codes, "" when none).
func (c Completion) Covers(a1, a2 string) bool {
	return c.Admin == StateScope || c.Admin == a1 || c.Admin == a2
}

// IsResidual reports whether an area is residual contamination: a CMR area (cmr or mixed) identified after the
// completion date of a scope holding it (its admin unit of either level or the State).
func IsResidual(cont Contamination, identifiedOn time.Time, a1, a2 string, completions []Completion) bool {
	if cont != ContaminationCMR && cont != ContaminationMixed {
		return false
	}
	for _, c := range completions {
		if c.Covers(a1, a2) && Day(identifiedOn).After(Day(c.CompletedOn)) {
			return true
		}
	}
	return false
}

// CompletionTotals sum the releases of a summary's areas completed on or after its Since date: areas in whole m2
// (each release rounded), items destroyed, and the beneficiaries of the releases that record them.
type CompletionTotals struct {
	CancelledM2               int64          `json:"cancelled_area_m2"`
	ReducedM2                 int64          `json:"reduced_area_m2"`
	ClearedM2                 int64          `json:"cleared_area_m2"`
	ItemsDestroyed            map[string]int `json:"items_destroyed"`
	ItemsTotal                int            `json:"items_destroyed_total"`
	Beneficiaries             Beneficiaries  `json:"beneficiaries"`
	ReleasesWithBeneficiaries int            `json:"releases_with_beneficiaries"`
}

// OpenStock counts open CMR areas of one admin unit ("" when unassigned).
type OpenStock struct {
	Admin  string `json:"admin_code"`
	Count  int    `json:"count"`
	AreaM2 int64  `json:"remaining_area_m2"`
}

// CompletionSummary is the summary for the declaration of compliance with Article 4.1(c).
type CompletionSummary struct {
	State string    `json:"state"`
	Admin string    `json:"admin_code"` // "" for the State
	On    time.Time `json:"on"`         // the field date of the summary
	AsOf  time.Time `json:"as_of"`
	// Since is the Convention's entry into force for the State, from which Totals count; nil: every release.
	Since *time.Time `json:"since"`
	// Complete is true when no CMR area is open on On but residual contamination found after the completion of
	// this scope (or of a scope holding it); also when no CMR area was ever recorded in it (ContaminationRecorded).
	Complete bool `json:"complete"`
	// ContaminationRecorded is false when the scope holds no CMR area identified by On (not withdrawn) as
	// recorded at AsOf: complete because never known contaminated, with no CompletionDate.
	ContaminationRecorded bool `json:"contamination_recorded"`
	// CompletionDate is the latest ClosedOn of the areas not residual of this scope; nil when none was closed.
	CompletionDate *time.Time `json:"completion_date"`
	// Open lists, per admin unit, the open CMR areas not residual of this scope: empty when Complete.
	Open []OpenStock `json:"open"`
	// Declared is the completion recorded for the scope, nil when none.
	Declared *Completion `json:"declared"`
	// ResidualCount and ResidualAreaM2 count the residual areas (open or not) and their area.
	ResidualCount  int              `json:"residual_count"`
	ResidualAreaM2 int64            `json:"residual_area_m2"`
	Totals         CompletionTotals `json:"totals"`
	// AreaCount is the number of the summary's areas: len(Areas) when they are in memory; when they are
	// streamed (CompletionAreas), how many the stream gives.
	AreaCount int `json:"-"`
	// Areas are the summary's areas in local id order; nil when streamed.
	Areas []CompletionArea `json:"areas"`
}

// CompletionAreas gives the areas of a streamed summary: it calls yield with each in local id order, each with
// its releases and Residual set, and returns yield's first error (or its own). yield may keep nothing of the
// area past its return.
type CompletionAreas func(yield func(*CompletionArea) error) error

// AreasOf returns the CompletionAreas of the areas of s in memory.
func AreasOf(s *CompletionSummary) CompletionAreas {
	return func(yield func(*CompletionArea) error) error {
		for i := range s.Areas {
			if err := yield(&s.Areas[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// ComputeCompletion fills s (whose State, Admin, On, AsOf and Since the caller sets) from the areas read, which
// it takes: s.Areas keeps, ordered by local id, the areas a CompletionAccumulator keeps, and the figures are those
// it computes from them. It is the accumulator's rule on a list in memory; a summary streamed from a database
// gives the same figures and areas.
func ComputeCompletion(s *CompletionSummary, areas []CompletionArea, completions []Completion) {
	acc := NewCompletionAccumulator(s, completions)
	s.Areas = s.Areas[:0]
	for _, a := range areas {
		if acc.Keep(&a) {
			s.Areas = append(s.Areas, a)
		}
	}
	slices.SortFunc(s.Areas, func(a, b CompletionArea) int { return strings.Compare(a.LocalID, b.LocalID) })
	for i := range s.Areas {
		acc.Add(&s.Areas[i])
	}
	acc.Finish()
}

// CompletionAccumulator computes the figures of a completion summary from its areas given one at a time, in any
// order, keeping none of them: what lets a summary of a whole State be written with bounded memory (its figures
// first, from one pass over the areas; then its areas, from another).
//
// The rule: the summary's areas are the CMR areas not withdrawn, identified on or before On, within s.Admin
// (either level; every area for the State). An area is residual when IsResidual finds it so with the completions
// (every declaration recorded); Declared is the completion of s.Admin itself. Complete, Open, CompletionDate,
// ContaminationRecorded and the totals are as their fields say; residual areas count in the totals and the
// residual figures. An area residual with respect to s.Admin itself (residualWithin: after the completion of
// s.Admin, of a unit holding it, or of the State) counts neither in Open nor in CompletionDate; one residual only
// of a smaller unit (a province's, in the State's summary) is open contamination of s.Admin like any other.
type CompletionAccumulator struct {
	s           *CompletionSummary
	completions []Completion
	open        map[string]*OpenStock
}

// NewCompletionAccumulator starts the figures of s (whose State, Admin, On, AsOf and Since the caller sets) with
// the completions recorded: it clears them and sets Declared. It leaves s.Areas alone.
func NewCompletionAccumulator(s *CompletionSummary, completions []Completion) *CompletionAccumulator {
	s.Declared = nil
	for i := range completions {
		if completions[i].Admin == s.Admin {
			c := completions[i]
			s.Declared = &c
		}
	}
	s.Open, s.CompletionDate, s.ResidualCount, s.ResidualAreaM2, s.AreaCount = nil, nil, 0, 0, 0
	s.Complete, s.ContaminationRecorded = false, false
	s.Totals = CompletionTotals{ItemsDestroyed: map[string]int{}}
	return &CompletionAccumulator{s: s, completions: completions, open: map[string]*OpenStock{}}
}

// Keep reports whether area a is one of the summary's areas, and sets its Residual flag.
func (acc *CompletionAccumulator) Keep(a *CompletionArea) bool {
	s := acc.s
	if a.Withdrawn || !a.CMR() || Day(a.IdentifiedOn).After(Day(s.On)) {
		return false
	}
	if s.Admin != StateScope && a.Admin1Code != s.Admin && a.Admin2Code != s.Admin {
		return false
	}
	a.Residual = IsResidual(a.Contamination, a.IdentifiedOn, a.Admin1Code, a.Admin2Code, acc.completions)
	return true
}

// Add counts area a, which Keep kept, and its releases in the figures; it keeps nothing of a.
func (acc *CompletionAccumulator) Add(a *CompletionArea) {
	s := acc.s
	s.AreaCount++
	if a.Residual {
		s.ResidualCount++
		s.ResidualAreaM2 += a.AreaM2
	}
	within := a.Residual && residualWithin(s.Admin, a, acc.completions)
	switch {
	case a.Status == StatusOpen && !within:
		unit := a.Admin1Code
		if s.Admin != StateScope && a.Admin2Code == s.Admin {
			unit = a.Admin2Code
		}
		o := acc.open[unit]
		if o == nil {
			o = &OpenStock{Admin: unit}
			acc.open[unit] = o
		}
		o.Count++
		o.AreaM2 += a.RemainingAreaM2
	case a.Status == StatusClosed && !within && a.ClosedOn != nil:
		if s.CompletionDate == nil || a.ClosedOn.After(*s.CompletionDate) {
			d := Day(*a.ClosedOn)
			s.CompletionDate = &d
		}
	}
	for _, r := range a.Releases {
		if s.Since != nil && r.CompletedOn.Before(Day(*s.Since)) {
			continue
		}
		switch r.Method {
		case MethodCancelled:
			s.Totals.CancelledM2 += r.AreaM2
		case MethodReduced:
			s.Totals.ReducedM2 += r.AreaM2
		case MethodCleared:
			s.Totals.ClearedM2 += r.AreaM2
		}
		for d, n := range r.ItemsDestroyed {
			s.Totals.ItemsDestroyed[d] += n
			s.Totals.ItemsTotal += n
		}
		if r.Beneficiaries != nil {
			s.Totals.Beneficiaries.Add(*r.Beneficiaries)
			s.Totals.ReleasesWithBeneficiaries++
		}
	}
}

// Finish sets Open (ordered by admin unit), Complete and ContaminationRecorded once every area was added.
func (acc *CompletionAccumulator) Finish() {
	s := acc.s
	s.Open = nil
	for _, o := range acc.open {
		s.Open = append(s.Open, *o)
	}
	slices.SortFunc(s.Open, func(a, b OpenStock) int { return strings.Compare(a.Admin, b.Admin) })
	s.Complete = len(s.Open) == 0
	s.ContaminationRecorded = s.AreaCount > 0
}

// residualWithin reports whether area a of a summary of scope is residual with respect to scope itself: identified
// after the completion date of scope, of the State, or (scope being a's admin unit of level 2) of a's admin unit of
// level 1. Residual contamination of a smaller unit is still open contamination of a larger one: the State is not
// complete while a province's residual area is open.
func residualWithin(scope string, a *CompletionArea, completions []Completion) bool {
	for _, c := range completions {
		covers := c.Admin == StateScope || c.Admin == scope ||
			(scope != StateScope && scope == a.Admin2Code && c.Admin == a.Admin1Code)
		if covers && Day(a.IdentifiedOn).After(Day(c.CompletedOn)) {
			return true
		}
	}
	return false
}

// OpenTotal sums Open: the count and the remaining area of the open CMR areas.
func (s *CompletionSummary) OpenTotal() (count int, areaM2 int64) {
	for _, o := range s.Open {
		count += o.Count
		areaM2 += o.AreaM2
	}
	return count, areaM2
}

// NotComplete is the ECONFLICT error of a summary that is not complete: how many CMR areas remain open and where.
func (s *CompletionSummary) NotComplete() *Error {
	n, m2 := s.OpenTotal()
	scope := "the State"
	if s.Admin != StateScope {
		scope = "admin unit " + s.Admin
	}
	e := Errorf(ECONFLICT, "%d CMR area(s) of %d m2 remain open in %s on %s: not complete.", n, m2, scope, Day(s.On).Format(time.DateOnly))
	for _, o := range s.Open {
		unit := o.Admin
		if unit == "" {
			unit = "UNASSIGNED"
		}
		e.Details = append(e.Details, Detail{Field: unit, Reason: fmt.Sprintf("%d open CMR area(s), %d m2 remaining", o.Count, o.AreaM2)})
	}
	return e
}

// RoundM2 rounds an area to whole m2 as the reports do.
func RoundM2(m2 float64) int64 { return int64(math.Round(m2)) }

// CompletionRequest selects a completion summary.
type CompletionRequest struct {
	Admin string     // admin unit code of level 1 or 2; "" for the State
	On    time.Time  // field date; zero: today
	AsOf  *time.Time // record time; nil: now
}

// CompletionService computes completion summaries and keeps the completion dates declared.
type CompletionService interface {
	// Summary computes the summary of req, its areas in memory. ENOTFOUND for an unknown admin unit.
	Summary(ctx context.Context, req CompletionRequest) (*CompletionSummary, error)
	// StreamSummary computes the summary of req without its areas (Areas nil, AreaCount set), then calls fn with
	// it and with its areas as a stream, in the same snapshot: what a large scope's summary is written with, in
	// bounded memory. fn's error is StreamSummary's. ENOTFOUND for an unknown admin unit.
	StreamSummary(ctx context.Context, req CompletionRequest, fn func(*CompletionSummary, CompletionAreas) error) error
	// Declare records c (superseding an earlier declaration of its scope) when the summary on c.CompletedOn,
	// as recorded now, is complete; ECONFLICT (NotComplete) otherwise, writing nothing. A scope in which no CMR
	// contamination was ever recorded (ContaminationRecorded false) may be declared complete: its audit entry
	// says contamination_recorded false. EINVALID, ENOTFOUND,
	// EFORBIDDEN (administrators and data managers only).
	Declare(ctx context.Context, c Completion) error
	// Completions lists the declarations in force, ordered by scope.
	Completions(ctx context.Context) ([]Completion, error)
}

// ResidualStock is the residual contamination of one admin unit of a Form F ("" when unassigned): open CMR areas
// at the end of the period identified after a completion date, and their remaining area.
type ResidualStock struct {
	Admin  string
	Count  int
	AreaM2 int64
}

// AddResidual sets the residual figures of r's units (by code; "" is Unassigned) and of its total. A unit not in
// r is added to the total only: a residual area is open CMR contamination, so its unit is in r.
func (r *Article7) AddResidual(stock []ResidualStock) {
	for _, st := range stock {
		code := st.Admin
		if code == "" {
			code = Unassigned
		}
		for i := range r.Units {
			if r.Units[i].Code == code {
				r.Units[i].ResidualCount += st.Count
				r.Units[i].ResidualAreaM2 += st.AreaM2
			}
		}
		r.Total.ResidualCount += st.Count
		r.Total.ResidualAreaM2 += st.AreaM2
	}
}

// CompletionFormat finds how to write a completion summary format: its media type, file extension and writer.
// write writes a summary from its figures and its areas (streamed, or AreasOf).
type CompletionFormat func(name string) (contentType, ext string, write func(io.Writer, *CompletionSummary, CompletionAreas) error, ok bool)
