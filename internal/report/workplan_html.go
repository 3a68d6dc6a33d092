package report

import (
	"fmt"
	"html/template"
	"io"
	"strconv"

	"github.com/landrelease/landrelease/internal/landrelease"
)

type planHTMLRow struct {
	Year, Code, Name, Cancelled, Reduced, Cleared, Total, TeamYears, Cost, Areas, Remaining, People, Residual string
}

type planHTMLArea struct {
	Year, Rank, LocalID, Unit, Kind, Priority, Cancelled, Reduced, Cleared, Completes string
	Residual                                                                          bool
}

type planHTMLBar struct {
	X, W, Label                   int
	YC, HC, YR, HR, YL, HL, YText int
	Year                          string
}

type planHTMLPage struct {
	Title, State, On, AsOf, Capacity, Completion, Total, TeamYears, Cost, Level, Residual string
	Mix                                                                                   [][3]string
	Productivity                                                                          [][6]string
	Years, Units                                                                          []planHTMLRow
	Areas                                                                                 []planHTMLArea
	Deadline                                                                              [][2]string
	Bars                                                                                  []planHTMLBar
	ChartW, ChartH, Axis                                                                  int
	Footnote                                                                              string
}

// WorkPlanFootnote closes the HTML page and the workbook's first sheet.
const WorkPlanFootnote = "Areas in m2 on the WGS 84 ellipsoid; only open CMR contamination (cmr and mixed) is planned. " +
	"Each area's remaining area is split by the method mix of its kind; a method's m2 take 1/(m2 per team-year) " +
	"team-years and cost the cost per m2 plus the cost per team-year for those team-years. Areas are addressed in " +
	"order of priority, then evidence (CHA before SHA, direct before indirect), then date identified, then local ID. " +
	"An area identified after the completion date declared (as recorded then) for its admin unit or the State is " +
	"residual contamination: it is planned like any other, marked residual, and the residual figures, part of the " +
	"totals, are what falls to the national residual capacity (Lausanne Action Plan Action 25) rather than to " +
	"Article 4 clearance."

var planTemplate = template.Must(template.New("workplan").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
` + printCSS + `.legend span { display: inline-block; width: 0.9em; height: 0.9em; margin: 0 0.3em 0 1em; vertical-align: middle; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl class="meta">
<dt>State</dt><dd>{{.State}}</dd>
<dt>Open areas on</dt><dd>{{.On}}</dd>
<dt>Recorded as of</dt><dd>{{.AsOf}}</dd>
<dt>Capacity</dt><dd>{{.Capacity}}</dd>
<dt>Area to address</dt><dd>{{.Total}} m2</dd>
<dt>Residual contamination</dt><dd>{{.Residual}}</dd>
<dt>Team-years, cost</dt><dd>{{.TeamYears}} team-years, {{.Cost}}</dd>
<dt>Completion</dt><dd>{{.Completion}}</dd>
</dl>
{{if .Deadline}}<h2>By the Article 4 deadline</h2>
<dl class="meta">{{range .Deadline}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{end}}</dl>{{end}}

<h2>Area to address each year (m2)</h2>
<p class="legend"><span style="background:#8fbc8f"></span>Cancelled<span style="background:#f0c36d"></span>Reduced<span style="background:#d9534f"></span>Cleared</p>
<svg xmlns="http://www.w3.org/2000/svg" width="{{.ChartW}}" height="{{.ChartH}}" role="img" aria-label="Area to address each year by method">
<line x1="0" y1="{{.Axis}}" x2="{{.ChartW}}" y2="{{.Axis}}" stroke="#444"/>
{{range .Bars}}<rect x="{{.X}}" y="{{.YC}}" width="{{.W}}" height="{{.HC}}" fill="#8fbc8f"/><rect x="{{.X}}" y="{{.YR}}" width="{{.W}}" height="{{.HR}}" fill="#f0c36d"/><rect x="{{.X}}" y="{{.YL}}" width="{{.W}}" height="{{.HL}}" fill="#d9534f"/><text x="{{.Label}}" y="{{.YText}}" font-size="9" text-anchor="middle">{{.Year}}</text>
{{end}}</svg>

<h2>Table 1. Annual milestones</h2>
<table>
<thead><tr><th>Year</th><th>Cancelled (m2)</th><th>Reduced (m2)</th><th>Cleared (m2)</th><th>Total (m2)</th><th>Of which residual (m2)</th><th>Team-years</th><th>Cost</th><th>Areas</th><th>Remaining after (m2)</th></tr></thead>
<tbody>
{{range .Years}}<tr><td>{{.Year}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.TeamYears}}</td><td class="n">{{.Cost}}</td><td class="n">{{.Areas}}</td><td class="n">{{.Remaining}}</td></tr>
{{end}}</tbody>
</table>

<h2>Table 2. By {{.Level}}</h2>
<table>
<thead><tr><th>Year</th><th>{{.Level}}</th><th>Code</th><th>Cancelled (m2)</th><th>Reduced (m2)</th><th>Cleared (m2)</th><th>Total (m2)</th><th>Of which residual (m2)</th><th>Team-years</th><th>Cost</th><th>Areas (finished)</th><th>Expected beneficiaries</th></tr></thead>
<tbody>
{{range .Units}}<tr><td>{{.Year}}</td><td>{{.Name}}</td><td>{{.Code}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.TeamYears}}</td><td class="n">{{.Cost}}</td><td class="n">{{.Areas}}</td><td class="n">{{.People}}</td></tr>
{{end}}</tbody>
</table>

<h2>Table 3. Method mix</h2>
<table>
<thead><tr><th>Kind</th><th>Cancelled, reduced, cleared</th><th>Source</th></tr></thead>
<tbody>
{{range .Mix}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td></tr>
{{end}}</tbody>
</table>

<h2>Table 4. Productivity and costs</h2>
<table>
<thead><tr><th>Method</th><th>Organisation</th><th>Year</th><th>m2 per team-year</th><th>Cost per m2</th><th>Cost per team-year</th></tr></thead>
<tbody>
{{range .Productivity}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td><td class="n">{{index . 3}}</td><td class="n">{{index . 4}}</td><td class="n">{{index . 5}}</td></tr>
{{end}}</tbody>
</table>

<h2>Table 5. Areas in the order addressed</h2>
<table>
<thead><tr><th>Year</th><th>Rank</th><th>Local ID</th><th>Unit</th><th>Kind</th><th>Priority</th><th>Cancelled (m2)</th><th>Reduced (m2)</th><th>Cleared (m2)</th><th>Finished</th><th>Residual</th></tr></thead>
<tbody>
{{range .Areas}}<tr><td>{{.Year}}</td><td class="n">{{.Rank}}</td><td>{{.LocalID}}</td><td>{{.Unit}}</td><td>{{.Kind}}</td><td>{{.Priority}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td>{{.Completes}}</td><td>{{if .Residual}}residual{{end}}</td></tr>
{{end}}</tbody>
</table>
<p class="note">{{.Footnote}}</p>
</body>
</html>
`))

// chart sizes of the HTML page's bar chart, in pixels.
const chartH, chartBarW, chartGap, chartText = 160, 28, 8, 14

// WorkPlanHTML writes a self-contained printable page: the plan's inputs and outcome, an inline SVG bar chart of
// each year's area by method, the milestone table, the admin units' table and the areas in order. Inline CSS
// and SVG only, no script, no external resource.
func WorkPlanHTML(w io.Writer, p *landrelease.WorkPlan) error {
	if p == nil {
		return errNilPlan
	}
	g := func(n int64) string { return group(n) }
	pg := planHTMLPage{Title: WorkPlanTitle, State: p.State, On: longDate(p.On), AsOf: stamp(p.AsOf), Capacity: capacity(p),
		Completion: completionText(p), Total: g(p.RemainingM2), TeamYears: decimals2(p.TeamYears), Cost: money(p.Cost),
		Level: levelName(p.Level), Footnote: WorkPlanFootnote, Residual: residualText(p)}
	for _, m := range p.Mix {
		pg.Mix = append(pg.Mix, [3]string{string(m.Kind), fmt.Sprintf("%s, %s, %s", percent(m.Shares.Cancelled),
			percent(m.Shares.Reduced), percent(m.Shares.Cleared)), mixSource(m)})
	}
	for _, r := range p.Productivity {
		pg.Productivity = append(pg.Productivity, [6]string{string(r.Method), orgOrNational(r.Organisation),
			yearsOrEvery(r.Year), g(r.M2PerTeamYear), money(r.CostPerM2), money(r.CostPerTeamYear)})
	}
	if d := p.Deadline; d != nil {
		meets := "no"
		if d.Meets {
			meets = "yes"
		}
		pg.Deadline = [][2]string{{"Deadline", longDate(d.Deadline)}, {"Met", meets},
			{"Addressed by then", g(d.AddressedM2) + " m2"}, {"Remaining then", g(d.RemainingM2) + " m2"},
			{"To meet it", toMeet(p)}}
	}
	var peak int64
	for _, y := range p.Years {
		peak = max(peak, y.TotalM2())
	}
	pg.ChartH, pg.Axis = chartH+chartText, chartH
	pg.ChartW = max(1, len(p.Years)*(chartBarW+chartGap))
	for i, y := range p.Years {
		name := strconv.Itoa(y.Year)
		areas := 0
		for _, u := range y.Units {
			areas += u.Areas
		}
		pg.Years = append(pg.Years, planHTMLRow{Year: name, Cancelled: g(y.CancelledM2), Reduced: g(y.ReducedM2),
			Cleared: g(y.ClearedM2), Total: g(y.TotalM2()), TeamYears: decimals2(y.TeamYears), Cost: money(y.Cost),
			Areas: strconv.Itoa(areas), Remaining: g(y.RemainingAfterM2), Residual: g(y.ResidualM2)})
		for _, u := range y.Units {
			pg.Units = append(pg.Units, planHTMLRow{Year: name, Code: u.AdminCode, Name: u.AdminName,
				Cancelled: g(u.CancelledM2), Reduced: g(u.ReducedM2), Cleared: g(u.ClearedM2), Total: g(u.TotalM2()),
				TeamYears: decimals2(u.TeamYears), Cost: money(u.Cost), Areas: fmt.Sprintf("%d (%d)", u.Areas, u.Completed),
				People: g(u.ExpectedBeneficiaries), Residual: g(u.ResidualM2)})
		}
		for _, a := range y.Areas {
			done := ""
			if a.Completes {
				done = "yes"
			}
			pg.Areas = append(pg.Areas, planHTMLArea{Year: name, Rank: strconv.Itoa(a.Rank), LocalID: a.LocalID,
				Unit: a.AdminCode, Kind: string(a.Kind), Priority: a.Priority, Cancelled: g(a.CancelledM2),
				Reduced: g(a.ReducedM2), Cleared: g(a.ClearedM2), Completes: done, Residual: a.Residual})
		}
		h := func(m2 int64) int {
			if peak == 0 {
				return 0
			}
			return int(m2 * chartH / peak)
		}
		b := planHTMLBar{X: i*(chartBarW+chartGap) + chartGap/2, W: chartBarW, Year: name, YText: chartH + chartText - 3}
		b.Label = b.X + chartBarW/2
		b.HC, b.HR, b.HL = h(y.CancelledM2), h(y.ReducedM2), h(y.ClearedM2)
		b.YC = chartH - b.HC
		b.YR = b.YC - b.HR
		b.YL = b.YR - b.HL
		pg.Bars = append(pg.Bars, b)
	}
	return planTemplate.Execute(w, pg)
}
