package report

import (
	"html/template"
	"io"

	"github.com/landrelease/landrelease/internal/landrelease"
)

type htmlUnit struct {
	Name, Code                                 string
	SHACount, SHAKm2, CHACount, CHAKm2, Remain string
	NewCount, NewKm2                           string
	Cancelled, Reduced, Cleared, Released      string
	Reclassified, Opening, BalanceDiff         string
}

type htmlDevice struct{ Name, Count string }

type htmlBeneficiaries struct {
	Name, Code                                                 string
	Women, Girls, Boys, Men, Total, WithDisabilities, Releases string
}

func htmlBeneficiariesOf(name, code string, u *landrelease.UnitFigures) htmlBeneficiaries {
	b := u.Beneficiaries
	return htmlBeneficiaries{Name: name, Code: code, Women: group(int64(b.Women)), Girls: group(int64(b.Girls)),
		Boys: group(int64(b.Boys)), Men: group(int64(b.Men)), Total: group(int64(b.Total())),
		WithDisabilities: group(int64(b.WithDisabilities)), Releases: group(int64(u.ReleasesWithBeneficiaries))}
}

type htmlDifference struct{ Unit, LocalID, On, Kind, AreaM2, Reason string }

type htmlChange struct{ Unit, LocalID, Field, Before, After, Cause string }

type htmlPage struct {
	ComparedWith                                   string
	Changes                                        []htmlChange
	Title, State, Period, AsOf, GeneratedAt, Level string
	Units                                          []htmlUnit
	Total                                          htmlUnit
	Devices                                        []htmlDevice
	DevicesTotal                                   string
	Differences                                    []htmlDifference
	Beneficiaries                                  []htmlBeneficiaries
	BeneficiariesTotal                             htmlBeneficiaries
	Balanced, Footnote, BeneficiariesNote          string
	Residual                                       [][4]string // name, code, count, km2; with a Total row
	ResidualNote                                   string
}

func htmlUnitOf(name, code string, u *landrelease.UnitFigures) htmlUnit {
	h := htmlUnit{
		Name: name, Code: code,
		SHACount: group(int64(u.Closing.SHACount)), SHAKm2: km2Text(u.Closing.SHAAreaM2),
		CHACount: group(int64(u.Closing.CHACount)), CHAKm2: km2Text(u.Closing.CHAAreaM2),
		Remain:   km2Text(u.Closing.AreaM2()),
		NewCount: group(int64(u.NewCount)), NewKm2: km2Text(u.NewAreaM2),
		Cancelled: km2Text(u.CancelledM2), Reduced: km2Text(u.ReducedM2), Cleared: km2Text(u.ClearedM2),
		Released: km2Text(released(u)), Reclassified: km2Text(u.ReclassifiedM2),
		Opening: km2Text(u.Opening.AreaM2()),
	}
	if u.BalanceDiffM2 != 0 {
		h.BalanceDiff = signed(u.BalanceDiffM2)
	}
	return h
}

// printCSS is the style of the printable pages (Form F, the work plan): A4 landscape, tables with repeated
// headers, figures right-aligned, totals in bold.
const printCSS = `@page { size: A4 landscape; margin: 12mm; }
body { font-family: Arial, Helvetica, sans-serif; font-size: 10pt; color: #000; margin: 1em; }
h1 { font-size: 13pt; margin: 0 0 0.5em; }
h2 { font-size: 11pt; margin: 1.2em 0 0.4em; }
dl.meta { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; margin: 0; }
dl.meta dt { font-weight: bold; }
dl.meta dd { margin: 0; }
table { border-collapse: collapse; margin: 0.3em 0; page-break-inside: auto; }
tr { page-break-inside: avoid; }
thead { display: table-header-group; }
th, td { border: 1px solid #444; padding: 2px 5px; vertical-align: top; }
th { background: #e8e8e8; font-weight: bold; text-align: center; }
td.n { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 2px solid #000; }
p.note { font-size: 8.5pt; margin-top: 1.5em; }
`

var pageTemplate = template.Must(template.New("formf").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
` + printCSS + `</style>
</head>
<body>
<h1>{{.Title}}</h1>
<dl class="meta">
<dt>State</dt><dd>{{.State}}</dd>
<dt>Period</dt><dd>{{.Period}}</dd>
<dt>Admin level</dt><dd>{{.Level}}</dd>
</dl>
<p>Recorded as of {{.AsOf}}. Generated {{.GeneratedAt}}.</p>

<h2>Table 1. Remaining contamination and land release</h2>
<table>
<thead>
<tr><th rowspan="2">{{.Level}}</th><th rowspan="2">Code</th><th colspan="5">At period end</th><th colspan="7">During the period</th><th>At period start</th><th rowspan="2">Balance difference (m2)</th></tr>
<tr><th>SHA number</th><th>SHA area (km2)</th><th>CHA number</th><th>CHA area (km2)</th><th>Total remaining (km2)</th><th>Newly identified number</th><th>Newly identified (km2)</th><th>Cancelled (km2)</th><th>Reduced (km2)</th><th>Cleared (km2)</th><th>Total released (km2)</th><th>Reclassified SHA to CHA (km2)</th><th>Total remaining (km2)</th></tr>
</thead>
<tbody>
{{range .Units}}{{template "unit" .}}{{end}}<tr class="total">{{template "cells" .Total}}</tr>
</tbody>
</table>

<h2>Table 2. Cluster munition remnants destroyed</h2>
<table>
<thead><tr><th>Device type</th><th>Number destroyed</th></tr></thead>
<tbody>
{{range .Devices}}<tr><td>{{.Name}}</td><td class="n">{{.Count}}</td></tr>
{{end}}<tr class="total"><td>Total</td><td class="n">{{.DevicesTotal}}</td></tr>
</tbody>
</table>

<h2>Table 3. Differences in the balance</h2>
{{if .Differences}}<table>
<thead><tr><th>Unit</th><th>Local ID</th><th>Date</th><th>Kind</th><th>Area (m2)</th><th>Reason</th></tr></thead>
<tbody>
{{range .Differences}}<tr><td>{{.Unit}}</td><td>{{.LocalID}}</td><td>{{.On}}</td><td>{{.Kind}}</td><td class="n">{{.AreaM2}}</td><td>{{.Reason}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p>{{.Balanced}}</p>
{{end}}
<h2>Table 4. Beneficiaries of land release</h2>
<table>
<thead><tr><th>{{.Level}}</th><th>Code</th><th>Women</th><th>Girls</th><th>Boys</th><th>Men</th><th>Total</th><th>Persons with disabilities</th><th>Releases recording them</th></tr></thead>
<tbody>
{{range .Beneficiaries}}{{template "beneficiaries" .}}{{end}}<tr class="total">{{template "beneficiaryCells" .BeneficiariesTotal}}</tr>
</tbody>
</table>
<p class="note">{{.BeneficiariesNote}}</p>

{{if .Residual}}<h2>Residual contamination</h2>
<table>
<thead><tr><th>{{.Level}}</th><th>Code</th><th>Areas</th><th>Remaining (km2)</th></tr></thead>
<tbody>
{{range .Residual}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td class="n">{{index . 2}}</td><td class="n">{{index . 3}}</td></tr>
{{end}}</tbody>
</table>
<p class="note">{{.ResidualNote}}</p>
{{end}}{{if .ComparedWith}}<h2>Changes since the report as recorded on {{.ComparedWith}}</h2>
{{if .Changes}}<table>
<thead><tr><th>Unit</th><th>Local ID</th><th>Figure</th><th>Then</th><th>Now</th><th>Cause</th></tr></thead>
<tbody>
{{range .Changes}}<tr><td>{{.Unit}}</td><td>{{.LocalID}}</td><td>{{.Field}}</td><td class="n">{{.Before}}</td><td class="n">{{.After}}</td><td>{{.Cause}}</td></tr>
{{end}}</tbody>
</table>
{{else}}<p>No figure changed.</p>
{{end}}{{end}}
<p class="note">{{.Footnote}}</p>
</body>
</html>
{{define "beneficiaries"}}<tr>{{template "beneficiaryCells" .}}</tr>
{{end}}{{define "beneficiaryCells"}}<td>{{.Name}}</td><td>{{.Code}}</td><td class="n">{{.Women}}</td><td class="n">{{.Girls}}</td><td class="n">{{.Boys}}</td><td class="n">{{.Men}}</td><td class="n">{{.Total}}</td><td class="n">{{.WithDisabilities}}</td><td class="n">{{.Releases}}</td>{{end}}
{{define "unit"}}<tr>{{template "cells" .}}</tr>
{{end}}{{define "cells"}}<td>{{.Name}}</td><td>{{.Code}}</td><td class="n">{{.SHACount}}</td><td class="n">{{.SHAKm2}}</td><td class="n">{{.CHACount}}</td><td class="n">{{.CHAKm2}}</td><td class="n">{{.Remain}}</td><td class="n">{{.NewCount}}</td><td class="n">{{.NewKm2}}</td><td class="n">{{.Cancelled}}</td><td class="n">{{.Reduced}}</td><td class="n">{{.Cleared}}</td><td class="n">{{.Released}}</td><td class="n">{{.Reclassified}}</td><td class="n">{{.Opening}}</td><td class="n">{{.BalanceDiff}}</td>{{end}}`))

// HTML writes a self-contained printable page in the Form F layout: inline CSS only, no script, no external
// resource, no web font.
func HTML(w io.Writer, r *landrelease.Article7) error {
	if r == nil {
		return errNil
	}
	p := htmlPage{
		Title: Title, State: r.State, Period: period(r), AsOf: stamp(r.AsOf), GeneratedAt: stamp(r.GeneratedAt),
		Level: levelName(r.Level), Balanced: Balanced, Footnote: Footnote, BeneficiariesNote: BeneficiariesNote,
		Total: htmlUnitOf("Total", "", &r.Total), BeneficiariesTotal: htmlBeneficiariesOf("Total", "", &r.Total),
	}
	for i := range r.Units {
		p.Units = append(p.Units, htmlUnitOf(r.Units[i].Name, r.Units[i].Code, &r.Units[i]))
		p.Beneficiaries = append(p.Beneficiaries, htmlBeneficiariesOf(r.Units[i].Name, r.Units[i].Code, &r.Units[i]))
	}
	ds, sum := devices(r.Total.ItemsDestroyed)
	for _, d := range ds {
		p.Devices = append(p.Devices, htmlDevice{d.Name, group(int64(d.Count))})
	}
	p.DevicesTotal = group(int64(sum))
	for _, d := range r.Differences {
		p.Differences = append(p.Differences, htmlDifference{
			Unit: unitLabel(r, d.AdminCode), LocalID: d.LocalID, On: d.On.Format(isoDate),
			Kind: string(d.Kind), AreaM2: signed(d.AreaM2), Reason: d.Reason,
		})
	}
	for i := range r.Units {
		if u := &r.Units[i]; u.ResidualCount > 0 {
			p.Residual = append(p.Residual, [4]string{u.Name, u.Code, group(int64(u.ResidualCount)), km2Text(u.ResidualAreaM2)})
		}
	}
	if len(p.Residual) > 0 {
		p.Residual = append(p.Residual, [4]string{"Total", "", group(int64(r.Total.ResidualCount)), km2Text(r.Total.ResidualAreaM2)})
		p.ResidualNote = ResidualNote
	}
	if r.ComparedWith != nil {
		p.ComparedWith = stamp(*r.ComparedWith)
		for _, c := range r.Changes {
			p.Changes = append(p.Changes, htmlChange{Unit: unitLabel(r, c.AdminCode), LocalID: c.LocalID, Field: c.Field,
				Before: group(c.Before), After: group(c.After), Cause: c.Cause})
		}
	}
	return pageTemplate.Execute(w, p)
}
