package landrelease

import (
	"reflect"
	"testing"
	"time"
)

func d(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func dp(s string) *time.Time { t := d(s); return &t }

func TestComputeCompletion(t *testing.T) {
	closed := func(id string, cont Contamination, identified, closedOn string) CompletionArea {
		return CompletionArea{LocalID: id, Kind: KindCHA, Contamination: cont, IdentifiedOn: d(identified), AreaM2: 1000,
			Status: StatusClosed, ClosedOn: dp(closedOn), Admin1Code: "P1", Admin2Code: "D1",
			Releases: []CompletionRelease{{LocalID: id + "-R", Method: MethodCleared, CompletedOn: d(closedOn), AreaM2: 1000,
				ItemsDestroyed: map[string]int{"BLU-26": 2}}}}
	}
	open := func(id string, kind Kind, cont Contamination, identified string) CompletionArea {
		return CompletionArea{LocalID: id, Kind: kind, Contamination: cont, IdentifiedOn: d(identified), AreaM2: 500,
			RemainingAreaM2: 400, Status: StatusOpen, Admin1Code: "P1", Admin2Code: "D2"}
	}
	withdrawn := open("W", KindSHA, ContaminationCMR, "2020-01-01")
	withdrawn.Withdrawn = true
	tests := []struct {
		name          string
		admin         string
		areas         []CompletionArea
		completions   []Completion
		complete      bool
		date          *time.Time
		openCount     int
		residualCount int
		areaCount     int
	}{
		{name: "nothing open: complete on the last closure", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), closed("B", ContaminationMixed, "2019-01-01", "2023-05-02")},
			complete: true, date: dp("2023-05-02"), areaCount: 2},
		{name: "an open SHA remains", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("S", KindSHA, ContaminationCMR, "2020-01-01")},
			complete: false, date: dp("2022-03-01"), openCount: 1, areaCount: 2},
		{name: "only other contamination open", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("O", KindCHA, ContaminationOther, "2020-01-01")},
			complete: true, date: dp("2022-03-01"), areaCount: 1},
		{name: "withdrawn areas ignored", areas: []CompletionArea{closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), withdrawn},
			complete: true, date: dp("2022-03-01"), areaCount: 1},
		{name: "identified after the summary's date ignored", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("L", KindSHA, ContaminationCMR, "2025-01-02")},
			complete: true, date: dp("2022-03-01"), areaCount: 1},
		{name: "residual after completion: complete, flagged", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("R", KindSHA, ContaminationCMR, "2023-01-01")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    true, date: dp("2022-03-01"), residualCount: 1, areaCount: 2},
		{name: "a province's residual area is open contamination of the State", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("R", KindSHA, ContaminationCMR, "2023-01-01")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    false, date: dp("2022-03-01"), openCount: 1, residualCount: 1, areaCount: 2},
		{name: "a province's completion covers its district", admin: "D2", areas: []CompletionArea{
			open("R", KindSHA, ContaminationCMR, "2023-01-01")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    true, residualCount: 1, areaCount: 1},
		{name: "the State's completion covers a province", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("R", KindSHA, ContaminationCMR, "2023-01-01")},
			completions: []Completion{{Admin: StateScope, CompletedOn: d("2022-03-01")}},
			complete:    true, date: dp("2022-03-01"), residualCount: 1, areaCount: 2},
		{name: "a completion of another unit does not cover", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("R", KindSHA, ContaminationCMR, "2023-01-01")},
			completions: []Completion{{Admin: "P9", CompletedOn: d("2022-03-01")}},
			complete:    false, date: dp("2022-03-01"), openCount: 1, areaCount: 2},
		{name: "never contaminated: complete without a date", admin: "P1", areas: []CompletionArea{
			withdrawn, open("O", KindCHA, ContaminationOther, "2020-01-01"), open("L", KindSHA, ContaminationCMR, "2025-01-02")},
			complete: true},
		// Same-day edges: the completion date holds at the end of its day.
		{name: "identified on the completion date: not residual, open it blocks", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("S", KindSHA, ContaminationCMR, "2022-03-01")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    false, date: dp("2022-03-01"), openCount: 1, areaCount: 2},
		{name: "identified and released on the completion date: complete on it", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2021-03-01"), closed("S", ContaminationCMR, "2022-03-01", "2022-03-01")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    true, date: dp("2022-03-01"), areaCount: 2},
		{name: "identified the day after the completion date: residual", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("R", KindSHA, ContaminationCMR, "2022-03-02")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    true, date: dp("2022-03-01"), residualCount: 1, areaCount: 2},
		{name: "identified and released the day after: residual, and not the completion date", admin: "P1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), closed("R", ContaminationCMR, "2022-03-02", "2022-03-02")},
			completions: []Completion{{Admin: "P1", CompletedOn: d("2022-03-01")}},
			complete:    true, date: dp("2022-03-01"), residualCount: 1, areaCount: 2},
		{name: "admin unit scope keeps its own areas", admin: "D1", areas: []CompletionArea{
			closed("A", ContaminationCMR, "2019-01-01", "2022-03-01"), open("S", KindSHA, ContaminationCMR, "2020-01-01")},
			complete: true, date: dp("2022-03-01"), areaCount: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &CompletionSummary{Admin: tt.admin, On: d("2024-12-31")}
			ComputeCompletion(s, tt.areas, tt.completions)
			if s.Complete != tt.complete {
				t.Errorf("complete = %v, want %v (open %+v)", s.Complete, tt.complete, s.Open)
			}
			if (s.CompletionDate == nil) != (tt.date == nil) || (tt.date != nil && !s.CompletionDate.Equal(*tt.date)) {
				t.Errorf("completion date = %v, want %v", s.CompletionDate, tt.date)
			}
			if n, _ := s.OpenTotal(); n != tt.openCount {
				t.Errorf("open = %d, want %d", n, tt.openCount)
			}
			if s.ResidualCount != tt.residualCount {
				t.Errorf("residual = %d, want %d", s.ResidualCount, tt.residualCount)
			}
			if len(s.Areas) != tt.areaCount {
				t.Errorf("areas = %d, want %d", len(s.Areas), tt.areaCount)
			}
			if !tt.complete && s.NotComplete().Code != ECONFLICT {
				t.Errorf("NotComplete code = %s", s.NotComplete().Code)
			}
			if s.ContaminationRecorded != (tt.areaCount > 0) || s.AreaCount != tt.areaCount {
				t.Errorf("contamination recorded = %v, area count %d, want %v, %d", s.ContaminationRecorded, s.AreaCount, tt.areaCount > 0, tt.areaCount)
			}
			// The accumulator, given the areas in reverse order and keeping none, computes the same figures.
			streamed := &CompletionSummary{Admin: tt.admin, On: s.On}
			acc := NewCompletionAccumulator(streamed, tt.completions)
			for i := len(tt.areas) - 1; i >= 0; i-- {
				if a := tt.areas[i]; acc.Keep(&a) {
					acc.Add(&a)
				}
			}
			acc.Finish()
			streamed.Areas = s.Areas
			if !reflect.DeepEqual(streamed, s) {
				t.Errorf("accumulated in reverse order:\n%+v\nwant\n%+v", streamed, s)
			}
		})
	}
}

func TestCompletionTotalsSince(t *testing.T) {
	a := CompletionArea{LocalID: "A", Contamination: ContaminationCMR, IdentifiedOn: d("2010-01-01"), Status: StatusClosed,
		ClosedOn: dp("2021-06-01"), Releases: []CompletionRelease{
			{Method: MethodCancelled, CompletedOn: d("2011-01-01"), AreaM2: 100},
			{Method: MethodReduced, CompletedOn: d("2020-01-01"), AreaM2: 20, Beneficiaries: &Beneficiaries{Women: 1, Men: 2}},
			{Method: MethodCleared, CompletedOn: d("2021-06-01"), AreaM2: 3, ItemsDestroyed: map[string]int{"BLU-26": 4}}}}
	s := &CompletionSummary{On: d("2024-01-01"), Since: dp("2012-01-01")}
	ComputeCompletion(s, []CompletionArea{a}, nil)
	tot := s.Totals
	if tot.CancelledM2 != 0 || tot.ReducedM2 != 20 || tot.ClearedM2 != 3 || tot.ItemsTotal != 4 ||
		tot.Beneficiaries.Total() != 3 || tot.ReleasesWithBeneficiaries != 1 {
		t.Errorf("totals = %+v", tot)
	}
}

func TestIsResidual(t *testing.T) {
	cs := []Completion{{Admin: StateScope, CompletedOn: d("2024-01-01")}}
	tests := []struct {
		cont Contamination
		on   string
		want bool
	}{
		{ContaminationCMR, "2024-01-01", false},
		{ContaminationCMR, "2024-01-02", true},
		{ContaminationMixed, "2024-01-02", true},
		{ContaminationOther, "2024-01-02", false},
	}
	for _, tt := range tests {
		if got := IsResidual(tt.cont, d(tt.on), "P", "D", cs); got != tt.want {
			t.Errorf("IsResidual(%s, %s) = %v, want %v", tt.cont, tt.on, got, tt.want)
		}
	}
}
