package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

func reportArticle7(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "report article7", "report article7 --year 2024 --level 1 --format csv [--as-of TIME] [--out FILE]")
	year := fs.Int("year", time.Now().Year()-1, "calendar year of the report")
	from := fs.String("from", "", "first day of the period instead of a year (YYYY-MM-DD)")
	to := fs.String("to", "", "last day of the period instead of a year (YYYY-MM-DD)")
	level := fs.Int("level", 1, "admin level: 1 (province) or 2 (district)")
	format := fs.String("format", "csv", "csv, json, xlsx or html")
	asOf := fs.String("as-of", "", "reproduce the report as recorded at this date or RFC 3339 time")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	req := landrelease.Article7Request{Level: *level,
		From: time.Date(*year, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(*year, 12, 31, 0, 0, 0, 0, time.UTC)}
	for _, p := range []struct {
		s   string
		dst *time.Time
	}{{*from, &req.From}, {*to, &req.To}} {
		if p.s != "" {
			d, err := time.Parse(time.DateOnly, p.s)
			if err != nil {
				return fmt.Errorf("--from and --to are dates such as 2024-01-01: %w", err)
			}
			*p.dst = d
		}
	}
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return err
		}
		req.AsOf = &t
	}
	_, _, write, ok := report.Format(*format)
	if !ok {
		return fmt.Errorf("unknown format %q: use csv, json, xlsx or html", *format)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	r, err := postgres.NewReportService(db).Article7(ctx, req)
	if err != nil {
		return describe(err)
	}
	if err := writeOut(e, *out, func(w io.Writer) error { return write(w, r) }); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintf(e.stderr, "Article 7 Form F, %s to %s, level %d, as recorded at %s (pass --as-of %s to reproduce it)\n",
		r.From.Format(time.DateOnly), r.To.Format(time.DateOnly), r.Level, r.AsOf.Format(time.RFC3339Nano), r.AsOf.Format(time.RFC3339Nano))
	return nil
}

// writeOut writes what write writes to standard output (path "-") or to the file path: written beside it and
// renamed once complete, so that a failed write leaves no partial file.
func writeOut(e *env, path string, write func(io.Writer) error) error {
	if path == "-" {
		return write(e.stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// parseAsOf reads a date (the end of that day, UTC) or an RFC 3339 time.
func parseAsOf(s string) (time.Time, error) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		return d.Add(24*time.Hour - time.Microsecond), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return t, fmt.Errorf("--as-of must be a date such as 2024-04-30 or an RFC 3339 time such as 2024-04-30T09:00:00Z, not %q", s)
	}
	return t, nil
}

func settingSet(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "setting set", "setting set KEY VALUE   (keys: state_name, entry_into_force, public_read)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("setting set needs KEY and VALUE")
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewSettingService(db).SetSetting(cliContext(ctx, e), fs.Arg(0), fs.Arg(1)); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "%s = %s\n", fs.Arg(0), fs.Arg(1))
	return nil
}

func reportArticle4(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "report article4", "report article4 [--on DATE] [--as-of TIME]")
	on := fs.String("on", "", "field date of the figures, default today")
	asOf := fs.String("as-of", "", "as recorded at this date or RFC 3339 time")
	if err := fs.Parse(args); err != nil {
		return err
	}
	day := time.Now().UTC()
	if *on != "" {
		d, err := time.Parse(time.DateOnly, *on)
		if err != nil {
			return fmt.Errorf("--on is a date such as 2025-06-30: %w", err)
		}
		day = d
	}
	var at *time.Time
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return err
		}
		at = &t
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := postgres.NewArticle4Service(db, postgres.NewReportService(db)).Progress(ctx, day, at)
	if err != nil {
		return describe(err)
	}
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(p)
}

func deadlineAdd(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "deadline add", "deadline add --date 2025-08-01 --kind extension [--decided-on DATE] [--note TEXT]")
	date := fs.String("date", "", "the deadline")
	kind := fs.String("kind", "extension", "original or extension")
	decided := fs.String("decided-on", "", "when the States Parties decided it")
	note := fs.String("note", "", "a note")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d := landrelease.Deadline{Kind: *kind, Note: *note}
	var err error
	if d.Deadline, err = time.Parse(time.DateOnly, *date); err != nil {
		return fmt.Errorf("--date is a date such as 2025-08-01: %w", err)
	}
	if *decided != "" {
		t, err := time.Parse(time.DateOnly, *decided)
		if err != nil {
			return fmt.Errorf("--decided-on is a date: %w", err)
		}
		d.DecidedOn = &t
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewArticle4Service(db, postgres.NewReportService(db)).AddDeadline(cliContext(ctx, e), d); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "deadline %s (%s) recorded\n", *date, *kind)
	return nil
}

func targetSet(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "target set", "target set --year 2025 --area-m2 5000000 [--note TEXT]")
	year := fs.Int("year", 0, "the year")
	area := fs.Int64("area-m2", -1, "area to release in the year, m2")
	note := fs.String("note", "", "a note")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewArticle4Service(db, postgres.NewReportService(db)).SetTarget(cliContext(ctx, e), landrelease.Target{Year: *year, AreaM2: *area, Note: *note}); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "target for %d: %d m2\n", *year, *area)
	return nil
}
