package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

// reportCompletion writes the completion summary of Article 4.1(c); it fails, saying how many CMR areas remain open
// and where, when the scope is not complete, unless --draft.
func reportCompletion(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "report completion", "report completion [--admin CODE] [--on DATE] [--draft] --format csv|json|html [--as-of TIME] [--out FILE]")
	admin := fs.String("admin", "", "admin unit code (level 1 or 2); none: the State")
	on := fs.String("on", "", "field date of the summary (YYYY-MM-DD); default today")
	draft := fs.Bool("draft", false, "write the summary even when CMR areas remain open, marked not complete")
	format := fs.String("format", "csv", "csv, json or html")
	asOf := fs.String("as-of", "", "reproduce the summary as recorded at this date or RFC 3339 time")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	req := landrelease.CompletionRequest{Admin: *admin}
	if *on != "" {
		d, err := time.Parse(time.DateOnly, *on)
		if err != nil {
			return fmt.Errorf("--on is a date such as 2025-06-30: %w", err)
		}
		if d.Year() < 1990 || d.After(time.Now().UTC()) {
			return fmt.Errorf("--on must be a date from 1990 to today, not %s", *on)
		}
		req.On = d
	}
	if *asOf != "" {
		t, err := parseAsOf(*asOf)
		if err != nil {
			return err
		}
		req.AsOf = &t
	}
	_, _, write, ok := report.CompletionFormat(*format)
	if !ok {
		return fmt.Errorf("unknown format %q: use csv, json or html", *format)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	var s *landrelease.CompletionSummary
	err = postgres.NewCompletionService(db).StreamSummary(ctx, req, func(sum *landrelease.CompletionSummary, areas landrelease.CompletionAreas) error {
		s = sum
		if !sum.Complete && !*draft {
			return sum.NotComplete()
		}
		if err := writeOut(e, *out, func(w io.Writer) error { return write(w, sum, areas) }); err != nil {
			return fmt.Errorf("write completion summary: %w", err)
		}
		return nil
	})
	if err != nil {
		return describe(err)
	}
	state := "complete"
	if !s.Complete {
		state = "NOT complete (draft)"
	}
	if !s.ContaminationRecorded {
		state += ", no CMR contamination recorded"
	}
	fmt.Fprintf(e.stderr, "Completion summary on %s: %s, %d areas, as recorded at %s (pass --as-of %s to reproduce it)\n",
		s.On.Format(time.DateOnly), state, s.AreaCount, s.AsOf.Format(time.RFC3339Nano), s.AsOf.Format(time.RFC3339Nano))
	return nil
}

// completionDeclare records the completion date of an admin unit or the State.
func completionDeclare(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "completion declare", "completion declare [--admin CODE] --on DATE [--declared-on DATE] [--note TEXT]")
	admin := fs.String("admin", "", "admin unit code (level 1 or 2); none: the State")
	on := fs.String("on", "", "the completion date: no CMR area open at its end")
	declared := fs.String("declared-on", "", "when it was declared (default today)")
	note := fs.String("note", "", "a note")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := landrelease.Completion{Admin: *admin, Note: *note}
	var err error
	if c.CompletedOn, err = time.Parse(time.DateOnly, *on); err != nil {
		return fmt.Errorf("--on is a date such as 2025-03-31: %w", err)
	}
	if *declared != "" {
		if c.DeclaredOn, err = time.Parse(time.DateOnly, *declared); err != nil {
			return fmt.Errorf("--declared-on is a date: %w", err)
		}
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := postgres.NewCompletionService(db).Declare(cliContext(ctx, e), c); err != nil {
		return describe(err)
	}
	scope := "the State"
	if c.Admin != landrelease.StateScope {
		scope = c.Admin
	}
	fmt.Fprintf(e.stdout, "completion of %s on %s recorded\n", scope, *on)
	return nil
}
