package geo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/paulmach/orb"
)

// Limits bound what Decode accepts. Zero fields mean the defaults below;
// negative fields are treated as zero.
type Limits struct {
	MaxVertices int // total positions in one geometry; default 100000
	MaxRings    int // total rings; default 10000
}

const (
	defaultMaxVertices = 100000
	defaultMaxRings    = 10000

	// maxLevels is the array nesting a MultiPolygon's coordinates need:
	// polygons, rings, positions, numbers.
	maxLevels = 4

	// maxForeignDepth bounds the nesting of ignored members such as "bbox".
	maxForeignDepth = 32

	// maxQuoted bounds how much of a foreign string is echoed in a message.
	maxQuoted = 40
)

func (l Limits) withDefaults() Limits {
	if l.MaxVertices <= 0 {
		l.MaxVertices = defaultMaxVertices
	}
	if l.MaxRings <= 0 {
		l.MaxRings = defaultMaxRings
	}
	return l
}

// Decode parses one GeoJSON geometry object (the value of a Feature's
// "geometry" member) that must be a Polygon or MultiPolygon, and returns it as
// an orb.MultiPolygon (a Polygon becomes a one-polygon MultiPolygon) plus
// whether the input was a Polygon.
//
// Every position must hold 2 or 3 numbers, all positions the same count;
// Z values, when every position has one, are dropped. Longitudes must lie in
// [-180, 180] and latitudes in [-90, 90]. Every ring must have at least 4
// positions and end where it starts (Z included). Type names are
// case-sensitive. Other members ("bbox", foreign members) are ignored as
// long as they nest at most 32 levels deep; a repeated "type" or
// "coordinates" member is rejected as ErrSyntax. Topological validity
// (self-intersection, holes outside shells) and ring orientation are not
// checked (see Clean).
//
// Decode reads data token by token, so a huge or deeply nested input fails
// with ErrTooLarge before allocating beyond lim. It never panics. It returns
// the first defect in document order as an *Error wrapping a sentinel
// error, with this exception: when "type" follows "coordinates", the
// coordinates are read again once the type is known, so syntax errors
// anywhere in the object, a disallowed type and over-deep nesting are
// reported before the other defects of the coordinates.
func Decode(data []byte, lim Limits) (orb.MultiPolygon, bool, error) {
	lim = lim.withDefaults()
	if mp, poly, ok := decodeFast(data, lim); ok {
		return mp, poly, nil
	}
	return decodeSlow(data, lim)
}

// decodeSlow is Decode token by token, with the precise error of every defect.
func decodeSlow(data []byte, lim Limits) (orb.MultiPolygon, bool, error) {
	d := newDecoder(data, lim)

	tok, err := d.next("")
	if err != nil {
		return nil, false, err
	}
	switch tok {
	case nil:
		if err := d.end(); err != nil {
			return nil, false, err
		}
		return nil, false, &Error{Err: ErrNull, Msg: "geometry is null; Polygon or MultiPolygon is required"}
	case json.Delim('{'):
	case json.Delim('['):
		// A bare array is not a geometry, but an array bomb is reported
		// as what it is.
		for i := 1; i <= maxLevels; i++ {
			t, err := d.dec.Token()
			if err != nil || t != json.Delim('[') {
				break
			}
			if i == maxLevels {
				return nil, false, &Error{Err: ErrTooLarge, Msg: fmt.Sprintf("arrays nested deeper than %d levels", maxLevels)}
			}
		}
		return nil, false, &Error{Err: ErrType, Msg: "found a JSON array, not a geometry object; Polygon or MultiPolygon is required"}
	default:
		return nil, false, &Error{Err: ErrType, Msg: fmt.Sprintf("found a JSON %s, not a geometry object; Polygon or MultiPolygon is required", kind(tok))}
	}

	var (
		typ        string
		haveType   bool
		haveCoords bool
		deferred   int64 = -1 // offset of "coordinates" read before "type"
		mp         orb.MultiPolygon
	)
	for {
		tok, err := d.next("")
		if err != nil {
			return nil, false, err
		}
		if tok == json.Delim('}') {
			break
		}
		key, _ := tok.(string) // object keys are always strings
		switch key {
		case "type":
			if haveType {
				return nil, false, &Error{Err: ErrSyntax, Pointer: "/type", Msg: `duplicate "type" member`}
			}
			haveType = true
			tok, err := d.next("/type")
			if err != nil {
				return nil, false, err
			}
			s, ok := tok.(string)
			if !ok {
				return nil, false, &Error{Err: ErrType, Pointer: "/type", Msg: fmt.Sprintf(`"type" is a JSON %s, not a string; Polygon or MultiPolygon is required`, kind(tok))}
			}
			if err := checkType(s); err != nil {
				return nil, false, err
			}
			typ = s
			d.poly = s == "Polygon"
		case "coordinates":
			if haveCoords {
				return nil, false, &Error{Err: ErrSyntax, Pointer: "/coordinates", Msg: `duplicate "coordinates" member`}
			}
			haveCoords = true
			if haveType {
				mp, err = d.coordinates()
			} else {
				deferred = d.dec.InputOffset()
				err = d.skip("/coordinates", maxLevels)
			}
			if err != nil {
				return nil, false, err
			}
		default:
			if err := d.skip("/"+escape(key), maxForeignDepth); err != nil {
				return nil, false, err
			}
		}
	}
	if err := d.end(); err != nil {
		return nil, false, err
	}
	if !haveType {
		return nil, false, &Error{Err: ErrType, Msg: `no "type" member; Polygon or MultiPolygon is required`}
	}
	if !haveCoords {
		return nil, false, &Error{Err: ErrEmpty, Msg: fmt.Sprintf(`%s has no "coordinates" member`, typ)}
	}
	if deferred >= 0 {
		// The coordinates came before the type: read them again, now
		// knowing how deep they nest. The first pass checked the syntax,
		// so what follows the key is blanks, a colon and the value.
		rest := bytes.TrimLeft(data[deferred:], " \t\r\n")
		rest = bytes.TrimPrefix(rest, []byte(":"))
		d2 := newDecoder(rest, d.lim)
		d2.poly = d.poly
		if mp, err = d2.coordinates(); err != nil {
			return nil, false, err
		}
	}
	return mp, d.poly, nil
}

func checkType(s string) error {
	switch s {
	case "Polygon", "MultiPolygon":
		return nil
	}
	msg := fmt.Sprintf("type %s is not allowed; Polygon or MultiPolygon is required", quote(s))
	if strings.EqualFold(s, "Polygon") || strings.EqualFold(s, "MultiPolygon") {
		msg += " (type names are case-sensitive)"
	}
	return &Error{Err: ErrType, Pointer: "/type", Msg: msg}
}

// decoder reads coordinates token by token. path holds the array indices
// leading to the current token; pointers are built from it only on error.
type decoder struct {
	dec   *json.Decoder
	lim   Limits
	poly  bool // Polygon rather than MultiPolygon
	dim   int  // numbers per position, 0 before the first position
	verts int
	rings int
	path  [maxLevels]int
}

func newDecoder(data []byte, lim Limits) *decoder {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return &decoder{dec: dec, lim: lim}
}

// pointer returns the JSON pointer of the array or number at the given
// level below "coordinates" (level 0 is "coordinates" itself).
func (d *decoder) pointer(level int) string {
	b := make([]byte, 0, 32)
	b = append(b, "/coordinates"...)
	for i := 0; i < level; i++ {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(d.path[i]), 10)
	}
	return string(b)
}

// next reads a token; a decoding failure becomes ErrSyntax at ptr.
func (d *decoder) next(ptr string) (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, syntaxError(err, ptr)
	}
	return tok, nil
}

// token reads a token inside the coordinates; a decoding failure becomes
// ErrSyntax at the array at level.
func (d *decoder) token(level int) (json.Token, error) {
	tok, err := d.dec.Token()
	if err != nil {
		return nil, syntaxError(err, d.pointer(level))
	}
	return tok, nil
}

func syntaxError(err error, ptr string) *Error {
	msg := err.Error()
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		msg = fmt.Sprintf("%s (byte %d)", se.Error(), se.Offset)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		msg = "unexpected end of JSON input"
	}
	return &Error{Err: ErrSyntax, Pointer: ptr, Msg: msg}
}

// end checks that nothing but blanks follows the geometry.
func (d *decoder) end() error {
	_, err := d.dec.Token()
	if err == io.EOF {
		return nil
	}
	msg := fmt.Sprintf("data after the geometry (byte %d)", d.dec.InputOffset())
	if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
		msg = fmt.Sprintf("data after the geometry (byte %d)", se.Offset)
	}
	return &Error{Err: ErrSyntax, Msg: msg}
}

// skip reads one value, failing with ErrTooLarge when it nests deeper than
// maxDepth arrays and objects.
func (d *decoder) skip(ptr string, maxDepth int) error {
	depth := 0
	for {
		tok, err := d.next(ptr)
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
			if depth > maxDepth {
				return &Error{Err: ErrTooLarge, Pointer: ptr, Msg: fmt.Sprintf("value nested deeper than %d levels", maxDepth)}
			}
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// coordinates reads the value of the "coordinates" member.
func (d *decoder) coordinates() (orb.MultiPolygon, error) {
	tok, err := d.next("/coordinates")
	if err != nil {
		return nil, err
	}
	if d.poly {
		p, err := d.polygon(tok, 0)
		if err != nil {
			return nil, err
		}
		return orb.MultiPolygon{p}, nil
	}
	if err := d.array(tok, 0, "an array of polygons"); err != nil {
		return nil, err
	}
	var mp orb.MultiPolygon
	for i := 0; ; i++ {
		d.path[0] = i
		tok, err := d.token(0)
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			break
		}
		p, err := d.polygon(tok, 1)
		if err != nil {
			return nil, err
		}
		mp = append(mp, p)
	}
	if len(mp) == 0 {
		return nil, &Error{Err: ErrEmpty, Pointer: "/coordinates", Msg: "MultiPolygon has no polygons"}
	}
	return mp, nil
}

// polygon reads a polygon at level, tok being its first token.
func (d *decoder) polygon(tok json.Token, level int) (orb.Polygon, error) {
	if err := d.array(tok, level, "a polygon (an array of rings)"); err != nil {
		return nil, err
	}
	var p orb.Polygon
	for i := 0; ; i++ {
		d.path[level] = i
		tok, err := d.token(level)
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			break
		}
		r, err := d.ring(tok, level+1)
		if err != nil {
			return nil, err
		}
		p = append(p, r)
	}
	if len(p) == 0 {
		return nil, &Error{Err: ErrEmpty, Pointer: d.pointer(level), Msg: "polygon has no rings"}
	}
	return p, nil
}

// ring reads a ring at level, tok being its first token.
func (d *decoder) ring(tok json.Token, level int) (orb.Ring, error) {
	if err := d.array(tok, level, "a ring (an array of positions)"); err != nil {
		return nil, err
	}
	d.rings++
	if d.rings > d.lim.MaxRings {
		return nil, &Error{Err: ErrTooLarge, Pointer: d.pointer(level), Msg: fmt.Sprintf("more than %d rings", d.lim.MaxRings)}
	}
	var (
		r           orb.Ring
		first, last [3]float64
	)
	for i := 0; ; i++ {
		d.path[level] = i
		tok, err := d.token(level)
		if err != nil {
			return nil, err
		}
		if tok == json.Delim(']') {
			break
		}
		pos, err := d.position(tok, level+1)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			first = pos
		}
		last = pos
		r = append(r, orb.Point{pos[0], pos[1]})
	}
	if n := len(r); n < 4 {
		return nil, &Error{Err: ErrTooFewPositions, Pointer: d.pointer(level), Msg: fmt.Sprintf("ring has %s; a closed ring needs at least 4", count(n, "position"))}
	}
	if first != last {
		f, l := first[:d.dim], last[:d.dim]
		return nil, &Error{Err: ErrUnclosed, Pointer: d.pointer(level), Position: l,
			Msg: fmt.Sprintf("first position %v differs from last %v", f, l)}
	}
	return r, nil
}

// position reads a position at level, tok being its first token. Unused
// trailing values of the result are zero.
func (d *decoder) position(tok json.Token, level int) ([3]float64, error) {
	var v [3]float64
	if err := d.array(tok, level, "a position (an array of 2 or 3 numbers)"); err != nil {
		return v, err
	}
	d.verts++
	if d.verts > d.lim.MaxVertices {
		return v, &Error{Err: ErrTooLarge, Pointer: d.pointer(level), Msg: fmt.Sprintf("more than %d positions", d.lim.MaxVertices)}
	}
	n := 0
	for ; ; n++ {
		d.path[level] = n
		tok, err := d.token(level)
		if err != nil {
			return v, err
		}
		if tok == json.Delim(']') {
			break
		}
		num, ok := tok.(json.Number)
		if !ok {
			return v, d.notNumber(tok, level+1)
		}
		if n == 3 {
			return v, &Error{Err: ErrPosition, Pointer: d.pointer(level), Msg: "position has more than 3 numbers; 2 or 3 are required"}
		}
		f, err := strconv.ParseFloat(string(num), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return v, &Error{Err: ErrNotFinite, Pointer: d.pointer(level + 1), Msg: fmt.Sprintf("%s does not fit a 64-bit float", quoteNumber(num))}
		}
		v[n] = f
	}
	if n < 2 {
		return v, &Error{Err: ErrPosition, Pointer: d.pointer(level), Msg: fmt.Sprintf("position has %s; 2 or 3 are required", count(n, "number"))}
	}
	if d.dim == 0 {
		d.dim = n
	} else if n != d.dim {
		return v, &Error{Err: ErrDimension, Pointer: d.pointer(level), Position: append([]float64(nil), v[:n]...),
			Msg: fmt.Sprintf("position has %d numbers but the first position has %d", n, d.dim)}
	}
	if v[0] < -180 || v[0] > 180 {
		d.path[level] = 0
		return v, &Error{Err: ErrRange, Pointer: d.pointer(level + 1), Position: append([]float64(nil), v[:n]...),
			Msg: fmt.Sprintf("longitude %v outside [-180, 180]; projected coordinates? RFC 7946 requires WGS 84 longitude, latitude", v[0])}
	}
	if v[1] < -90 || v[1] > 90 {
		d.path[level] = 1
		return v, &Error{Err: ErrRange, Pointer: d.pointer(level + 1), Position: append([]float64(nil), v[:n]...),
			Msg: fmt.Sprintf("latitude %v outside [-90, 90]; projected coordinates or swapped axes? RFC 7946 requires WGS 84 longitude, latitude", v[1])}
	}
	return v, nil
}

// array checks that tok opens an array at level; what describes the
// expected value.
func (d *decoder) array(tok json.Token, level int, what string) error {
	if tok == json.Delim('[') {
		return nil
	}
	return &Error{Err: ErrPosition, Pointer: d.pointer(level), Msg: fmt.Sprintf("found a JSON %s; expected %s", kind(tok), what)}
}

// notNumber explains a token found where a coordinate belongs at level.
func (d *decoder) notNumber(tok json.Token, level int) error {
	if tok == json.Delim('[') {
		// An array opened here is at nesting level+1. A Polygon may be
		// given MultiPolygon coordinates; anything deeper is a bomb.
		deep := level+1 > maxLevels
		if !deep {
			t, err := d.dec.Token()
			deep = err == nil && t == json.Delim('[')
		}
		if deep {
			return &Error{Err: ErrTooLarge, Pointer: d.pointer(level), Msg: "arrays nested deeper than a MultiPolygon needs"}
		}
		return &Error{Err: ErrPosition, Pointer: d.pointer(level),
			Msg: "found a JSON array where a coordinate belongs; MultiPolygon coordinates under type Polygon?"}
	}
	return &Error{Err: ErrPosition, Pointer: d.pointer(level), Msg: fmt.Sprintf("found a JSON %s where a coordinate belongs", kind(tok))}
}

// count returns n and noun, in the plural unless n is 1.
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// kind names the JSON type of the value tok starts.
func kind(tok json.Token) string {
	switch t := tok.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case json.Delim:
		switch t {
		case '[':
			return "array"
		case '{':
			return "object"
		}
	}
	return "value"
}

// quote returns s quoted, shortened to keep messages bounded.
func quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "..."
	}
	return strconv.Quote(s)
}

// quoteNumber returns n shortened to keep messages bounded.
func quoteNumber(n json.Number) string {
	if len(n) > maxQuoted {
		return string(n[:maxQuoted]) + "..."
	}
	return string(n)
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// escape escapes a member name for use in a JSON pointer (RFC 6901).
func escape(s string) string { return pointerEscaper.Replace(s) }
