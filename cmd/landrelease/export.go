package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/api"
	"github.com/landrelease/landrelease/internal/gdal"
	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// exportFilters are the flags of `landrelease export` that filter, each the query parameter of GET
// /api/v1/exports/COLLECTION it sets (api.ExportFeed reads them): the CLI and the API filter alike.
var exportFilters = []struct{ flag, param, usage string }{
	{"at", "at", "the ground as it stood at the end of this date (YYYY-MM-DD)"},
	{"as-of", "as_of", "as recorded at this date or RFC 3339 time"},
	{"bbox", "bbox", "W,S,E,N in WGS 84: the records that intersect it"},
	{"kind", "kind", "hazard areas: SHA or CHA"},
	{"status", "status", "hazard areas: open (the default), closed or all"},
	{"contamination", "contamination", "hazard areas: cmr, other or mixed"},
	{"admin", "admin", "hazard areas: in this admin unit (its code, level 1 or 2)"},
	{"geometry", "geometry", "hazard areas: full (the default) or remaining, the unreleased polygon"},
	{"method", "method", "land releases: cancelled, reduced or cleared"},
	{"hazard-area", "hazard_area", "land releases: of this hazard area (its local ID)"},
	{"level", "level", "admin units: 1 or 2 (default both)"},
	{"csv-geometry", "csv_geometry", "CSV: both (the default: a WKT column and the centroid's longitude and latitude), wkt or lonlat"},
	{"filter", "filter", "hazard areas, land releases: a CQL2 text filter on their queryables, as the lists take (docs/API.md)"},
}

// export writes a collection as a file, as GET /api/v1/exports/COLLECTION does, and records it in the audit
// trail.
func export(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "export", "export hazard-areas|land-releases|admin-units --format gpkg|shp|kml|csv|geojson|fgb [--out FILE] [filters]")
	format := fs.String("format", "", "gpkg, shp (a zip), kml, csv, geojson or fgb")
	out := fs.String("out", "", "file to write (default: the collection's name and the time, in the current directory); - for standard output")
	values := make([]*string, len(exportFilters))
	for i, f := range exportFilters {
		values[i] = fs.String(f.flag, "", f.usage)
	}
	// The flag package stops at the first argument that is not a flag: the collection may come first or last.
	var coll string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		coll, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if coll == "" && fs.NArg() == 1 {
		coll = fs.Arg(0)
	} else if fs.NArg() > 0 || coll == "" {
		fs.Usage()
		return errors.New("export needs one collection: hazard-areas, land-releases or admin-units")
	}
	c, err := landrelease.ParseExportCollection(coll)
	if err != nil {
		return describe(err)
	}
	f, err := landrelease.ParseExportFormat(*format)
	if err != nil {
		return describe(err)
	}
	q := url.Values{}
	for i, x := range exportFilters {
		if *values[i] != "" {
			q.Set(x.param, *values[i])
		}
	}
	db, err := open(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	feed, err := api.ExportFeed(ctx, api.ExportSources{Hazards: postgres.NewHazardAreaService(db),
		Releases: postgres.NewLandReleaseService(db), Admin: postgres.NewAdminUnitService(db)}, c, f, q)
	if err != nil {
		return describe(err)
	}
	layer, err := api.ExportLayer(c, f, q)
	if err != nil {
		return describe(err)
	}
	name := landrelease.ExportFileName(c, f, time.Now())
	if *out == "" {
		*out = name
	}
	var w io.Writer = e.stdout
	var file *os.File
	if *out != "-" {
		// Written beside its destination and renamed once complete: a failed export leaves no partial file.
		if file, err = os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*"); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer os.Remove(file.Name())
		defer file.Close()
		w = file
	}
	ex := gdal.New(gdal.Config{TempDir: e.getenv("LANDRELEASE_EXPORT_TMPDIR")})
	if err := ex.Export(ctx, w, f, layer, feed); err != nil {
		return describe(err)
	}
	if file != nil {
		if err := file.Close(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := os.Rename(file.Name(), *out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := postgres.NewAuditService(db).RecordExport(cliContext(ctx, e), "export", name, map[string]any{
		"collection": string(c), "format": string(f), "filters": q.Encode()}); err != nil {
		return describe(err)
	}
	if *out != "-" {
		fmt.Fprintf(e.stderr, "wrote %s\n", *out)
	}
	return nil
}
