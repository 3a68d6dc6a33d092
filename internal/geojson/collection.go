package geojson

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// CollectionLimits bound an upload. Zero fields take the defaults.
type CollectionLimits struct {
	MaxFeatures int        // default 200,000
	MaxVertices int        // over all features; default 50,000,000
	Geometry    geo.Limits // per geometry
}

func (l CollectionLimits) withDefaults() CollectionLimits {
	if l.MaxFeatures <= 0 {
		l.MaxFeatures = 200_000
	}
	if l.MaxVertices <= 0 {
		l.MaxVertices = 50_000_000
	}
	return l
}

// crsNames are the coordinate reference systems an upload may declare: WGS 84 longitude, latitude.
var crsNames = []string{"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "CRS84", "OGC:CRS84",
	"urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"}

// ReadCollection streams a GeoJSON FeatureCollection from r, one feature at a time, so that memory holds one
// feature and not the upload. fn receives each feature's index, its decoded content and its decoding error
// (an *landrelease.Error with pointers relative to the feature), and may stop the reading with an error.
// ReadCollection returns EBADREQUEST for malformed or truncated JSON, and EINVALID (pointer given) for a body
// that is not a FeatureCollection, a crs other than CRS84 or EPSG:4326, or more features or vertices than lim.
func ReadCollection(r io.Reader, lim CollectionLimits, record string, fn func(i int, d *Decoded, err error) error) (int, error) {
	return readCollection(r, lim, record, nil, nil, fn)
}

// readCollection is ReadCollection with each feature's properties read through mapping m when it is not nil:
// mapped names, constants and shaped values (landrelease.Mapping.Apply); m.fields collects the source fields.
func readCollection(r io.Reader, lim CollectionLimits, record string, m *mapped, names map[string]struct{}, fn func(i int, d *Decoded, err error) error) (int, error) {
	lim = lim.withDefaults()
	dec := json.NewDecoder(r)
	bad := func(err error) error {
		return &landrelease.Error{Code: landrelease.EBADREQUEST,
			Message: fmt.Sprintf("The body is not valid JSON (at byte %d): %v.", dec.InputOffset(), err),
			Details: []landrelease.Detail{{Reason: err.Error()}}}
	}
	invalid := func(pointer, field, format string, args ...any) error {
		reason := fmt.Sprintf(format, args...)
		return landrelease.Invalid("The upload is not valid: "+reason+".", landrelease.Detail{Pointer: pointer, Field: field, Reason: reason})
	}
	tok, err := dec.Token()
	if err != nil {
		return 0, bad(err)
	}
	if tok != json.Delim('{') {
		return 0, invalid("", "type", "the body must be a GeoJSON FeatureCollection object")
	}
	n, vertices := 0, 0
	var typ string
	seenFeatures := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return n, bad(err)
		}
		key, _ := tok.(string)
		switch key {
		case "type":
			if err := dec.Decode(&typ); err != nil || typ != "FeatureCollection" {
				return n, invalid("/type", "type", "type must be \"FeatureCollection\"")
			}
		case "crs":
			var crs struct {
				Properties struct {
					Name string `json:"name"`
				} `json:"properties"`
			}
			if err := dec.Decode(&crs); err != nil {
				return n, invalid("/crs", "crs", "crs must be a named CRS object")
			}
			ok := false
			for _, c := range crsNames {
				ok = ok || strings.EqualFold(crs.Properties.Name, c)
			}
			if !ok {
				return n, invalid("/crs", "crs", "crs %q is not WGS 84 longitude/latitude (CRS84 or EPSG:4326): reproject the data first", crs.Properties.Name)
			}
		case "features":
			seenFeatures = true
			if tok, err := dec.Token(); err != nil {
				return n, bad(err)
			} else if tok != json.Delim('[') {
				return n, invalid("/features", "features", "features must be an array")
			}
			for dec.More() {
				if n >= lim.MaxFeatures {
					return n, &landrelease.Error{Code: landrelease.ETOOLARGE, Message: fmt.Sprintf("The upload has more than %d features: split it.", lim.MaxFeatures),
						Details: []landrelease.Detail{{Pointer: fmt.Sprintf("/features/%d", n), Field: "features", Reason: fmt.Sprintf("more than %d features", lim.MaxFeatures)}}}
				}
				var raw json.RawMessage
				if err := dec.Decode(&raw); err != nil {
					return n, bad(err)
				}
				if m != nil {
					raw = m.apply(raw)
				}
				d, derr := Decode(raw, Options{Limits: lim.Geometry, Record: record, validJSON: true, names: names}) // the decoder checked the syntax
				if m != nil && d != nil {
					m.note(d, derr)
				}
				if d != nil {
					vertices += vertexCount(d)
					if vertices > lim.MaxVertices {
						return n, &landrelease.Error{Code: landrelease.ETOOLARGE, Message: fmt.Sprintf("The upload has more than %d vertices: split it.", lim.MaxVertices),
							Details: []landrelease.Detail{{Pointer: fmt.Sprintf("/features/%d", n), Field: "geometry", Reason: fmt.Sprintf("more than %d vertices in all", lim.MaxVertices)}}}
					}
				}
				if err := fn(n, d, derr); err != nil {
					return n, err
				}
				n++
			}
			if _, err := dec.Token(); err != nil {
				return n, bad(err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return n, bad(err)
			}
		}
	}
	if _, err := dec.Token(); err != nil {
		return n, bad(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return n, bad(fmt.Errorf("data follows the FeatureCollection"))
	}
	if typ != "FeatureCollection" {
		return n, invalid("/type", "type", "type must be \"FeatureCollection\"")
	}
	if !seenFeatures {
		return n, invalid("/features", "features", "features is required")
	}
	return n, nil
}

func vertexCount(d *Decoded) int {
	switch {
	case d.Hazard != nil:
		return geo.Vertices(d.Hazard.Geometry)
	case d.Release != nil:
		return geo.Vertices(d.Release.Geometry)
	}
	return 0
}

// Reader reads GeoJSON uploads: a FeatureCollection of hazard areas and land releases within its limits. It
// implements landrelease.UploadReader. With a mapping (UploadSource.Mapping) each feature's properties are read
// through it (landrelease.Mapping.Apply); with or without one, the fields it returns are those the features
// carry, sorted by name.
type Reader struct {
	Limits CollectionLimits
}

var _ landrelease.UploadReader = Reader{}

// ReadUpload reads the features of body; see landrelease.UploadReader. A mapping naming a field no feature
// carries is EINVALID (landrelease.Mapping.CheckFields), after the features were read, when src.Format is
// GeoJSON (or unset): a body converted from another format (a reader of that format handing its GeoJSON here)
// was checked against that file's own fields, some of which no feature may carry.
func (r Reader) ReadUpload(_ context.Context, body io.Reader, src landrelease.UploadSource, fn func(i int, f *landrelease.UploadFeature, err error) error) ([]string, error) {
	if src.Mapping == nil {
		names := map[string]struct{}{}
		_, err := readCollection(body, r.Limits, "", nil, names, fn)
		return slices.Sorted(maps.Keys(names)), err
	}
	m := &mapped{m: src.Mapping, seen: map[string]bool{}}
	_, err := readCollection(body, r.Limits, "", m, nil, fn)
	slices.Sort(m.fields)
	if err != nil || src.FormatOrDefault() != landrelease.UploadGeoJSON {
		return m.fields, err
	}
	return m.fields, src.Mapping.CheckFields(m.fields)
}
