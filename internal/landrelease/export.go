package landrelease

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
)

// ExportFormat is a file format the registry's collections are exported to.
type ExportFormat string

// The export formats, by the name the API's format parameter and the CLI's --format take.
const (
	FormatGeoPackage ExportFormat = "gpkg"    // OGC GeoPackage (SQLite)
	FormatShapefile  ExportFormat = "shp"     // ESRI Shapefile, zipped with its .shx, .dbf, .prj and .cpg
	FormatKML        ExportFormat = "kml"     // OGC KML 2.2
	FormatCSV        ExportFormat = "csv"     // CSV with a WKT column, a centroid's longitude and latitude, or both
	FormatGeoJSON    ExportFormat = "geojson" // RFC 7946, as the API's lists write it
	FormatFlatGeobuf ExportFormat = "fgb"     // FlatGeobuf
)

// exportFormats lists the formats in the order errors and documentation name them, with their media type and
// file extension; read only.
var exportFormats = []struct {
	format    ExportFormat
	mediaType string
	ext       string
}{
	{FormatGeoPackage, "application/geopackage+sqlite3", ".gpkg"},
	{FormatShapefile, "application/zip", ".shp.zip"},
	{FormatKML, "application/vnd.google-earth.kml+xml", ".kml"},
	{FormatCSV, "text/csv; charset=utf-8", ".csv"},
	{FormatGeoJSON, "application/geo+json", ".geojson"},
	{FormatFlatGeobuf, "application/flatgeobuf", ".fgb"},
}

// ExportFormats returns every export format, in a slice of the caller's own.
func ExportFormats() []ExportFormat {
	out := make([]ExportFormat, len(exportFormats))
	for i, f := range exportFormats {
		out[i] = f.format
	}
	return out
}

// ParseExportFormat returns the format named s; an unknown name is EBADREQUEST naming the formats, with a
// detail on the field "format".
func ParseExportFormat(s string) (ExportFormat, error) {
	names := make([]string, len(exportFormats))
	for i, f := range exportFormats {
		if string(f.format) == s {
			return f.format, nil
		}
		names[i] = string(f.format)
	}
	reason := fmt.Sprintf("must be one of %s, not %q", strings.Join(names, ", "), s)
	return "", &Error{Code: EBADREQUEST, Message: "The export format " + reason + ".",
		Details: []Detail{{Field: "format", Reason: reason}}}
}

// MediaType is the Content-Type of a file in format f ("application/octet-stream" for an unknown one).
func (f ExportFormat) MediaType() string {
	for _, x := range exportFormats {
		if x.format == f {
			return x.mediaType
		}
	}
	return "application/octet-stream"
}

// Extension is the file name extension of a file in format f, with its dot ("" for an unknown one).
func (f ExportFormat) Extension() string {
	for _, x := range exportFormats {
		if x.format == f {
			return x.ext
		}
	}
	return ""
}

// ExportCollection names a collection of the registry that can be exported.
type ExportCollection string

// The exported collections, named as in the API's paths.
const (
	ExportHazardAreas  ExportCollection = "hazard-areas"
	ExportLandReleases ExportCollection = "land-releases"
	ExportAdminUnits   ExportCollection = "admin-units"
)

// ParseExportCollection returns the collection named s; an unknown name is ENOTFOUND naming the collections.
func ParseExportCollection(s string) (ExportCollection, error) {
	switch c := ExportCollection(s); c {
	case ExportHazardAreas, ExportLandReleases, ExportAdminUnits:
		return c, nil
	}
	return "", Errorf(ENOTFOUND, "No collection %q to export: export hazard-areas, land-releases or admin-units.", s)
}

// FieldType is the type an exported attribute keeps in the file, where the format has it.
type FieldType string

// Field types.
const (
	FieldString   FieldType = "string"
	FieldInteger  FieldType = "integer"
	FieldReal     FieldType = "real"
	FieldDate     FieldType = "date"     // YYYY-MM-DD in the GeoJSON fed to the exporter
	FieldDateTime FieldType = "datetime" // RFC 3339 in the GeoJSON fed to the exporter
	FieldBoolean  FieldType = "boolean"
	FieldJSON     FieldType = "json" // an array or object, written as its JSON text
)

// ExportField is one attribute of an exported layer: the property of the GeoJSON feature, its type, and its name in
// a Shapefile's .dbf (at most ten characters, unique within the layer).
type ExportField struct {
	Name  string
	Short string
	Type  FieldType
}

// ExportLayer describes the features an Exporter is fed: the layer's name in the file and its attributes in order.
type ExportLayer struct {
	Name   string
	Fields []ExportField
	// Label is the field whose value names a feature where a format names them (a KML placemark's name).
	Label string
	// NoGeometry leaves the geometry column out of a format that makes one optional (a CSV of coordinates).
	NoGeometry bool
}

// CSVGeometry says how a CSV export carries each feature's geometry.
type CSVGeometry string

// The ways a CSV export carries geometry, by the name the API's csv_geometry parameter and the CLI's
// --csv-geometry take.
const (
	CSVGeometryBoth   CSVGeometry = "both"   // a WKT column first and centroid_lon, centroid_lat last (the default)
	CSVGeometryWKT    CSVGeometry = "wkt"    // the WKT column only
	CSVGeometryLonLat CSVGeometry = "lonlat" // centroid_lon and centroid_lat only, for spreadsheets
)

// ParseCSVGeometry returns the CSV geometry named s ("" is CSVGeometryBoth) for an export in format f; any
// other name, or a name given for another format, is EBADREQUEST with a detail on the field "csv_geometry".
func ParseCSVGeometry(s string, f ExportFormat) (CSVGeometry, error) {
	bad := func(reason string) error {
		return &Error{Code: EBADREQUEST, Message: "The parameter csv_geometry " + reason + ".", Details: []Detail{{Field: "csv_geometry", Reason: reason}}}
	}
	if s == "" {
		return CSVGeometryBoth, nil
	}
	if f != FormatCSV {
		return "", bad(fmt.Sprintf("applies to CSV exports only, not %s", f))
	}
	switch g := CSVGeometry(s); g {
	case CSVGeometryBoth, CSVGeometryWKT, CSVGeometryLonLat:
		return g, nil
	}
	return "", bad(fmt.Sprintf("must be one of both, wkt, lonlat, not %q", s))
}

// Exporter writes a collection in a file format.
type Exporter interface {
	// Export writes to w the layer in format f. feed writes the layer's features to the writer it is given as
	// one GeoJSON FeatureCollection (RFC 7946: WGS 84 longitude and latitude) whose properties are the
	// layer's fields. The file is written to w only once feed has returned without error: an error leaves w
	// untouched, except for FormatGeoJSON, whose features go to w as they are fed.
	Export(ctx context.Context, w io.Writer, f ExportFormat, layer ExportLayer, feed func(io.Writer) error) error
}

// ExportFileName is the name of the file of collection c in format f exported at t.
func ExportFileName(c ExportCollection, f ExportFormat, t time.Time) string {
	return fmt.Sprintf("%s-%s%s", c, t.UTC().Format("20060102T150405Z"), f.Extension())
}

// EachHazardArea calls fn with every hazard area f selects, in ID order, reading them a page of MaxPageSize at a
// time so that memory does not grow with the registry; f.After and f.Limit are replaced. Each page is read on
// its own: a write committed between two pages of the current state shows in the pages after it (with f.AsOf
// set, every page reads the same record time).
func EachHazardArea(ctx context.Context, svc HazardAreaService, f HazardAreaFilter, fn func(*HazardArea) error) error {
	f.After, f.Limit = 0, MaxPageSize
	for {
		hs, err := svc.FindHazardAreas(ctx, f)
		if err != nil {
			return err
		}
		for _, h := range hs {
			if err := fn(h); err != nil {
				return err
			}
		}
		if len(hs) < MaxPageSize {
			return nil
		}
		f.After = hs[len(hs)-1].ID
	}
}

// EachLandRelease calls fn with every land release f selects, in ID order, a page at a time, as EachHazardArea
// does.
func EachLandRelease(ctx context.Context, svc LandReleaseService, f LandReleaseFilter, fn func(*LandRelease) error) error {
	f.After, f.Limit = 0, MaxPageSize
	for {
		rs, err := svc.FindLandReleases(ctx, f)
		if err != nil {
			return err
		}
		for _, r := range rs {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(rs) < MaxPageSize {
			return nil
		}
		f.After = rs[len(rs)-1].ID
	}
}
