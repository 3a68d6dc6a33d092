package cql2

import (
	"strings"

	"github.com/paulmach/orb"
)

// WKT writes g as the WKT that CQL2 text and PostGIS read: POINT(1 2), MULTIPOINT((1 2), (3 4)), and so on,
// numbers in their shortest exact form. It writes the geometry types a GeometryLit holds, and "" for others.
func WKT(g orb.Geometry) string {
	var b strings.Builder
	writeWKT(&b, g)
	return b.String()
}

func writeWKT(b *strings.Builder, g orb.Geometry) {
	switch g := g.(type) {
	case orb.Point:
		b.WriteString("POINT(")
		writePoint(b, g)
		b.WriteString(")")
	case orb.LineString:
		b.WriteString("LINESTRING")
		writePoints(b, g)
	case orb.Polygon:
		b.WriteString("POLYGON")
		writeRings(b, g)
	case orb.MultiPoint:
		b.WriteString("MULTIPOINT(")
		for i, p := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			writePoint(b, p)
			b.WriteString(")")
		}
		b.WriteString(")")
	case orb.MultiLineString:
		b.WriteString("MULTILINESTRING(")
		for i, l := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			writePoints(b, l)
		}
		b.WriteString(")")
	case orb.MultiPolygon:
		b.WriteString("MULTIPOLYGON(")
		for i, p := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRings(b, p)
		}
		b.WriteString(")")
	case orb.Collection:
		b.WriteString("GEOMETRYCOLLECTION(")
		for i, x := range g {
			if i > 0 {
				b.WriteString(", ")
			}
			writeWKT(b, x)
		}
		b.WriteString(")")
	}
}

func writePoint(b *strings.Builder, p orb.Point) {
	b.WriteString(formatNumber(p[0]) + " " + formatNumber(p[1]))
}

func writePoints(b *strings.Builder, ps []orb.Point) {
	b.WriteString("(")
	for i, p := range ps {
		if i > 0 {
			b.WriteString(", ")
		}
		writePoint(b, p)
	}
	b.WriteString(")")
}

func writeRings(b *strings.Builder, rings orb.Polygon) {
	b.WriteString("(")
	for i, r := range rings {
		if i > 0 {
			b.WriteString(", ")
		}
		writePoints(b, r)
	}
	b.WriteString(")")
}

// geometry parses the WKT text after the keyword kw (POINT, ..., GEOMETRYCOLLECTION), in two dimensions.
func (p *parser) geometry(kw token, kind string) (orb.Geometry, error) {
	if t := p.peek(); t.kind == tIdent {
		switch strings.ToUpper(t.text) {
		case "Z", "M", "ZM":
			return nil, errorf(t.pos, "only two-dimensional geometries are supported, not %s %s", kind, t.text)
		case "EMPTY":
			return nil, errorf(t.pos, "empty geometries are not supported")
		}
	}
	open, err := p.expect(tLParen, "after "+kind)
	if err != nil {
		return nil, err
	}
	var g orb.Geometry
	switch kind {
	case "POINT":
		var pt orb.Point
		pt, err = p.point()
		g = pt
	case "LINESTRING":
		var l orb.LineString
		l, err = p.lineString(kw.pos)
		g = l
	case "POLYGON":
		var pg orb.Polygon
		pg, err = p.polygon()
		g = pg
	case "MULTIPOINT":
		var mp orb.MultiPoint
		err = p.list(func() error {
			if _, err := p.expect(tLParen, "before a point of MULTIPOINT"); err != nil {
				return err
			}
			pt, err := p.point()
			if err != nil {
				return err
			}
			mp = append(mp, pt)
			_, err = p.expect(tRParen, "after a point of MULTIPOINT")
			return err
		})
		g = mp
	case "MULTILINESTRING":
		var ml orb.MultiLineString
		err = p.list(func() error {
			t, err := p.expect(tLParen, "before a line of MULTILINESTRING")
			if err != nil {
				return err
			}
			l, err := p.lineString(t.pos)
			ml = append(ml, l)
			return err
		})
		g = ml
	case "MULTIPOLYGON":
		var mp orb.MultiPolygon
		err = p.list(func() error {
			if _, err := p.expect(tLParen, "before a polygon of MULTIPOLYGON"); err != nil {
				return err
			}
			pg, err := p.polygon()
			mp = append(mp, pg)
			return err
		})
		g = mp
	case "GEOMETRYCOLLECTION":
		if err := p.enter(open.pos); err != nil {
			return nil, err
		}
		var c orb.Collection
		err = p.list(func() error {
			t := p.next()
			k := strings.ToUpper(t.text)
			if t.kind != tIdent || !geometryKinds[k] {
				return errorf(t.pos, "expected a geometry in GEOMETRYCOLLECTION, found %s", t.describe())
			}
			x, err := p.geometry(t, k)
			c = append(c, x)
			return err
		})
		p.depth--
		g = c
	}
	if err != nil {
		return nil, err
	}
	if kind == "POINT" {
		if _, err := p.expect(tRParen, "after the point"); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// list parses item {"," item} ")".
func (p *parser) list(item func() error) error {
	for {
		if err := item(); err != nil {
			return err
		}
		t := p.next()
		switch t.kind {
		case tComma:
		case tRParen:
			return nil
		default:
			return errorf(t.pos, "expected ',' or ')', found %s", t.describe())
		}
	}
}

// point parses "x y", counting the vertex against MaxVertices.
func (p *parser) point() (orb.Point, error) {
	var pt orb.Point
	for i := range pt {
		t := p.next()
		if t.kind != tNumber {
			return pt, errorf(t.pos, "expected a coordinate, found %s", t.describe())
		}
		if i == 0 {
			p.vertices++
			if p.vertices > MaxVertices {
				return pt, errorf(t.pos, "the geometries have more than %d vertices", MaxVertices)
			}
		}
		pt[i] = t.num
	}
	return pt, nil
}

// lineString parses the points of a line after its "(" (at open), through its ")": two points at least.
func (p *parser) lineString(open Pos) (orb.LineString, error) {
	var l orb.LineString
	err := p.list(func() error {
		pt, err := p.point()
		l = append(l, pt)
		return err
	})
	if err == nil && len(l) < 2 {
		err = errorf(open, "a line needs two points at least")
	}
	return l, err
}

// polygon parses the rings of a polygon after its "(", through its ")": each ring closed, of four points at
// least.
func (p *parser) polygon() (orb.Polygon, error) {
	var pg orb.Polygon
	err := p.list(func() error {
		open, err := p.expect(tLParen, "before a ring")
		if err != nil {
			return err
		}
		l, err := p.lineString(open.pos)
		if err != nil {
			return err
		}
		if len(l) < 4 {
			return errorf(open.pos, "a ring needs four points at least")
		}
		if l[0] != l[len(l)-1] {
			return errorf(open.pos, "the ring is not closed: its last point must equal its first")
		}
		pg = append(pg, orb.Ring(l))
		return nil
	})
	return pg, err
}
