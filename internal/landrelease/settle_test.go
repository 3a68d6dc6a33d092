package landrelease

import (
	"testing"
	"time"
)

func TestSettle(t *testing.T) {
	d := func(s string) time.Time { x, _ := time.Parse(time.DateOnly, s); return x }
	p := func(s string) *time.Time { x := d(s); return &x }
	tests := []struct {
		name string
		in   Standing
		want Settlement
		ok   bool
	}{
		{"open, nothing released", Standing{Status: StatusOpen, ValidFrom: d("2020-01-01"), RemainingM2: 0}, Settlement{}, false},
		{"open, releases leave much", Standing{Status: StatusOpen, ValidFrom: d("2020-01-01"), RemainingM2: 1000, Releases: 2, LastRelease: p("2021-05-01")}, Settlement{}, false},
		{"open, releases leave exactly the threshold", Standing{Status: StatusOpen, ValidFrom: d("2020-01-01"), RemainingM2: CloseBelowM2, Releases: 1, LastRelease: p("2021-05-01")}, Settlement{}, false},
		{"open, releases leave less: closed from the last release",
			Standing{Status: StatusOpen, ValidFrom: d("2020-01-01"), RemainingM2: 24.96, Releases: 3, LastRelease: p("2021-05-01")},
			Settlement{StatusClosed, "released", d("2021-05-01"), "closed: remaining area 25.0 m2 below 25 m2 after land release"}, true},
		{"release on the day of identification: closed that day",
			Standing{Status: StatusOpen, ValidFrom: d("2020-01-01"), RemainingM2: 0, Releases: 1, LastRelease: p("2020-01-01")},
			Settlement{StatusClosed, "released", d("2020-01-01"), "closed: remaining area 0.0 m2 below 25 m2 after land release"}, true},
		{"current version later than the release: closed from the version",
			Standing{Status: StatusOpen, ValidFrom: d("2022-03-01"), RemainingM2: 3, Releases: 1, LastRelease: p("2021-05-01")},
			Settlement{StatusClosed, "released", d("2022-03-01"), "closed: remaining area 3.0 m2 below 25 m2 after land release"}, true},
		{"closed by release, a release withdrawn: reopened",
			Standing{Status: StatusClosed, StatusReason: "released", ValidFrom: d("2021-05-01"), RemainingM2: 800, Releases: 1, LastRelease: p("2021-01-01")},
			Settlement{StatusOpen, "", d("2021-05-01"), "reopened: remaining area 800.0 m2 after a release was corrected or withdrawn"}, true},
		{"closed by release, still below", Standing{Status: StatusClosed, StatusReason: "released", ValidFrom: d("2021-05-01"), RemainingM2: 10, Releases: 1}, Settlement{}, false},
		{"closed for another reason stays closed", Standing{Status: StatusClosed, StatusReason: "no evidence", ValidFrom: d("2021-05-01"), RemainingM2: 800}, Settlement{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Settle(tt.in)
			if ok != tt.ok || got != tt.want {
				t.Errorf("Settle(%+v) = %+v, %v; want %+v, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
