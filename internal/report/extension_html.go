package report

import (
	"html/template"
	"io"
	"strconv"

	"github.com/landrelease/landrelease/internal/landrelease"
)

type extHTMLYear struct {
	Year, Period, Identified, Cancelled, Reduced, Cleared, Released, Remaining, Beneficiaries string
}

type extHTMLUnit struct {
	Code, Name, SHA, SHAArea, CHA, CHAArea, Total, AtEIF, Residual, ResidualArea string
}

type extHTMLPlan struct {
	Year, Cancelled, Reduced, Cleared, Total, Residual, TeamYears, Cost, Remaining string
}

type extHTMLPage struct {
	Title, Level, Reasons, Implications, TextBy, Footnote string
	Summary                                               [][2]string
	Years                                                 []extHTMLYear
	Units                                                 []extHTMLUnit
	Plan                                                  []extHTMLPlan
	PlanUnits                                             []planHTMLRow
	PlanTotal                                             extHTMLPlan
}

var extensionTemplate = template.Must(template.New("extension").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
` + printCSS + `p.text { white-space: pre-wrap; max-width: 60em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<h2>1. Summary</h2>
<dl class="meta">{{range .Summary}}<dt>{{index . 0}}</dt><dd>{{index . 1}}</dd>
{{end}}</dl>

<h2>2. Reasons the deadline cannot be met</h2>
<p class="text">{{.Reasons}}</p>

<h2>3. Humanitarian, social, economic and environmental implications</h2>
<p class="text">{{.Implications}}</p>
<p class="note">{{.TextBy}}</p>

<h2>4. Progress since entry into force, by year (m2)</h2>
<table>
<thead><tr><th>Year</th><th>Period</th><th>Identified</th><th>Cancelled</th><th>Reduced</th><th>Cleared</th><th>Released</th><th>Remaining at end</th><th>Beneficiaries</th></tr></thead>
<tbody>
{{range .Years}}<tr><td>{{.Year}}</td><td>{{.Period}}</td><td class="n">{{.Identified}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Released}}</td><td class="n">{{.Remaining}}</td><td class="n">{{.Beneficiaries}}</td></tr>
{{end}}</tbody>
</table>

<h2>5. Remaining contamination by {{.Level}}</h2>
<table>
<thead><tr><th>{{.Level}}</th><th>Code</th><th>SHA</th><th>SHA area (m2)</th><th>CHA</th><th>CHA area (m2)</th><th>Total area (m2)</th><th>Residual areas</th><th>Residual area (m2)</th><th>At entry into force (m2)</th></tr></thead>
<tbody>
{{range .Units}}<tr><td>{{.Name}}</td><td>{{.Code}}</td><td class="n">{{.SHA}}</td><td class="n">{{.SHAArea}}</td><td class="n">{{.CHA}}</td><td class="n">{{.CHAArea}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.ResidualArea}}</td><td class="n">{{.AtEIF}}</td></tr>
{{end}}</tbody>
</table>

<h2>6. Annual work plan and costs for the period requested</h2>
<table>
<thead><tr><th>Year</th><th>Cancelled (m2)</th><th>Reduced (m2)</th><th>Cleared (m2)</th><th>Total (m2)</th><th>Of which residual (m2)</th><th>Team-years</th><th>Cost</th><th>Remaining after (m2)</th></tr></thead>
<tbody>
{{range .Plan}}<tr><td>{{.Year}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.TeamYears}}</td><td class="n">{{.Cost}}</td><td class="n">{{.Remaining}}</td></tr>
{{end}}{{with .PlanTotal}}<tr class="total"><td>{{.Year}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.TeamYears}}</td><td class="n">{{.Cost}}</td><td class="n">{{.Remaining}}</td></tr>{{end}}
</tbody>
</table>

<h2>7. Work plan by {{.Level}}</h2>
<table>
<thead><tr><th>Year</th><th>{{.Level}}</th><th>Code</th><th>Cancelled (m2)</th><th>Reduced (m2)</th><th>Cleared (m2)</th><th>Total (m2)</th><th>Of which residual (m2)</th><th>Team-years</th><th>Cost</th><th>Areas (finished)</th></tr></thead>
<tbody>
{{range .PlanUnits}}<tr><td>{{.Year}}</td><td>{{.Name}}</td><td>{{.Code}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Total}}</td><td class="n">{{.Residual}}</td><td class="n">{{.TeamYears}}</td><td class="n">{{.Cost}}</td><td class="n">{{.Areas}}</td></tr>
{{end}}</tbody>
</table>
<p class="note">{{.Footnote}}</p>
</body>
</html>
`))

// textBy says who entered the draft's text and when.
func textBy(t landrelease.ExtensionText) string {
	if t.RecordedAt == nil {
		return "No text has been entered (PUT /api/v1/reports/extension-request/text)."
	}
	return "Text entered by " + t.RecordedBy + " on " + stamp(*t.RecordedAt) + "."
}

// ExtensionHTML writes a self-contained printable page: the summary, the reasons and implications entered (escaped
// by html/template, line breaks kept), the progress by year, the remaining contamination by province and the work
// plan for the period requested, each with its residual part. Inline CSS only, no script, no external resource.
func ExtensionHTML(w io.Writer, d *landrelease.ExtensionDraft) error {
	if d == nil {
		return errNilDraft
	}
	g := func(n int64) string { return group(n) }
	pg := extHTMLPage{Title: ExtensionTitle, Level: levelName(1), Reasons: textOrNone(d.Text.Reasons),
		Implications: textOrNone(d.Text.Implications), TextBy: textBy(d.Text), Footnote: ExtensionFootnote,
		Summary: extensionSummary(d)}
	for _, y := range d.Years {
		pg.Years = append(pg.Years, extHTMLYear{Year: strconv.Itoa(y.Year), Period: longDate(y.From) + " to " + longDate(y.To),
			Identified: g(y.IdentifiedM2), Cancelled: g(y.CancelledM2), Reduced: g(y.ReducedM2), Cleared: g(y.ClearedM2),
			Released: g(y.ReleasedM2), Remaining: g(y.RemainingM2), Beneficiaries: strconv.Itoa(y.Beneficiaries.Total())})
	}
	for _, u := range d.Units {
		pg.Units = append(pg.Units, extHTMLUnit{Code: u.Code, Name: u.Name, SHA: strconv.Itoa(u.Remaining.SHACount),
			SHAArea: g(u.Remaining.SHAAreaM2), CHA: strconv.Itoa(u.Remaining.CHACount), CHAArea: g(u.Remaining.CHAAreaM2),
			Total: g(u.Remaining.AreaM2()), AtEIF: g(u.AtEntryIntoForce.AreaM2()), Residual: strconv.Itoa(u.ResidualCount),
			ResidualArea: g(u.ResidualAreaM2)})
	}
	r := d.Remaining
	pg.Units = append(pg.Units, extHTMLUnit{Code: "TOTAL", Name: "Total", SHA: strconv.Itoa(r.SHACount), SHAArea: g(r.SHAAreaM2),
		CHA: strconv.Itoa(r.CHACount), CHAArea: g(r.CHAAreaM2), Total: g(r.AreaM2()), AtEIF: g(d.AtEntryIntoForce.AreaM2()),
		Residual: strconv.Itoa(d.ResidualCount), ResidualArea: g(d.ResidualAreaM2)})
	for _, y := range d.Plan.Years {
		name := strconv.Itoa(y.Year)
		pg.Plan = append(pg.Plan, extHTMLPlan{Year: name, Cancelled: g(y.CancelledM2), Reduced: g(y.ReducedM2),
			Cleared: g(y.ClearedM2), Total: g(y.TotalM2()), Residual: g(y.ResidualM2), TeamYears: decimals2(y.TeamYears),
			Cost: money(y.Cost), Remaining: g(y.RemainingAfterM2)})
		for _, u := range y.Units {
			pg.PlanUnits = append(pg.PlanUnits, planHTMLRow{Year: name, Code: u.AdminCode, Name: u.AdminName,
				Cancelled: g(u.CancelledM2), Reduced: g(u.ReducedM2), Cleared: g(u.ClearedM2), Total: g(u.TotalM2()),
				Residual: g(u.ResidualM2), TeamYears: decimals2(u.TeamYears), Cost: money(u.Cost),
				Areas: strconv.Itoa(u.Areas) + " (" + strconv.Itoa(u.Completed) + ")"})
		}
	}
	t := d.Plan.Total
	pg.PlanTotal = extHTMLPlan{Year: "Total", Cancelled: g(t.CancelledM2), Reduced: g(t.ReducedM2), Cleared: g(t.ClearedM2),
		Total: g(t.TotalM2()), Residual: g(d.Plan.ResidualM2), TeamYears: decimals2(d.Plan.TeamYears), Cost: money(d.Plan.Cost)} // what remains on Until: the summary
	return extensionTemplate.Execute(w, pg)
}
