package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
)

func TestHTMLListsChanges(t *testing.T) {
	then := time.Date(2025, 4, 30, 9, 0, 0, 0, time.UTC)
	r := &landrelease.Article7{State: "Lao PDR", From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC),
		Level: 1, AsOf: then.AddDate(1, 0, 0), GeneratedAt: then.AddDate(1, 0, 0), ComparedWith: &then,
		Units: []landrelease.UnitFigures{{Code: "LAO-3286", Name: "Xiangkhoang"}}, Total: landrelease.UnitFigures{Code: "TOTAL", Name: "Total"},
		Changes: []landrelease.Change{{AdminCode: "LAO-3286", LocalID: "H1", Field: "cleared_area_m2", Before: 1000, After: 4500,
			Cause: "release H1-R3 (cleared, 2024-11-01) recorded late"}}}
	var b bytes.Buffer
	if err := report.HTML(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Changes since the report as recorded on 30 April 2025 09:00 UTC", "cleared_area_m2", "4,500",
		"release H1-R3 (cleared, 2024-11-01) recorded late"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	r.Changes = nil
	b.Reset()
	if err := report.HTML(&b, r); err != nil || !strings.Contains(b.String(), "No figure changed.") {
		t.Errorf("no changes: %v", err)
	}
}
