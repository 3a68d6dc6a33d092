package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/report"
)

// reportWorkPlan writes the costed work plan; its parameters are the API's (api.WorkPlanRequest reads both).
func reportWorkPlan(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "report workplan", "report workplan --from 2026 --teams 40 | --budget 5000000 [--organisation NAME] [--level 1] [--format json|csv|xlsx|html] [--as-of TIME] [--out FILE]")
	from := fs.String("from", "", "the plan's first year, default next year")
	teams := fs.String("teams", "", "teams at work each year")
	budget := fs.String("budget", "", "money spent each year")
	org := fs.String("organisation", "", "use this organisation's productivity and costs first")
	level := fs.String("level", "1", "admin level: 1 (province) or 2 (district)")
	format := fs.String("format", "json", "json, csv, xlsx or html")
	asOf := fs.String("as-of", "", "reproduce the plan as recorded at this date or RFC 3339 time")
	out := fs.String("out", "-", "file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	q := map[string][]string{}
	for k, v := range map[string]string{"from": *from, "teams": *teams, "budget": *budget, "organisation": *org, "level": *level, "as_of": *asOf} {
		if v != "" {
			q[k] = []string{v}
		}
	}
	now := time.Now().UTC()
	req, err := api.WorkPlanRequest(q, now)
	if err != nil {
		return describe(err)
	}
	_, _, write, ok := report.WorkPlanFormat(*format)
	if !ok {
		return fmt.Errorf("unknown format %q: use json, csv, xlsx or html", *format)
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	p, err := postgres.NewWorkPlanService(db).WorkPlan(ctx, now, req)
	if err != nil {
		return describe(err)
	}
	if err := writeOut(e, *out, func(w io.Writer) error { return write(w, p) }); err != nil {
		return fmt.Errorf("write work plan: %w", err)
	}
	done := "nothing remains"
	if p.Completion != nil {
		done = "completion on " + p.Completion.Format(time.DateOnly)
	}
	fmt.Fprintf(e.stderr, "Work plan from %d: %d areas, %d m2, %s; as recorded at %s (pass --as-of %s to reproduce it)\n",
		p.FromYear, p.Areas, p.RemainingM2, done, p.AsOf.Format(time.RFC3339Nano), p.AsOf.Format(time.RFC3339Nano))
	return nil
}

// workplanProductivity sets (or with --remove removes) the productivity and costs of a method.
func workplanProductivity(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "workplan productivity", "workplan productivity --method cleared --m2-per-team-year 60000 [--cost-per-m2 0.8] [--cost-per-team-year 120000] [--organisation NAME] [--year 2027] [--note TEXT] [--remove]")
	p := landrelease.Productivity{}
	method := fs.String("method", "", "cancelled, reduced or cleared")
	fs.StringVar(&p.Organisation, "organisation", "", "an organisation's figures; empty for the national ones")
	fs.IntVar(&p.Year, "year", 0, "a year's figures; 0 for every year")
	fs.Int64Var(&p.M2PerTeamYear, "m2-per-team-year", 0, "area one team releases in a year by this method, m2")
	fs.Float64Var(&p.CostPerM2, "cost-per-m2", 0, "cost of each m2")
	fs.Float64Var(&p.CostPerTeamYear, "cost-per-team-year", 0, "cost of each team-year")
	fs.StringVar(&p.Note, "note", "", "a note")
	remove := fs.Bool("remove", false, "remove the figures of this method, organisation and year")
	if err := fs.Parse(args); err != nil {
		return err
	}
	p.Method = landrelease.Method(*method)
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	wp := postgres.NewWorkPlanService(db)
	if *remove {
		if err := wp.RemoveProductivity(cliContext(ctx, e), p.Method, p.Organisation, p.Year); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "productivity of %s removed\n", p.Method)
		return nil
	}
	if err := wp.SetProductivity(cliContext(ctx, e), p); err != nil {
		return describe(err)
	}
	fmt.Fprintf(e.stdout, "productivity of %s: %d m2 per team-year\n", p.Method, p.M2PerTeamYear)
	return nil
}

// workplanMix prints the mix, or sets (or with --remove removes) a kind's override.
func workplanMix(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "workplan mix", "workplan mix [--kind CHA --cancelled 0.1 --reduced 0.4 --cleared 0.5 [--note TEXT] | --kind CHA --remove]")
	kind := fs.String("kind", "", "SHA or CHA; without it, print the mix")
	var o landrelease.MixOverride
	fs.Float64Var(&o.Shares.Cancelled, "cancelled", 0, "share of the kind's area cancelled")
	fs.Float64Var(&o.Shares.Reduced, "reduced", 0, "share reduced")
	fs.Float64Var(&o.Shares.Cleared, "cleared", 0, "share cleared")
	fs.StringVar(&o.Note, "note", "", "a note")
	remove := fs.Bool("remove", false, "remove the override: the measure applies again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	wp := postgres.NewWorkPlanService(db)
	o.Kind = landrelease.Kind(*kind)
	switch {
	case *kind == "":
		m, err := wp.Mix(ctx, time.Now().UTC(), nil)
		if err != nil {
			return describe(err)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	case *remove:
		if err := wp.RemoveMix(cliContext(ctx, e), o.Kind); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "mix of %s: measured\n", o.Kind)
	default:
		if err := wp.SetMix(cliContext(ctx, e), o); err != nil {
			return describe(err)
		}
		fmt.Fprintf(e.stdout, "mix of %s: cancelled %s, reduced %s, cleared %s\n", o.Kind,
			strconv.FormatFloat(o.Shares.Cancelled, 'f', -1, 64), strconv.FormatFloat(o.Shares.Reduced, 'f', -1, 64),
			strconv.FormatFloat(o.Shares.Cleared, 'f', -1, 64))
	}
	return nil
}
