package landrelease

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// VersionFacts is what a report needs of one version of a hazard area. Areas are whole m2.
type VersionFacts struct {
	ValidFrom     time.Time
	Kind          Kind
	Contamination Contamination
	Status        Status
	StatusReason  string
	AreaM2        int64
	ReleasesSince *time.Time
	Withdrawn     bool
	AdminCode     string // unit at the report's level, "" when unassigned
	AdminName     string
}

// ReleaseFacts is what a report needs of one land release.
type ReleaseFacts struct {
	LocalID     string
	CompletedOn time.Time
	Method      Method
	AreaM2      int64
	Items       map[string]int
	// Beneficiaries are nil when the release does not record them.
	Beneficiaries *Beneficiaries
}

// HazardFacts is one hazard area's history over a report's period, as recorded by the report's as_of.
type HazardFacts struct {
	LocalID string
	// Start is the version in force at the end of the day before the period, nil when none.
	Start *VersionFacts
	// ReleasedAtStartM2 sums the releases counting against Start that were completed by then.
	ReleasedAtStartM2 int64
	// Changes are the versions taking effect within the period, in field order.
	Changes []VersionFacts
	// Releases are the releases completed within the period, in date order.
	Releases []ReleaseFacts
}

// Unassigned is the code of the unit of areas outside every admin unit of the report's level.
const Unassigned = "UNASSIGNED"

// ComputeArticle7 rolls hazard areas' histories up into the Article 4 tables. Each area's events (releases, then
// version changes, day by day) are replayed in whole m2: flows are what the report lists (new, cancelled, reduced,
// cleared, reclassified); any other change of stock becomes a Difference with its reason, so that every unit
// balances exactly: closing = opening + new - released + differences, and SHA and CHA balance with reclassification.
// All of an area's figures go to the unit it is assigned to at the end of the period (or when it last existed).
func ComputeArticle7(r *Article7, facts []HazardFacts) {
	units := map[string]*UnitFigures{}
	unit := func(code, name string) *UnitFigures {
		if code == "" {
			code, name = Unassigned, "Unassigned"
		}
		u, ok := units[code]
		if !ok {
			u = &UnitFigures{Code: code, Name: name, ItemsDestroyed: map[string]int{}}
			units[code] = u
		}
		return u
	}
	r.Differences = r.Differences[:0]
	for i := range facts {
		h := &facts[i]
		last := lastVersion(h)
		if last == nil {
			continue // never in force in the period, or withdrawn
		}
		u := unit(last.AdminCode, last.AdminName)
		r.Differences = append(r.Differences, replay(h, r.From, u)...)
	}
	r.Units = r.Units[:0]
	for _, code := range slices.Sorted(maps.Keys(units)) {
		r.Units = append(r.Units, *units[code])
	}
	r.Total = UnitFigures{Code: "TOTAL", Name: "Total", ItemsDestroyed: map[string]int{}}
	for _, u := range r.Units {
		r.Total.add(u)
	}
	slices.SortStableFunc(r.Differences, func(a, b Difference) int {
		return cmp.Or(cmp.Compare(a.AdminCode, b.AdminCode), cmp.Compare(a.LocalID, b.LocalID), a.On.Compare(b.On))
	})
}

func lastVersion(h *HazardFacts) *VersionFacts {
	for i := len(h.Changes) - 1; i >= 0; i-- {
		if !h.Changes[i].Withdrawn {
			return &h.Changes[i]
		}
	}
	if h.Start != nil && !h.Start.Withdrawn {
		return h.Start
	}
	return nil
}

func (s *Stock) add(o Stock) {
	s.SHACount += o.SHACount
	s.SHAAreaM2 += o.SHAAreaM2
	s.CHACount += o.CHACount
	s.CHAAreaM2 += o.CHAAreaM2
}

func (u *UnitFigures) add(o UnitFigures) {
	u.Opening.add(o.Opening)
	u.Closing.add(o.Closing)
	u.NewCount += o.NewCount
	u.NewAreaM2 += o.NewAreaM2
	u.NewSHAAreaM2 += o.NewSHAAreaM2
	u.NewCHAAreaM2 += o.NewCHAAreaM2
	u.CancelledM2 += o.CancelledM2
	u.ReducedM2 += o.ReducedM2
	u.ClearedM2 += o.ClearedM2
	u.ReleasedSHAM2 += o.ReleasedSHAM2
	u.ReleasedCHAM2 += o.ReleasedCHAM2
	u.ReclassifiedM2 += o.ReclassifiedM2
	u.DeclassifiedM2 += o.DeclassifiedM2
	for k, n := range o.ItemsDestroyed {
		u.ItemsDestroyed[k] += n
	}
	u.ItemsTotal += o.ItemsTotal
	u.Beneficiaries.Add(o.Beneficiaries)
	u.ReleasesWithBeneficiaries += o.ReleasesWithBeneficiaries
	u.ResidualCount += o.ResidualCount
	u.ResidualAreaM2 += o.ResidualAreaM2
	u.BalanceDiffM2 += o.BalanceDiffM2
	u.SHABalanceDiffM2 += o.SHABalanceDiffM2
	u.CHABalanceDiffM2 += o.CHABalanceDiffM2
}

// open reports whether v is open CMR contamination, which is what the stock counts.
func open(v *VersionFacts) bool {
	return v != nil && !v.Withdrawn && v.Contamination.CountsAsCMR() && v.Status == StatusOpen
}

// stock returns the remaining area v holds in the stock, by kind (index 0 SHA, 1 CHA).
func stock(v *VersionFacts, released int64) (sha, cha int64) {
	if !open(v) {
		return 0, 0
	}
	a := max(0, v.AreaM2-released)
	if v.Kind == KindCHA {
		return 0, a
	}
	return a, 0
}

func counts(v *VersionFacts) (sha, cha int) {
	if !open(v) {
		return 0, 0
	}
	if v.Kind == KindCHA {
		return 0, 1
	}
	return 1, 0
}

// replay runs one area's events through the period, adding its figures to u and returning its differences.
//
// Events are taken day by day. Within one day the order is (see docs/REPORTS.md, "Same-day events"):
//
//  1. the version change of the day (identification, reclassification, boundary redrawn, reopening, change of
//     contamination, withdrawal), except that a change which closes an open area only applies its other fields;
//  2. the releases completed that day, against the version step 1 left;
//  3. the closure of the day, if any.
//
// So a release counts against the version that holds once the day is taken into account (the version with the
// latest valid_from on or before its date, as the registry's `at` reads and remaining area do), and an area closed
// on the day of its last release is closed after that release, not before it.
func replay(h *HazardFacts, from time.Time, u *UnitFigures) []Difference {
	s := replayState{h: h, from: from, u: u, released: h.ReleasedAtStartM2}
	s.v = h.Start
	if s.v != nil && s.v.Withdrawn {
		s.v = nil
	}
	sha, cha := stock(s.v, s.released)
	u.Opening.SHAAreaM2 += sha
	u.Opening.CHAAreaM2 += cha
	ns, nc := counts(s.v)
	u.Opening.SHACount += ns
	u.Opening.CHACount += nc

	ri, ci := 0, 0
	for ri < len(h.Releases) || ci < len(h.Changes) {
		var day time.Time
		switch {
		case ri == len(h.Releases):
			day = h.Changes[ci].ValidFrom
		case ci == len(h.Changes) || h.Releases[ri].CompletedOn.Before(h.Changes[ci].ValidFrom):
			day = h.Releases[ri].CompletedOn
		default:
			day = h.Changes[ci].ValidFrom
		}
		var closing []*VersionFacts // closures of the day, applied after its releases
		for ; ci < len(h.Changes) && h.Changes[ci].ValidFrom.Equal(day); ci++ {
			w := &h.Changes[ci]
			if w.Withdrawn {
				s.change(nil)
				continue
			}
			if w.Status != StatusOpen && (open(s.v) || (w.StatusReason == "released" && releasedOn(h.Releases[ri:], day))) {
				// Its other fields hold for the day's releases; the closure follows them. A closure by release
				// takes the place of the day's earlier version (identification, reopening): the registry keeps one
				// version a day, so the area was open for the releases that closed it.
				pre := *w
				pre.Status, pre.StatusReason = StatusOpen, ""
				s.change(&pre)
				closing = append(closing, w)
				continue
			}
			s.change(w)
		}
		for ; ri < len(h.Releases) && h.Releases[ri].CompletedOn.Equal(day); ri++ {
			s.release(h.Releases[ri])
		}
		for _, w := range closing {
			s.change(w)
		}
	}
	sha, cha = stock(s.v, s.released)
	u.Closing.SHAAreaM2 += sha
	u.Closing.CHAAreaM2 += cha
	ns, nc = counts(s.v)
	u.Closing.SHACount += ns
	u.Closing.CHACount += nc
	return s.diffs
}

// releasedOn reports whether rs, in date order, starts with a release completed on day.
func releasedOn(rs []ReleaseFacts, day time.Time) bool {
	return len(rs) > 0 && rs[0].CompletedOn.Equal(day)
}

// replayState is one area's state while replay walks its events.
type replayState struct {
	h        *HazardFacts
	from     time.Time
	u        *UnitFigures
	v        *VersionFacts  // the version in force, nil before identification and after withdrawal
	released int64          // what counts against v: the releases done by now, on or after v's releases_since
	done     []ReleaseFacts // the period's releases replayed so far
	diffs    []Difference
}

// note records a change of stock that the flows do not account for.
func (s *replayState) note(on time.Time, dSHA, dCHA int64, reason string) {
	u := s.u
	if dSHA != 0 {
		u.SHABalanceDiffM2 += dSHA
		s.diffs = append(s.diffs, Difference{AdminCode: u.Code, LocalID: s.h.LocalID, On: on, Kind: KindSHA, AreaM2: dSHA, Reason: reason})
	}
	if dCHA != 0 {
		u.CHABalanceDiffM2 += dCHA
		s.diffs = append(s.diffs, Difference{AdminCode: u.Code, LocalID: s.h.LocalID, On: on, Kind: KindCHA, AreaM2: dCHA, Reason: reason})
	}
	u.BalanceDiffM2 += dSHA + dCHA
}

// release replays release r. It is a flow of the report when it counts against an open CMR version; otherwise
// (a release before identification, while the area was closed or not CMR) it only counts against the remaining
// area, as it does in the registry.
func (s *replayState) release(r ReleaseFacts) {
	u, v := s.u, s.v
	s.done = append(s.done, r)
	if v != nil && v.ReleasesSince != nil && r.CompletedOn.Before(*v.ReleasesSince) {
		return
	}
	if !open(v) {
		s.released += r.AreaM2
		return
	}
	bs, bc := stock(v, s.released)
	s.released += r.AreaM2
	as, ac := stock(v, s.released)
	switch r.Method {
	case MethodCancelled:
		u.CancelledM2 += r.AreaM2
	case MethodReduced:
		u.ReducedM2 += r.AreaM2
	case MethodCleared:
		u.ClearedM2 += r.AreaM2
	}
	// The flow takes r.AreaM2 from the kind the area had when released.
	es, ec := int64(0), int64(0)
	if v.Kind == KindCHA {
		u.ReleasedCHAM2 += r.AreaM2
		ec = -r.AreaM2
	} else {
		u.ReleasedSHAM2 += r.AreaM2
		es = -r.AreaM2
	}
	for dev, n := range r.Items {
		u.ItemsDestroyed[dev] += n
		u.ItemsTotal += n
	}
	if r.Beneficiaries != nil {
		u.Beneficiaries.Add(*r.Beneficiaries)
		u.ReleasesWithBeneficiaries++
	}
	if ds, dc := (as-bs)-es, (ac-bc)-ec; ds != 0 || dc != 0 {
		s.note(r.CompletedOn, ds, dc, fmt.Sprintf("release %s of %d m2 is larger than the %d m2 that remained", r.LocalID, r.AreaM2, bs+bc))
	}
}

// change replays the change from the version in force to w (nil: withdrawn).
func (s *replayState) change(w *VersionFacts) {
	u, v := s.u, s.v
	bs, bc := stock(v, s.released)
	if w != nil && !sameDate(w.ReleasesSince, s.sinceOf(v)) {
		// Reopened (or its reopening date corrected): only releases from then on count against it.
		s.released = 0
		if w.ReleasesSince == nil || w.ReleasesSince.Before(s.from) {
			s.released = s.h.ReleasedAtStartM2
		}
		for _, r := range s.done {
			if w.ReleasesSince == nil || !r.CompletedOn.Before(*w.ReleasesSince) {
				s.released += r.AreaM2
			}
		}
	}
	as, ac := stock(w, s.released)
	var es, ec int64 // the change the flows account for
	switch {
	case v == nil && w != nil && w.Contamination.CountsAsCMR():
		u.NewCount++
		u.NewAreaM2 += w.AreaM2
		if w.Kind == KindCHA {
			u.NewCHAAreaM2 += w.AreaM2
			ec = w.AreaM2
		} else {
			u.NewSHAAreaM2 += w.AreaM2
			es = w.AreaM2
		}
	case open(v) && open(w) && v.Kind != w.Kind:
		moved := bs + bc
		if v.Kind == KindSHA {
			u.ReclassifiedM2 += moved
			es, ec = -moved, moved
		} else {
			u.DeclassifiedM2 += moved
			es, ec = moved, -moved
		}
	}
	if ds, dc := (as-bs)-es, (ac-bc)-ec; ds != 0 || dc != 0 {
		reason := changeReason(v, w, bs+bc, as+ac)
		if v == nil && w != nil && s.released > 0 {
			reason += fmt.Sprintf(", with %d m2 released before", s.released)
		}
		s.note(changeDate(w, s.h), ds, dc, reason)
	}
	s.v = w
}

// sinceOf is the releases_since of v, nil for none (or no version). A version that follows none, or the start,
// inherits the start's bound.
func (s *replayState) sinceOf(v *VersionFacts) *time.Time {
	if v == nil {
		if s.h.Start != nil {
			return s.h.Start.ReleasesSince
		}
		return nil
	}
	return v.ReleasesSince
}

func sameDate(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

func changeDate(w *VersionFacts, h *HazardFacts) time.Time {
	if w != nil {
		return w.ValidFrom
	}
	return h.Changes[len(h.Changes)-1].ValidFrom
}

// changeReason says why a version change moved stock outside the flows.
func changeReason(v, w *VersionFacts, before, after int64) string {
	switch {
	case w == nil:
		return "withdrawn: recorded in error"
	case v == nil:
		return fmt.Sprintf("identified as %s %s", w.Status, w.Contamination)
	case v.Contamination.CountsAsCMR() != w.Contamination.CountsAsCMR():
		return fmt.Sprintf("contamination changed from %s to %s", v.Contamination, w.Contamination)
	case v.Status == StatusOpen && w.Status == StatusClosed && w.StatusReason == "released":
		return fmt.Sprintf("closed below the threshold: %d m2 written off", before)
	case v.Status == StatusOpen && w.Status == StatusClosed:
		return fmt.Sprintf("closed by a data manager with %d m2 remaining", before)
	case v.Status == StatusClosed && w.Status == StatusOpen:
		return fmt.Sprintf("reopened: %d m2 of residual contamination", after)
	case v.AreaM2 != w.AreaM2:
		return fmt.Sprintf("boundary redrawn: area %d m2 became %d m2", v.AreaM2, w.AreaM2)
	}
	return "recorded change"
}

// Change is a figure of one hazard area that differs between a report and the same report as recorded earlier:
// a late entry, a correction or a withdrawal made in between.
type Change struct {
	AdminCode string `json:"admin_code"`
	LocalID   string `json:"local_id"`
	Field     string `json:"field"` // a column of the CSV, e.g. cleared_area_m2
	Before    int64  `json:"before"`
	After     int64  `json:"after"`
	Cause     string `json:"cause"`
}

// CompareArticle7 lists the figures that differ between the histories recorded earlier (before) and later (after).
func CompareArticle7(from time.Time, before, after []HazardFacts) []Change {
	type figs struct {
		unit UnitFigures
		h    *HazardFacts
	}
	index := func(facts []HazardFacts) map[string]figs {
		m := make(map[string]figs, len(facts))
		for i := range facts {
			h := &facts[i]
			f := figs{unit: UnitFigures{ItemsDestroyed: map[string]int{}}, h: h}
			if last := lastVersion(h); last != nil {
				f.unit.Code = last.AdminCode
				replay(h, from, &f.unit)
			}
			m[h.LocalID] = f
		}
		return m
	}
	b, a := index(before), index(after)
	ids := slices.Sorted(maps.Keys(a))
	for id := range b {
		if _, ok := a[id]; !ok {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	var out []Change
	for _, id := range ids {
		fb, fa := b[id], a[id]
		code := fa.unit.Code
		if fa.h == nil {
			code = fb.unit.Code
		}
		if code == "" {
			code = Unassigned
		}
		cause := ""
		for _, c := range []struct {
			field  string
			before int64
			after  int64
		}{
			{"opening_area_m2", fb.unit.Opening.AreaM2(), fa.unit.Opening.AreaM2()},
			{"new_area_m2", fb.unit.NewAreaM2, fa.unit.NewAreaM2},
			{"cancelled_area_m2", fb.unit.CancelledM2, fa.unit.CancelledM2},
			{"reduced_area_m2", fb.unit.ReducedM2, fa.unit.ReducedM2},
			{"cleared_area_m2", fb.unit.ClearedM2, fa.unit.ClearedM2},
			{"reclassified_area_m2", fb.unit.ReclassifiedM2, fa.unit.ReclassifiedM2},
			{"sha_area_m2", fb.unit.Closing.SHAAreaM2, fa.unit.Closing.SHAAreaM2},
			{"cha_area_m2", fb.unit.Closing.CHAAreaM2, fa.unit.Closing.CHAAreaM2},
			{"submunitions_destroyed", int64(fb.unit.ItemsTotal), int64(fa.unit.ItemsTotal)},
			{"balance_diff_m2", fb.unit.BalanceDiffM2, fa.unit.BalanceDiffM2},
		} {
			if c.before == c.after {
				continue
			}
			if cause == "" {
				cause = changeCause(fb.h, fa.h)
			}
			out = append(out, Change{AdminCode: code, LocalID: id, Field: c.field, Before: c.before, After: c.after, Cause: cause})
		}
	}
	return out
}

// changeCause describes what was recorded between two histories of one hazard area.
func changeCause(before, after *HazardFacts) string {
	switch {
	case before == nil:
		return "hazard area recorded late"
	case after == nil:
		return "hazard area withdrawn"
	}
	var causes []string
	old := map[string]ReleaseFacts{}
	for _, r := range before.Releases {
		old[r.LocalID] = r
	}
	for _, r := range after.Releases {
		o, ok := old[r.LocalID]
		switch {
		case !ok:
			causes = append(causes, fmt.Sprintf("release %s (%s, %s) recorded late", r.LocalID, r.Method, r.CompletedOn.Format(time.DateOnly)))
		case o.AreaM2 != r.AreaM2 || o.Method != r.Method || !o.CompletedOn.Equal(r.CompletedOn):
			causes = append(causes, fmt.Sprintf("release %s corrected", r.LocalID))
		}
		delete(old, r.LocalID)
	}
	for _, id := range slices.Sorted(maps.Keys(old)) {
		causes = append(causes, fmt.Sprintf("release %s withdrawn or moved out of the period", id))
	}
	if before.ReleasedAtStartM2 != after.ReleasedAtStartM2 {
		causes = append(causes, "releases before the period recorded late or corrected")
	}
	same := len(before.Changes) == len(after.Changes) && (before.Start == nil) == (after.Start == nil) &&
		(before.Start == nil || sameVersion(*before.Start, *after.Start))
	for i := 0; same && i < len(before.Changes); i++ {
		same = sameVersion(before.Changes[i], after.Changes[i])
	}
	if !same {
		causes = append(causes, "hazard area record corrected or recorded late")
	}
	if len(causes) == 0 {
		return "recorded change"
	}
	return strings.Join(causes, "; ")
}

func sameVersion(a, b VersionFacts) bool {
	if (a.ReleasesSince == nil) != (b.ReleasesSince == nil) || (a.ReleasesSince != nil && !a.ReleasesSince.Equal(*b.ReleasesSince)) {
		return false
	}
	a.ReleasesSince, b.ReleasesSince = nil, nil
	return a == b
}
