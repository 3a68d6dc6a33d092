package landrelease

import (
	"fmt"
	"slices"
	"time"
)

// The Article 4 projection: pure rules over figures read from the registry. The adapter reads the Form F reports
// these functions ask for (Article4YearRequest, Article4BaselineRequest, for the years of Article4Years), the
// deadlines and the targets, all as recorded at one moment, and ProjectArticle4 computes the progress.

// Article4RateYears is how many full years, those just before the year in progress, the mean release rate spans.
const Article4RateYears = 3

// daysPerYear is the mean length of a year used to turn a rate per year into a date.
const daysPerYear = 365.25

// Article4YearRequest is the Form F request of year y as seen on the field date on: level 1, from 1 January to 31
// December, or to on when on falls before 31 December of y (the year in progress), as recorded at asOf.
func Article4YearRequest(y int, on time.Time, asOf *time.Time) Article7Request {
	on = Day(on)
	to := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	if to.After(on) {
		to = on
	}
	return Article7Request{From: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), To: to, Level: 1, AsOf: asOf}
}

// Article4Years lists, in increasing order and once each, the years whose Form F the projection reads: the
// Article4RateYears full years before the year of on, the year of on, and every earlier year with a target
// recorded (even a target of 0 m2, which the progress does not show). Targets of years after on's need no report.
func Article4Years(on time.Time, targets map[int]int64) []int {
	now := Day(on).Year()
	years := make([]int, 0, Article4RateYears+1+len(targets))
	for y := now - Article4RateYears; y <= now; y++ {
		years = append(years, y)
	}
	for y := range targets {
		if y <= now && !slices.Contains(years, y) {
			years = append(years, y)
		}
	}
	slices.Sort(years)
	return years
}

// Article4BaselineRequest is the Form F request from the Convention's entry into force to the field date on (level
// 1, as recorded at asOf) whose figures an extension request states. ok is false, and no report is needed, when
// the entry into force is not set (nil) or falls after on.
func Article4BaselineRequest(on time.Time, entryIntoForce, asOf *time.Time) (req Article7Request, ok bool) {
	on = Day(on)
	if entryIntoForce == nil || entryIntoForce.After(on) {
		return Article7Request{}, false
	}
	return Article7Request{From: *entryIntoForce, To: on, Level: 1, AsOf: asOf}, true
}

// Article4Facts is what ProjectArticle4 reads from the registry, all as recorded at the moment Current was.
type Article4Facts struct {
	// On is the field date of the figures; only its day counts.
	On time.Time
	// Current is the Form F of On's year up to On (Article4YearRequest(On.Year(), On, ...)). It gives the State,
	// the AsOf and the area remaining, and stands for On's year in Years.
	Current *Article7
	// Years holds the Form F of every year of Article4Years(On, Targets) but On's, each by Article4YearRequest.
	Years map[int]*Article7
	// Deadlines are the deadlines recorded, in any order (dates are unique).
	Deadlines []Deadline
	// Targets are the work-plan targets, area in m2 by year.
	Targets map[int]int64
	// EntryIntoForce is the Convention's entry into force for the State, nil when not set.
	EntryIntoForce *time.Time
	// SinceEntryIntoForce is the Form F of Article4BaselineRequest(On, EntryIntoForce, ...); required when that
	// request is ok, ignored otherwise.
	SinceEntryIntoForce *Article7
}

// ReleasedM2 is the area released in the figures: cancelled, reduced and cleared.
func (u UnitFigures) ReleasedM2() int64 { return u.CancelledM2 + u.ReducedM2 + u.ClearedM2 }

// ProjectArticle4 computes the Article 4 progress from the facts read. It needs no database and changes nothing
// of f. The rules:
//
//   - State, AsOf, RemainingM2 (the closing area) and its residual part (ResidualCount, ResidualAreaM2: the
//     closing total's residual figures) come from Current; On is f.On's day.
//   - Deadlines are listed by date; the deadline in force (Deadline) is the latest, nil when none is recorded.
//   - The rate, MeanReleaseM2PerYear, is the area released (UnitFigures.ReleasedM2) in the Article4RateYears
//     full years before On's year (RateYears), summed and divided by Article4RateYears, rounded toward zero.
//   - ProjectedCompletion is the day (UTC) of On plus RemainingM2 / rate * 365.25 days, nil unless the rate is
//     above 0; OnTrack is whether it falls on or before the deadline in force, nil when either is missing.
//   - Years lists, by year, the rate years and On's year (Complete false for On's year only) with their target
//     (0 when none) and the area released; earlier years with a target above 0, the same; and years after On's
//     with a target (even of 0), with nothing released and Complete false.
//   - Baseline holds the figures of SinceEntryIntoForce when Article4BaselineRequest is ok, nil otherwise.
//
// It returns an error, naming what is missing, when Current, a year of Article4Years or SinceEntryIntoForce is
// needed and nil: the facts were not read as documented.
func ProjectArticle4(f Article4Facts) (*Article4Progress, error) {
	if f.Current == nil {
		return nil, fmt.Errorf("article 4 projection: no Form F of the year in progress")
	}
	on := Day(f.On)
	now := on.Year()
	p := &Article4Progress{State: f.Current.State, On: on, AsOf: f.Current.AsOf, RemainingM2: f.Current.Total.Closing.AreaM2(),
		ResidualCount: f.Current.Total.ResidualCount, ResidualAreaM2: f.Current.Total.ResidualAreaM2}

	p.Deadlines = slices.Clone(f.Deadlines)
	slices.SortStableFunc(p.Deadlines, func(a, b Deadline) int { return a.Deadline.Compare(b.Deadline) })
	if n := len(p.Deadlines); n > 0 {
		p.Deadline = &p.Deadlines[n-1]
	}

	var rateSum int64
	for _, y := range Article4Years(on, f.Targets) {
		r := f.Current
		if y != now {
			if r = f.Years[y]; r == nil {
				return nil, fmt.Errorf("article 4 projection on %s: no Form F of %d", on.Format(time.DateOnly), y)
			}
		}
		yp := YearProgress{Year: y, TargetM2: f.Targets[y], ReleasedM2: r.Total.ReleasedM2(), Complete: y < now}
		if y >= now-Article4RateYears && y < now {
			rateSum += yp.ReleasedM2
			p.RateYears = append(p.RateYears, y)
		}
		if yp.TargetM2 > 0 || y >= now-Article4RateYears {
			p.Years = append(p.Years, yp)
		}
	}
	for y, a := range f.Targets { // targets of years to come
		if y > now {
			p.Years = append(p.Years, YearProgress{Year: y, TargetM2: a})
		}
	}
	slices.SortFunc(p.Years, func(a, b YearProgress) int { return a.Year - b.Year })

	p.MeanReleaseM2PerYear = rateSum / Article4RateYears
	if p.MeanReleaseM2PerYear > 0 {
		days := float64(p.RemainingM2) / float64(p.MeanReleaseM2PerYear) * daysPerYear
		done := Day(on.Add(time.Duration(days * 24 * float64(time.Hour))))
		p.ProjectedCompletion = &done
		if p.Deadline != nil {
			ok := !done.After(p.Deadline.Deadline)
			p.OnTrack = &ok
		}
	}

	if _, ok := Article4BaselineRequest(on, f.EntryIntoForce, nil); ok {
		if f.SinceEntryIntoForce == nil {
			return nil, fmt.Errorf("article 4 projection on %s: no Form F since the entry into force on %s",
				on.Format(time.DateOnly), f.EntryIntoForce.Format(time.DateOnly))
		}
		tot := f.SinceEntryIntoForce.Total
		p.Baseline = &Baseline{EntryIntoForce: *f.EntryIntoForce, AreaAtBaselineM2: tot.Opening.AreaM2(),
			IdentifiedSinceM2: tot.NewAreaM2, IdentifiedCount: tot.NewCount, CancelledSinceM2: tot.CancelledM2,
			ReducedSinceM2: tot.ReducedM2, ClearedSinceM2: tot.ClearedM2, DifferencesSinceM2: tot.BalanceDiffM2,
			RemainingM2: tot.Closing.AreaM2(), RemainingSHAM2: tot.Closing.SHAAreaM2, RemainingCHAM2: tot.Closing.CHAAreaM2}
	}
	return p, nil
}
