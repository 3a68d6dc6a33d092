package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/postgres/pgtest"
)

// BenchmarkUpload sends a generated upload of LANDRELEASE_BENCH_SCALE new hazard areas (default 10000; 20 to 200
// vertices, inside the Lao provinces, `demo generate --releases 0`) to `landrelease serve` in process, as a field
// tool does: POST /api/v1/uploads (validated feature by feature and stored as submitted), then POST
// /api/v1/uploads/{id}/approve (checked again and written). Each iteration starts from an empty registry.
// Metrics: seconds to submit and to approve, and the process's peak RSS (server and client; VmHWM).
func BenchmarkUpload(b *testing.B) {
	if os.Getenv("DATABASE_URL") == "" {
		b.Skip("DATABASE_URL is not set: run make bench to provision PostGIS")
	}
	n := pgtest.BenchScale(b)
	file := filepath.Join(b.TempDir(), "upload.geojson")
	quiet := func(args ...string) string {
		var out, errs bytes.Buffer
		getenv := func(k string) string {
			return map[string]string{"DATABASE_URL": os.Getenv("DATABASE_URL"), "LOG_LEVEL": "error"}[k]
		}
		if err := run(context.Background(), args, getenv, &out, &errs); err != nil {
			b.Fatalf("landrelease %s: %v\n%s", strings.Join(args, " "), err, errs.String())
		}
		return out.String()
	}
	quiet("demo", "generate", "--hazards", strconv.Itoa(n), "--seed", "7", "--releases", "0",
		"--admin", "../../testdata/admin1-LA.geojson", "--out", file)
	fi, err := os.Stat(file)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	var submit, approve time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		dbURL := pgtest.NewDatabase(b)
		env := func(args ...string) string {
			var out, errs bytes.Buffer
			getenv := func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}[k] }
			if err := run(context.Background(), args, getenv, &out, &errs); err != nil {
				b.Fatalf("landrelease %s: %v\n%s", strings.Join(args, " "), err, errs.String())
			}
			return out.String()
		}
		env("admin", "import", "../../testdata/admin1-LA.geojson")
		token := strings.TrimSpace(env("token", "create", "--user", "bench", "--role", "data_manager"))
		base := benchServe(b, dbURL)
		b.StartTimer()

		start := time.Now()
		f, err := os.Open(file)
		if err != nil {
			b.Fatal(err)
		}
		var up struct {
			ID     int64 `json:"id"`
			Report struct {
				New      int `json:"new"`
				Rejected int `json:"rejected"`
			} `json:"report"`
		}
		post(b, base+"/api/v1/uploads", token, "application/geo+json", f, http.StatusCreated, &up)
		f.Close()
		submit += time.Since(start)
		if up.Report.New != n || up.Report.Rejected != 0 {
			b.Fatalf("upload %d: %+v", up.ID, up.Report)
		}
		start = time.Now()
		post(b, fmt.Sprintf("%s/api/v1/uploads/%d/approve", base, up.ID), token, "application/json",
			strings.NewReader(`{"comment": "benchmark"}`), http.StatusOK, nil)
		approve += time.Since(start)
	}
	b.ReportMetric(submit.Seconds()/float64(b.N), "submit-s")
	b.ReportMetric(approve.Seconds()/float64(b.N), "approve-s")
	b.ReportMetric(float64(n), "features")
	if hwm := peakRSS(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<20), "peak-RSS-MiB")
	}
}

// post sends body and decodes the answer into out, failing unless the status is want.
func post(b *testing.B, url, token, contentType string, body io.Reader, want int, out any) {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		b.Fatalf("POST %s: %d %s", url, res.StatusCode, msg)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			b.Fatal(err)
		}
	}
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM), 0 where /proc does not tell.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
