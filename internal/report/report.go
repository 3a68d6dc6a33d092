// Package report encodes an Article 7 Form F report ("Contaminated areas and clearance", Article 7.1(h) and
// (i), for Article 4 cluster munition remnants) as CSV, JSON, a printable HTML page and an XLSX workbook.
package report

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// header is the header of the CSV machine table (and of the XLSX "Data" sheet); read only.
var header = []string{
	"admin_code", "admin_name",
	"sha_count", "sha_area_m2", "cha_count", "cha_area_m2",
	"new_count", "new_area_m2",
	"cancelled_area_m2", "reduced_area_m2", "cleared_area_m2", "reclassified_area_m2",
	"submunitions_destroyed", "balance_diff_m2",
	"beneficiaries_women", "beneficiaries_girls", "beneficiaries_boys", "beneficiaries_men", "beneficiaries_with_disabilities",
	"releases_with_beneficiaries",
}

// Header returns the header of the CSV machine table (and of the XLSX "Data" sheet), in a slice of the caller's
// own.
func Header() []string { return slices.Clone(header) }

// Title is the title of the HTML page and of the "Form F" sheet.
const Title = "Form F: Contaminated areas and clearance (Article 7.1(h) and (i)); Article 4 cluster munition remnants"

// Footnote closes the HTML page and the "Form F" sheet.
const Footnote = "Areas on the WGS 84 ellipsoid. Only CMR contamination (cmr and mixed) is counted. " +
	"Cancelled: released through non-technical survey; reduced: through technical survey; cleared: through clearance."

// Balanced is said in place of table 3 when there is no difference.
const Balanced = "Every unit balances: opening + new - cancelled - reduced - cleared = closing."

// BeneficiariesNote explains the table of beneficiaries.
const BeneficiariesNote = "People who benefit directly from the land released in the period, as the releases record them: " +
	"women and men 18 or older, girls and boys under 18; persons with disabilities are counted among them, not beside them."

// ResidualNote explains the residual contamination table of Form F's page.
const ResidualNote = "Residual contamination: open CMR areas at the end of the period identified after the completion date " +
	"declared for their admin unit or the State. They are part of the remaining contamination of Table 1, not beside it."

var errNil = errors.New("report: nil Article7")

// Format gives the content type, the file extension (with its dot) and the writer of a format name: csv, json,
// html or xlsx (case-insensitive); ok is false for any other name.
func Format(name string) (contentType, ext string, write func(io.Writer, *landrelease.Article7) error, ok bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "csv":
		return "text/csv; charset=utf-8", ".csv", CSV, true
	case "json":
		return "application/json", ".json", JSON, true
	case "html":
		return "text/html; charset=utf-8", ".html", HTML, true
	case "xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", XLSX, true
	}
	return "", "", nil, false
}

// dataRow is one row of the machine table: strings for the code and name, int64 for every figure.
func dataRow(code, name string, u *landrelease.UnitFigures) []any {
	return []any{
		code, name,
		int64(u.Closing.SHACount), u.Closing.SHAAreaM2, int64(u.Closing.CHACount), u.Closing.CHAAreaM2,
		int64(u.NewCount), u.NewAreaM2,
		u.CancelledM2, u.ReducedM2, u.ClearedM2, u.ReclassifiedM2,
		int64(u.ItemsTotal), u.BalanceDiffM2,
		int64(u.Beneficiaries.Women), int64(u.Beneficiaries.Girls), int64(u.Beneficiaries.Boys), int64(u.Beneficiaries.Men),
		int64(u.Beneficiaries.WithDisabilities), int64(u.ReleasesWithBeneficiaries),
	}
}

// dataRows are the rows of the machine table after its header: units in order, then the total.
func dataRows(r *landrelease.Article7) [][]any {
	rows := make([][]any, 0, len(r.Units)+1)
	for i := range r.Units {
		rows = append(rows, dataRow(r.Units[i].Code, r.Units[i].Name, &r.Units[i]))
	}
	return append(rows, dataRow("TOTAL", "Total", &r.Total))
}

// formulaLeads are the first characters that make a spreadsheet read a text cell of a CSV file as a formula (or,
// for tab and carriage return, hide one): OWASP, "CSV Injection".
const formulaLeads = "=+-@\t\r"

// Formulaic reports whether a spreadsheet may evaluate text s as a formula: whether it begins with =, +, -, @, a
// tab or a carriage return.
func Formulaic(s string) bool { return s != "" && strings.IndexByte(formulaLeads, s[0]) >= 0 }

// CSVText is text s as a CSV cell: prefixed with a single quote when it is Formulaic, so that Excel, LibreOffice
// and Google Sheets show it as text and do not run it. Names, local IDs and reasons come from users and files. Only
// text is escaped: a figure is written as a number, a negative one with its minus sign.
func CSVText(s string) string {
	if Formulaic(s) {
		return "'" + s
	}
	return s
}

// cellText is a cell of the machine table as CSV text: text escaped by CSVText, an int64 in decimal.
func cellText(v any) string {
	switch v := v.(type) {
	case string:
		return CSVText(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	panic("report: unexpected cell type")
}

// CSV writes the machine table: the header, one row per unit in r.Units order, then a TOTAL row. Line ends
// are "\n"; the text is UTF-8 without a byte order mark. Text that a spreadsheet would run as a formula is written
// with a leading single quote (CSVText).
func CSV(w io.Writer, r *landrelease.Article7) error {
	if r == nil {
		return errNil
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, row := range dataRows(r) {
		for i, v := range row {
			rec[i] = cellText(v)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// article7JSON is landrelease.Article7 with its period as dates; keep its fields in step with Article7.
type article7JSON struct {
	State       string                    `json:"state"`
	From        string                    `json:"from"`
	To          string                    `json:"to"`
	Level       int                       `json:"admin_level"`
	AsOf        time.Time                 `json:"as_of"`
	GeneratedAt time.Time                 `json:"generated_at"`
	Units       []landrelease.UnitFigures `json:"units"`
	Total       landrelease.UnitFigures   `json:"total"`
	Differences []landrelease.Difference  `json:"differences"`
	// ComparedWith and Changes are written when the report is compared with an earlier record time.
	ComparedWith *time.Time           `json:"compared_with,omitempty"`
	Changes      []landrelease.Change `json:"changes,omitempty"`
}

const isoDate = "2006-01-02"

// JSON writes r as indented JSON with the struct's json tags: from and to as YYYY-MM-DD, as_of and
// generated_at (and each difference's date) as RFC 3339. Empty units and differences are written as [].
func JSON(w io.Writer, r *landrelease.Article7) error {
	if r == nil {
		return errNil
	}
	v := article7JSON{
		State: r.State, From: r.From.Format(isoDate), To: r.To.Format(isoDate), Level: r.Level,
		AsOf: r.AsOf, GeneratedAt: r.GeneratedAt,
		Units: r.Units, Total: r.Total, Differences: r.Differences,
		ComparedWith: r.ComparedWith, Changes: r.Changes,
	}
	if v.ComparedWith != nil && v.Changes == nil {
		v.Changes = []landrelease.Change{}
	}
	if v.Units == nil {
		v.Units = []landrelease.UnitFigures{}
	}
	if v.Differences == nil {
		v.Differences = []landrelease.Difference{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// hundredths rounds m2 to hundredths of a km2, half away from zero.
func hundredths(m2 int64) int64 {
	if m2 < 0 {
		return -((-m2 + 5000) / 10000)
	}
	return (m2 + 5000) / 10000
}

// km2 is m2 in km2 rounded to two decimals, as stored in spreadsheet cells.
func km2(m2 int64) float64 { return float64(hundredths(m2)) / 100 }

// km2Text is m2 in km2 with two decimals and thousands separators: 1234567890 -> "1,234.57".
func km2Text(m2 int64) string {
	h := hundredths(m2)
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	frac := strconv.FormatInt(h%100, 10)
	if len(frac) < 2 {
		frac = "0" + frac
	}
	return sign + group(h/100) + "." + frac
}

// group writes an integer with thousands separators.
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// signed writes an integer with thousands separators and an explicit sign unless zero.
func signed(n int64) string {
	if n > 0 {
		return "+" + group(n)
	}
	return group(n)
}

func longDate(t time.Time) string { return t.Format("2 January 2006") }

func stamp(t time.Time) string { return t.UTC().Format("2 January 2006 15:04 UTC") }

func period(r *landrelease.Article7) string { return longDate(r.From) + " to " + longDate(r.To) }

func levelName(level int) string {
	switch level {
	case 1:
		return "Province"
	case 2:
		return "District"
	}
	return "Admin level " + strconv.Itoa(level)
}

func released(u *landrelease.UnitFigures) int64 { return u.CancelledM2 + u.ReducedM2 + u.ClearedM2 }

type device struct {
	Name  string
	Count int
}

// devices lists items destroyed by count descending, then name; and their sum.
func devices(items map[string]int) ([]device, int) {
	ds := make([]device, 0, len(items))
	sum := 0
	for name, n := range items {
		ds = append(ds, device{name, n})
		sum += n
	}
	sort.Slice(ds, func(i, j int) bool {
		if ds[i].Count != ds[j].Count {
			return ds[i].Count > ds[j].Count
		}
		return ds[i].Name < ds[j].Name
	})
	return ds, sum
}

// unitLabel names the unit of a difference: "Name (CODE)", or the code alone when the unit is not listed.
func unitLabel(r *landrelease.Article7, code string) string {
	for i := range r.Units {
		if r.Units[i].Code == code && r.Units[i].Name != "" && r.Units[i].Name != code {
			return r.Units[i].Name + " (" + code + ")"
		}
	}
	return code
}
