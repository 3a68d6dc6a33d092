package landrelease

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUploadFormatOf(t *testing.T) {
	for _, tc := range []struct {
		mediaType, filename, want string
	}{
		{"application/geo+json", "", UploadGeoJSON},
		{"application/json", "x.kml", UploadGeoJSON}, // the media type decides
		{"application/vnd.google-earth.kml+xml", "", UploadKML},
		{"application/vnd.google-earth.kmz", "", UploadKMZ},
		{"application/gpx+xml", "", UploadGPX},
		{"application/zip", "", UploadShapefile},
		{"application/x-zipped-shp", "", UploadShapefile},
		{"application/geopackage+sqlite3", "", UploadGeoPackage},
		{"Application/GeoPackage+SQLite3", "", UploadGeoPackage},
		{"application/octet-stream", "survey.GEOJSON", UploadGeoJSON},
		{"application/octet-stream", "walk.gpx", UploadGPX},
		{"application/octet-stream", "areas.shp.zip", UploadShapefile},
		{"application/octet-stream", `C:\field\areas.KMZ`, UploadKMZ},
		{"", "partner.gpkg", UploadGeoPackage},
		{"", "doc.kml", UploadKML},
		{"application/octet-stream", ".gpkg", ""}, // a name that is only an ending
		{"application/octet-stream", "areas.xlsx", ""},
		{"text/csv", "areas.gpkg", ""}, // a media type of no format is not overruled by the name
		{"application/octet-stream", "", ""},
	} {
		got, ok := UploadFormatOf(tc.mediaType, tc.filename)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("UploadFormatOf(%q, %q) = %q, %v; want %q", tc.mediaType, tc.filename, got, ok, tc.want)
		}
	}
}

func TestCleanFilename(t *testing.T) {
	for in, want := range map[string]string{
		"areas.gpkg":             "areas.gpkg",
		"../../etc/passwd":       "passwd",
		`C:\Users\team\walk.gpx`: "walk.gpx",
		"bad\x00name\n.kml":      "badname.kml",
		"/":                      "",
		"":                       "",
		strings.Repeat("é", 200): strings.Repeat("é", 127),
	} {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzUploadFormatOf: any media type and file name give a known format or none, and a clean file name is a
// base name of valid length without control characters.
func FuzzUploadFormatOf(f *testing.F) {
	f.Add("application/octet-stream", "areas.shp.zip")
	f.Add("application/geo+json", "")
	f.Add("", `..\..\x.KMZ`)
	f.Fuzz(func(t *testing.T, mediaType, filename string) {
		got, ok := UploadFormatOf(mediaType, filename)
		if ok != (got != "") {
			t.Fatalf("format %q, ok %v", got, ok)
		}
		if ok && MediaType(got) == "" {
			t.Fatalf("format %q has no media type", got)
		}
		c := CleanFilename(filename)
		if len(c) > MaxUploadFilename || strings.ContainsAny(c, "/\\\x00\n\r") {
			t.Fatalf("CleanFilename(%q) = %q", filename, c)
		}
		if utf8.ValidString(filename) && !utf8.ValidString(c) {
			t.Fatalf("CleanFilename(%q) = %q: not UTF-8", filename, c)
		}
	})
}
