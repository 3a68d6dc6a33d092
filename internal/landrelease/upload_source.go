package landrelease

import (
	"context"
	"io"
	"path"
	"slices"
	"strings"
)

// Upload formats: the files an upload may be, by the format reader that reads them.
const (
	UploadGeoJSON    = "geojson"
	UploadKML        = "kml"
	UploadKMZ        = "kmz"
	UploadGPX        = "gpx"
	UploadShapefile  = "shapefile" // a zip holding one Shapefile (.shp, .shx, .dbf, .prj)
	UploadGeoPackage = "gpkg"
)

// uploadFormats lists the upload formats in the order the documentation gives them.
var uploadFormats = []string{UploadGeoJSON, UploadKML, UploadKMZ, UploadGPX, UploadShapefile, UploadGeoPackage}

// uploadMediaTypes gives each format's media types, the first the one its stored body is sent back with.
var uploadMediaTypes = map[string][]string{
	UploadGeoJSON:    {"application/geo+json", "application/json"},
	UploadKML:        {"application/vnd.google-earth.kml+xml"},
	UploadKMZ:        {"application/vnd.google-earth.kmz"},
	UploadGPX:        {"application/gpx+xml"},
	UploadShapefile:  {"application/zip", "application/x-zipped-shp"},
	UploadGeoPackage: {"application/geopackage+sqlite3"},
}

// uploadExtensions gives each format's file name endings, matched ignoring case.
var uploadExtensions = map[string][]string{
	UploadGeoJSON:    {".geojson", ".json"},
	UploadKML:        {".kml"},
	UploadKMZ:        {".kmz"},
	UploadGPX:        {".gpx"},
	UploadShapefile:  {".shp.zip", ".zip"},
	UploadGeoPackage: {".gpkg"},
}

// MaxUploadFilename bounds the file name an upload keeps.
const MaxUploadFilename = 255

// UploadSource says how an upload's body is read: its format, the file name it was sent with, the layer of a
// file that holds several, and the property mapping. An upload keeps it with its body, so that a review and an
// approval read the body as the submission did (even when the saved mapping it came from changes later).
type UploadSource struct {
	Format   string   `json:"format"`
	Filename string   `json:"filename,omitempty"`
	Layer    string   `json:"layer,omitempty"`
	Mapping  *Mapping `json:"mapping,omitempty"`
}

// FormatOrDefault is s's format, GeoJSON when it has none.
func (s UploadSource) FormatOrDefault() string {
	if s.Format == "" {
		return UploadGeoJSON
	}
	return s.Format
}

// MediaType is the media type an upload of format is sent back with (GeoJSON's for an unknown format).
func MediaType(format string) string {
	if ts, ok := uploadMediaTypes[format]; ok {
		return ts[0]
	}
	return uploadMediaTypes[UploadGeoJSON][0]
}

// UploadFormatOf chooses an upload's format from its media type (without parameters, lower case) and its file
// name: the media type of a format decides; application/octet-stream, or none, leaves it to the file name's
// ending. ok is false when neither says.
func UploadFormatOf(mediaType, filename string) (format string, ok bool) {
	mediaType = strings.ToLower(strings.TrimSpace(mediaType))
	if mediaType != "" && mediaType != "application/octet-stream" {
		for _, f := range uploadFormats {
			for _, t := range uploadMediaTypes[f] {
				if t == mediaType {
					return f, true
				}
			}
		}
		return "", false
	}
	name := strings.ToLower(path.Base(strings.ReplaceAll(filename, `\`, "/")))
	best, bestLen := "", 0
	for _, f := range uploadFormats {
		for _, ext := range uploadExtensions[f] {
			if strings.HasSuffix(name, ext) && len(name) > len(ext) && len(ext) > bestLen {
				best, bestLen = f, len(ext)
			}
		}
	}
	return best, best != ""
}

// UploadFormats lists the upload formats in the order the documentation gives them.
func UploadFormats() []string { return slices.Clone(uploadFormats) }

// UploadMediaTypes lists every media type an upload may be sent as, and UploadExtensions every file name
// ending, for messages and the web page's accept list.
func UploadMediaTypes() []string {
	var out []string
	for _, f := range uploadFormats {
		out = append(out, uploadMediaTypes[f]...)
	}
	return out
}

// UploadExtensions lists the file name endings UploadFormatOf knows.
func UploadExtensions() []string {
	var out []string
	for _, f := range uploadFormats {
		out = append(out, uploadExtensions[f]...)
	}
	return out
}

// CleanFilename is the base name of a file name as a client sent it, without control characters and within
// MaxUploadFilename bytes.
func CleanFilename(name string) string {
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "." || name == "/" {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, name)
	for len(name) > MaxUploadFilename {
		_, size := lastRune(name)
		name = name[:len(name)-size]
	}
	return name
}

func lastRune(s string) (rune, int) {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i]&0xC0 != 0x80 {
			return rune(s[i]), len(s) - i
		}
	}
	return 0, 1
}

// FeatureSource points a feature of an upload into the original file: its layer, its number in the layer
// (1-based, in the file's order) and its name there (a placemark's, a track's), where it has one.
type FeatureSource struct {
	Layer   string `json:"layer,omitempty"`
	Feature int    `json:"feature"`
	Name    string `json:"name,omitempty"`
}

// UploadReader reads the features of an upload's body, in order, as src says (its format, layer and mapping);
// ctx bounds the work (a reader that runs other programs stops them at its end).
// fn gets each feature's index and either the feature or why it could not be read (a rule of the format, with
// details relative to the feature); an error of fn stops the reading and is returned. The reader's own error is
// one of the body as a whole (not the format, too large, too many features, a mapping naming a field the file
// lacks). fields are the names of the file's fields (its properties, for GeoJSON: those its features carry, in
// the order first seen).
type UploadReader interface {
	ReadUpload(ctx context.Context, body io.Reader, src UploadSource, fn func(i int, f *UploadFeature, err error) error) (fields []string, err error)
}

// UploadReaders reads each format with its own reader. It is itself an UploadReader.
type UploadReaders map[string]UploadReader

// ReadUpload reads body with the reader of src's format; an unknown format is EUNSUPPORTEDMEDIA.
func (rs UploadReaders) ReadUpload(ctx context.Context, body io.Reader, src UploadSource, fn func(i int, f *UploadFeature, err error) error) ([]string, error) {
	r, ok := rs[src.FormatOrDefault()]
	if !ok {
		return nil, Errorf(EUNSUPPORTEDMEDIA, "Uploads of format %q cannot be read here (formats: %s).", src.Format, strings.Join(rs.formats(), ", "))
	}
	return r.ReadUpload(ctx, body, src, fn)
}

func (rs UploadReaders) formats() []string {
	var out []string
	for _, f := range uploadFormats {
		if _, ok := rs[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

// NoteSources sets, in every detail of the report, the source field the mapping reads the detail's field from,
// and the report's SourceFields. It returns r.
func (r *UploadReport) NoteSources(m *Mapping, fields []string) *UploadReport {
	if fields != nil {
		r.SourceFields = fields
	}
	if m == nil {
		return r
	}
	note := func(ds []Detail) {
		for i := range ds {
			if ds[i].SourceField == "" && ds[i].Field != "" {
				ds[i].SourceField = m.SourceOf(ds[i].Field)
			}
		}
	}
	for i := range r.Features {
		note(r.Features[i].Errors)
		note(r.Features[i].Warnings)
	}
	return r
}
