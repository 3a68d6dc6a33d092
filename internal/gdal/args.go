package gdal

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// sourceLayer is the name of the GeoJSON file fed to ogr2ogr, hence of its layer.
const sourceLayer = "source"

// driver is how ogr2ogr writes one format: its GDAL driver, the extension of the file it writes, its creation
// options, and which field types it keeps (a type it lacks stays the GeoJSON's text: ISO 8601 for dates).
type driver struct {
	name    string
	ext     string
	options []string
	// geometry are the options that write the geometry where the format can leave it out (a CSV's WKT column);
	// a layer's NoGeometry drops them.
	geometry []string
	keeps    map[landrelease.FieldType]bool
	// short names the fields by their ExportField.Short (a Shapefile's ten characters) with text fields of
	// 254 bytes, shrunk to the longest value by RESIZE.
	short bool
}

// numbers are the types every GDAL format keeps.
var numbers = map[landrelease.FieldType]bool{landrelease.FieldInteger: true, landrelease.FieldReal: true, landrelease.FieldBoolean: true}

// drivers maps the formats ogr2ogr writes to their drivers; read only.
var drivers = map[landrelease.ExportFormat]driver{
	landrelease.FormatGeoPackage: {name: "GPKG", ext: ".gpkg",
		keeps: union(numbers, landrelease.FieldDate, landrelease.FieldDateTime)},
	landrelease.FormatFlatGeobuf: {name: "FlatGeobuf", ext: ".fgb",
		keeps: union(numbers, landrelease.FieldDate, landrelease.FieldDateTime)},
	landrelease.FormatShapefile: {name: "ESRI Shapefile", ext: ".shp", options: []string{"-lco", "ENCODING=UTF-8", "-lco", "RESIZE=YES"},
		keeps: union(numbers, landrelease.FieldDate), short: true},
	landrelease.FormatKML: {name: "KML", ext: ".kml", keeps: numbers},
	landrelease.FormatCSV: {name: "CSV", ext: ".csv", options: []string{"-lco", "STRING_QUOTING=IF_NEEDED"},
		geometry: []string{"-lco", "GEOMETRY=AS_WKT"}, keeps: numbers},
}

func union(m map[landrelease.FieldType]bool, more ...landrelease.FieldType) map[landrelease.FieldType]bool {
	out := map[landrelease.FieldType]bool{}
	for t := range m {
		out[t] = true
	}
	for _, t := range more {
		out[t] = true
	}
	return out
}

// casts are OGR SQL's names of the field types.
var casts = map[landrelease.FieldType]string{
	landrelease.FieldInteger:  "integer",
	landrelease.FieldReal:     "float",
	landrelease.FieldBoolean:  "boolean",
	landrelease.FieldDate:     "date",
	landrelease.FieldDateTime: "timestamp",
}

// identifier is what a layer or field name may be: it goes into OGR SQL between double quotes.
var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// checkLayer checks the names of a layer and its fields, and that the short names fit a Shapefile.
func checkLayer(l landrelease.ExportLayer) error {
	if !identifier.MatchString(l.Name) {
		return fmt.Errorf("export: layer name %q is not lower-case letters, digits and underscores", l.Name)
	}
	seen := map[string]bool{}
	for _, f := range l.Fields {
		if !identifier.MatchString(f.Name) || !identifier.MatchString(f.Short) || len(f.Short) > 10 {
			return fmt.Errorf("export: field %q (%q in a Shapefile) is not a name of lower-case letters, digits and underscores, ten at most in a Shapefile", f.Name, f.Short)
		}
		if seen[f.Short] {
			return fmt.Errorf("export: two fields of layer %s are named %q in a Shapefile", l.Name, f.Short)
		}
		seen[f.Short] = true
	}
	return nil
}

// selectSQL is the OGR SQL statement that reads the source's fields in the layer's order, each cast to its type
// where the driver keeps it, named as the driver's files name it; with none, it selects no feature (the
// source is then nullFeature's).
func selectSQL(d driver, l landrelease.ExportLayer, none bool) string {
	var cols []string
	if d.name == "KML" && l.Label != "" && !strings.EqualFold(l.Label, "name") { // a field "name" is the KML's name
		cols = append(cols, fmt.Sprintf(`"%s" AS "Name"`, l.Label))
	}
	for _, f := range l.Fields {
		name := f.Name
		if d.short {
			name = f.Short
		}
		expr := fmt.Sprintf(`"%s"`, f.Name)
		if c, ok := casts[f.Type]; ok && d.keeps[f.Type] {
			expr = fmt.Sprintf(`CAST("%s" AS %s)`, f.Name, c)
		} else if d.short {
			expr = fmt.Sprintf(`CAST("%s" AS character(254))`, f.Name)
		}
		cols = append(cols, fmt.Sprintf(`%s AS "%s"`, expr, name))
	}
	sql := fmt.Sprintf(`SELECT %s FROM "%s"`, strings.Join(cols, ", "), sourceLayer)
	if none {
		sql += " WHERE 1 = 0"
	}
	return sql
}

// args are ogr2ogr's arguments to write src to out with driver d: the source's arrays and dates read as text
// (selectSQL casts them), every geometry a MultiPolygon in EPSG:4326 (longitude, latitude).
func args(d driver, l landrelease.ExportLayer, src, out string, none bool) []string {
	a := []string{"-f", d.name, "-oo", "ARRAY_AS_STRING=YES", "-oo", "DATE_AS_STRING=YES",
		"-dialect", "OGRSQL", "-sql", selectSQL(d, l, none),
		"-nln", l.Name, "-nlt", "MULTIPOLYGON", "-a_srs", "EPSG:4326"}
	a = append(a, d.options...)
	if !l.NoGeometry {
		a = append(a, d.geometry...)
	}
	return append(a, out, src)
}

// noFeatures reports whether the GeoJSON file f holds a FeatureCollection without features: files of a few
// hundred bytes are read to find out, larger ones have features.
func noFeatures(f *os.File) (bool, error) {
	st, err := f.Stat()
	if err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	if st.Size() > 512 {
		return false, nil
	}
	b, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		return false, fmt.Errorf("export: %w", err)
	}
	var fc struct {
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(b, &fc); err != nil {
		return false, fmt.Errorf("export: the features fed are not a GeoJSON FeatureCollection: %w", err)
	}
	return len(fc.Features) == 0, nil
}

// nullFeature is a FeatureCollection of one feature without geometry whose properties are the layer's fields,
// all null.
func nullFeature(l landrelease.ExportLayer) []byte {
	props := map[string]any{}
	for _, f := range l.Fields {
		props[f.Name] = nil
	}
	b, _ := json.Marshal(map[string]any{"type": "FeatureCollection", "features": []any{
		map[string]any{"type": "Feature", "geometry": nil, "properties": props}}})
	return b
}
