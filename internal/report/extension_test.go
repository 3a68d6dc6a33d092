package report_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
)

// sampleDraft is a draft over samplePlan, with text that a page or a spreadsheet would run if written as is; one of
// LA14's two areas is residual.
func sampleDraft(t *testing.T) *landrelease.ExtensionDraft {
	t.Helper()
	dl := landrelease.Deadline{Deadline: day(2027, 8, 1), Kind: "extension"}
	on := day(2025, 11, 29)
	stock := landrelease.Stock{CHACount: 2, CHAAreaM2: 600}
	d, err := landrelease.AssembleExtension(landrelease.ExtensionFacts{
		Request: landrelease.ExtensionRequest{Until: day(2028, 12, 31), Teams: 1},
		Progress: &landrelease.Article4Progress{State: "Lao PDR", On: on, AsOf: time.Date(2025, 11, 29, 9, 0, 0, 0, time.UTC),
			Baseline: &landrelease.Baseline{EntryIntoForce: day(2025, 1, 1), AreaAtBaselineM2: 900, ClearedSinceM2: 300, RemainingM2: 600},
			Deadline: &dl, Deadlines: []landrelease.Deadline{dl}},
		Since: &landrelease.Article7{Units: []landrelease.UnitFigures{{Code: "LA14", Name: "<b>Xiengkhouang</b>", Closing: stock,
			ResidualCount: 1, ResidualAreaM2: 250}},
			Total: landrelease.UnitFigures{Opening: landrelease.Stock{CHACount: 3, CHAAreaM2: 900}, Closing: stock, ClearedM2: 300,
				ResidualCount: 1, ResidualAreaM2: 250}},
		Years: []*landrelease.Article7{{Total: landrelease.UnitFigures{ClearedM2: 300, Closing: stock}}},
		Plan:  samplePlan(t),
		Text: landrelease.ExtensionText{Reasons: "<script>alert(1)</script>\nfloods", Implications: "=HYPERLINK(\"http://x\")",
			RecordedBy: "officer", RecordedAt: ptrTime(time.Date(2025, 11, 28, 8, 0, 0, 0, time.UTC))},
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestExtensionHTML(t *testing.T) {
	var b bytes.Buffer
	if err := report.ExtensionHTML(&b, sampleDraft(t)); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"&lt;script&gt;alert(1)&lt;/script&gt;\nfloods", "&lt;b&gt;Xiengkhouang&lt;/b&gt;",
		"=HYPERLINK(&#34;http://x&#34;)", "@page { size: A4 landscape", "Extension requested until</dt><dd>31 December 2028",
		"Text entered by officer on 28 November 2025 08:00 UTC.", "Of which residual contamination</dt><dd>1 area, 250 m2</dd>",
		"<td class=\"n\">600</td><td class=\"n\">1</td><td class=\"n\">250</td><td class=\"n\">0</td></tr>",   // LA14
		"<td class=\"n\">600</td><td class=\"n\">1</td><td class=\"n\">250</td><td class=\"n\">900</td></tr>", // Total
		"<td>2027</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">200</td><td class=\"n\">200</td><td class=\"n\">200</td>",
		"200 m2 (of which 200 m2 residual)", "national residual capacity"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "<b>", "src=", "href=", "<link"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
}

func TestExtensionXLSX(t *testing.T) {
	d := sampleDraft(t)
	var b, again bytes.Buffer
	if err := report.ExtensionXLSX(&b, d); err != nil {
		t.Fatal(err)
	}
	if err := report.ExtensionXLSX(&again, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("the same draft gives different workbooks")
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), "|"); got != "Summary|Progress by year|Remaining by province|Work plan" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows(report.SheetExtSummary)
	found := false
	for i, r := range rows {
		if len(r) > 1 && strings.HasPrefix(r[1], "=HYPERLINK") {
			cell, _ := excelize.CoordinatesToCellName(2, i+1)
			if formula, _ := f.GetCellFormula(report.SheetExtSummary, cell); formula != "" {
				t.Errorf("%s is a formula: %q", cell, formula)
			}
			found = true
		}
	}
	if !found {
		t.Errorf("the implications are not in the summary: %v", rows)
	}
	// The plan's years in the period (2026: 400 m2, 2027: 200 m2): 2027, the deadline's, then the period's total.
	plan, _ := f.GetRows(report.SheetExtPlan)
	var years []string
	for _, r := range plan[1:] {
		if r[1] == "TOTAL" {
			years = append(years, r[0]+":"+r[6])
		}
	}
	if got := strings.Join(years, " "); got != "2027:200 Period:200" {
		t.Errorf("plan rows %q: %v", got, plan)
	}
	var residual []string
	for _, r := range plan {
		residual = append(residual, r[1]+":"+r[10])
	}
	if got := strings.Join(residual, " "); got != "Code:Of which residual (m2) LA15:200 TOTAL:200 TOTAL:200" {
		t.Errorf("plan's residual column %q", got)
	}
	remaining, _ := f.GetRows(report.SheetExtRemaining)
	residual = residual[:0]
	for _, r := range remaining {
		residual = append(residual, r[0]+":"+r[8]+"/"+r[9])
	}
	if got := strings.Join(residual, " "); got != "Code:Residual areas/Residual area (m2) LA14:1/250 TOTAL:1/250" {
		t.Errorf("remaining's residual columns %q", got)
	}
}
