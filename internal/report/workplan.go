package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The work plan's files (docs/REPORTS.md, "Work plan"): the annual milestone table as CSV, the whole plan as
// JSON, a workbook an extension request attaches, and a printable HTML page with a chart.

// WorkPlanTitle is the title of the HTML page and of the workbook's first sheet.
const WorkPlanTitle = "Costed annual work plan to completion of Article 4 (Lausanne Action Plan Actions 19 and 20)"

// workPlanHeader is the header of the CSV milestone table; read only.
var workPlanHeader = []string{"year", "admin_code", "admin_name", "cancelled_m2", "reduced_m2", "cleared_m2", "total_m2",
	"team_years", "cost", "areas", "areas_completed", "remaining_after_m2", "expected_beneficiaries", "residual_areas", "residual_m2"}

// WorkPlanHeader returns the header of the CSV milestone table, in a slice of the caller's own.
func WorkPlanHeader() []string { return append([]string(nil), workPlanHeader...) }

var errNilPlan = errors.New("report: nil WorkPlan")

// WorkPlanFormat gives the content type, the file extension (with its dot) and the writer of a work plan format:
// csv, json, html or xlsx (case-insensitive); ok is false for any other name.
func WorkPlanFormat(name string) (contentType, ext string, write func(io.Writer, *landrelease.WorkPlan) error, ok bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "csv":
		return "text/csv; charset=utf-8", ".csv", WorkPlanCSV, true
	case "json":
		return "application/json", ".json", WorkPlanJSON, true
	case "html":
		return "text/html; charset=utf-8", ".html", WorkPlanHTML, true
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", WorkPlanXLSX, true
	}
	return "", "", nil, false
}

// decimals2 writes x with two decimals, as team-years and costs are shown.
func decimals2(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// WorkPlanCSV writes the milestone table: for each year, a row per admin unit (in code order) then a TOTAL row,
// the only one with remaining_after_m2. residual_areas and residual_m2 are the residual areas worked on and their
// part of total_m2. Team-years and cost have two decimals; text is escaped as CSVText says.
func WorkPlanCSV(w io.Writer, p *landrelease.WorkPlan) error {
	if p == nil {
		return errNilPlan
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(workPlanHeader); err != nil {
		return err
	}
	row := func(y int, code, name string, u landrelease.PlanUnitYear, after string) error {
		return cw.Write([]string{strconv.Itoa(y), CSVText(code), CSVText(name), strconv.FormatInt(u.CancelledM2, 10),
			strconv.FormatInt(u.ReducedM2, 10), strconv.FormatInt(u.ClearedM2, 10), strconv.FormatInt(u.TotalM2(), 10),
			decimals2(u.TeamYears), decimals2(u.Cost), strconv.Itoa(u.Areas), strconv.Itoa(u.Completed), after,
			strconv.FormatInt(u.ExpectedBeneficiaries, 10), strconv.Itoa(u.ResidualAreas), strconv.FormatInt(u.ResidualM2, 10)})
	}
	for _, y := range p.Years {
		total := yearTotal(y)
		for _, u := range y.Units {
			if err := row(y.Year, u.AdminCode, u.AdminName, u, ""); err != nil {
				return err
			}
		}
		if err := row(y.Year, "TOTAL", "Total", total, strconv.FormatInt(y.RemainingAfterM2, 10)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// yearTotal is a year of the plan as the sum of its units: its figures, and the areas worked on, finished and
// residual that only the units count.
func yearTotal(y landrelease.PlanYear) landrelease.PlanUnitYear {
	t := landrelease.PlanUnitYear{MethodM2: y.MethodM2, TeamYears: y.TeamYears, Cost: y.Cost,
		ExpectedBeneficiaries: y.ExpectedBeneficiaries, ResidualM2: y.ResidualM2}
	for _, u := range y.Units {
		t.Areas += u.Areas
		t.Completed += u.Completed
		t.ResidualAreas += u.ResidualAreas
	}
	return t
}

// residualText says how much of the plan is residual contamination.
func residualText(p *landrelease.WorkPlan) string {
	if p.ResidualAreas == 0 {
		return "none"
	}
	return fmt.Sprintf("%s, %s m2 of the %s m2 to address", areaCount(p.ResidualAreas), group(p.ResidualM2), group(p.RemainingM2))
}

// areaCount writes n areas, "1 area" for one.
func areaCount(n int) string {
	if n == 1 {
		return "1 area"
	}
	return strconv.Itoa(n) + " areas"
}

// WorkPlanJSON writes the plan as indented JSON with the struct's json tags; dates are RFC 3339.
func WorkPlanJSON(w io.Writer, p *landrelease.WorkPlan) error {
	if p == nil {
		return errNilPlan
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(p)
}

// capacity says what limits each year of the plan.
func capacity(p *landrelease.WorkPlan) string {
	var parts []string
	if p.Teams > 0 {
		parts = append(parts, fmt.Sprintf("%s teams a year", strconv.FormatFloat(p.Teams, 'f', -1, 64)))
	}
	if p.Budget > 0 {
		parts = append(parts, fmt.Sprintf("a budget of %s a year", money(p.Budget)))
	}
	return strings.Join(parts, " and ")
}

// money writes x with two decimals and thousands separators.
func money(x float64) string {
	s := decimals2(x)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(whole, 10, 64)
	return sign + group(n) + "." + frac
}

// toMeet says what capacity would meet the deadline, or that it falls before the plan.
func toMeet(p *landrelease.WorkPlan) string {
	d := p.Deadline
	if d.Deadline.Year() < p.FromYear {
		return fmt.Sprintf("the deadline falls before the plan's first year, %d", p.FromYear)
	}
	return decimals2(d.TeamsPerYear) + " teams a year, or " + money(d.BudgetPerYear) + " a year"
}

// percent writes a share as a percentage with one decimal.
func percent(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" }

// completionText is the completion date, or what says there is nothing to do.
func completionText(p *landrelease.WorkPlan) string {
	if p.Completion == nil {
		return "nothing remains"
	}
	return longDate(*p.Completion)
}

// mixSource says where a kind's mix comes from.
func mixSource(m landrelease.KindMix) string {
	switch m.Source {
	case "override":
		return "set by " + m.Override.RecordedBy + " on " + longDate(m.Override.RecordedAt) + nonEmpty(": ", m.Override.Note)
	case "measured":
		return fmt.Sprintf("measured on %d areas closed through land release, %s to %s", m.Measured.Areas,
			longDate(*m.Measured.From), longDate(*m.Measured.To))
	}
	return "none"
}

func nonEmpty(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// yearsOrEvery names a productivity figure's year.
func yearsOrEvery(y int) string {
	if y == 0 {
		return "every year"
	}
	return strconv.Itoa(y)
}

// orgOrNational names a productivity figure's organisation.
func orgOrNational(o string) string {
	if o == "" {
		return "national"
	}
	return o
}
