package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
	"github.com/landrelease/landrelease/internal/spool"
)

func importUpload(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "import", "import FILE [--mapping FILE.json|NAME] [--layer NAME] [--dry-run] [--approve] [--report FILE]\n\n"+
		"FILE is GeoJSON (.geojson, .json), KML (.kml), KMZ (.kmz), GPX (.gpx), a zipped Shapefile (.zip, .shp.zip) or a\n"+
		"GeoPackage (.gpkg), by its extension.")
	dry := fs.Bool("dry-run", false, "check only; write nothing")
	mappingArg := fs.String("mapping", "", "the property mapping: a JSON mapping document (a file name ending in .json), or the name of a saved mapping or preset")
	layer := fs.String("layer", "", "the layer to read, of a file that has several (a GeoPackage's table, a KML's folder, a GPX's tracks or routes)")
	approve := fs.Bool("approve", false, "approve the upload at once (as a data manager would)")
	reportFile := fs.String("report", "", "write the feature-by-feature report as JSON to this file")
	if err := parseWithFile(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("import needs one FILE")
	}
	format, ok := landrelease.UploadFormatOf("", fs.Arg(0))
	if !ok {
		return fmt.Errorf("import: %s: the extension says no format; use one of %s", fs.Arg(0), strings.Join(landrelease.UploadExtensions(), ", "))
	}
	src := landrelease.UploadSource{Format: format, Filename: landrelease.CleanFilename(fs.Arg(0)), Layer: *layer}
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
	if src.Mapping, err = importMapping(cliContext(ctx, e), postgres.NewMappingService(db), *mappingArg); err != nil {
		return describe(err)
	}
	uploads := postgres.NewUploadService(db, uploadReaders(e))
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
		rep, err := uploads.Check(cctx, body, src)
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
	up, _, err := uploads.Submit(cctx, body, src, "")
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

// importMapping reads the mapping an import names: a mapping document in a file whose name ends in .json, else
// the saved mapping or preset of that name in mappings; "" is none.
func importMapping(ctx context.Context, mappings landrelease.MappingService, arg string) (*landrelease.Mapping, error) {
	if arg == "" {
		return nil, nil
	}
	if !strings.HasSuffix(strings.ToLower(arg), ".json") {
		m, err := mappings.FindMapping(ctx, arg)
		if landrelease.ErrorCode(err) == landrelease.ENOTFOUND {
			return nil, landrelease.Invalid(fmt.Sprintf("--mapping %s: there is no saved mapping or preset of that name (landrelease mapping list shows them), and it is not a .json file.", arg),
				landrelease.Detail{Field: "mapping", Reason: fmt.Sprintf("no mapping %q", arg)})
		}
		return m, err
	}
	b, err := os.ReadFile(arg)
	if err != nil {
		return nil, err
	}
	return landrelease.ParseMapping(b)
}
