package geo

import (
	"strconv"

	"github.com/paulmach/orb"
)

// decodeFast is Decode's path for the common case: an object with exactly
// the members "type" and "coordinates" (in either order, names and type
// without escapes) whose coordinates break none of Decode's rules. It reads
// the bytes directly instead of token by token. ok is false whenever the
// input is anything else, valid or not; Decode then reads it the slow way,
// which finds the same result or explains the defect. For every input on
// which ok is true, the result equals the slow path's (FuzzDecodeFast).
func decodeFast(data []byte, lim Limits) (mp orb.MultiPolygon, poly, ok bool) {
	f := fastDecoder{b: data, lim: lim}
	f.ws()
	if !f.eat('{') {
		return nil, false, false
	}
	var (
		typ        string
		haveCoords bool
		coords     orb.MultiPolygon
		depth      int // of the coordinates: 3 for a Polygon's, 4 for a MultiPolygon's
	)
	for {
		f.ws()
		key, ok := f.plainString()
		if !ok {
			return nil, false, false
		}
		f.ws()
		if !f.eat(':') {
			return nil, false, false
		}
		f.ws()
		switch key {
		case "type":
			if typ != "" {
				return nil, false, false
			}
			v, ok := f.plainString()
			if !ok || (v != "Polygon" && v != "MultiPolygon") {
				return nil, false, false
			}
			typ = v
		case "coordinates":
			if haveCoords {
				return nil, false, false
			}
			haveCoords = true
			if coords, depth, ok = f.coordinates(); !ok {
				return nil, false, false
			}
		default:
			return nil, false, false
		}
		f.ws()
		if f.eat('}') {
			break
		}
		if !f.eat(',') {
			return nil, false, false
		}
	}
	f.ws()
	if f.i != len(f.b) || typ == "" || !haveCoords {
		return nil, false, false
	}
	if (typ == "Polygon") != (depth == 3) {
		return nil, false, false
	}
	return coords, typ == "Polygon", true
}

// fastDecoder is a cursor over the bytes of a geometry object.
type fastDecoder struct {
	b            []byte
	i            int
	lim          Limits
	dim          int // numbers per position, 0 before the first
	verts, rings int
}

func (f *fastDecoder) ws() {
	for f.i < len(f.b) {
		switch f.b[f.i] {
		case ' ', '\t', '\n', '\r':
			f.i++
		default:
			return
		}
	}
}

func (f *fastDecoder) eat(c byte) bool {
	if f.i < len(f.b) && f.b[f.i] == c {
		f.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes.
func (f *fastDecoder) plainString() (string, bool) {
	if !f.eat('"') {
		return "", false
	}
	start := f.i
	for f.i < len(f.b) {
		c := f.b[f.i]
		switch {
		case c == '"':
			s := string(f.b[start:f.i])
			f.i++
			return s, true
		case c == '\\' || c < 0x20 || c >= 0x7f:
			return "", false
		}
		f.i++
	}
	return "", false
}

// number reads a JSON number (RFC 8259 grammar) that fits a finite float64.
func (f *fastDecoder) number() (float64, bool) {
	start := f.i
	f.eat('-')
	switch {
	case f.eat('0'):
	case f.digit():
		for f.digit() {
		}
	default:
		return 0, false
	}
	if f.eat('.') {
		if !f.digit() {
			return 0, false
		}
		for f.digit() {
		}
	}
	if f.eat('e') || f.eat('E') {
		if !f.eat('+') {
			f.eat('-')
		}
		if !f.digit() {
			return 0, false
		}
		for f.digit() {
		}
	}
	v, err := strconv.ParseFloat(string(f.b[start:f.i]), 64)
	return v, err == nil // ParseFloat fails on overflow; the grammar rules out NaN and Inf
}

func (f *fastDecoder) digit() bool {
	if f.i < len(f.b) && f.b[f.i] >= '0' && f.b[f.i] <= '9' {
		f.i++
		return true
	}
	return false
}

// coordinates reads a Polygon's or a MultiPolygon's coordinates, telling them
// apart by their nesting.
func (f *fastDecoder) coordinates() (orb.MultiPolygon, int, bool) {
	// Look ahead: "[[[[" opens a MultiPolygon's coordinates, "[[[" then a
	// number a Polygon's.
	save := f.i
	opens := 0
	for opens < 4 && f.eat('[') {
		opens++
		f.ws()
	}
	f.i = save
	switch opens {
	case 3:
		p, ok := f.polygon()
		return orb.MultiPolygon{p}, 3, ok
	case 4:
		if !f.eat('[') {
			return nil, 0, false
		}
		var mp orb.MultiPolygon
		for {
			f.ws()
			p, ok := f.polygon()
			if !ok {
				return nil, 0, false
			}
			mp = append(mp, p)
			if !f.next() {
				break
			}
		}
		return mp, 4, f.eat(']')
	}
	return nil, 0, false
}

// next consumes a comma and reports true, or reports false before a closing bracket.
func (f *fastDecoder) next() bool {
	f.ws()
	return f.eat(',')
}

func (f *fastDecoder) polygon() (orb.Polygon, bool) {
	if !f.eat('[') {
		return nil, false
	}
	var p orb.Polygon
	for {
		f.ws()
		r, ok := f.ring()
		if !ok {
			return nil, false
		}
		p = append(p, r)
		if !f.next() {
			break
		}
	}
	return p, f.eat(']')
}

func (f *fastDecoder) ring() (orb.Ring, bool) {
	if !f.eat('[') {
		return nil, false
	}
	f.rings++
	if f.rings > f.lim.MaxRings {
		return nil, false
	}
	var (
		r           orb.Ring
		first, last [3]float64
	)
	for {
		f.ws()
		pos, ok := f.position()
		if !ok {
			return nil, false
		}
		if len(r) == 0 {
			first = pos
		}
		last = pos
		r = append(r, orb.Point{pos[0], pos[1]})
		if !f.next() {
			break
		}
	}
	if !f.eat(']') || len(r) < 4 || first != last {
		return nil, false
	}
	return r, true
}

func (f *fastDecoder) position() ([3]float64, bool) {
	var v [3]float64
	if !f.eat('[') {
		return v, false
	}
	f.verts++
	if f.verts > f.lim.MaxVertices {
		return v, false
	}
	n := 0
	for {
		f.ws()
		if n == 3 {
			return v, false
		}
		x, ok := f.number()
		if !ok {
			return v, false
		}
		v[n] = x
		n++
		if !f.next() {
			break
		}
	}
	if !f.eat(']') || n < 2 || (f.dim != 0 && n != f.dim) {
		return v, false
	}
	f.dim = n
	if v[0] < -180 || v[0] > 180 || v[1] < -90 || v[1] > 90 {
		return v, false
	}
	return v, true
}
