package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/feature"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// demoFlags are shared by demo load and demo generate.
type demoFlags struct {
	hazards  *int
	seed     *uint64
	releases *float64
	admin    *string
	code     *string
	name     *string
	state    *string
	entry    *string
}

func addDemoFlags(fs interface {
	Int(string, int, string) *int
	Uint64(string, uint64, string) *uint64
	Float64(string, float64, string) *float64
	String(string, string, string) *string
}, hazards int) demoFlags {
	return demoFlags{
		hazards:  fs.Int("hazards", hazards, "number of hazard areas"),
		seed:     fs.Uint64("seed", 1, "random seed: the same seed gives the same data"),
		releases: fs.Float64("releases", demo.DefaultMeanReleases, "mean number of land releases per hazard area (0: hazard areas only)"),
		admin:    fs.String("admin", "testdata/admin1-LA.geojson", "GeoJSON of the level 1 admin units to place hazard areas in"),
		code:     fs.String("code-field", "adm1_code", "code property of the admin file"),
		name:     fs.String("name-field", "name", "name property of the admin file"),
		state:    fs.String("state", "Lao People's Democratic Republic", "the State's name, for reports"),
		entry:    fs.String("entry-into-force", "2010-08-01", "the Convention's entry into force for the State"),
	}
}

func (d demoFlags) units() ([]*landrelease.AdminUnit, error) {
	f, err := os.Open(*d.admin)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return feature.ReadAdminUnits(f, 1, feature.AdminFields{Code: *d.code, Name: *d.name})
}

func (d demoFlags) options() demo.Options {
	return demo.Options{Hazards: *d.hazards, Seed: *d.seed, MeanReleases: *d.releases}
}

// hazardsOnly reports --releases 0: the same hazard areas as with releases, without their releases.
func (d demoFlags) hazardsOnly() bool { return *d.releases == 0 }

func demoLoad(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "demo load", "demo load [--hazards N] [--seed S] [--if-empty]")
	d := addDemoFlags(fs, 3000)
	ifEmpty := fs.Bool("if-empty", false, "load only into an empty registry, or finish an interrupted load of the same demo; else do nothing")
	workers := fs.Int("workers", 4, "concurrent writers")
	if err := fs.Parse(args); err != nil {
		return err
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	hazards := postgres.NewHazardAreaService(db)
	units, err := d.units()
	if err != nil {
		return err
	}
	var have map[string]bool // hazard areas of this demo loaded by an interrupted run
	if *ifEmpty {
		var load bool
		if have, load, err = demoProgress(ctx, hazards, units, d.options()); err != nil {
			return err
		}
		switch {
		case !load && len(have) > 0:
			fmt.Fprintln(e.stdout, "the demo data is loaded already")
			return nil
		case !load:
			fmt.Fprintln(e.stdout, "the registry holds other hazard areas: demo data not loaded")
			return nil
		case len(have) > 0:
			fmt.Fprintf(e.stdout, "finishing an interrupted demo load: %d hazard areas are there\n", len(have))
		}
	}
	cctx := cliContext(ctx, e)
	if err := postgres.NewAdminUnitService(db).ImportAdminUnits(cctx, 1, units); err != nil {
		return describe(err)
	}
	// The demo is Lao PDR's: the Convention entered into force for it on 1 August 2010.
	settings := postgres.NewSettingService(db)
	// A newcomer clicks through the demo without signing in: its reads are public.
	for k, v := range map[string]string{"state_name": *d.state, "entry_into_force": *d.entry, "public_read": "true"} {
		if err := settings.SetSetting(cctx, k, v); err != nil {
			return describe(err)
		}
	}
	// Lao PDR's Article 4 deadline and its extension, and a work plan scaled to the demo.
	a4 := postgres.NewArticle4Service(db, postgres.NewReportService(db))
	for _, dl := range []landrelease.Deadline{
		{Deadline: time.Date(2020, 8, 1, 0, 0, 0, 0, time.UTC), Kind: "original", Note: "ten years after entry into force"},
		{Deadline: time.Date(2025, 8, 1, 0, 0, 0, 0, time.UTC), Kind: "extension", Note: "five-year extension granted in 2019"},
	} {
		if err := a4.AddDeadline(cctx, dl); err != nil && landrelease.ErrorCode(err) != landrelease.ECONFLICT {
			return describe(err)
		}
	}
	for y := 2021; y <= 2027; y++ {
		if err := a4.SetTarget(cctx, landrelease.Target{Year: y, AreaM2: 6_000_000, Note: "demo work plan"}); err != nil {
			return describe(err)
		}
	}
	l := &loader{hazards: hazards, releases: postgres.NewLandReleaseService(db)}
	start := time.Now()
	jobs := make(chan job)
	errc := make(chan error, *workers)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				// A job started is finished even when the load is interrupted (Ctrl-C), so that an
				// interrupted load leaves whole hazard areas, which a later run does not load again.
				if err := l.load(context.WithoutCancel(cctx), j); err != nil {
					errc <- fmt.Errorf("hazard area %s: %w", j.h.LocalID, describe(err))
					return
				}
			}
		}()
	}
	var nh, nr int
	genErr := demo.Stream(units, d.options(), func(h *landrelease.HazardArea, rs []*landrelease.LandRelease, rc *demo.Reclassification) error {
		if d.hazardsOnly() {
			rs, rc = nil, nil
		}
		if have[h.LocalID] {
			return nil
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
		return genErr
	}
	if err := <-errc; err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "loaded %d admin units, %d hazard areas and %d land releases in %s\n", len(units), nh, nr, time.Since(start).Round(time.Millisecond))
	return nil
}

// demoProgress compares the registry with the demo that opt generates: whether to load (the registry holds no
// hazard area, or only some of the demo's), and which of the demo's hazard areas it holds.
func demoProgress(ctx context.Context, hazards *postgres.HazardAreaService, units []*landrelease.AdminUnit, opt demo.Options) (map[string]bool, bool, error) {
	ids := map[string]bool{}
	if err := demo.Stream(units, opt, func(h *landrelease.HazardArea, _ []*landrelease.LandRelease, _ *demo.Reclassification) error {
		ids[h.LocalID] = true
		return nil
	}); err != nil {
		return nil, false, err
	}
	have := map[string]bool{}
	for after := int64(0); ; {
		page, err := hazards.FindHazardAreas(ctx, landrelease.HazardAreaFilter{Status: landrelease.StatusAll, After: after, Limit: 1000})
		if err != nil {
			return nil, false, describe(err)
		}
		for _, h := range page {
			if !ids[h.LocalID] {
				return nil, false, nil // not the demo's
			}
			have[h.LocalID] = true
		}
		if len(page) < 1000 {
			break
		}
		after = page[len(page)-1].ID
	}
	return have, len(have) < len(ids), nil
}

type job struct {
	h  *landrelease.HazardArea
	rs []*landrelease.LandRelease
	rc *demo.Reclassification
}

type loader struct {
	hazards  *postgres.HazardAreaService
	releases *postgres.LandReleaseService
}

// load records one generated hazard area, then its releases and reclassification in field-date order.
func (l *loader) load(ctx context.Context, j job) error {
	if err := l.hazards.CreateHazardArea(ctx, j.h); err != nil {
		return err
	}
	rs := append([]*landrelease.LandRelease(nil), j.rs...)
	sort.SliceStable(rs, func(a, b int) bool { return rs[a].CompletedOn.Before(rs[b].CompletedOn) })
	reclassified := j.rc == nil
	for _, r := range rs {
		if !reclassified && !r.CompletedOn.Before(j.rc.On) {
			if err := l.reclassify(ctx, j.h.LocalID, j.rc); err != nil {
				return err
			}
			reclassified = true
		}
		if err := l.releases.CreateLandRelease(ctx, r); err != nil {
			return err
		}
	}
	if !reclassified {
		return l.reclassify(ctx, j.h.LocalID, j.rc)
	}
	return nil
}

func (l *loader) reclassify(ctx context.Context, id string, rc *demo.Reclassification) error {
	cur, err := l.hazards.FindHazardArea(ctx, id, landrelease.Temporal{})
	if err != nil {
		return err
	}
	if cur.Status != landrelease.StatusOpen {
		return nil // released before the evidence came in
	}
	next := *cur
	next.Kind, next.Evidence = landrelease.KindCHA, rc.Evidence
	if len(rc.Devices) > 0 {
		next.Devices = rc.Devices
	}
	on := rc.On
	_, err = l.hazards.UpdateHazardArea(ctx, id, landrelease.HazardAreaChange{HazardArea: &next, ChangedOn: &on,
		Reason: "reclassified SHA to CHA: direct evidence found", IfVersion: cur.Version})
	return err
}

func demoGenerate(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "demo generate", "demo generate --hazards N --seed S [--out FILE]")
	d := addDemoFlags(fs, 1000)
	out := fs.String("out", "-", "GeoJSON file to write, - for standard output")
	if err := fs.Parse(args); err != nil {
		return err
	}
	units, err := d.units()
	if err != nil {
		return err
	}
	var w io.Writer = e.stdout
	if *out != "-" {
		f, err := os.Create(*out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	fmt.Fprint(bw, `{"type":"FeatureCollection","features":[`)
	first := true
	sep := func() {
		if !first {
			bw.WriteByte(',')
		}
		first = false
	}
	err = demo.Stream(units, d.options(), func(h *landrelease.HazardArea, rs []*landrelease.LandRelease, rc *demo.Reclassification) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		sep()
		if err := enc.Encode(feature.HazardInputFeature(h)); err != nil {
			return err
		}
		if d.hazardsOnly() {
			return nil
		}
		for _, r := range rs {
			sep()
			if err := enc.Encode(feature.ReleaseInputFeature(r)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(bw, "]}")
	return bw.Flush()
}
