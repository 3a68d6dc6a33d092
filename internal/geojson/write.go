package geojson

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"strconv"
	"unicode/utf8"
)

// The JSON writer of the hand-written encodings (the cached features and their pages, the map's features): it
// appends to a byte slice exactly what encoding/json writes for the same value with HTML characters not escaped,
// as the API writes every GeoJSON body.

// jsonEncoder returns an encoder that writes as the API does: HTML characters not escaped.
func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

// appendJSON appends v as jsonEncoder encodes it, without the trailing newline. On error buf is unchanged.
func appendJSON(buf []byte, v any) ([]byte, error) {
	b := bytes.NewBuffer(buf)
	if err := jsonEncoder(b).Encode(v); err != nil {
		return buf, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

type encodeError string

func (e encodeError) Error() string { return string(e) }

// appendJSONFloat appends f as encoding/json writes a float64; it fails on NaN and infinities, as encoding/json does.
func appendJSONFloat(buf []byte, f float64) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return buf, encodeError("geojson: unsupported value " + strconv.FormatFloat(f, 'g', -1, 64))
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	buf = strconv.AppendFloat(buf, f, format, -1, 64)
	if format == 'e' { // clean up e-09 to e-9
		if n := len(buf); n >= 4 && buf[n-4] == 'e' && buf[n-3] == '-' && buf[n-2] == '0' {
			buf[n-2] = buf[n-1]
			buf = buf[:n-1]
		}
	}
	return buf, nil
}

// appendJSONString appends s as a JSON string the way jsonEncoder writes it.
func appendJSONString(buf []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			buf, _ = appendJSON(buf, s) // a string always encodes
			return buf
		}
	}
	buf = append(buf, '"')
	buf = append(buf, s...)
	return append(buf, '"')
}

// appendOpenFeature appends f as jsonEncoder encodes it, but open: without the closing brace of its properties
// object and the closing brace of the feature. The writer puts the members in the order of Feature's fields,
// properties last, so that properties appended to the open feature (a near query's distance_m) follow the
// record's own, and closeFeature then gives the bytes jsonEncoder writes for f with those properties. P must
// encode as a JSON object. It fails where encoding/json fails (a NaN, say).
func appendOpenFeature[P any](buf []byte, f Feature[P]) ([]byte, error) {
	start := len(buf)
	buf = append(buf, `{"type":`...)
	buf = appendJSONString(buf, f.Type)
	if f.ID != "" {
		buf = append(buf, `,"id":`...)
		buf = appendJSONString(buf, f.ID)
	}
	buf = append(buf, `,"geometry":`...)
	var err error
	if buf, err = appendJSON(buf, f.Geometry); err != nil {
		return buf[:start], err
	}
	buf = append(buf, `,"properties":`...)
	if buf, err = appendJSON(buf, f.Properties); err != nil {
		return buf[:start], err
	}
	if buf[len(buf)-1] != '}' {
		return buf[:start], encodeError("geojson: the properties are not a JSON object")
	}
	return buf[:len(buf)-1], nil
}

// appendFloatProperty appends the member name: value to an open properties object that holds members already.
func appendFloatProperty(buf []byte, name string, value float64) ([]byte, error) {
	buf = append(buf, ',')
	buf = appendJSONString(buf, name)
	buf = append(buf, ':')
	return appendJSONFloat(buf, value)
}

// closeFeature closes a feature appendOpenFeature left open.
func closeFeature(buf []byte) []byte { return append(buf, "}}"...) }

// appendLinks appends the links member of a page, when there are links.
func appendLinks(buf []byte, links []Link) []byte {
	if len(links) == 0 {
		return buf
	}
	buf = append(buf, `,"links":[`...)
	for i, l := range links {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"href":`...)
		buf = appendJSONString(buf, l.Href)
		buf = append(buf, `,"rel":`...)
		buf = appendJSONString(buf, l.Rel)
		if l.Type != "" {
			buf = append(buf, `,"type":`...)
			buf = appendJSONString(buf, l.Type)
		}
		buf = append(buf, '}')
	}
	return append(buf, ']')
}
