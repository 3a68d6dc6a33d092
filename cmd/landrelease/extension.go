package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

// reportExtension writes the draft of an extension request; its parameters are the API's (api.ExtensionRequest
// reads both).
func reportExtension(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "report extension-request", "report extension-request --until 2031-08-01 --teams 40 | --budget 5000000 [--format json|xlsx|html] [--as-of TIME] [--out FILE]")
	until := fs.String("until", "", "the date requested, default the one recorded with the text")
	teams := fs.String("teams", "", "teams at work each year")
	budget := fs.String("budget", "", "money spent each year")
	format := fs.String("format", "json", "json, xlsx or html")
	asOf := fs.String("as-of", "", "reproduce the draft as recorded at this date or RFC 3339 time")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := map[string][]string{}
	for k, v := range map[string]string{"until": *until, "teams": *teams, "budget": *budget, "as_of": *asOf} {
		if v != "" {
			q[k] = []string{v}
		}
	}
	req, err := api.ExtensionRequest(q)
	if err != nil {
		return describe(err)
	}
	_, _, write, ok := report.ExtensionFormat(*format)
	if !ok {
		return fmt.Errorf("unknown format %q: use json, xlsx or html", *format)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	d, err := postgres.NewExtensionService(db, postgres.NewReportService(db)).Draft(ctx, time.Now().UTC(), req)
	if err != nil {
		return describe(err)
	}
	if err := writeOut(e, *out, func(w io.Writer) error { return write(w, d) }); err != nil {
		return fmt.Errorf("write extension request: %w", err)
	}
	done := "does not complete"
	if d.Plan.CompletesByUntil {
		done = "completes"
	}
	fmt.Fprintf(e.stderr, "Extension request to %s: %d m2 remaining, the plan %s by then; as recorded at %s (pass --as-of %s to reproduce it)\n",
		d.Until.Format(time.DateOnly), d.Remaining.AreaM2(), done, d.AsOf.Format(time.RFC3339Nano), d.AsOf.Format(time.RFC3339Nano))
	return nil
}

// extensionText records the extension request's text from files (or prints the one in force).
func extensionText(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "extension-request text", "extension-request text [--reasons-file F] [--implications-file F] [--requested-until 2031-08-01]")
	reasons := fs.String("reasons-file", "", "file of the reasons the deadline cannot be met (UTF-8 text)")
	implications := fs.String("implications-file", "", "file of the humanitarian, social, economic and environmental implications")
	until := fs.String("requested-until", "", "the date requested")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := postgres.NewExtensionService(db, postgres.NewReportService(db))
	cur, err := svc.Text(ctx, nil)
	if err != nil {
		return describe(err)
	}
	if *reasons == "" && *implications == "" && *until == "" {
		fmt.Fprintf(e.stdout, "Reasons:\n%s\n\nImplications:\n%s\n", cur.Reasons, cur.Implications)
		if cur.RequestedUntil != nil {
			fmt.Fprintf(e.stdout, "\nRequested until %s\n", cur.RequestedUntil.Format(time.DateOnly))
		}
		return nil
	}
	// What is not given is kept from the text in force.
	t := landrelease.ExtensionText{Reasons: cur.Reasons, Implications: cur.Implications, RequestedUntil: cur.RequestedUntil}
	for path, dst := range map[string]*string{*reasons: &t.Reasons, *implications: &t.Implications} {
		if path == "" {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read the text: %w", err)
		}
		*dst = string(b)
	}
	if *until != "" {
		d, err := time.Parse(time.DateOnly, *until)
		if err != nil {
			return fmt.Errorf("--requested-until must be a date such as 2031-08-01, not %q", *until)
		}
		t.RequestedUntil = &d
	}
	if err := svc.SetText(cliContext(ctx, e), t); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "extension request text recorded: reasons %d characters, implications %d characters\n",
		len([]rune(t.Reasons)), len([]rune(t.Implications)))
	return nil
}
