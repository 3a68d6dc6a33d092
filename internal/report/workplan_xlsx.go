package report

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Sheet names of the work plan's workbook.
const (
	SheetMilestones = "Milestones"
	SheetPlanUnits  = "By unit"
	SheetPlanAreas  = "Areas"
)

// FormatMoney is the number format of costs and team-years in the work plan's workbook.
const FormatMoney = "#,##0.00"

// WorkPlanXLSX writes the workbook an extension request attaches: sheet "Milestones" (the plan's inputs, the
// annual milestone table with a total row, the outcome by the deadline), "By unit" (each year by admin unit) and
// "Areas" (the areas in the order addressed, year by year). The residual part of each figure is in a last column
// ("Of which residual (m2)", and "Residual areas" by unit), each area's flag in the last column of "Areas". Areas are numeric m2, team-years and costs numeric
// with two decimals shown. The document's dates are the plan's AsOf, so that the same plan gives the same bytes.
func WorkPlanXLSX(w io.Writer, p *landrelease.WorkPlan) error {
	if p == nil {
		return errNilPlan
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
	if err := f.SetSheetName("Sheet1", SheetMilestones); err != nil {
		return err
	}
	for _, name := range []string{SheetPlanUnits, SheetPlanAreas} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	for _, fill := range []func(*sheetWriter, *landrelease.WorkPlan, xlsxStyles, int){milestoneSheet, planUnitSheet, planAreaSheet} {
		s := &sheetWriter{f: f}
		fill(s, p, st, num2)
		if s.err != nil {
			return s.err
		}
	}
	f.SetActiveSheet(0)
	at := p.AsOf.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Title: WorkPlanTitle, Creator: "landrelease", Created: at, Modified: at, Language: "en"}); err != nil {
		return err
	}
	return f.Write(w)
}

func ptrTo[T any](v T) *T { return &v }

// header writes a header row from column 1.
func (s *sheetWriter) header(row int, names []string, style int) {
	for i, n := range names {
		s.set(i+1, row, n, style)
	}
}

func milestoneSheet(s *sheetWriter, p *landrelease.WorkPlan, st xlsxStyles, num2 int) {
	s.sheet = SheetMilestones
	s.set(1, 1, WorkPlanTitle, st.title)
	meta := [][2]string{{"State", p.State}, {"Open areas on", longDate(p.On)}, {"Recorded as of", stamp(p.AsOf)},
		{"Capacity", capacity(p)}, {"Completion", completionText(p)}, {"Residual contamination", residualText(p)}}
	for _, m := range p.Mix {
		meta = append(meta, [2]string{"Mix " + string(m.Kind), fmt.Sprintf("cancelled %s, reduced %s, cleared %s (%s)",
			percent(m.Shares.Cancelled), percent(m.Shares.Reduced), percent(m.Shares.Cleared), mixSource(m))})
	}
	if d := p.Deadline; d != nil {
		meets := "not met"
		if d.Meets {
			meets = "met"
		}
		meta = append(meta, [2]string{"Deadline", fmt.Sprintf("%s: %s; %s m2 addressed by then, %s m2 remaining; to meet it: %s",
			longDate(d.Deadline), meets, group(d.AddressedM2), group(d.RemainingM2), toMeet(p))})
	}
	row := 3
	for _, m := range meta {
		s.set(1, row, m[0], st.bold)
		s.set(2, row, m[1], 0)
		row++
	}
	row++
	s.header(row, []string{"Year", "Cancelled (m2)", "Reduced (m2)", "Cleared (m2)", "Total (m2)", "Team-years", "Cost", "Remaining after (m2)", "Of which residual (m2)"}, st.header)
	for _, y := range p.Years {
		row++
		s.set(1, row, int64(y.Year), st.text)
		for i, v := range []int64{y.CancelledM2, y.ReducedM2, y.ClearedM2, y.TotalM2()} {
			s.set(2+i, row, v, st.count)
		}
		s.set(6, row, y.TeamYears, num2)
		s.set(7, row, y.Cost, num2)
		s.set(8, row, y.RemainingAfterM2, st.count)
		s.set(9, row, y.ResidualM2, st.count)
	}
	row++
	s.set(1, row, "Total", st.totalText)
	for i, v := range []int64{p.Total.CancelledM2, p.Total.ReducedM2, p.Total.ClearedM2, p.Total.TotalM2()} {
		s.set(2+i, row, v, st.totalCount)
	}
	s.set(6, row, p.TeamYears, num2)
	s.set(7, row, p.Cost, num2)
	s.set(9, row, p.ResidualM2, st.totalCount)
	row += 2
	s.header(row, []string{"Method", "Organisation", "Year", "m2 per team-year", "Cost per m2", "Cost per team-year"}, st.header)
	for _, r := range p.Productivity {
		row++
		s.set(1, row, string(r.Method), st.text)
		s.set(2, row, orgOrNational(r.Organisation), st.text)
		s.set(3, row, yearsOrEvery(r.Year), st.text)
		s.set(4, row, r.M2PerTeamYear, st.count)
		s.set(5, row, r.CostPerM2, num2)
		s.set(6, row, r.CostPerTeamYear, num2)
	}
	s.set(1, row+2, WorkPlanFootnote, 0)
	s.width("A", "A", 16)
	s.width("B", "I", 16)
}

func planUnitSheet(s *sheetWriter, p *landrelease.WorkPlan, st xlsxStyles, num2 int) {
	s.sheet = SheetPlanUnits
	s.header(1, []string{"Year", "Code", levelName(p.Level), "Cancelled (m2)", "Reduced (m2)", "Cleared (m2)", "Total (m2)", "Team-years", "Cost", "Areas", "Areas finished", "Expected beneficiaries", "Residual areas", "Of which residual (m2)"}, st.header)
	row := 1
	for _, y := range p.Years {
		for _, u := range y.Units {
			row++
			s.set(1, row, int64(y.Year), st.text)
			s.set(2, row, u.AdminCode, st.text)
			s.set(3, row, u.AdminName, st.text)
			for i, v := range []int64{u.CancelledM2, u.ReducedM2, u.ClearedM2, u.TotalM2()} {
				s.set(4+i, row, v, st.count)
			}
			s.set(8, row, u.TeamYears, num2)
			s.set(9, row, u.Cost, num2)
			s.set(10, row, int64(u.Areas), st.count)
			s.set(11, row, int64(u.Completed), st.count)
			s.set(12, row, u.ExpectedBeneficiaries, st.count)
			s.set(13, row, int64(u.ResidualAreas), st.count)
			s.set(14, row, u.ResidualM2, st.count)
		}
	}
	s.width("A", "N", 14)
}

func planAreaSheet(s *sheetWriter, p *landrelease.WorkPlan, st xlsxStyles, _ int) {
	s.sheet = SheetPlanAreas
	s.header(1, []string{"Year", "Rank", "Local ID", "Unit", "Kind", "Priority", "Cancelled (m2)", "Reduced (m2)", "Cleared (m2)", "Finished", "Residual"}, st.header)
	row := 1
	for _, y := range p.Years {
		for _, a := range y.Areas {
			row++
			done := ""
			if a.Completes {
				done = "yes"
			}
			s.set(1, row, int64(y.Year), 0)
			s.set(2, row, int64(a.Rank), 0)
			s.set(3, row, a.LocalID, 0)
			s.set(4, row, a.AdminCode, 0)
			s.set(5, row, string(a.Kind), 0)
			s.set(6, row, a.Priority, 0)
			s.set(7, row, a.CancelledM2, 0)
			s.set(8, row, a.ReducedM2, 0)
			s.set(9, row, a.ClearedM2, 0)
			s.set(10, row, done, 0)
			if a.Residual {
				s.set(11, row, "residual", 0)
			}
		}
	}
	s.width("C", "D", 20)
}
