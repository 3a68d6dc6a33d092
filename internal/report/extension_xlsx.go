package report

import (
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Sheet names of the extension request's workbook.
const (
	SheetExtSummary   = "Summary"
	SheetExtProgress  = "Progress by year"
	SheetExtRemaining = "Remaining by province"
	SheetExtPlan      = "Work plan"
)

// ExtensionXLSX writes the draft's workbook: sheet "Summary" (the summary, the reasons and the implications as
// text), "Progress by year" (Form F's flows of each year since the entry into force, with a total row), "Remaining
// by province" (SHA and CHA counts and areas, the area at the entry into force, then the residual part: areas and
// area) and "Work plan" (the plan's years in the period requested, then by province; the residual part last). Areas and counts are numeric, team-years and costs numeric
// with two decimals shown; text entered is a text cell, never a formula. The document's dates are the draft's
// AsOf, so that the same draft gives the same bytes.
func ExtensionXLSX(w io.Writer, d *landrelease.ExtensionDraft) error {
	if d == nil {
		return errNilDraft
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	num2, err := f.NewStyle(&excelize.Style{Border: []excelize.Border{
		{Type: "left", Color: "444444", Style: 1}, {Type: "right", Color: "444444", Style: 1},
		{Type: "top", Color: "444444", Style: 1}, {Type: "bottom", Color: "444444", Style: 1},
	}, CustomNumFmt: ptrTo(FormatMoney)})
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetExtSummary); err != nil {
		return err
	}
	for _, name := range []string{SheetExtProgress, SheetExtRemaining, SheetExtPlan} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	for _, fill := range []func(*sheetWriter, *landrelease.ExtensionDraft, xlsxStyles, int){extSummarySheet, extProgressSheet, extRemainingSheet, extPlanSheet} {
		s := &sheetWriter{f: f}
		fill(s, d, st, num2)
		if s.err != nil {
			return s.err
		}
	}
	f.SetActiveSheet(0)
	at := d.AsOf.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: ExtensionTitle, Creator: "landrelease", Created: at, Modified: at, Language: "en"}); err != nil {
		return err
	}
	return f.Write(w)
}

func extSummarySheet(s *sheetWriter, d *landrelease.ExtensionDraft, st xlsxStyles, _ int) {
	s.sheet = SheetExtSummary
	s.set(1, 1, ExtensionTitle, st.title)
	row := 3
	for _, m := range extensionSummary(d) {
		s.set(1, row, m[0], st.bold)
		s.set(2, row, m[1], st.wrap)
		row++
	}
	row++
	for _, t := range [][2]string{{"Reasons the deadline cannot be met", d.Text.Reasons},
		{"Humanitarian, social, economic and environmental implications", d.Text.Implications}} {
		s.set(1, row, t[0], st.bold)
		s.set(2, row, textOrNone(t[1]), st.wrap)
		row++
	}
	s.set(1, row, textBy(d.Text), 0)
	s.set(1, row+2, ExtensionFootnote, 0)
	s.width("A", "A", 36)
	s.width("B", "B", 100)
}

func extProgressSheet(s *sheetWriter, d *landrelease.ExtensionDraft, st xlsxStyles, _ int) {
	s.sheet = SheetExtProgress
	s.header(1, []string{"Year", "From", "To", "Identified (areas)", "Identified (m2)", "Cancelled (m2)", "Reduced (m2)",
		"Cleared (m2)", "Released (m2)", "Remaining at end (m2)", "Women", "Girls", "Boys", "Men", "With disabilities"}, st.header)
	row := 1
	var tot landrelease.ExtensionYear
	for _, y := range d.Years {
		row++
		s.set(1, row, int64(y.Year), st.text)
		s.set(2, row, y.From.Format(time.DateOnly), st.text)
		s.set(3, row, y.To.Format(time.DateOnly), st.text)
		b := y.Beneficiaries
		for i, v := range []int64{int64(y.IdentifiedCount), y.IdentifiedM2, y.CancelledM2, y.ReducedM2, y.ClearedM2, y.ReleasedM2,
			y.RemainingM2, int64(b.Women), int64(b.Girls), int64(b.Boys), int64(b.Men), int64(b.WithDisabilities)} {
			s.set(4+i, row, v, st.count)
		}
		tot.IdentifiedCount += y.IdentifiedCount
		tot.IdentifiedM2 += y.IdentifiedM2
		tot.CancelledM2 += y.CancelledM2
		tot.ReducedM2 += y.ReducedM2
		tot.ClearedM2 += y.ClearedM2
		tot.ReleasedM2 += y.ReleasedM2
	}
	row++
	s.set(1, row, "Total", st.totalText)
	s.set(2, row, d.EntryIntoForce.Format(time.DateOnly), st.totalText)
	s.set(3, row, d.On.Format(time.DateOnly), st.totalText)
	b := d.Beneficiaries
	for i, v := range []int64{int64(tot.IdentifiedCount), tot.IdentifiedM2, tot.CancelledM2, tot.ReducedM2, tot.ClearedM2,
		tot.ReleasedM2, d.Remaining.AreaM2(), int64(b.Women), int64(b.Girls), int64(b.Boys), int64(b.Men), int64(b.WithDisabilities)} {
		s.set(4+i, row, v, st.totalCount)
	}
	s.width("A", "O", 14)
}

func extRemainingSheet(s *sheetWriter, d *landrelease.ExtensionDraft, st xlsxStyles, _ int) {
	s.sheet = SheetExtRemaining
	s.header(1, []string{"Code", levelName(1), "SHA", "SHA area (m2)", "CHA", "CHA area (m2)", "Total area (m2)",
		"At entry into force (m2)", "Residual areas", "Residual area (m2)"}, st.header)
	row := 1
	put := func(code, name string, now, then landrelease.Stock, residual int, residualM2 int64, text, count int) {
		row++
		s.set(1, row, code, text)
		s.set(2, row, name, text)
		for i, v := range []int64{int64(now.SHACount), now.SHAAreaM2, int64(now.CHACount), now.CHAAreaM2, now.AreaM2(), then.AreaM2(),
			int64(residual), residualM2} {
			s.set(3+i, row, v, count)
		}
	}
	for _, u := range d.Units {
		put(u.Code, u.Name, u.Remaining, u.AtEntryIntoForce, u.ResidualCount, u.ResidualAreaM2, st.text, st.count)
	}
	put("TOTAL", "Total", d.Remaining, d.AtEntryIntoForce, d.ResidualCount, d.ResidualAreaM2, st.totalText, st.totalCount)
	s.width("A", "J", 16)
}

func extPlanSheet(s *sheetWriter, d *landrelease.ExtensionDraft, st xlsxStyles, num2 int) {
	s.sheet = SheetExtPlan
	s.header(1, []string{"Year", "Code", levelName(1), "Cancelled (m2)", "Reduced (m2)", "Cleared (m2)", "Total (m2)",
		"Team-years", "Cost", "Remaining after (m2)", "Of which residual (m2)"}, st.header)
	row := 1
	put := func(year any, code, name string, a landrelease.MethodM2, residual int64, ty, cost float64, after any, text, count int) {
		row++
		s.set(1, row, year, text)
		s.set(2, row, code, text)
		s.set(3, row, name, text)
		for i, v := range []int64{a.CancelledM2, a.ReducedM2, a.ClearedM2, a.TotalM2()} {
			s.set(4+i, row, v, count)
		}
		s.set(8, row, ty, num2)
		s.set(9, row, cost, num2)
		s.set(10, row, after, count)
		s.set(11, row, residual, count)
	}
	for _, y := range d.Plan.Years {
		for _, u := range y.Units {
			put(int64(y.Year), u.AdminCode, u.AdminName, u.MethodM2, u.ResidualM2, u.TeamYears, u.Cost, "", st.text, st.count)
		}
		put(int64(y.Year), "TOTAL", "Total", y.MethodM2, y.ResidualM2, y.TeamYears, y.Cost, y.RemainingAfterM2, st.totalText, st.totalCount)
	}
	// The period's total; what remains on the date requested is the summary's (the last year may run past it).
	put("Period", "TOTAL", "Total", d.Plan.Total, d.Plan.ResidualM2, d.Plan.TeamYears, d.Plan.Cost, "", st.totalText, st.totalCount)
	s.width("A", "K", 14)
}
