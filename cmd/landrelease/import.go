package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/spool"
)

func importUpload(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "import", "import FILE.geojson [--dry-run] [--approve] [--report FILE]")
	dry := fs.Bool("dry-run", false, "check only; write nothing")
	approve := fs.Bool("approve", false, "approve the upload at once (as a data manager would)")
	reportFile := fs.String("report", "", "write the feature-by-feature report as JSON to this file")
	if err := parseWithFile(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs one FILE")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return err
	}
	body, err := spool.Copy(f, 1<<40)
	f.Close()
	if err != nil {
		return describe(err)
	}
	defer body.Close()
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	uploads := postgres.NewUploadService(db, geojson.Reader{})
	cctx := cliContext(ctx, e)
	start := time.Now()
	writeReport := func(rep *landrelease.UploadReport) {
		if *reportFile == "" || rep == nil {
			return
		}
		if b, err := json.MarshalIndent(rep, "", "  "); err == nil {
			os.WriteFile(*reportFile, b, 0o644)
		}
	}
	summary := func(rep *landrelease.UploadReport) string {
		return fmt.Sprintf("%d features: %d new, %d changed, %d unchanged, %d rejected, %d warnings",
			rep.Total, rep.New, rep.Changed, rep.Same, rep.Rejected, rep.Warnings)
	}
	failed := func(err error) error {
		var re *landrelease.ReportError
		if errors.As(err, &re) {
			writeReport(re.Report)
			fmt.Fprintln(e.stderr, summary(re.Report))
		}
		return describe(err)
	}
	if *dry {
		rep, err := uploads.Check(cctx, body)
		if err != nil {
			return failed(err)
		}
		writeReport(rep)
		fmt.Fprintf(e.stdout, "checked %s in %s: %s\n", fs.Arg(0), time.Since(start).Round(time.Millisecond), summary(rep))
		if !rep.Accepted {
			return errors.New("the upload would be rejected: see the report")
		}
		return nil
	}
	up, _, err := uploads.Submit(cctx, body, "")
	if err != nil {
		return failed(err)
	}
	writeReport(up.Report)
	fmt.Fprintf(e.stdout, "upload %d submitted in %s: %s\n", up.ID, time.Since(start).Round(time.Millisecond), summary(up.Report))
	if !*approve {
		return nil
	}
	start = time.Now()
	if _, err := uploads.Approve(cctx, up.ID, "approved at import"); err != nil {
		return failed(err)
	}
	fmt.Fprintf(e.stdout, "upload %d approved in %s\n", up.ID, time.Since(start).Round(time.Millisecond))
	return nil
}
