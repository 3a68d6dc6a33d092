package gdal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// DefaultMaxImportFeatures bounds the features of an imported layer (the GeoJSON reader's default too).
const DefaultMaxImportFeatures = 200_000

// ImportConfig says where GDAL's tools and the temporary files are, and the limits of an import.
type ImportConfig struct {
	// Ogr2ogr and Ogrinfo are the tools' paths; "" looks them up in PATH.
	Ogr2ogr, Ogrinfo string
	// TempDir is where each import makes its private directory (mode 0700, removed at the end); "" is
	// os.TempDir(). It needs room for the file, what a zip holds, and the file twice more as GeoJSON.
	TempDir string
	// Timeout bounds each run of ogrinfo and ogr2ogr (DefaultTimeout when 0).
	Timeout time.Duration
	// Zip bounds a zipped Shapefile's and a KMZ's entries and uncompressed size.
	Zip ZipLimits
	// MaxFeatures bounds the features of the layer read (DefaultMaxImportFeatures when 0).
	MaxFeatures int
}

// Importer reads uploads of KML, KMZ, GPX, zipped Shapefile and GeoPackage with GDAL: it converts the file's
// layer to GeoJSON in WGS 84 (ogr2ogr -t_srs EPSG:4326) and hands that to next, the GeoJSON reader, with the
// upload's mapping (an empty one when it has none: files carry values as text or in their own types, which
// the mapping shapes), so that each feature is decoded and checked as the same feature in GeoJSON would be. It
// is a landrelease.UploadReader, holds no state between uploads, and one value serves concurrent calls.
type Importer struct {
	cfg  ImportConfig
	next landrelease.UploadReader
}

// NewImporter returns an Importer that decodes the GeoJSON it converts with next.
func NewImporter(cfg ImportConfig, next landrelease.UploadReader) *Importer {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxFeatures <= 0 {
		cfg.MaxFeatures = DefaultMaxImportFeatures
	}
	cfg.Zip = cfg.Zip.withDefaults()
	return &Importer{cfg: cfg, next: next}
}

var _ landrelease.UploadReader = (*Importer)(nil)

// inputs are, per format, the file name the upload is written under and the GDAL driver that reads it.
var inputs = map[string]struct{ file, driver string }{
	landrelease.UploadKML:        {"upload.kml", "LIBKML"},
	landrelease.UploadKMZ:        {"upload.kmz", "LIBKML"},
	landrelease.UploadGPX:        {"upload.gpx", "GPX"},
	landrelease.UploadShapefile:  {"upload.zip", "ESRI Shapefile"},
	landrelease.UploadGeoPackage: {"upload.gpkg", "GPKG"},
}

// ReadUpload implements landrelease.UploadReader for the formats GDAL reads. Besides the GeoJSON reader's
// rules it refuses, as EINVALID naming the problem: a file GDAL cannot open, a layer the file lacks (naming
// those it has), a file of several layers without one named, a Shapefile whose .prj is missing or names a CRS
// GDAL cannot read, a layer of points only, a mapping naming a field the layer lacks; each feature's report
// gets its place in the file (landrelease.FeatureSource), and a GPX track or route that is not closed is
// rejected naming it.
func (im *Importer) ReadUpload(ctx context.Context, body io.Reader, src landrelease.UploadSource, fn func(i int, f *landrelease.UploadFeature, err error) error) ([]string, error) {
	in, ok := inputs[src.Format]
	if !ok {
		return nil, landrelease.Errorf(landrelease.EUNSUPPORTEDMEDIA, "GDAL does not read uploads of format %q here.", src.Format)
	}
	dir, err := os.MkdirTemp(im.cfg.TempDir, "landrelease-import-")
	if err != nil {
		return nil, fmt.Errorf("import: temporary directory: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, in.file)
	if err := writeFile(file, body); err != nil {
		return nil, err
	}
	layerArg := src.Layer
	switch src.Format {
	case landrelease.UploadShapefile:
		shp, hasPrj, err := extractShapefile(file, mkdir(dir, "shp"), src.Layer, im.cfg.Zip)
		if err != nil {
			return nil, err
		}
		if !hasPrj {
			return nil, landrelease.Invalid("The zip's Shapefile has no .prj: zip it with its .prj, which says its coordinate reference system.",
				landrelease.Detail{Field: "file", Reason: "no .prj beside the .shp"})
		}
		file, layerArg = shp, ""
	case landrelease.UploadKMZ:
		if err := checkKMZ(file, im.cfg.Zip); err != nil {
			return nil, err
		}
	}
	layers, err := im.layers(ctx, dir, in.driver, file)
	if err != nil {
		return nil, err
	}
	layer, err := chooseLayer(src.Format, layers, layerArg)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(layer.name, "-") { // GDAL 3.6's tools take no "--": it would be read as an option
		return nil, landrelease.Invalid(fmt.Sprintf("The layer %q cannot be read: its name starts with '-'.", layer.name),
			landrelease.Detail{Field: "layer", Reason: "a layer name starting with '-'"})
	}
	name, info, err := im.layerInfo(ctx, dir, in.driver, file, layer.name)
	if err != nil {
		return nil, err
	}
	if !info.crs {
		why := "the layer has no coordinate reference system GDAL can read"
		if src.Format == landrelease.UploadShapefile {
			why = "the .prj names no coordinate reference system GDAL can read"
		}
		return nil, landrelease.Invalid("The file's coordinate reference system is unknown: "+why+"; export it again with a known one (WGS 84, or a UTM zone by its EPSG code).",
			landrelease.Detail{Field: "crs", Reason: why})
	}
	if info.count > im.cfg.MaxFeatures {
		return nil, &landrelease.Error{Code: landrelease.ETOOLARGE, Message: fmt.Sprintf("The layer has %d features; the limit is %d: split it.", info.count, im.cfg.MaxFeatures),
			Details: []landrelease.Detail{{Field: "features", Reason: fmt.Sprintf("more than %d features", im.cfg.MaxFeatures)}}}
	}
	if err := src.Mapping.CheckFields(info.fields); err != nil {
		return info.fields, err
	}
	converted := filepath.Join(dir, "converted.geojson")
	if err := im.run(ctx, dir, "ogr2ogr", im.cfg.Ogr2ogr, []string{"-f", "GeoJSON", "-t_srs", "EPSG:4326", "-dim", "XY",
		"-lco", "RFC7946=YES", "-lco", "COORDINATE_PRECISION=15", converted, file, name}, nil); err != nil {
		return info.fields, landrelease.Invalid("GDAL could not convert the file to GeoJSON.", landrelease.Detail{Field: "file", Reason: err.Error()})
	}
	features := filepath.Join(dir, "features.geojson")
	sh, err := shapeFeatures(converted, features, name, src.Format == landrelease.UploadGPX)
	if err != nil {
		return info.fields, err
	}
	if sh.total > 0 && sh.points == sh.total {
		return info.fields, landrelease.Invalid(fmt.Sprintf("The layer %q holds only points (%d): a hazard area or a land release needs a polygon (or, from a GPS, a closed track).", name, sh.points),
			landrelease.Detail{Field: "geometry", Reason: fmt.Sprintf("all %d features are points", sh.points)})
	}
	f, err := os.Open(features)
	if err != nil {
		return info.fields, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	next := src // its format says the body is converted: the mapping's fields were checked above
	if next.Mapping == nil {
		next.Mapping = &landrelease.Mapping{}
	}
	_, err = im.next.ReadUpload(ctx, f, next, func(i int, d *landrelease.UploadFeature, derr error) error {
		if i < len(sh.sources) {
			if d != nil {
				s := sh.sources[i]
				d.Source = &s
			}
			if sh.errs[i] != nil {
				derr = sh.errs[i]
			}
		}
		return fn(i, d, derr)
	})
	return info.fields, err
}

func mkdir(dir, name string) string {
	p := filepath.Join(dir, name)
	_ = os.Mkdir(p, 0o700) // a failure shows when a file is written in it
	return p
}

func writeFile(p string, body io.Reader) error {
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := io.Copy(f, body); err != nil {
		f.Close()
		return fmt.Errorf("import: write the upload: %w", err)
	}
	return f.Close()
}

// layerRef is a layer as ogrinfo lists it.
type layerRef struct{ name, geometry string }

var (
	layerLine  = regexp.MustCompile(`^\d+: (.*?)(?: \(([^()]*)\))?$`)
	driverLine = regexp.MustCompile("^\\s*using driver `(.*)' successful\\.$")
)

// layers lists the file's layers with ogrinfo.
func (im *Importer) layers(ctx context.Context, dir, driver, file string) ([]layerRef, error) {
	var out strings.Builder
	if err := im.run(ctx, dir, "ogrinfo", im.cfg.Ogrinfo, []string{"-ro", file}, &out); err != nil {
		return nil, landrelease.Invalid(fmt.Sprintf("GDAL cannot read the file as %s.", driver), landrelease.Detail{Field: "file", Reason: err.Error()})
	}
	var ls []layerRef
	opened := ""
	for _, line := range strings.Split(out.String(), "\n") {
		line = strings.TrimRight(line, "\r")
		if m := driverLine.FindStringSubmatch(line); m != nil {
			opened = m[1]
		} else if m := layerLine.FindStringSubmatch(line); m != nil {
			ls = append(ls, layerRef{name: m[1], geometry: m[2]})
		}
	}
	// GDAL 3.6's tools cannot be told which driver to use: the one that opened the file must be the format's.
	if opened != driver && !(driver == "LIBKML" && opened == "KML") {
		return nil, landrelease.Invalid(fmt.Sprintf("The file is not %s: GDAL reads it as %s.", driver, opened),
			landrelease.Detail{Field: "file", Reason: fmt.Sprintf("opened by GDAL's %s driver, not %s", opened, driver)})
	}
	return ls, nil
}

// gpxLayers are the GPX layers an upload reads by default, in order: the first that has features.
var gpxLayers = []string{"tracks", "routes"}

// chooseLayer picks the layer named name (matched exactly, then ignoring case), or the file's only layer; a
// GPX's tracks, else its routes.
func chooseLayer(format string, ls []layerRef, name string) (layerRef, error) {
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.name
	}
	if name != "" {
		for _, l := range ls {
			if l.name == name {
				return l, nil
			}
		}
		for _, l := range ls {
			if strings.EqualFold(l.name, name) {
				return l, nil
			}
		}
		return layerRef{}, landrelease.Invalid(fmt.Sprintf("The file has no layer %q; it has: %s.", name, strings.Join(names, ", ")),
			landrelease.Detail{Field: "layer", Reason: fmt.Sprintf("no layer %q (layers: %s)", name, strings.Join(names, ", "))})
	}
	switch {
	case format == landrelease.UploadGPX:
		return layerRef{name: "\x00gpx"}, nil // resolved by layerInfo's feature counts
	case len(ls) == 1:
		return ls[0], nil
	case len(ls) == 0:
		return layerRef{}, landrelease.Invalid("The file has no layer.", landrelease.Detail{Field: "layer", Reason: "no layers"})
	}
	return layerRef{}, landrelease.Invalid(fmt.Sprintf("The file has %d layers (%s): name one with layer.", len(ls), strings.Join(names, ", ")),
		landrelease.Detail{Field: "layer", Reason: fmt.Sprintf("several layers (%s): name one", strings.Join(names, ", "))})
}

// layerSummary is what ogrinfo says of a layer: its fields in order, its feature count, whether its CRS is known.
type layerSummary struct {
	fields []string
	count  int
	crs    bool
}

var (
	ogrFieldLine = regexp.MustCompile(`^(\S.*): [A-Za-z0-9]+(?:\([A-Za-z0-9]+\))? \(\d+(?:\.\d+)?\)$`)
	countLine    = regexp.MustCompile(`^Feature Count: (-?\d+)$`)
)

// layerInfo reads the summary of layer and returns its name: for a GPX's default ("\x00gpx"), of its tracks,
// else its routes.
func (im *Importer) layerInfo(ctx context.Context, dir, driver, file, layer string) (string, layerSummary, error) {
	if layer == "\x00gpx" {
		for _, l := range gpxLayers {
			_, s, err := im.layerInfo(ctx, dir, driver, file, l)
			if err != nil || s.count > 0 {
				return l, s, err
			}
		}
		return "", layerSummary{}, landrelease.Invalid("The GPX has no track and no route: a hazard area from a GPS is a track walked around it, or a route drawn around it, closed.",
			landrelease.Detail{Field: "geometry", Reason: "no tracks or routes (waypoints alone are points)"})
	}
	var out strings.Builder
	if err := im.run(ctx, dir, "ogrinfo", im.cfg.Ogrinfo, []string{"-ro", "-so", "-nomd", file, layer}, &out); err != nil {
		return "", layerSummary{}, landrelease.Invalid("GDAL cannot read the layer.", landrelease.Detail{Field: "layer", Reason: err.Error()})
	}
	return layer, parseLayerInfo(out.String()), nil
}

// parseLayerInfo reads ogrinfo -so's summary of one layer.
func parseLayerInfo(text string) layerSummary {
	var s layerSummary
	s.crs = true
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "Layer SRS WKT:"):
			s.crs = i+1 < len(lines) && strings.TrimSpace(lines[i+1]) != "(unknown)"
		case countLine.MatchString(line):
			s.count, _ = strconv.Atoi(countLine.FindStringSubmatch(line)[1])
		case ogrFieldLine.MatchString(line) && !strings.HasPrefix(line, "Extent:"):
			s.fields = append(s.fields, ogrFieldLine.FindStringSubmatch(line)[1])
		}
	}
	return s
}

// run runs tool (bin, or its name looked up in PATH) with args in dir under the deadline, writing its standard
// output to out when not nil; its error keeps the first bytes of its standard error.
func (im *Importer) run(ctx context.Context, dir, tool, bin string, args []string, out io.Writer) error {
	if bin == "" {
		var err error
		if bin, err = exec.LookPath(tool); err != nil {
			return fmt.Errorf("GDAL's %s is not installed (apt-get install gdal-bin): %w", tool, err)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, im.cfg.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CPL_TMPDIR="+dir, "GDAL_PAM_ENABLED=NO", "GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR", "CPL_VSIL_CURL_ALLOWED_EXTENSIONS=.none")
	stderr := &boundedBuffer{max: maxStderr}
	cmd.Stderr = stderr
	if out != nil {
		cmd.Stdout = &limitedWriter{w: out, n: 16 << 20}
	}
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%s stopped after %s or at the request's deadline", tool, im.cfg.Timeout)
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s stopped: %w", tool, ctx.Err())
		}
		return fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(string(stderr.Bytes())))
	}
	return nil
}

// limitedWriter passes on the first n bytes and drops the rest.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	k := len(p)
	if int64(len(p)) > l.n {
		p = p[:max(l.n, 0)]
	}
	l.n -= int64(len(p))
	if len(p) > 0 {
		if _, err := l.w.Write(p); err != nil {
			return 0, err
		}
	}
	return k, nil
}
