package demo

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sort"
	"sync"
	"time"

	lr "github.com/landrelease/landrelease/internal/landrelease"
)

// Loader writes a generated demo history into the registry through the registry's services, as
// `landrelease demo load` does. Its fields are set before Load and not changed while it runs; the services are
// called from several goroutines at once.
type Loader struct {
	Hazards  lr.HazardAreaService
	Releases lr.LandReleaseService
	Units    lr.AdminUnitService
	Settings lr.SettingService
	Article4 lr.Article4Service
	// WorkPlan, when set, receives the demo's productivity and costs (demoProductivity), so that a newcomer's
	// work plan has figures to plan with.
	WorkPlan lr.WorkPlanService
	Workers  int       // hazard areas written concurrently; fewer than 1 means 1
	Out      io.Writer // the progress messages, one a line; nil discards them
}

// LoadOptions say which demo Load loads and how.
type LoadOptions struct {
	Options               // the generated history: the same options and units give the same hazard areas
	HazardsOnly    bool   // the hazard areas without their releases and reclassifications
	State          string // the setting state_name: the State's name, for reports
	EntryIntoForce string // the setting entry_into_force: the Convention's entry into force for the State, 2006-01-02
	// IfEmpty loads only into a registry that holds no hazard area, or finishes an interrupted load of the same
	// demo (one that holds only some of its hazard areas); otherwise Load says why and writes nothing.
	IfEmpty bool
}

// HazardError is the error of writing one generated hazard area, one of its releases or its reclassification.
type HazardError struct {
	LocalID string // the hazard area's
	Err     error  // the service's error, as it returned it
}

func (e *HazardError) Error() string { return "hazard area " + e.LocalID + ": " + e.Err.Error() }

func (e *HazardError) Unwrap() error { return e.Err }

// Article 4 as Lao PDR reported it: the Convention entered into force for it on 1 August 2010, its deadline was
// ten years later, and it was granted a five-year extension in 2019. The demo's work plan releases targetM2 in
// each year from targetFrom to targetTo.
const (
	targetFrom = 2021
	targetTo   = 2027
	targetM2   = 6_000_000
)

// demoProductivity are the demo's national productivity and costs, for every year: the area one team releases
// in a year by each method and what a team-year costs (USD). They are round figures of the order mine action
// programmes report for cluster munition survey and clearance, for the demo only; a programme sets its own.
func demoProductivity() []lr.Productivity {
	const note = "demo figures"
	return []lr.Productivity{
		{Method: lr.MethodCancelled, M2PerTeamYear: 1_500_000, CostPerTeamYear: 45_000, Note: note},
		{Method: lr.MethodReduced, M2PerTeamYear: 250_000, CostPerTeamYear: 90_000, Note: note},
		{Method: lr.MethodCleared, M2PerTeamYear: 60_000, CostPerTeamYear: 130_000, Note: note},
	}
}

func laoDeadlines() []lr.Deadline {
	return []lr.Deadline{
		{Deadline: time.Date(2020, 8, 1, 0, 0, 0, 0, time.UTC), Kind: "original", Note: "ten years after entry into force"},
		{Deadline: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC), Kind: "extension", Note: "five-year extension granted in 2019"},
	}
}

// Load loads the demo that units and opt.Options generate, in this order: units as level 1 admin units; the
// settings state_name (opt.State), entry_into_force (opt.EntryIntoForce) and public_read true (a newcomer
// clicks through the demo without signing in); Lao PDR's Article 4 deadlines (the original of 1 August 2020,
// the extension to 1 August 2025; a date recorded already is kept) and a work plan of 6 km² a year from 2021
// to 2027; with l.WorkPlan, the demo's productivity and costs of each method that has none; then each generated hazard area with its land releases and its reclassification (see
// loadHazard), on l.Workers goroutines. ctx carries the user the writes are recorded as.
//
// With opt.IfEmpty Load first reads every hazard area of the registry: if one is not the demo's, or all of the
// demo's are there, it writes a line to l.Out and nothing to the registry and returns nil; if some of the
// demo's are there, it says how many and loads the others only.
//
// A hazard area started is finished even when ctx is canceled (Ctrl-C), so that an interrupted load leaves
// whole hazard areas, which a later Load with IfEmpty does not load again; Load then returns ctx's error.
// When a hazard area fails, Load starts no other and returns a *HazardError; the other errors of the services
// are returned as they are, and those of the generator as Stream returns them. On success it writes how many
// admin units, hazard areas and land releases it loaded and how long it took.
func (l *Loader) Load(ctx context.Context, units []*lr.AdminUnit, opt LoadOptions) error {
	out := l.Out
	if out == nil {
		out = io.Discard
	}
	var have map[string]bool // the demo's hazard areas loaded by an interrupted run
	if opt.IfEmpty {
		var load bool
		var err error
		if have, load, err = l.progress(ctx, units, opt.Options); err != nil {
			return err
		}
		switch {
		case !load && len(have) > 0:
			fmt.Fprintln(out, "the demo data is loaded already")
			return nil
		case !load:
			fmt.Fprintln(out, "the registry holds other hazard areas: demo data not loaded")
			return nil
		case len(have) > 0:
			fmt.Fprintf(out, "finishing an interrupted demo load: %d hazard areas are there\n", len(have))
		}
	}
	if err := l.Units.ImportAdminUnits(ctx, 1, units); err != nil {
		return err
	}
	for _, s := range [][2]string{{"state_name", opt.State}, {"entry_into_force", opt.EntryIntoForce}, {"public_read", "true"}} {
		if err := l.Settings.SetSetting(ctx, s[0], s[1]); err != nil {
			return err
		}
	}
	for _, dl := range laoDeadlines() {
		if err := l.Article4.AddDeadline(ctx, dl); err != nil && lr.ErrorCode(err) != lr.ECONFLICT {
			return err
		}
	}
	for y := targetFrom; y <= targetTo; y++ {
		if err := l.Article4.SetTarget(ctx, lr.Target{Year: y, AreaM2: targetM2, Note: "demo work plan"}); err != nil {
			return err
		}
	}
	if l.WorkPlan != nil {
		if err := l.setProductivity(ctx); err != nil {
			return err
		}
	}
	start := time.Now()
	nh, nr, err := l.loadHazards(ctx, units, opt, have)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded %d admin units, %d hazard areas and %d land releases in %s\n", len(units), nh, nr, time.Since(start).Round(time.Millisecond))
	return nil
}

// setProductivity records demoProductivity's figures of each method that has none yet (a programme's own are
// kept).
func (l *Loader) setProductivity(ctx context.Context) error {
	have, err := l.WorkPlan.Productivity(ctx, nil)
	if err != nil {
		return err
	}
	for _, p := range demoProductivity() {
		if slices.ContainsFunc(have, func(h lr.Productivity) bool { return h.Method == p.Method }) {
			continue
		}
		if err := l.WorkPlan.SetProductivity(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// job is one generated hazard area with what happens to it.
type job struct {
	h  *lr.HazardArea
	rs []*lr.LandRelease
	rc *Reclassification
}

// loadHazards generates the demo and hands each hazard area not in have to a worker; it returns the numbers of
// hazard areas and land releases handed out.
func (l *Loader) loadHazards(ctx context.Context, units []*lr.AdminUnit, opt LoadOptions, have map[string]bool) (nh, nr int, err error) {
	workers := max(l.Workers, 1)
	jobs := make(chan job)
	errc := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				// A job started is finished even when the load is interrupted.
				if err := l.loadHazard(context.WithoutCancel(ctx), j); err != nil {
					errc <- &HazardError{LocalID: j.h.LocalID, Err: err}
					return
				}
			}
		}()
	}
	genErr := Stream(units, opt.Options, func(h *lr.HazardArea, rs []*lr.LandRelease, rc *Reclassification) error {
		if opt.HazardsOnly {
			rs, rc = nil, nil
		}
		if have[h.LocalID] {
			return nil
		}
		if err := ctx.Err(); err != nil { // interrupted: hand out nothing more, even to a worker waiting
			return err
		}
		select {
		case jobs <- job{h, rs, rc}:
			nh, nr = nh+1, nr+len(rs)
			return nil
		case err := <-errc:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(jobs)
	wg.Wait()
	close(errc)
	if genErr != nil {
		return nh, nr, genErr
	}
	if err := <-errc; err != nil {
		return nh, nr, err
	}
	return nh, nr, nil
}

// progress compares the registry with the demo that opt generates: whether to load (the registry holds no
// hazard area, or only some of the demo's), and which of the demo's hazard areas it holds.
func (l *Loader) progress(ctx context.Context, units []*lr.AdminUnit, opt Options) (have map[string]bool, load bool, err error) {
	ids := map[string]bool{}
	if err := Stream(units, opt, func(h *lr.HazardArea, _ []*lr.LandRelease, _ *Reclassification) error {
		ids[h.LocalID] = true
		return nil
	}); err != nil {
		return nil, false, err
	}
	const page = 1000
	have = map[string]bool{}
	for after := int64(0); ; {
		hs, err := l.Hazards.FindHazardAreas(ctx, lr.HazardAreaFilter{Status: lr.StatusAll, After: after, Limit: page})
		if err != nil {
			return nil, false, err
		}
		for _, h := range hs {
			if !ids[h.LocalID] {
				return nil, false, nil // not the demo's
			}
			have[h.LocalID] = true
		}
		if len(hs) < page {
			break
		}
		after = hs[len(hs)-1].ID
	}
	return have, len(have) < len(ids), nil
}

// loadHazard records one generated hazard area, then its releases in completion-date order, and its
// reclassification before the first release completed on or after it (after the last release when none is).
func (l *Loader) loadHazard(ctx context.Context, j job) error {
	if err := l.Hazards.CreateHazardArea(ctx, j.h); err != nil {
		return err
	}
	rs := append([]*lr.LandRelease(nil), j.rs...)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].CompletedOn.Before(rs[b].CompletedOn) })
	reclassified := j.rc == nil
	for _, r := range rs {
		if !reclassified && !r.CompletedOn.Before(j.rc.On) {
			if err := l.reclassify(ctx, j.h.LocalID, j.rc); err != nil {
				return err
			}
			reclassified = true
		}
		if err := l.Releases.CreateLandRelease(ctx, r); err != nil {
			return err
		}
	}
	if !reclassified {
		return l.reclassify(ctx, j.h.LocalID, j.rc)
	}
	return nil
}

// reclassify records rc as a new version of the current hazard area id, a CHA with rc's evidence (and devices,
// when rc names any), taking effect on rc.On. An area no longer open (released before the evidence came in) is
// left as it is.
func (l *Loader) reclassify(ctx context.Context, id string, rc *Reclassification) error {
	cur, err := l.Hazards.FindHazardArea(ctx, id, lr.Temporal{})
	if err != nil {
		return err
	}
	if cur.Status != lr.StatusOpen {
		return nil
	}
	next := *cur
	next.Kind, next.Evidence = lr.KindCHA, rc.Evidence
	if len(rc.Devices) > 0 {
		next.Devices = rc.Devices
	}
	on := rc.On
	_, err = l.Hazards.UpdateHazardArea(ctx, id, lr.HazardAreaChange{HazardArea: &next, ChangedOn: &on,
		Reason: "reclassified SHA to CHA: direct evidence found", IfVersion: cur.Version})
	return err
}
