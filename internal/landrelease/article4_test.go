package landrelease_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

func day4(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr4[T any](v T) *T { return &v }

// form4 is a Form F whose total released cancelled, reduced and cleared areas (all three count).
func form4(cancelled, reduced, cleared int64) *landrelease.Article7 {
	return &landrelease.Article7{Total: landrelease.UnitFigures{Code: "TOTAL", CancelledM2: cancelled, ReducedM2: reduced, ClearedM2: cleared}}
}

var asOf4 = time.Date(2025, 7, 1, 9, 30, 0, 0, time.UTC)

// current4 is the Form F of the year in progress: remaining SHA and CHA areas, and what the year released so far.
func current4(sha, cha, released int64) *landrelease.Article7 {
	r := form4(0, 0, released)
	r.State, r.AsOf = "Lao PDR", asOf4
	r.Total.Closing = landrelease.Stock{SHACount: 1, SHAAreaM2: sha, CHACount: 1, CHAAreaM2: cha}
	return r
}

// facts4 are the facts on 30 June 2025: 4000 m2 remaining; 2022 to 2024 released 100 + 200 + 301 (a mean of 200
// m2 a year, rounded down); 2025 so far 5000, which no rate counts.
func facts4() landrelease.Article4Facts {
	return landrelease.Article4Facts{
		On:      time.Date(2025, 6, 30, 15, 4, 5, 0, time.UTC), // the time of day is dropped
		Current: current4(3000, 1000, 5000),
		Years:   map[int]*landrelease.Article7{2022: form4(100, 0, 0), 2023: form4(0, 200, 0), 2024: form4(1, 0, 300)},
	}
}

// want4 is the progress of facts4 (no deadline, no target, no baseline).
func want4() *landrelease.Article4Progress {
	return &landrelease.Article4Progress{State: "Lao PDR", On: day4("2025-06-30"), AsOf: asOf4, RemainingM2: 4000,
		MeanReleaseM2PerYear: 200, RateYears: []int{2022, 2023, 2024},
		// 4000 / 200 * 365.25 = 7305 days = 20 years exactly.
		ProjectedCompletion: ptr4(day4("2045-06-30")),
		Years: []landrelease.YearProgress{{Year: 2022, ReleasedM2: 100, Complete: true}, {Year: 2023, ReleasedM2: 200, Complete: true},
			{Year: 2024, ReleasedM2: 301, Complete: true}, {Year: 2025, ReleasedM2: 5000}}}
}

func TestProjectArticle4(t *testing.T) {
	original := landrelease.Deadline{Deadline: day4("2020-08-01"), Kind: "original"}
	ext1 := landrelease.Deadline{Deadline: day4("2025-08-01"), Kind: "extension", DecidedOn: ptr4(day4("2019-11-28")), Note: "first"}
	ext2 := landrelease.Deadline{Deadline: day4("2050-08-01"), Kind: "extension", Note: "second"}
	tests := []struct {
		name string
		edit func(f *landrelease.Article4Facts)
		want func(p *landrelease.Article4Progress)
	}{
		{name: "rate over the three full years, rounded down; the year in progress counts for none",
			// Also: 2021 is read for its target but its release is outside the rate.
			edit: func(f *landrelease.Article4Facts) {
				f.Targets = map[int]int64{2021: 1}
				f.Years[2021] = form4(0, 0, 99999)
			},
			want: func(p *landrelease.Article4Progress) {
				p.Years = slices.Insert(p.Years, 0, landrelease.YearProgress{Year: 2021, TargetM2: 1, ReleasedM2: 99999, Complete: true})
			}},
		{name: "a fractional number of days: the projection is truncated to the day",
			// 4001 / 200 * 365.25 = 7306.83 days: 30 June 2045 plus 1.83 days.
			edit: func(f *landrelease.Article4Facts) { f.Current = current4(3001, 1000, 5000) },
			want: func(p *landrelease.Article4Progress) {
				p.RemainingM2, p.ProjectedCompletion = 4001, ptr4(day4("2045-07-01"))
			}},
		{name: "a year with a target and none released; an earlier year with one; an earlier year with a target of 0 is not shown",
			edit: func(f *landrelease.Article4Facts) {
				f.Targets = map[int]int64{2019: 7000, 2018: 0, 2021: 5000}
				f.Years[2021] = form4(0, 0, 0)
				f.Years[2019] = form4(1000, 200, 34)
				f.Years[2018] = form4(0, 0, 777)
			},
			want: func(p *landrelease.Article4Progress) {
				p.Years = slices.Insert(p.Years, 0, landrelease.YearProgress{Year: 2019, TargetM2: 7000, ReleasedM2: 1234, Complete: true},
					landrelease.YearProgress{Year: 2021, TargetM2: 5000, Complete: true})
			}},
		{name: "targets of years to come, even of 0, with nothing released and no report; this year's target",
			edit: func(f *landrelease.Article4Facts) { f.Targets = map[int]int64{2027: 0, 2026: 6000, 2025: 8000} },
			want: func(p *landrelease.Article4Progress) {
				p.Years[3].TargetM2 = 8000
				p.Years = append(p.Years, landrelease.YearProgress{Year: 2026, TargetM2: 6000}, landrelease.YearProgress{Year: 2027})
			}},
		{name: "the year in progress comes from Current, not from Years",
			edit: func(f *landrelease.Article4Facts) { f.Years[2025] = form4(0, 0, 1) },
			want: func(p *landrelease.Article4Progress) {}},
		{name: "no releases in the full years: no projection, not on track or off it",
			edit: func(f *landrelease.Article4Facts) {
				f.Years = map[int]*landrelease.Article7{2022: form4(0, 0, 0), 2023: form4(0, 0, 0), 2024: form4(0, 0, 0)}
				f.Deadlines = []landrelease.Deadline{ext1}
			},
			want: func(p *landrelease.Article4Progress) {
				p.MeanReleaseM2PerYear, p.ProjectedCompletion = 0, nil
				p.Deadlines, p.Deadline = []landrelease.Deadline{ext1}, &ext1
				for i := range 3 {
					p.Years[i].ReleasedM2 = 0
				}
			}},
		{name: "released less than 3 m2 in three years: a rate of 0, no projection",
			edit: func(f *landrelease.Article4Facts) {
				f.Years = map[int]*landrelease.Article7{2022: form4(0, 0, 1), 2023: form4(0, 1, 0), 2024: form4(0, 0, 0)}
			},
			want: func(p *landrelease.Article4Progress) {
				p.MeanReleaseM2PerYear, p.ProjectedCompletion = 0, nil
				p.Years[0].ReleasedM2, p.Years[1].ReleasedM2, p.Years[2].ReleasedM2 = 1, 1, 0
			}},
		{name: "the deadline in force is the latest, whatever the order read; before the projection: off track",
			edit: func(f *landrelease.Article4Facts) { f.Deadlines = []landrelease.Deadline{ext1, original} },
			want: func(p *landrelease.Article4Progress) {
				p.Deadlines, p.Deadline, p.OnTrack = []landrelease.Deadline{original, ext1}, &ext1, ptr4(false)
			}},
		{name: "a later extension after the projection: on track",
			edit: func(f *landrelease.Article4Facts) { f.Deadlines = []landrelease.Deadline{ext2, original, ext1} },
			want: func(p *landrelease.Article4Progress) {
				p.Deadlines, p.Deadline, p.OnTrack = []landrelease.Deadline{original, ext1, ext2}, &ext2, ptr4(true)
			}},
		{name: "completion projected on the deadline itself is on track",
			edit: func(f *landrelease.Article4Facts) {
				f.Deadlines = []landrelease.Deadline{{Deadline: day4("2045-06-30"), Kind: "extension"}}
			},
			want: func(p *landrelease.Article4Progress) {
				p.Deadlines = []landrelease.Deadline{{Deadline: day4("2045-06-30"), Kind: "extension"}}
				p.Deadline, p.OnTrack = &p.Deadlines[0], ptr4(true)
			}},
		{name: "completion projected a day after the deadline is off track",
			edit: func(f *landrelease.Article4Facts) {
				f.Deadlines = []landrelease.Deadline{{Deadline: day4("2045-06-29"), Kind: "extension"}}
			},
			want: func(p *landrelease.Article4Progress) {
				p.Deadlines = []landrelease.Deadline{{Deadline: day4("2045-06-29"), Kind: "extension"}}
				p.Deadline, p.OnTrack = &p.Deadlines[0], ptr4(false)
			}},
		{name: "nothing remaining: completion today",
			edit: func(f *landrelease.Article4Facts) { f.Current = current4(0, 0, 5000) },
			want: func(p *landrelease.Article4Progress) {
				p.RemainingM2, p.ProjectedCompletion = 0, ptr4(day4("2025-06-30"))
			}},
		{name: "the baseline figures since the entry into force",
			edit: func(f *landrelease.Article4Facts) {
				f.EntryIntoForce = ptr4(day4("2010-08-01"))
				since := form4(10, 20, 30)
				since.Total.Opening = landrelease.Stock{SHACount: 3, SHAAreaM2: 1000, CHACount: 2, CHAAreaM2: 2000}
				since.Total.NewCount, since.Total.NewAreaM2, since.Total.BalanceDiffM2 = 2, 500, -5
				since.Total.Closing = landrelease.Stock{SHACount: 2, SHAAreaM2: 700, CHACount: 2, CHAAreaM2: 1735}
				f.SinceEntryIntoForce = since
			},
			want: func(p *landrelease.Article4Progress) {
				p.Baseline = &landrelease.Baseline{EntryIntoForce: day4("2010-08-01"), AreaAtBaselineM2: 3000,
					IdentifiedSinceM2: 500, IdentifiedCount: 2, CancelledSinceM2: 10, ReducedSinceM2: 20, ClearedSinceM2: 30,
					DifferencesSinceM2: -5, RemainingM2: 2435, RemainingSHAM2: 700, RemainingCHAM2: 1735}
			}},
		{name: "entry into force on the day itself: a baseline",
			edit: func(f *landrelease.Article4Facts) {
				f.EntryIntoForce, f.SinceEntryIntoForce = ptr4(day4("2025-06-30")), current4(3000, 1000, 0)
			},
			want: func(p *landrelease.Article4Progress) {
				p.Baseline = &landrelease.Baseline{EntryIntoForce: day4("2025-06-30"), RemainingM2: 4000, RemainingSHAM2: 3000, RemainingCHAM2: 1000}
			}},
		{name: "entry into force after the day: no baseline, the report is ignored",
			edit: func(f *landrelease.Article4Facts) {
				f.EntryIntoForce, f.SinceEntryIntoForce = ptr4(day4("2025-07-01")), form4(1, 2, 3)
			},
			want: func(p *landrelease.Article4Progress) {}},
		{name: "residual contamination on the day is part of what remains; a past year's is not read",
			edit: func(f *landrelease.Article4Facts) {
				f.Current.Total.ResidualCount, f.Current.Total.ResidualAreaM2 = 2, 1500
				f.Years[2024].Total.ResidualCount, f.Years[2024].Total.ResidualAreaM2 = 9, 9999
			},
			want: func(p *landrelease.Article4Progress) { p.ResidualCount, p.ResidualAreaM2 = 2, 1500 }},
		{name: "no entry into force: no baseline, the report is ignored",
			edit: func(f *landrelease.Article4Facts) { f.SinceEntryIntoForce = form4(1, 2, 3) },
			want: func(p *landrelease.Article4Progress) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts4()
			tt.edit(&f)
			want := want4()
			tt.want(want)
			got, err := landrelease.ProjectArticle4(f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got  %s\nwant %s", show4(got), show4(want))
			}
			if got.Deadline != nil && &got.Deadlines[len(got.Deadlines)-1] != got.Deadline {
				t.Errorf("Deadline does not point at the last of Deadlines")
			}
		})
	}
}

// show4 spells out a progress, pointers followed.
func show4(p *landrelease.Article4Progress) string {
	q := *p
	q.ProjectedCompletion, q.OnTrack, q.Deadline, q.Baseline = nil, nil, nil, nil
	s := fmt.Sprintf("%+v", q)
	if p.ProjectedCompletion != nil {
		s += " completion=" + p.ProjectedCompletion.Format(time.DateOnly)
	}
	if p.OnTrack != nil {
		s += fmt.Sprintf(" on_track=%v", *p.OnTrack)
	}
	if p.Deadline != nil {
		s += fmt.Sprintf(" deadline=%+v", *p.Deadline)
	}
	if p.Baseline != nil {
		s += fmt.Sprintf(" baseline=%+v", *p.Baseline)
	}
	return s
}

// TestProjectArticle4Facts: the projection refuses facts not read as documented, saying what is missing.
func TestProjectArticle4Facts(t *testing.T) {
	tests := []struct {
		name, want string
		edit       func(f *landrelease.Article4Facts)
	}{
		{"no report of the year in progress", "no Form F of the year in progress", func(f *landrelease.Article4Facts) { f.Current = nil }},
		{"a rate year missing", "no Form F of 2023", func(f *landrelease.Article4Facts) { delete(f.Years, 2023) }},
		{"a past year with a target missing", "no Form F of 2019", func(f *landrelease.Article4Facts) { f.Targets = map[int]int64{2019: 1} }},
		{"the baseline report missing", "no Form F since the entry into force on 2010-08-01",
			func(f *landrelease.Article4Facts) { f.EntryIntoForce = ptr4(day4("2010-08-01")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := facts4()
			tt.edit(&f)
			p, err := landrelease.ProjectArticle4(f)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "article 4 projection") {
				t.Errorf("got %v, %v; want an error saying %q", p, err, tt.want)
			}
		})
	}
}

// TestArticle4Years: the years whose Form F the projection reads.
func TestArticle4Years(t *testing.T) {
	tests := []struct {
		name    string
		on      time.Time
		targets map[int]int64
		want    []int
	}{
		{"the three full years and the year in progress", day4("2025-06-30"), nil, []int{2022, 2023, 2024, 2025}},
		{"on 1 January", day4("2025-01-01"), nil, []int{2022, 2023, 2024, 2025}},
		{"earlier targets, even of 0, once each; later targets need no report", day4("2025-06-30"),
			map[int]int64{2026: 1, 2023: 5, 2019: 7, 2018: 0, 2025: 9}, []int{2018, 2019, 2022, 2023, 2024, 2025}},
		{"the day, not the instant: 31 December late in the evening west of Greenwich is the 1 January UTC",
			time.Date(2024, 12, 31, 23, 0, 0, 0, time.FixedZone("UTC-2", -2*3600)), nil, []int{2022, 2023, 2024, 2025}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := landrelease.Article4Years(tt.on, tt.targets); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestArticle4Requests: the periods of the Form F reports the projection reads.
func TestArticle4Requests(t *testing.T) {
	at := ptr4(asOf4)
	year := []struct {
		name     string
		y        int
		on       time.Time
		from, to string
	}{
		{"a full year", 2023, day4("2025-06-30"), "2023-01-01", "2023-12-31"},
		{"the year in progress, to the day", 2025, time.Date(2025, 6, 30, 18, 0, 0, 0, time.UTC), "2025-01-01", "2025-06-30"},
		{"on 30 December not yet", 2025, day4("2025-12-30"), "2025-01-01", "2025-12-30"},
		{"on 31 December the year is whole", 2025, day4("2025-12-31"), "2025-01-01", "2025-12-31"},
	}
	for _, tt := range year {
		t.Run(tt.name, func(t *testing.T) {
			want := landrelease.Article7Request{From: day4(tt.from), To: day4(tt.to), Level: 1, AsOf: at}
			if got := landrelease.Article4YearRequest(tt.y, tt.on, at); !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
	baseline := []struct {
		name string
		eif  *time.Time
		ok   bool
	}{
		{"not set", nil, false},
		{"after the day", ptr4(day4("2025-07-01")), false},
		{"on the day", ptr4(day4("2025-06-30")), true},
		{"before", ptr4(day4("2010-08-01")), true},
	}
	for _, tt := range baseline {
		t.Run("baseline "+tt.name, func(t *testing.T) {
			got, ok := landrelease.Article4BaselineRequest(time.Date(2025, 6, 30, 18, 0, 0, 0, time.UTC), tt.eif, at)
			var want landrelease.Article7Request
			if tt.ok {
				want = landrelease.Article7Request{From: *tt.eif, To: day4("2025-06-30"), Level: 1, AsOf: at}
			}
			if ok != tt.ok || !reflect.DeepEqual(got, want) {
				t.Errorf("got %+v, %v; want %+v, %v", got, ok, want, tt.ok)
			}
		})
	}
}
