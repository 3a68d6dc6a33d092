package geojson_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

const poly = `{"type":"Polygon","coordinates":[[[102.5,18],[102.51,18],[102.51,18.01],[102.5,18.01],[102.5,18]]]}`

func fc(features ...string) string {
	return `{"type":"FeatureCollection","features":[` + strings.Join(features, ",") + `]}`
}

func hz(id string) string {
	return `{"type":"Feature","geometry":` + poly + `,"properties":{"record":"hazard_area","local_id":"` + id + `"}}`
}

func TestReadCollection(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		lim      geojson.CollectionLimits
		code     string // "" when it reads
		pointer  string
		features int
	}{
		{"two features", fc(hz("A"), hz("B")), geojson.CollectionLimits{}, "", "", 2},
		{"crs CRS84", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:OGC:1.3:CRS84"}},"features":[]}`, geojson.CollectionLimits{}, "", "", 0},
		{"crs EPSG:4326", `{"features":[],"crs":{"type":"name","properties":{"name":"EPSG:4326"}},"type":"FeatureCollection"}`, geojson.CollectionLimits{}, "", "", 0},
		{"crs UTM", `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32648"}},"features":[]}`, geojson.CollectionLimits{}, landrelease.EINVALID, "/crs", 0},
		{"a Feature", `{"type":"Feature","geometry":null,"properties":{}}`, geojson.CollectionLimits{}, landrelease.EINVALID, "/type", 0},
		{"an array", `[]`, geojson.CollectionLimits{}, landrelease.EINVALID, "", 0},
		{"no features", `{"type":"FeatureCollection"}`, geojson.CollectionLimits{}, landrelease.EINVALID, "/features", 0},
		{"features not an array", `{"type":"FeatureCollection","features":{}}`, geojson.CollectionLimits{}, landrelease.EINVALID, "/features", 0},
		{"truncated", `{"type":"FeatureCollection","features":[` + hz("A"), geojson.CollectionLimits{}, landrelease.EBADREQUEST, "", 1},
		{"trailing data", fc(hz("A")) + `]`, geojson.CollectionLimits{}, landrelease.EBADREQUEST, "", 1},
		{"too many features", fc(hz("A"), hz("B"), hz("C")), geojson.CollectionLimits{MaxFeatures: 2}, landrelease.ETOOLARGE, "/features/2", 2},
		{"too many vertices", fc(hz("A"), hz("B")), geojson.CollectionLimits{MaxVertices: 8}, landrelease.ETOOLARGE, "/features/1", 1},
		{"a huge geometry", fc(`{"type":"Feature","geometry":` + poly + `,"properties":{}}`), geojson.CollectionLimits{Geometry: geo.Limits{MaxVertices: 4}}, "", "", 1},
		{"deep nesting", `{"type":"FeatureCollection","features":[` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `]}`, geojson.CollectionLimits{}, landrelease.EBADREQUEST, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := geojson.ReadCollection(strings.NewReader(tt.body), tt.lim, "", func(int, *geojson.Decoded, error) error { return nil })
			if landrelease.ErrorCode(err) != tt.code {
				t.Fatalf("error %v (code %q), want %q", err, landrelease.ErrorCode(err), tt.code)
			}
			if tt.pointer != "" {
				if ds := landrelease.ErrorDetails(err); len(ds) == 0 || ds[0].Pointer != tt.pointer {
					t.Errorf("details %+v, want pointer %s", ds, tt.pointer)
				}
			}
			if n != tt.features {
				t.Errorf("read %d features, want %d", n, tt.features)
			}
		})
	}
	// A feature's own defects reach fn with pointers relative to the feature; fn can stop the reading.
	stop := errors.New("stop")
	var got []string
	_, err := geojson.ReadCollection(strings.NewReader(fc(hz("A"), `{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{"record":"hazard_area"}}`, hz("C"))),
		geojson.CollectionLimits{}, "", func(i int, d *geojson.Decoded, err error) error {
			if err != nil {
				got = append(got, landrelease.FeatureError(err, i)[0].Pointer)
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || len(got) != 1 || got[0] != "/features/1/geometry/type" {
		t.Errorf("stop: %v %v", err, got)
	}
}

// FuzzReadCollection: the upload parser never panics, reads features in order, and fails with one of its codes.
func FuzzReadCollection(f *testing.F) {
	for _, s := range []string{fc(), fc(hz("A"), hz("B")), `{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"EPSG:4326"}},"features":[` + hz("A") + `]}`,
		`{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[1,1],[2,1],[2,2,3],[1,1]]]},"properties":{}}]}`,
		`{"type":"FeatureCollection","features":[`, `{"features":[],"type":"FeatureCollection","bbox":[0,0,1,1]}`, `[[[[`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		next := 0
		_, err := geojson.ReadCollection(strings.NewReader(string(data)), geojson.CollectionLimits{MaxFeatures: 50, MaxVertices: 5000},
			"", func(i int, d *geojson.Decoded, err error) error {
				if i != next {
					t.Fatalf("feature %d after %d", i, next-1)
				}
				next++
				if err == nil && d == nil {
					t.Fatal("no feature and no error")
				}
				return nil
			})
		switch landrelease.ErrorCode(err) {
		case "", landrelease.EBADREQUEST, landrelease.EINVALID, landrelease.ETOOLARGE:
		default:
			t.Fatalf("unexpected error %v", err)
		}
	})
}
