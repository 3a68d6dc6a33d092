package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
)

// samplePlan is a plan of two areas over two years: 1 team clearing 400 m2 a year at 2 a m2; B is residual.
func samplePlan(t *testing.T) *landrelease.WorkPlan {
	t.Helper()
	p, err := landrelease.PlanWork(landrelease.WorkPlanFacts{
		Request: landrelease.WorkPlanRequest{FromYear: 2026, Teams: 1, Level: 1},
		State:   "Lao PDR", On: day(2025, 11, 29), AsOf: time.Date(2025, 11, 29, 9, 0, 0, 0, time.UTC),
		Areas: []landrelease.PlanArea{
			{LocalID: "=A1", Kind: landrelease.KindCHA, Priority: landrelease.PriorityHigh, AdminCode: "LA14", AdminName: "Xiengkhouang", RemainingM2: 300},
			{LocalID: "B", Kind: landrelease.KindCHA, Priority: landrelease.PriorityLow, AdminCode: "LA15", AdminName: "+Sekong", RemainingM2: 300, Residual: true},
		},
		Mix: landrelease.ChooseMix(nil, map[landrelease.Kind]landrelease.MixOverride{
			landrelease.KindCHA: {Shares: landrelease.MethodShares{Cleared: 1}, RecordedBy: "dm", RecordedAt: day(2025, 1, 1)}}),
		Productivity: []landrelease.Productivity{{Method: landrelease.MethodCleared, M2PerTeamYear: 400, CostPerM2: 2}},
		Deadline:     &landrelease.Deadline{Deadline: day(2030, 8, 1)},
		// LA14 measured at one person a m2; LA15 on too little area: the national 100,010 on 101,000 m2.
		Beneficiaries: []landrelease.UnitBeneficiaries{{AdminCode: "LA14", Releases: 9, People: 100_000, AreaM2: 100_000},
			{AdminCode: "LA15", Releases: 1, People: 10, AreaM2: 1000}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestWorkPlanCSV(t *testing.T) {
	var b bytes.Buffer
	if err := report.WorkPlanCSV(&b, samplePlan(t)); err != nil {
		t.Fatal(err)
	}
	want := strings.Join(report.WorkPlanHeader(), ",") + "\n" +
		"2026,LA14,Xiengkhouang,0,0,300,300,0.75,600.00,1,1,,300,0,0\n" +
		"2026,LA15,'+Sekong,0,0,100,100,0.25,200.00,1,0,,99,1,100\n" +
		"2026,TOTAL,Total,0,0,400,400,1.00,800.00,2,1,200,399,1,100\n" +
		"2027,LA15,'+Sekong,0,0,200,200,0.50,400.00,1,1,,198,1,200\n" +
		"2027,TOTAL,Total,0,0,200,200,0.50,400.00,1,1,0,198,1,200\n"
	if b.String() != want {
		t.Errorf("CSV:\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWorkPlanFormats(t *testing.T) {
	p := samplePlan(t)
	for _, name := range []string{"csv", "json", "html", "xlsx", "XLSX "} {
		if _, _, w, ok := report.WorkPlanFormat(name); !ok || w == nil {
			t.Errorf("format %q not found", name)
		}
	}
	if _, _, _, ok := report.WorkPlanFormat("pdf"); ok {
		t.Error("pdf found")
	}

	var j bytes.Buffer
	if err := report.WorkPlanJSON(&j, p); err != nil {
		t.Fatal(err)
	}
	var back struct {
		Years []struct {
			Year       int   `json:"year"`
			ClearedM2  int64 `json:"cleared_m2"`
			ResidualM2 int64 `json:"residual_m2"`
			Units      []struct {
				ResidualAreas int   `json:"residual_areas"`
				ResidualM2    int64 `json:"residual_m2"`
			} `json:"units"`
			Areas []struct {
				LocalID  string `json:"local_id"`
				Residual bool   `json:"residual"`
			} `json:"areas"`
		} `json:"years"`
		ResidualAreas int    `json:"residual_areas"`
		ResidualM2    int64  `json:"residual_m2"`
		Completion    string `json:"completion"`
		Deadline      struct {
			Meets bool `json:"meets_deadline"`
		} `json:"deadline"`
	}
	if err := json.Unmarshal(j.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Years) != 2 || back.Years[1].ClearedM2 != 200 || back.Completion != "2027-07-02T00:00:00Z" || !back.Deadline.Meets {
		t.Errorf("JSON: %s", j.String())
	}
	if y := back.Years; back.ResidualAreas != 1 || back.ResidualM2 != 300 || y[0].ResidualM2 != 100 || y[1].ResidualM2 != 200 ||
		len(y[0].Units) != 2 || y[0].Units[1].ResidualAreas != 1 || y[0].Units[1].ResidualM2 != 100 ||
		len(y[0].Areas) != 2 || y[0].Areas[0].Residual || !y[0].Areas[1].Residual || !y[1].Areas[0].Residual {
		t.Errorf("JSON residual: %s", j.String())
	}

	var h bytes.Buffer
	if err := report.WorkPlanHTML(&h, p); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	for _, want := range []string{"Table 1. Annual milestones", "<svg", "=A1", "&#43;Sekong", "2 July 2027", "set by dm", "<dt>Residual contamination</dt><dd>1 area, 300 m2 of the 600 m2 to address</dd>",
		"<td>B</td><td>LA15</td><td>CHA</td><td>low</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">100</td><td></td><td>residual</td>",
		"<td>=A1</td><td>LA14</td><td>CHA</td><td>high</td><td class=\"n\">0</td><td class=\"n\">0</td><td class=\"n\">300</td><td>yes</td><td></td>",
		"<td class=\"n\">200</td><td class=\"n\">200</td><td class=\"n\">0.50</td>", "national residual capacity"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	for _, bad := range []string{"<script", "src=", "href=", "@import"} {
		if strings.Contains(page, bad) {
			t.Errorf("HTML has %q: not self-contained", bad)
		}
	}

	var x bytes.Buffer
	if err := report.WorkPlanXLSX(&x, p); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&x)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, "|") != "Milestones|By unit|Areas" {
		t.Errorf("sheets %v", got)
	}
	rows, err := f.GetRows(report.SheetPlanAreas)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[1][2] != "=A1" || rows[3][0] != "2027" || rows[3][8] != "200" {
		t.Errorf("Areas sheet: %v", rows)
	}
	if rows[0][10] != "Residual" || len(rows[1]) > 10 || rows[2][10] != "residual" || rows[3][10] != "residual" {
		t.Errorf("Areas sheet's residual column: %v", rows)
	}
	units, err := f.GetRows(report.SheetPlanUnits)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 4 || units[0][13] != "Of which residual (m2)" || units[1][13] != "0" || units[2][12] != "1" || units[2][13] != "100" || units[3][13] != "200" {
		t.Errorf("By unit sheet: %v", units)
	}
	milestones, err := f.GetRows(report.SheetMilestones)
	if err != nil {
		t.Fatal(err)
	}
	var residual []string
	for _, r := range milestones {
		if len(r) > 8 && r[8] != "" {
			residual = append(residual, r[0]+":"+r[8])
		}
		if len(r) > 1 && r[0] == "Residual contamination" && r[1] != "1 area, 300 m2 of the 600 m2 to address" {
			t.Errorf("Milestones: %v", r)
		}
	}
	if got := strings.Join(residual, " "); got != "Year:Of which residual (m2) 2026:100 2027:200 Total:300" {
		t.Errorf("Milestones' residual column: %q", got)
	}
	if formula, _ := f.GetCellFormula(report.SheetPlanAreas, "C2"); formula != "" {
		t.Errorf("C2 is a formula: %q", formula)
	}
	var x2 bytes.Buffer
	if err := report.WorkPlanXLSX(&x2, p); err != nil {
		t.Fatal(err)
	}
	var x1 bytes.Buffer
	_ = report.WorkPlanXLSX(&x1, p)
	if !bytes.Equal(x1.Bytes(), x2.Bytes()) {
		t.Error("the same plan gave two workbooks")
	}
}
