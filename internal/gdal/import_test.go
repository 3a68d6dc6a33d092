package gdal

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// collected is a stand-in for the GeoJSON reader: it keeps each converted feature's geometry type and
// properties, and the source it was handed.
type collected struct {
	src   landrelease.UploadSource
	types []string
	props []map[string]any
}

func (c *collected) ReadUpload(_ context.Context, body io.Reader, src landrelease.UploadSource, fn func(int, *landrelease.UploadFeature, error) error) ([]string, error) {
	c.src = src
	var fc struct {
		Features []struct {
			Geometry   struct{ Type string } `json:"geometry"`
			Properties map[string]any        `json:"properties"`
		} `json:"features"`
	}
	if err := json.NewDecoder(body).Decode(&fc); err != nil {
		return nil, err
	}
	for i, f := range fc.Features {
		c.types, c.props = append(c.types, f.Geometry.Type), append(c.props, f.Properties)
		if err := fn(i, &landrelease.UploadFeature{}, nil); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// TestImporterGPX: a track whose ends are within MaxTrackGapM is closed into a polygon, named in its source; one
// further apart is rejected naming it; a route is read when there is no track.
func TestImporterGPX(t *testing.T) {
	tools(t)
	gpx := func(kind, name string, pts ...string) string {
		seg, pt := "<trkseg>", "trkpt"
		if kind == "rte" {
			seg, pt = "", "rtept"
		}
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1"><` + kind + `><name>` + name + `</name>` + seg)
		for _, p := range pts {
			ll := strings.Split(p, ",")
			b.WriteString(`<` + pt + ` lat="` + ll[1] + `" lon="` + ll[0] + `"/>`)
		}
		if seg != "" {
			b.WriteString("</trkseg>")
		}
		b.WriteString(`</` + kind + `></gpx>`)
		return b.String()
	}
	square := []string{"102.5,18.0", "102.502,18.0", "102.502,18.0012", "102.5,18.0012"}
	for _, tc := range []struct {
		name, body, layer, geometry, err string
	}{
		{"closed exactly", gpx("trk", "east field", append(square, "102.5,18.0")...), "tracks", "Polygon", ""},
		{"ends 11 m apart", gpx("trk", "east field", append(square, "102.5,18.0001")...), "tracks", "Polygon", ""},
		{"open", gpx("trk", "east field", square...), "tracks", "LineString", `the track 1 ("east field") is open: its ends are 134 m apart`},
		{"a closed route", gpx("rte", "round", append(square, "102.5,18.0")...), "routes", "Polygon", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := &collected{}
			im := NewImporter(ImportConfig{TempDir: t.TempDir()}, next)
			var srcs []*landrelease.FeatureSource
			var errs []error
			_, err := im.ReadUpload(context.Background(), strings.NewReader(tc.body), landrelease.UploadSource{Format: landrelease.UploadGPX}, func(_ int, f *landrelease.UploadFeature, err error) error {
				srcs, errs = append(srcs, f.Source), append(errs, err)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(next.types) != 1 || next.types[0] != tc.geometry {
				t.Fatalf("geometries %v, want one %s", next.types, tc.geometry)
			}
			if next.src.Mapping == nil || next.src.Format != landrelease.UploadGPX {
				t.Errorf("handed %+v: want a mapping (shaping values) and the format", next.src)
			}
			if s := srcs[0]; s == nil || s.Layer != tc.layer || s.Feature != 1 || s.Name == "" {
				t.Errorf("source %+v", s)
			}
			if tc.err == "" && errs[0] != nil || tc.err != "" && (errs[0] == nil || !strings.Contains(errorText(errs[0]), tc.err)) {
				t.Errorf("error %v, want %q", errs[0], tc.err)
			}
		})
	}
}

// TestImporterKMLFields: the file's fields are its layer's (a mapping may name one no placemark fills), and a
// mapping naming one it lacks is refused naming them.
func TestImporterKMLFields(t *testing.T) {
	tools(t)
	kml := `<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>
<Schema name="areas" id="areas"><SimpleField name="HAZ_ID" type="string"/><SimpleField name="Remarks" type="string"/></Schema>
<Placemark><name>field 1</name><ExtendedData><SchemaData schemaUrl="#areas"><SimpleData name="HAZ_ID">LA-1</SimpleData></SchemaData></ExtendedData>
<Polygon><outerBoundaryIs><LinearRing><coordinates>102.5,18 102.502,18 102.502,18.0012 102.5,18.0012 102.5,18</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>`
	read := func(mapping string) ([]string, *collected, error) {
		m, err := landrelease.ParseMapping([]byte(mapping))
		if err != nil {
			t.Fatal(err)
		}
		next := &collected{}
		fields, err := NewImporter(ImportConfig{TempDir: t.TempDir()}, next).ReadUpload(context.Background(), strings.NewReader(kml),
			landrelease.UploadSource{Format: landrelease.UploadKML, Mapping: m}, func(int, *landrelease.UploadFeature, error) error { return nil })
		return fields, next, err
	}
	fields, next, err := read(`{"fields": {"HAZ_ID": "local_id", "Remarks": "notes"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(fields, ","), "HAZ_ID,Remarks") || len(next.props) != 1 || next.props[0]["HAZ_ID"] != "LA-1" {
		t.Errorf("fields %v, features %v", fields, next.props)
	}
	_, next, err = read(`{"fields": {"HAZ_NO": "local_id"}}`)
	if landrelease.ErrorCode(err) != landrelease.EINVALID || !strings.Contains(errorText(err), `field "HAZ_NO"`) || next.props != nil {
		t.Errorf("a mapping naming a field the file lacks: %v (read %d features)", err, len(next.props))
	}
}
