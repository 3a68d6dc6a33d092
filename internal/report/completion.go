package report

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// CompletionTitle heads the completion summary.
const CompletionTitle = "Completion of Article 4.1(c): clearance and destruction of cluster munition remnants (Lausanne Action Plan Actions 22 and 25)"

// CompletionFootnote closes the HTML page.
const CompletionFootnote = "Areas in m2 on the WGS 84 ellipsoid, each release rounded. Only CMR contamination (cmr and mixed) is listed; " +
	"withdrawn areas are left out. The completion date is the last closure of an area that is not residual. Residual " +
	"contamination: CMR areas identified after a completion date declared for their admin unit or the State."

var errNilSummary = errors.New("report: nil CompletionSummary")

// completionHeader is the CSV's header: one row per release, an area without releases on a row of its own.
var completionHeader = []string{"local_id", "kind", "contamination", "identified_on", "area_m2", "status", "closed_on",
	"remaining_area_m2", "admin1_code", "admin2_code", "residual", "release_local_id", "method", "completed_on",
	"release_area_m2", "organisation", "items_destroyed"}

// CompletionHeader returns the CSV's header in a slice of the caller's own.
func CompletionHeader() []string { return append([]string(nil), completionHeader...) }

// CompletionFormat finds how to write a completion summary format (csv, json, html): its media type, file
// extension and writer. The CSV and the JSON are written as the areas stream, in bounded memory; the HTML page
// gathers them first (a caller bounds how many: api.MaxCompletionPage).
func CompletionFormat(name string) (contentType, ext string, write func(io.Writer, *landrelease.CompletionSummary, landrelease.CompletionAreas) error, ok bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "csv":
		return "text/csv; charset=utf-8", ".csv", StreamCompletionCSV, true
	case "json":
		return "application/json", ".json", StreamCompletionJSON, true
	case "html":
		return "text/html; charset=utf-8", ".html", StreamCompletionHTML, true
	}
	return "", "", nil, false
}

// CompletionJSON writes s as indented JSON with the struct's json tags; empty lists as []. StreamCompletionJSON
// writes the same bytes.
func CompletionJSON(w io.Writer, s *landrelease.CompletionSummary) error {
	if s == nil {
		return errNilSummary
	}
	v := *s
	if v.Open == nil {
		v.Open = []landrelease.OpenStock{}
	}
	v.Areas = append([]landrelease.CompletionArea{}, v.Areas...) // [] when empty; Releases set on a copy
	for i := range v.Areas {
		if v.Areas[i].Releases == nil {
			v.Areas[i].Releases = []landrelease.CompletionRelease{}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// completionJSONAreasTail ends the JSON of a summary without areas: its empty list of areas, the last field.
const completionJSONAreasTail = "[]\n}\n"

// StreamCompletionJSON writes the JSON of CompletionJSON, byte for byte, from the summary's figures and its areas
// as they stream: the figures first, then each area encoded on its own.
func StreamCompletionJSON(w io.Writer, s *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
	if s == nil {
		return errNilSummary
	}
	head := *s
	head.Areas = nil
	var b bytes.Buffer
	if err := CompletionJSON(&b, &head); err != nil {
		return err
	}
	prefix, ok := bytes.CutSuffix(b.Bytes(), []byte(completionJSONAreasTail))
	if !ok {
		return errors.New("report: the summary's JSON does not end with its areas")
	}
	bw := bufio.NewWriter(w)
	if _, err := bw.Write(prefix); err != nil {
		return err
	}
	var ab bytes.Buffer
	enc := json.NewEncoder(&ab)
	enc.SetIndent("    ", "  ")
	enc.SetEscapeHTML(false)
	n := 0
	if err := areas(func(a *landrelease.CompletionArea) error {
		v := *a
		if v.Releases == nil {
			v.Releases = []landrelease.CompletionRelease{}
		}
		ab.Reset()
		if n == 0 {
			ab.WriteString("[\n    ")
		} else {
			ab.WriteString(",\n    ")
		}
		n++
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := bw.Write(bytes.TrimSuffix(ab.Bytes(), []byte("\n")))
		return err
	}); err != nil {
		return err
	}
	tail := "\n  ]\n}\n"
	if n == 0 {
		tail = completionJSONAreasTail
	}
	if _, err := bw.WriteString(tail); err != nil {
		return err
	}
	return bw.Flush()
}

// itemsText writes items destroyed as "DEVICE:n" pairs, by count descending then name, separated by ";".
func itemsText(items map[string]int) string {
	ds, _ := devices(items)
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Name + ":" + strconv.Itoa(d.Count)
	}
	return strings.Join(parts, ";")
}

// CompletionCSV writes the areas of s in memory and their releases; see StreamCompletionCSV.
func CompletionCSV(w io.Writer, s *landrelease.CompletionSummary) error {
	if s == nil {
		return errNilSummary
	}
	return StreamCompletionCSV(w, s, landrelease.AreasOf(s))
}

// StreamCompletionCSV writes the areas and their releases as they stream: CompletionHeader, then one row per
// release of each area in local id order, an area without releases on one row with the release columns empty.
// Text is escaped as CSVText says. The summary's other figures are in its JSON and HTML; a summary of a scope
// without CMR contamination (ContaminationRecorded false) is the header alone.
func StreamCompletionCSV(w io.Writer, s *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
	if s == nil {
		return errNilSummary
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(completionHeader); err != nil {
		return err
	}
	if err := areas(func(a *landrelease.CompletionArea) error {
		head := []string{CSVText(a.LocalID), string(a.Kind), string(a.Contamination), a.IdentifiedOn.Format(isoDate),
			strconv.FormatInt(a.AreaM2, 10), string(a.Status), "", strconv.FormatInt(a.RemainingAreaM2, 10),
			CSVText(a.Admin1Code), CSVText(a.Admin2Code), strconv.FormatBool(a.Residual)}
		if a.ClosedOn != nil {
			head[6] = a.ClosedOn.Format(isoDate)
		}
		if len(a.Releases) == 0 {
			return cw.Write(append(head, "", "", "", "", "", ""))
		}
		for _, r := range a.Releases {
			row := append(head[:len(head):len(head)], CSVText(r.LocalID), string(r.Method), r.CompletedOn.Format(isoDate),
				strconv.FormatInt(r.AreaM2, 10), CSVText(r.Organisation), CSVText(itemsText(r.ItemsDestroyed)))
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// StreamCompletionHTML gathers the streamed areas (copies of them) and writes CompletionHTML.
func StreamCompletionHTML(w io.Writer, s *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
	if s == nil {
		return errNilSummary
	}
	page := *s
	page.Areas = make([]landrelease.CompletionArea, 0, s.AreaCount)
	if err := areas(func(a *landrelease.CompletionArea) error {
		c := *a
		c.Releases = slices.Clone(a.Releases)
		page.Areas = append(page.Areas, c)
		return nil
	}); err != nil {
		return err
	}
	return CompletionHTML(w, &page)
}

type completionHTMLArea struct {
	LocalID, Kind, Identified, Area, Status, Closed, Units string
	Residual                                               bool
	Releases                                               [][5]string
}

type completionHTMLPage struct {
	Title, State, Scope, On, AsOf, Since, Complete, Date, Declared string
	NotComplete, NoContamination                                   bool
	Open                                                           [][3]string
	Totals                                                         [][2]string
	Items                                                          [][2]string
	Residual                                                       string
	Areas                                                          []completionHTMLArea
	Footnote                                                       string
}

var completionTemplate = template.Must(template.New("completion").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
` + printCSS + `.draft { color: #a00; font-weight: bold; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{if .NotComplete}}<p class="draft">NOT COMPLETE: draft. CMR areas remain open; this summary cannot support a declaration of completion.</p>{{end}}
<dl class="meta">
<dt>State</dt><dd>{{.State}}</dd>
<dt>Scope</dt><dd>{{.Scope}}</dd>
<dt>On</dt><dd>{{.On}}</dd>
<dt>Recorded as of</dt><dd>{{.AsOf}}</dd>
<dt>Complete</dt><dd>{{.Complete}}</dd>
{{if .NoContamination}}<dt>CMR contamination</dt><dd>No CMR contamination recorded in this scope</dd>
{{end}}<dt>Completion date (last closure)</dt><dd>{{.Date}}</dd>
<dt>Declared</dt><dd>{{.Declared}}</dd>
<dt>Residual contamination</dt><dd>{{.Residual}}</dd>
</dl>
{{if .Open}}<h2>Open CMR areas</h2>
<table><thead><tr><th>Admin unit</th><th>Areas</th><th>Remaining m2</th></tr></thead><tbody>
{{range .Open}}<tr><td>{{index . 0}}</td><td class="n">{{index . 1}}</td><td class="n">{{index . 2}}</td></tr>
{{end}}</tbody></table>{{end}}
<h2>Land released {{.Since}}</h2>
<table><tbody>
{{range .Totals}}<tr><th>{{index . 0}}</th><td class="n">{{index . 1}}</td></tr>
{{end}}{{range .Items}}<tr><th>Destroyed: {{index . 0}}</th><td class="n">{{index . 1}}</td></tr>
{{end}}</tbody></table>
<h2>Hazard areas and their land releases</h2>
<table><thead><tr><th>Local ID</th><th>Kind</th><th>Identified</th><th>Area m2</th><th>Status</th><th>Closed</th><th>Admin units</th><th>Residual</th>
<th>Release</th><th>Method</th><th>Completed</th><th>Area m2</th><th>Organisation</th></tr></thead><tbody>
{{range .Areas}}<tr><td>{{.LocalID}}</td><td>{{.Kind}}</td><td>{{.Identified}}</td><td class="n">{{.Area}}</td><td>{{.Status}}</td><td>{{.Closed}}</td><td>{{.Units}}</td><td>{{if .Residual}}residual{{end}}</td><td colspan="5"></td></tr>
{{range .Releases}}<tr><td colspan="8"></td><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td><td class="n">{{index . 3}}</td><td>{{index . 4}}</td></tr>
{{end}}{{end}}</tbody></table>
<p class="note">{{.Footnote}}</p>
</body>
</html>
`))

// CompletionHTML writes the summary as a printable page; a summary that is not complete is marked so at its top.
func CompletionHTML(w io.Writer, s *landrelease.CompletionSummary) error {
	if s == nil {
		return errNilSummary
	}
	p := completionHTMLPage{Title: CompletionTitle, State: s.State, Scope: "the State", On: longDate(s.On), AsOf: stamp(s.AsOf),
		Complete: "yes", Date: "none", Declared: "not declared", NotComplete: !s.Complete, NoContamination: !s.ContaminationRecorded, Since: "since the first release recorded",
		Footnote: CompletionFootnote,
		Residual: strconv.Itoa(s.ResidualCount) + " area(s), " + group(s.ResidualAreaM2) + " m2"}
	if s.Admin != landrelease.StateScope {
		p.Scope = "admin unit " + s.Admin
	}
	if !s.Complete {
		p.Complete = "no"
	}
	if s.CompletionDate != nil {
		p.Date = longDate(*s.CompletionDate)
	}
	if d := s.Declared; d != nil {
		p.Declared = "complete on " + longDate(d.CompletedOn) + ", declared on " + longDate(d.DeclaredOn)
		if d.Note != "" {
			p.Declared += ": " + d.Note
		}
	}
	if s.Since != nil {
		p.Since = "since the entry into force, " + longDate(*s.Since)
	}
	for _, o := range s.Open {
		unit := o.Admin
		if unit == "" {
			unit = landrelease.Unassigned
		}
		p.Open = append(p.Open, [3]string{unit, strconv.Itoa(o.Count), group(o.AreaM2)})
	}
	t := s.Totals
	p.Totals = [][2]string{{"Cancelled (m2)", group(t.CancelledM2)}, {"Reduced (m2)", group(t.ReducedM2)},
		{"Cleared (m2)", group(t.ClearedM2)}, {"Items destroyed", strconv.Itoa(t.ItemsTotal)}}
	if t.ReleasesWithBeneficiaries > 0 {
		b := t.Beneficiaries
		p.Totals = append(p.Totals, [2]string{"Beneficiaries (women, girls, boys, men; with disabilities)",
			strconv.Itoa(b.Women) + ", " + strconv.Itoa(b.Girls) + ", " + strconv.Itoa(b.Boys) + ", " + strconv.Itoa(b.Men) +
				"; " + strconv.Itoa(b.WithDisabilities)})
	}
	ds, _ := devices(t.ItemsDestroyed)
	for _, d := range ds {
		p.Items = append(p.Items, [2]string{d.Name, strconv.Itoa(d.Count)})
	}
	for i := range s.Areas {
		a := &s.Areas[i]
		h := completionHTMLArea{LocalID: a.LocalID, Kind: string(a.Kind), Identified: a.IdentifiedOn.Format(isoDate),
			Area: group(a.AreaM2), Status: string(a.Status), Units: strings.Trim(a.Admin1Code+" "+a.Admin2Code, " "), Residual: a.Residual}
		if a.ClosedOn != nil {
			h.Closed = a.ClosedOn.Format(isoDate)
		}
		for _, r := range a.Releases {
			h.Releases = append(h.Releases, [5]string{r.LocalID, string(r.Method), r.CompletedOn.Format(isoDate), group(r.AreaM2), r.Organisation})
		}
		p.Areas = append(p.Areas, h)
	}
	return completionTemplate.Execute(w, p)
}
