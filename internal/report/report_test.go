package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const wantHeader = "admin_code,admin_name,sha_count,sha_area_m2,cha_count,cha_area_m2,new_count,new_area_m2,cancelled_area_m2,reduced_area_m2,cleared_area_m2,reclassified_area_m2,submunitions_destroyed,balance_diff_m2,beneficiaries_women,beneficiaries_girls,beneficiaries_boys,beneficiaries_men,beneficiaries_with_disabilities,releases_with_beneficiaries"

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sample is a hand-made report: two units that add up to the total, each with one explained difference.
func sample() *landrelease.Article7 {
	sv := landrelease.UnitFigures{
		Code: "LA-SV", Name: "Savannakhét",
		Opening:  landrelease.Stock{SHACount: 4, SHAAreaM2: 1_683_367, CHACount: 4, CHAAreaM2: 2_500_000},
		Closing:  landrelease.Stock{SHACount: 3, SHAAreaM2: 1_234_567, CHACount: 5, CHAAreaM2: 2_500_000},
		NewCount: 2, NewAreaM2: 300_000, NewSHAAreaM2: 300_000,
		CancelledM2: 100_000, ReducedM2: 50_000, ClearedM2: 600_000,
		ReleasedSHAM2: 150_000, ReleasedCHAM2: 600_000, ReclassifiedM2: 200_000,
		ItemsDestroyed: map[string]int{"BLU-26": 100, "BLU-63": 31}, ItemsTotal: 131,
		Beneficiaries: landrelease.Beneficiaries{Women: 120, Girls: 85, Boys: 91, Men: 110, WithDisabilities: 7}, ReleasesWithBeneficiaries: 6,
		BalanceDiffM2: 1_200, CHABalanceDiffM2: 1_200,
	}
	xk := landrelease.UnitFigures{
		Code: "LA-XK", Name: "Xiangkhouang, north",
		Opening:   landrelease.Stock{CHACount: 3, CHAAreaM2: 1_234_505_000},
		Closing:   landrelease.Stock{CHACount: 2, CHAAreaM2: 1_234_005_000},
		ClearedM2: 496_600, ReleasedCHAM2: 496_600,
		ItemsDestroyed: map[string]int{"BLU-26": 20, "M77": 4}, ItemsTotal: 24,
		Beneficiaries: landrelease.Beneficiaries{Women: 30, Girls: 12, Boys: 15, Men: 25, WithDisabilities: 2}, ReleasesWithBeneficiaries: 2,
		BalanceDiffM2: -3_400, CHABalanceDiffM2: -3_400,
	}
	total := landrelease.UnitFigures{
		Code: "TOTAL", Name: "Total",
		Opening:  landrelease.Stock{SHACount: 4, SHAAreaM2: 1_683_367, CHACount: 7, CHAAreaM2: 1_237_005_000},
		Closing:  landrelease.Stock{SHACount: 3, SHAAreaM2: 1_234_567, CHACount: 7, CHAAreaM2: 1_236_505_000},
		NewCount: 2, NewAreaM2: 300_000, NewSHAAreaM2: 300_000,
		CancelledM2: 100_000, ReducedM2: 50_000, ClearedM2: 1_096_600,
		ReleasedSHAM2: 150_000, ReleasedCHAM2: 1_096_600, ReclassifiedM2: 200_000,
		ItemsDestroyed: map[string]int{"BLU-26": 120, "M77": 4, "BLU-63": 31}, ItemsTotal: 155,
		Beneficiaries: landrelease.Beneficiaries{Women: 150, Girls: 97, Boys: 106, Men: 135, WithDisabilities: 9}, ReleasesWithBeneficiaries: 8,
		BalanceDiffM2: -2_200, CHABalanceDiffM2: -2_200,
	}
	return &landrelease.Article7{
		State: "Lao People's Democratic Republic",
		From:  day(2024, time.January, 1), To: day(2024, time.December, 31),
		Level:       1,
		AsOf:        time.Date(2025, time.March, 31, 9, 30, 0, 0, time.UTC),
		GeneratedAt: time.Date(2025, time.April, 2, 14, 5, 6, 0, time.UTC),
		Units:       []landrelease.UnitFigures{sv, xk},
		Total:       total,
		Differences: []landrelease.Difference{
			{AdminCode: "LA-SV", LocalID: "LA-SV-2019-0042", On: day(2024, time.May, 10), Kind: landrelease.KindCHA,
				AreaM2: 1_200, Reason: "Boundary redrawn after technical survey"},
			{AdminCode: "LA-XK", LocalID: "LA-XK-2018-0007", On: day(2024, time.September, 2), Kind: landrelease.KindCHA,
				AreaM2: -3_400, Reason: `Residue < 100 m2 closed & "archived"`},
		},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/report -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; got:\n%s", name, got)
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		write  func(*bytes.Buffer, *landrelease.Article7) error
	}{
		{"form_f.csv", func(b *bytes.Buffer, r *landrelease.Article7) error { return report.CSV(b, r) }},
		{"form_f.json", func(b *bytes.Buffer, r *landrelease.Article7) error { return report.JSON(b, r) }},
		{"form_f.html", func(b *bytes.Buffer, r *landrelease.Article7) error { return report.HTML(b, r) }},
		{"form_f_balanced.html", func(b *bytes.Buffer, r *landrelease.Article7) error {
			r.Differences = nil
			r.Units, r.Total.ItemsDestroyed = r.Units[:1], nil
			r.Units[0].BalanceDiffM2, r.Total.BalanceDiffM2 = 0, 0
			r.Level = 2
			return report.HTML(b, r)
		}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, sample()); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, b.Bytes())
		})
	}
}

func TestCSV(t *testing.T) {
	var b bytes.Buffer
	if err := report.CSV(&b, sample()); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, wantHeader+"\n") {
		t.Errorf("header line: got %q", strings.SplitN(s, "\n", 2)[0])
	}
	if strings.Contains(s, "\r") || strings.HasPrefix(s, "\uFEFF") {
		t.Error("want \\n line ends and no BOM")
	}
	for _, want := range []string{
		"LA-SV,Savannakhét,3,1234567,5,2500000,2,300000,100000,50000,600000,200000,131,1200,120,85,91,110,7,6\n",
		`LA-XK,"Xiangkhouang, north",0,0,2,1234005000,0,0,0,0,496600,0,24,-3400,30,12,15,25,2,2` + "\n",
		"TOTAL,Total,3,1234567,7,1236505000,2,300000,100000,50000,1096600,200000,155,-2200,150,97,106,135,9,8\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing row %q", want)
		}
	}
	if !strings.HasSuffix(s, "TOTAL,Total,3,1234567,7,1236505000,2,300000,100000,50000,1096600,200000,155,-2200,150,97,106,135,9,8\n") {
		t.Error("TOTAL is not the last row")
	}
}

func TestJSON(t *testing.T) {
	r := sample()
	then := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	r.ComparedWith = &then
	r.Changes = []landrelease.Change{{AdminCode: "LAO-3286", LocalID: "H1", Field: "cleared_area_m2", Before: 0, After: 3000, Cause: "release H1-R1 (cleared, 2024-07-01) recorded late"}}
	var b bytes.Buffer
	if err := report.JSON(&b, r); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"from": "2024-01-01", "to": "2024-12-31", "as_of": "2025-03-31T09:30:00Z", "generated_at": "2025-04-02T14:05:06Z",
	} {
		if got[key] != want {
			t.Errorf("%s = %v, want %q", key, got[key], want)
		}
	}
	// Every field of the struct is written: same keys as the plain encoding.
	plain, _ := json.Marshal(r)
	var all map[string]any
	_ = json.Unmarshal(plain, &all)
	for key := range all {
		if _, ok := got[key]; !ok {
			t.Errorf("key %q missing", key)
		}
	}
	if len(got) != len(all) {
		t.Errorf("%d keys, want %d", len(got), len(all))
	}
	// Empty lists are [], not null.
	b.Reset()
	if err := report.JSON(&b, &landrelease.Article7{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"units": []`) || !strings.Contains(b.String(), `"differences": []`) {
		t.Errorf("empty lists: %s", b.String())
	}
}

func TestHTMLSelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := report.HTML(&b, sample()); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	lower := strings.ToLower(s)
	for _, bad := range []string{"http://", "https://", "<script", "@import", "@font-face", "url(", "<link", "<img"} {
		if strings.Contains(lower, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
	for _, want := range []string{
		report.Title, "1 January 2024 to 31 December 2024", "Recorded as of 31 March 2025 09:30 UTC",
		"Generated 2 April 2025 14:05 UTC", "Savannakhét", "Xiangkhouang, north",
		">1.23<", ">1,234.01<", ">1,238.69<", // SHA of LA-SV; CHA of LA-XK (half away from zero); opening total
		">&#43;1,200<", ">-3,400<", "&lt; 100 m2 closed &amp; &#34;archived&#34;", report.Footnote,
		"<th rowspan=\"2\">Province</th>",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if i, j, k := strings.Index(s, ">BLU-26<"), strings.Index(s, ">BLU-63<"), strings.Index(s, ">M77<"); !(i >= 0 && i < j && j < k) {
		t.Errorf("devices out of order: %d %d %d", i, j, k)
	}
}

func TestXLSX(t *testing.T) {
	r := sample()
	var b bytes.Buffer
	if err := report.XLSX(&b, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, "|") != "Form F|Differences|Data" {
		t.Errorf("sheets %q", got)
	}
	cell := func(sheet, ref string, raw bool) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: raw})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		sheet, ref string
		raw        bool
		want       string
	}{
		{"Form F", "A1", false, report.Title},
		{"Form F", "B2", false, r.State},
		{"Form F", "B3", false, "1 January 2024 to 31 December 2024"},
		{"Form F", "B4", false, "Province"},
		{"Form F", "B5", false, "31 March 2025 09:30 UTC"},
		{"Form F", "B6", false, "2 April 2025 14:05 UTC"},
		{"Form F", "A8", false, "Table 1. Remaining contamination and land release"},
		{"Form F", "A11", false, "Savannakhét"},
		{"Form F", "B11", false, "LA-SV"},
		{"Form F", "D11", true, "1.23"}, // 1,234,567 m2
		{"Form F", "D11", false, "1.23"},
		{"Form F", "P11", true, "1200"},
		{"Form F", "A12", false, "Xiangkhouang, north"},
		{"Form F", "F12", true, "1234.01"},
		{"Form F", "F12", false, "1,234.01"},
		{"Form F", "A13", false, "Total"},
		{"Form F", "F13", true, "1236.51"},
		{"Form F", "O13", true, "1238.69"},
		{"Form F", "P13", true, "-2200"},
		{"Form F", "A15", false, "Table 2. Cluster munition remnants destroyed"},
		{"Form F", "A17", false, "BLU-26"},
		{"Form F", "B17", true, "120"},
		{"Form F", "A18", false, "BLU-63"},
		{"Form F", "B18", true, "31"},
		{"Form F", "A19", false, "M77"},
		{"Form F", "B19", true, "4"},
		{"Form F", "A20", false, "Total"},
		{"Form F", "B20", true, "155"},
		{"Form F", "A22", false, "Table 4. Beneficiaries of land release"},
		{"Form F", "A23", false, "Province"},
		{"Form F", "H23", false, "Persons with disabilities"},
		{"Form F", "A24", false, "Savannakhét"},
		{"Form F", "C24", true, "120"},
		{"Form F", "G24", true, "406"},
		{"Form F", "A26", false, "Total"},
		{"Form F", "G26", true, "488"},
		{"Form F", "H26", true, "9"},
		{"Form F", "I26", true, "8"},
		{"Form F", "A27", false, report.BeneficiariesNote},
		{"Form F", "A29", false, report.Footnote},
		{"Differences", "A4", false, "Savannakhét (LA-SV)"},
		{"Differences", "E4", true, "1200"},
		{"Differences", "F5", false, `Residue < 100 m2 closed & "archived"`},
	} {
		if got := cell(tc.sheet, tc.ref, tc.raw); got != tc.want {
			t.Errorf("%s!%s = %q, want %q", tc.sheet, tc.ref, got, tc.want)
		}
	}
	// Areas are numeric km2 with a number format; totals and headers are bold.
	for _, tc := range []struct {
		ref, numFmt string
		bold        bool
	}{{"D11", "#,##0.00", false}, {"F13", "#,##0.00", true}, {"C11", "#,##0", false}, {"A13", "", true}, {"C10", "", true}} {
		id, err := f.GetCellStyle("Form F", tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		fmtCode := ""
		if st.CustomNumFmt != nil {
			fmtCode = *st.CustomNumFmt
		}
		if fmtCode != tc.numFmt || (st.Font != nil && st.Font.Bold) != tc.bold {
			t.Errorf("%s: number format %q bold %v, want %q %v", tc.ref, fmtCode, st.Font != nil && st.Font.Bold, tc.numFmt, tc.bold)
		}
	}
	if typ, _ := f.GetCellType("Form F", "D11"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("D11 type %v, want a number", typ)
	}
	if v, _ := strconv.ParseFloat(cell("Form F", "D11", true), 64); v != 1.23 {
		t.Errorf("D11 = %v, want 1.23", v)
	}

	// The Data sheet holds the CSV cells.
	var c bytes.Buffer
	if err := report.CSV(&c, r); err != nil {
		t.Fatal(err)
	}
	want, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.GetRows("Data")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("Data has %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("Data row %d = %q, want %q", i+1, got[i], want[i])
		}
	}
	if typ, _ := f.GetCellType("Data", "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("Data!D2 is text, want a number")
	}

	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Created != "2025-04-02T14:05:06Z" || props.Modified != "2025-04-02T14:05:06Z" {
		t.Errorf("doc props created %q modified %q", props.Created, props.Modified)
	}

	// The same report gives the same bytes.
	var again bytes.Buffer
	if err := report.XLSX(&again, r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Error("XLSX output is not deterministic")
	}
}

func TestXLSXBalanced(t *testing.T) {
	r := sample()
	r.Differences = nil
	var b bytes.Buffer
	if err := report.XLSX(&b, r); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Differences", "A3"); v != report.Balanced {
		t.Errorf("Differences!A3 = %q", v)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, ext string
		ok                     bool
	}{
		{"csv", "text/csv; charset=utf-8", ".csv", true},
		{"json", "application/json", ".json", true},
		{"html", "text/html; charset=utf-8", ".html", true},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", true},
		{"XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx", true},
		{"pdf", "", "", false},
		{"", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, ext, write, ok := report.Format(tc.name)
			if ct != tc.contentType || ext != tc.ext || ok != tc.ok || (write != nil) != tc.ok {
				t.Fatalf("Format(%q) = %q, %q, %v, %v", tc.name, ct, ext, write != nil, ok)
			}
			if ok {
				var b bytes.Buffer
				if err := write(&b, sample()); err != nil || b.Len() == 0 {
					t.Fatalf("write: %v, %d bytes", err, b.Len())
				}
			}
		})
	}
}

func TestNil(t *testing.T) {
	for _, name := range []string{"csv", "json", "html", "xlsx"} {
		_, _, write, _ := report.Format(name)
		if err := write(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: no error for a nil report", name)
		}
	}
}
