package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The extension request draft's files (docs/REPORTS.md, "Extension request"): the whole draft as JSON, a
// workbook and a printable HTML page. The sections follow what Article 4.6 of the Convention asks a request to
// state: the duration, the contamination at entry into force and now, the progress, the work plan and costs for
// the extension period, the reasons and the implications.

// ExtensionTitle is the title of the HTML page and of the workbook's first sheet.
const ExtensionTitle = "Draft request for an extension of the Article 4 deadline (Convention on Cluster Munitions, Article 4.5 to 4.8; Lausanne Action Plan Action 20)"

// ExtensionFootnote closes the HTML page and the workbook's first sheet.
const ExtensionFootnote = "Areas in m2 on the WGS 84 ellipsoid; CMR contamination only (cmr and mixed). The figures since " +
	"the entry into force are Form F's over that period; each year's are Form F's over the year (the first from the " +
	"entry into force, the last to the field date). The work plan is the costed plan from the year after the field " +
	"date; its years from the deadline's year to the year requested are shown. Residual contamination, the open CMR " +
	"areas identified after the completion date declared (as recorded then) for their admin unit or the State, is part " +
	"of what remains and of the plan, and shown apart: it falls to the national residual capacity (Lausanne Action " +
	"Plan Action 25) rather than to the Article 4 clearance the extension is requested for. The reasons and " +
	"implications are the text entered by the reporting officer."

var errNilDraft = errors.New("report: nil ExtensionDraft")

// ExtensionFormat gives the content type, the file extension (with its dot) and the writer of a draft format:
// json, html or xlsx (case-insensitive); ok is false for any other name.
func ExtensionFormat(name string) (contentType, ext string, write func(io.Writer, *landrelease.ExtensionDraft) error, ok bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "json":
		return "application/json", ".json", ExtensionJSON, true
	case "html":
		return "text/html; charset=utf-8", ".html", ExtensionHTML, true
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", ExtensionXLSX, true
	}
	return "", "", nil, false
}

// ExtensionJSON writes the draft as indented JSON with the struct's json tags; dates are RFC 3339.
func ExtensionJSON(w io.Writer, d *landrelease.ExtensionDraft) error {
	if d == nil {
		return errNilDraft
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(d)
}

// stockText describes a stock: its SHAs and CHAs, counts and areas.
func stockText(s landrelease.Stock) string {
	return fmt.Sprintf("%s m2: %d SHA of %s m2, %d CHA of %s m2", group(s.AreaM2()), s.SHACount, group(s.SHAAreaM2),
		s.CHACount, group(s.CHAAreaM2))
}

// beneficiariesText describes the people who benefit.
func beneficiariesText(b landrelease.Beneficiaries, releases int) string {
	if releases == 0 {
		return "not recorded"
	}
	return fmt.Sprintf("%d people (women %d, girls %d, boys %d, men %d), of whom %d with disabilities, recorded by %d releases",
		b.Total(), b.Women, b.Girls, b.Boys, b.Men, b.WithDisabilities, releases)
}

// draftCapacity says what limits each year of the draft's plan.
func draftCapacity(p landrelease.ExtensionPlan) string {
	return capacity(&landrelease.WorkPlan{Teams: p.Teams, Budget: p.Budget})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// extensionSummary is the draft's summary as labelled text, in the order both the page and the workbook show it.
func extensionSummary(d *landrelease.ExtensionDraft) [][2]string {
	dl := d.Deadline
	completion := "nothing remains"
	if d.Plan.Completion != nil {
		completion = longDate(*d.Plan.Completion)
	}
	projected := "no release in the rate years"
	if d.ProjectedCompletion != nil {
		projected = longDate(*d.ProjectedCompletion)
	}
	rows := [][2]string{
		{"State", d.State},
		{"Figures on", longDate(d.On)},
		{"Recorded as of", stamp(d.AsOf)},
		{"Entry into force", longDate(d.EntryIntoForce)},
		{"Deadline in force", longDate(dl.Deadline) + " (" + dl.Kind + ")"},
		{"Extension requested until", longDate(d.Until)},
		{"Duration requested", strconv.Itoa(d.DurationMonths) + " months"},
		{"Contamination at entry into force", stockText(d.AtEntryIntoForce)},
		{"Contamination remaining", stockText(d.Remaining)},
		{"Of which residual contamination", residualStockText(d.ResidualCount, d.ResidualAreaM2)},
		{"Identified since entry into force", fmt.Sprintf("%d areas, %s m2", d.Since.IdentifiedCount, group(d.Since.IdentifiedSinceM2))},
		{"Released since entry into force", fmt.Sprintf("%s m2: cancelled %s, reduced %s, cleared %s",
			group(d.Since.CancelledSinceM2+d.Since.ReducedSinceM2+d.Since.ClearedSinceM2), group(d.Since.CancelledSinceM2),
			group(d.Since.ReducedSinceM2), group(d.Since.ClearedSinceM2))},
		{"Other changes of the stock", signed(d.Since.DifferencesSinceM2) + " m2 (Form F's differences)"},
		{"Beneficiaries since entry into force", beneficiariesText(d.Beneficiaries, d.ReleasesWithBeneficiaries)},
		{"Mean release rate", fmt.Sprintf("%s m2 a year (%s); at this rate completion on %s", group(d.MeanReleaseM2PerYear),
			yearList(d.RateYears), projected)},
		{"Work plan capacity", draftCapacity(d.Plan)},
	}
	if a := d.Plan.AtDeadline; a != nil {
		rows = append(rows, [2]string{"Plan by the deadline", fmt.Sprintf("%s m2 addressed, %s m2 remaining", group(a.AddressedM2), group(a.RemainingM2))})
	}
	return append(rows,
		[2]string{"Plan in the period requested", fmt.Sprintf("%s m2 (of which %s m2 residual), %s team-years, cost %s",
			group(d.Plan.Total.TotalM2()), group(d.Plan.ResidualM2), decimals2(d.Plan.TeamYears), money(d.Plan.Cost))},
		[2]string{"Remaining on the date requested", group(d.Plan.RemainingAtUntilM2) + " m2"},
		[2]string{"Plan completes by the date requested", yesNo(d.Plan.CompletesByUntil) + "; completion " + completion},
	)
}

// residualStockText describes the residual part of a stock: its areas and remaining area.
func residualStockText(count int, m2 int64) string {
	if count == 0 {
		return "none"
	}
	return fmt.Sprintf("%s, %s m2", areaCount(count), group(m2))
}

// yearList writes years as "2022, 2023, 2024".
func yearList(ys []int) string {
	s := make([]string, len(ys))
	for i, y := range ys {
		s[i] = strconv.Itoa(y)
	}
	return strings.Join(s, ", ")
}

// textOrNone is a text entered, or what says none was.
func textOrNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "(not entered)"
	}
	return s
}
