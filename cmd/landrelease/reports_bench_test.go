package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// BenchmarkHTTPReports asks a running serve for the reports of Article 4 and its completion over HTTP, with a
// reporting officer's token as users send it, on the generated history of BenchScale areas (seed 1, today
// 2025-06-30) with national productivity, an entry into force and a deadline recorded: Form F (its cache warm
// after the first request), the Article 4 progress, the work plan for 60 teams, the extension request draft and
// the State's completion summary as a draft CSV (the scope is not complete). One request at a time: these are
// heavy requests (the server runs at most a few at once).
func BenchmarkHTTPReports(b *testing.B) {
	n := pgtest.BenchScale(b)
	_, dbURL := pgtest.BenchDB(b, n, 0)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}[k] }
	var out bytes.Buffer
	for _, args := range [][]string{
		{"setting", "set", "entry_into_force", "2012-08-01"},
		{"deadline", "add", "--date", "2027-08-01", "--kind", "original"},
		{"workplan", "productivity", "--method", "cancelled", "--m2-per-team-year", "1500000", "--cost-per-team-year", "45000"},
		{"workplan", "productivity", "--method", "reduced", "--m2-per-team-year", "250000", "--cost-per-team-year", "90000"},
		{"workplan", "productivity", "--method", "cleared", "--m2-per-team-year", "60000", "--cost-per-team-year", "130000"},
		{"token", "create", "--user", "bench-officer", "--role", "reporting_officer"},
	} {
		out.Reset()
		// A kept database (LANDRELEASE_BENCH_KEEP) already has the deadline: a conflict then is no failure.
		if err := run(context.Background(), args, getenv, &out, io.Discard); err != nil && !strings.Contains(err.Error(), "already") {
			b.Fatalf("%v: %v", args, err)
		}
	}
	token := strings.TrimSpace(out.String())
	base := benchServe(b, dbURL)
	client := &http.Client{}
	teams := max(1, 6*n/1000)
	for _, r := range []struct{ name, path string }{
		{"article7", "/api/v1/reports/article7?year=2024&level=1&format=json"},
		{"article4", "/api/v1/reports/article4"},
		{"workplan", fmt.Sprintf("/api/v1/reports/workplan?from=2027&teams=%d&format=json", teams)},
		{"workplan-xlsx", fmt.Sprintf("/api/v1/reports/workplan?from=2027&teams=%d&format=xlsx", teams)},
		{"extension", fmt.Sprintf("/api/v1/reports/extension-request?until=2030-08-01&teams=%d&format=json", teams)},
		{"completion-csv", "/api/v1/reports/completion?draft=true&format=csv"},
	} {
		b.Run(fmt.Sprintf("n=%d/%s", n, r.name), func(b *testing.B) {
			var size int64
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, base+r.path, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				if res.StatusCode != http.StatusOK {
					body, _ := io.ReadAll(io.LimitReader(res.Body, 2000))
					res.Body.Close()
					b.Fatalf("%s: status %d: %s", r.path, res.StatusCode, body)
				}
				m, _ := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				size = m
			}
			b.ReportMetric(float64(size), "bytes/req")
		})
	}
}
