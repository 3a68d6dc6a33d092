package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/landrelease/landrelease/internal/demo"
	"github.com/landrelease/landrelease/internal/geojson"
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
	return geojson.ReadAdminUnits(f, 1, geojson.AdminFields{Code: *d.code, Name: *d.name})
}

func (d demoFlags) options() demo.Options {
	return demo.Options{Hazards: *d.hazards, Seed: *d.seed, MeanReleases: *d.releases}
}

// hazardsOnly reports --releases 0: the same hazard areas as with releases, without their releases.
func (d demoFlags) hazardsOnly() bool { return *d.releases == 0 }

// demoLoad migrates the database and loads the demo through demo.Loader, on postgres's services, as the
// operator at the terminal. An error is spelled out with its details, a hazard area's prefixed with its local id.
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
	units, err := d.units()
	if err != nil {
		return err
	}
	l := &demo.Loader{
		Hazards:  postgres.NewHazardAreaService(db),
		Releases: postgres.NewLandReleaseService(db),
		Units:    postgres.NewAdminUnitService(db),
		Settings: postgres.NewSettingService(db),
		Article4: postgres.NewArticle4Service(db, postgres.NewReportService(db)),
		WorkPlan: postgres.NewWorkPlanService(db),
		Workers:  *workers,
		Out:      e.stdout,
	}
	err = l.Load(cliContext(ctx, e), units, demo.LoadOptions{Options: d.options(), HazardsOnly: d.hazardsOnly(),
		State: *d.state, EntryIntoForce: *d.entry, IfEmpty: *ifEmpty})
	if he := (*demo.HazardError)(nil); errors.As(err, &he) {
		return fmt.Errorf("hazard area %s: %w", he.LocalID, describe(he.Err))
	}
	return describe(err)
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
		if err := enc.Encode(geojson.HazardInputFeature(h)); err != nil {
			return err
		}
		if d.hazardsOnly() {
			return nil
		}
		for _, r := range rs {
			sep()
			if err := enc.Encode(geojson.ReleaseInputFeature(r)); err != nil {
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
