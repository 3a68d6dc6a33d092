package report

import (
	"io"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/xuri/excelize/v2"
)

// Sheet names of the workbook.
const (
	SheetFormF       = "Form F"
	SheetDifferences = "Differences"
	SheetData        = "Data"
)

// Number formats of the workbook's cells.
const (
	FormatKm2    = "#,##0.00"
	FormatCount  = "#,##0"
	FormatSigned = "+#,##0;-#,##0;0"
)

// Table 1 of the "Form F" sheet starts at this row (its two header rows), after the header block.
const table1Row = 9

type xlsxStyles struct {
	title, bold, header, text, count, km2, signed int
	totalText, totalCount, totalKm2, totalSigned  int
	wrap                                          int
}

type sheetWriter struct {
	f     *excelize.File
	sheet string
	err   error
}

func (s *sheetWriter) set(col, row int, v any, style int) {
	if s.err != nil {
		return
	}
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err == nil {
		if text, ok := v.(string); ok {
			// Text is a shared-string cell (t="s"), never a formula, whatever it begins with: a spreadsheet shows
			// "=1+1" or "@SUM(A1)" in it as written and does not evaluate it. The value is kept as it is, without the
			// single quote of the CSV.
			err = s.f.SetCellStr(s.sheet, cell, text)
		} else {
			err = s.f.SetCellValue(s.sheet, cell, v)
		}
	}
	if err == nil && style != 0 {
		err = s.f.SetCellStyle(s.sheet, cell, cell, style)
	}
	s.err = err
}

func (s *sheetWriter) merge(c1, r1, c2, r2 int) {
	if s.err != nil {
		return
	}
	a, _ := excelize.CoordinatesToCellName(c1, r1)
	b, _ := excelize.CoordinatesToCellName(c2, r2)
	s.err = s.f.MergeCell(s.sheet, a, b)
}

func (s *sheetWriter) width(c1, c2 string, w float64) {
	if s.err == nil {
		s.err = s.f.SetColWidth(s.sheet, c1, c2, w)
	}
}

func newStyles(f *excelize.File) (xlsxStyles, error) {
	var st xlsxStyles
	var err error
	border := []excelize.Border{
		{Type: "left", Color: "444444", Style: 1}, {Type: "right", Color: "444444", Style: 1},
		{Type: "top", Color: "444444", Style: 1}, {Type: "bottom", Color: "444444", Style: 1},
	}
	bold := &excelize.Font{Bold: true}
	num := func(format string) *string { return &format }
	defs := []struct {
		dst *int
		s   excelize.Style
	}{
		{&st.title, excelize.Style{Font: &excelize.Font{Bold: true, Size: 13}}},
		{&st.bold, excelize.Style{Font: bold}},
		{&st.header, excelize.Style{Font: bold, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E8E8E8"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&st.text, excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
		{&st.count, excelize.Style{Border: border, CustomNumFmt: num(FormatCount)}},
		{&st.km2, excelize.Style{Border: border, CustomNumFmt: num(FormatKm2)}},
		{&st.signed, excelize.Style{Border: border, CustomNumFmt: num(FormatSigned)}},
		{&st.totalText, excelize.Style{Font: bold, Border: border}},
		{&st.totalCount, excelize.Style{Font: bold, Border: border, CustomNumFmt: num(FormatCount)}},
		{&st.totalKm2, excelize.Style{Font: bold, Border: border, CustomNumFmt: num(FormatKm2)}},
		{&st.totalSigned, excelize.Style{Font: bold, Border: border, CustomNumFmt: num(FormatSigned)}},
		{&st.wrap, excelize.Style{Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}},
	}
	for _, d := range defs {
		if *d.dst, err = f.NewStyle(&d.s); err != nil {
			return st, err
		}
	}
	return st, nil
}

// XLSX writes a workbook in the Form F layout: sheet "Form F" (header block, table 1 and table 2, footnote),
// sheet "Differences" (table 3) and sheet "Data" (the CSV table with numeric cells). Areas are numeric km2
// rounded to two decimals with the number format "#,##0.00". The document's created and modified dates are
// r.GeneratedAt, so that the same report gives the same bytes.
func XLSX(w io.Writer, r *landrelease.Article7) error {
	if r == nil {
		return errNil
	}
	f := excelize.NewFile()
	defer f.Close()
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", SheetFormF); err != nil {
		return err
	}
	for _, name := range []string{SheetDifferences, SheetData} {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
	}
	for _, fill := range []func(*sheetWriter, *landrelease.Article7, xlsxStyles){formFSheet, differencesSheet, dataSheet} {
		s := &sheetWriter{f: f}
		fill(s, r, st)
		if s.err != nil {
			return s.err
		}
	}
	f.SetActiveSheet(0)
	at := r.GeneratedAt.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{
		Title: Title, Creator: "landrelease", Created: at, Modified: at, Language: "en",
	}); err != nil {
		return err
	}
	return f.Write(w)
}

func formFSheet(s *sheetWriter, r *landrelease.Article7, st xlsxStyles) {
	s.sheet = SheetFormF
	s.set(1, 1, Title, st.title)
	for i, kv := range [][2]string{
		{"State", r.State},
		{"Period", period(r)},
		{"Admin level", levelName(r.Level)},
		{"Recorded as of", stamp(r.AsOf)},
		{"Generated", stamp(r.GeneratedAt)},
	} {
		s.set(1, 2+i, kv[0], st.bold)
		s.set(2, 2+i, kv[1], 0)
	}

	row := table1Row - 1
	s.set(1, row, "Table 1. Remaining contamination and land release", st.bold)
	row++
	for c := 1; c <= 16; c++ { // style the merged group header cells
		s.set(c, row, "", st.header)
		s.set(c, row+1, "", st.header)
	}
	s.set(1, row, levelName(r.Level), st.header)
	s.merge(1, row, 1, row+1)
	s.set(2, row, "Code", st.header)
	s.merge(2, row, 2, row+1)
	s.set(3, row, "At period end", st.header)
	s.merge(3, row, 7, row)
	s.set(8, row, "During the period", st.header)
	s.merge(8, row, 14, row)
	s.set(15, row, "At period start", st.header)
	s.set(16, row, "Balance difference (m2)", st.header)
	s.merge(16, row, 16, row+1)
	for i, h := range []string{
		"SHA number", "SHA area (km2)", "CHA number", "CHA area (km2)", "Total remaining (km2)",
		"Newly identified number", "Newly identified (km2)", "Cancelled (km2)", "Reduced (km2)", "Cleared (km2)",
		"Total released (km2)", "Reclassified SHA to CHA (km2)", "Total remaining (km2)",
	} {
		s.set(3+i, row+1, h, st.header)
	}
	row += 2
	for i := range r.Units {
		unitRow(s, row, r.Units[i].Name, r.Units[i].Code, &r.Units[i], st.text, st.count, st.km2, st.signed)
		row++
	}
	unitRow(s, row, "Total", "", &r.Total, st.totalText, st.totalCount, st.totalKm2, st.totalSigned)
	row += 2

	s.set(1, row, "Table 2. Cluster munition remnants destroyed", st.bold)
	row++
	s.set(1, row, "Device type", st.header)
	s.set(2, row, "Number destroyed", st.header)
	row++
	ds, sum := devices(r.Total.ItemsDestroyed)
	for _, d := range ds {
		s.set(1, row, d.Name, st.text)
		s.set(2, row, d.Count, st.count)
		row++
	}
	s.set(1, row, "Total", st.totalText)
	s.set(2, row, sum, st.totalCount)
	row += 2

	s.set(1, row, "Table 4. Beneficiaries of land release", st.bold)
	row++
	for i, h := range []string{levelName(r.Level), "Code", "Women", "Girls", "Boys", "Men", "Total", "Persons with disabilities", "Releases recording them"} {
		s.set(1+i, row, h, st.header)
	}
	row++
	for i := range r.Units {
		beneficiaryRow(s, row, r.Units[i].Name, r.Units[i].Code, &r.Units[i], st.text, st.count)
		row++
	}
	beneficiaryRow(s, row, "Total", "", &r.Total, st.totalText, st.totalCount)
	row++
	s.set(1, row, BeneficiariesNote, 0)
	row += 2

	s.set(1, row, Footnote, 0)

	s.width("A", "A", 28)
	s.width("B", "B", 16)
	s.width("C", "P", 13)
}

func unitRow(s *sheetWriter, row int, name, code string, u *landrelease.UnitFigures, text, count, km, sgn int) {
	s.set(1, row, name, text)
	s.set(2, row, code, text)
	cells := []struct {
		v     any
		style int
	}{
		{u.Closing.SHACount, count}, {km2(u.Closing.SHAAreaM2), km}, {u.Closing.CHACount, count},
		{km2(u.Closing.CHAAreaM2), km}, {km2(u.Closing.AreaM2()), km},
		{u.NewCount, count}, {km2(u.NewAreaM2), km},
		{km2(u.CancelledM2), km}, {km2(u.ReducedM2), km}, {km2(u.ClearedM2), km}, {km2(released(u)), km},
		{km2(u.ReclassifiedM2), km}, {km2(u.Opening.AreaM2()), km},
	}
	for i, c := range cells {
		s.set(3+i, row, c.v, c.style)
	}
	if u.BalanceDiffM2 != 0 {
		s.set(16, row, u.BalanceDiffM2, sgn)
	} else {
		s.set(16, row, "", sgn)
	}
}

func beneficiaryRow(s *sheetWriter, row int, name, code string, u *landrelease.UnitFigures, text, count int) {
	b := u.Beneficiaries
	s.set(1, row, name, text)
	s.set(2, row, code, text)
	for i, n := range []int{b.Women, b.Girls, b.Boys, b.Men, b.Total(), b.WithDisabilities, u.ReleasesWithBeneficiaries} {
		s.set(3+i, row, n, count)
	}
}

func differencesSheet(s *sheetWriter, r *landrelease.Article7, st xlsxStyles) {
	s.sheet = SheetDifferences
	s.set(1, 1, "Table 3. Differences in the balance", st.bold)
	if len(r.Differences) == 0 {
		s.set(1, 3, Balanced, 0)
	} else {
		for i, h := range []string{"Unit", "Local ID", "Date", "Kind", "Area (m2)", "Reason"} {
			s.set(1+i, 3, h, st.header)
		}
		for i, d := range r.Differences {
			row := 4 + i
			s.set(1, row, unitLabel(r, d.AdminCode), st.text)
			s.set(2, row, d.LocalID, st.text)
			s.set(3, row, d.On.Format(isoDate), st.text)
			s.set(4, row, string(d.Kind), st.text)
			s.set(5, row, d.AreaM2, st.signed)
			s.set(6, row, d.Reason, st.text)
		}
	}
	s.width("A", "A", 28)
	s.width("B", "B", 20)
	s.width("C", "E", 12)
	s.width("F", "F", 60)
}

func dataSheet(s *sheetWriter, r *landrelease.Article7, st xlsxStyles) {
	s.sheet = SheetData
	for i, h := range header {
		s.set(1+i, 1, h, st.bold)
	}
	for j, row := range dataRows(r) {
		for i, v := range row {
			s.set(1+i, 2+j, v, 0)
		}
	}
	s.width("A", "B", 20)
	s.width("C", "T", 14)
}
