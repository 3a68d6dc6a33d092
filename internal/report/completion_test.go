package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
)

func sampleSummary(complete bool) *landrelease.CompletionSummary {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	closed := day("2023-05-01")
	areas := []landrelease.CompletionArea{
		{LocalID: "=H1", Kind: landrelease.KindCHA, Contamination: landrelease.ContaminationCMR, IdentifiedOn: day("2019-01-01"),
			AreaM2: 1000, Status: landrelease.StatusClosed, ClosedOn: &closed, Admin1Code: "P1",
			Releases: []landrelease.CompletionRelease{
				{LocalID: "R1", Method: landrelease.MethodReduced, CompletedOn: day("2022-01-01"), AreaM2: 400, Organisation: "NPA"},
				{LocalID: "R2", Method: landrelease.MethodCleared, CompletedOn: closed, AreaM2: 600, Organisation: "<b>MAG</b>",
					ItemsDestroyed: map[string]int{"BLU-26": 3}}}},
		{LocalID: "H2", Kind: landrelease.KindSHA, Contamination: landrelease.ContaminationMixed, IdentifiedOn: day("2024-02-01"),
			AreaM2: 500, RemainingAreaM2: 500, Status: landrelease.StatusOpen, Admin1Code: "P1"},
	}
	var cs []landrelease.Completion
	if complete {
		cs = []landrelease.Completion{{Admin: "P1", CompletedOn: closed, DeclaredOn: closed}}
	}
	s := &landrelease.CompletionSummary{State: "Lao PDR", Admin: "P1", On: day("2024-12-31"), AsOf: day("2025-01-01")}
	landrelease.ComputeCompletion(s, areas, cs)
	return s
}

func TestCompletionFormats(t *testing.T) {
	for _, complete := range []bool{true, false} {
		s := sampleSummary(complete)
		if s.Complete != complete {
			t.Fatalf("sample complete = %v, want %v", s.Complete, complete)
		}
		for _, name := range []string{"csv", "json", "html"} {
			_, _, write, ok := report.CompletionFormat(name)
			if !ok {
				t.Fatalf("format %q not found", name)
			}
			var b bytes.Buffer
			if err := write(&b, s, landrelease.AreasOf(s)); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out := b.String()
			switch name {
			case "csv":
				rows, err := csv.NewReader(&b).ReadAll()
				if err != nil || len(rows) != 4 || rows[1][0] != "'=H1" || rows[2][16] != "BLU-26:3" || rows[3][10] != fmt.Sprint(complete) {
					t.Errorf("csv rows %q, %v", rows, err)
				}
			case "json":
				var v map[string]any
				if err := json.Unmarshal(b.Bytes(), &v); err != nil || v["complete"] != complete {
					t.Errorf("json: %v, complete %v", err, v["complete"])
				}
			case "html":
				if strings.Contains(out, "NOT COMPLETE") == complete || strings.Contains(out, "<b>MAG</b>") {
					t.Errorf("html (complete %v) marks it wrongly or does not escape:\n%s", complete, out)
				}
			}
		}
	}
	if _, _, _, ok := report.CompletionFormat("xlsx"); ok {
		t.Error("xlsx found")
	}
}

// TestStreamCompletionJSON checks that the JSON written as the areas stream is, byte for byte, the JSON of the
// summary in memory: with areas (one with releases, one without), and without any.
func TestStreamCompletionJSON(t *testing.T) {
	empty := &landrelease.CompletionSummary{State: "Lao PDR", Admin: "P9"}
	landrelease.ComputeCompletion(empty, nil, nil)
	for name, s := range map[string]*landrelease.CompletionSummary{"complete": sampleSummary(true), "draft": sampleSummary(false), "no areas": empty} {
		var whole, streamed bytes.Buffer
		if err := report.CompletionJSON(&whole, s); err != nil {
			t.Fatal(err)
		}
		head := *s
		head.Areas = nil // the streamed writer reads the areas from the stream only
		if err := report.StreamCompletionJSON(&streamed, &head, landrelease.AreasOf(s)); err != nil {
			t.Fatal(err)
		}
		if whole.String() != streamed.String() {
			t.Errorf("%s: streamed JSON\n%s\nwant\n%s", name, streamed.String(), whole.String())
		}
	}
}

// TestCompletionNoContamination: a scope without CMR contamination says so in the JSON and on the page.
func TestCompletionNoContamination(t *testing.T) {
	s := &landrelease.CompletionSummary{State: "Lao PDR", Admin: "P9"}
	landrelease.ComputeCompletion(s, nil, nil)
	var j, h bytes.Buffer
	if err := report.CompletionJSON(&j, s); err != nil {
		t.Fatal(err)
	}
	if err := report.CompletionHTML(&h, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(j.String(), `"contamination_recorded": false`) || !strings.Contains(j.String(), `"complete": true`) {
		t.Errorf("json:\n%s", j.String())
	}
	if !strings.Contains(h.String(), "No CMR contamination recorded in this scope") {
		t.Errorf("html:\n%s", h.String())
	}
	h.Reset()
	if err := report.CompletionHTML(&h, sampleSummary(true)); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "No CMR contamination recorded") {
		t.Error("html of a contaminated scope says no contamination was recorded")
	}
}

func TestFormFResidualTable(t *testing.T) {
	r := &landrelease.Article7{Level: 1, Units: []landrelease.UnitFigures{{Code: "P1", Name: "Xiangkhoang"}, {Code: "P2", Name: "Other"}}}
	r.AddResidual([]landrelease.ResidualStock{{Admin: "P1", Count: 2, AreaM2: 1_500_000}})
	if r.Units[0].ResidualCount != 2 || r.Units[1].ResidualCount != 0 || r.Total.ResidualAreaM2 != 1_500_000 {
		t.Fatalf("AddResidual: %+v, total %+v", r.Units, r.Total)
	}
	for _, withResidual := range []bool{true, false} {
		if !withResidual {
			r.Units[0].ResidualCount, r.Total.ResidualCount = 0, 0
		}
		var b bytes.Buffer
		if err := report.HTML(&b, r); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(b.String(), "<h2>Residual contamination</h2>"); got != withResidual {
			t.Errorf("residual table shown = %v, want %v", got, withResidual)
		}
		if withResidual && !strings.Contains(b.String(), "<td>Xiangkhoang</td><td>P1</td><td class=\"n\">2</td><td class=\"n\">1.50</td>") {
			t.Errorf("residual row missing:\n%s", b.String())
		}
	}
}
