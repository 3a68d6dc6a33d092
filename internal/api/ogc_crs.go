package api

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
)

// OGC API - Features Part 2: coordinate reference systems by reference. The registry stores WGS 84 longitude and
// latitude (CRS84); it answers in EPSG:4326 (the same datum, latitude first), and with a Reprojector (PostGIS) in
// Web Mercator and the WGS 84 UTM zones that cover the gazetteer.

const (
	crs84URI   = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
	epsgPrefix = "http://www.opengis.net/def/crs/EPSG/0/"
	sridWGS84  = 4326
	sridWebMer = 3857
)

// crsRef is a coordinate reference system a client may ask for: srid 0 is CRS84, the registry's own.
type crsRef struct {
	uri  string
	srid int
}

var crsCRS84 = crsRef{uri: crs84URI}

func epsg(srid int) crsRef { return crsRef{uri: epsgPrefix + strconv.Itoa(srid), srid: srid} }

// utmZones lists the EPSG codes of the WGS 84 UTM zones (326zz north, 327zz south) that b overlaps.
func utmZones(b orb.Bound) []int {
	zone := func(lon float64) int { return min(60, max(1, int(math.Floor((lon+180)/6))+1)) }
	var out []int
	for _, base := range []int{32600, 32700} {
		if (base == 32600 && b.Max[1] < 0) || (base == 32700 && b.Min[1] >= 0) {
			continue
		}
		for z := zone(b.Min[0]); z <= zone(b.Max[0]); z++ {
			out = append(out, base+z)
		}
	}
	return out
}

// supportedCRS lists the coordinate reference systems the service answers in, CRS84 first.
func (s *Server) supportedCRS(ctx context.Context) ([]crsRef, error) {
	out := []crsRef{crsCRS84, epsg(sridWGS84)}
	if s.cfg.CRS == nil {
		return out, nil
	}
	out = append(out, epsg(sridWebMer))
	b, ok, err := s.cfg.CRS.AdminExtent(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		for _, z := range utmZones(b) {
			out = append(out, epsg(z))
		}
	}
	return out, nil
}

func crsURIs(refs []crsRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.uri
	}
	return out
}

// parseCRS reads a CRS as a URI (http://www.opengis.net/def/crs/EPSG/0/32648), or as a safe CURIE
// ([EPSG:32648], [OGC:CRS84]) or its plain form (EPSG:32648).
func parseCRS(s string) (crsRef, bool) {
	t := strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	switch {
	case t == crs84URI || t == "http://www.opengis.net/def/crs/OGC/0/CRS84" || t == "OGC:CRS84":
		return crsCRS84, true
	case strings.HasPrefix(t, epsgPrefix):
		t = strings.TrimPrefix(t, epsgPrefix)
	case strings.HasPrefix(t, "EPSG:"):
		t = strings.TrimPrefix(t, "EPSG:")
	default:
		return crsRef{}, false
	}
	n, err := strconv.Atoi(t)
	if err != nil || n <= 0 || strconv.Itoa(n) != t {
		return crsRef{}, false
	}
	return epsg(n), true
}

// crsParam reads the CRS the query parameter name (crs or bbox-crs) asks for; CRS84 when absent. EBADREQUEST,
// naming the supported ones, for any other.
func (s *Server) crsParam(c echo.Context, name string) (crsRef, error) {
	v := c.QueryParam(name)
	if v == "" {
		return crsCRS84, nil
	}
	supported, err := s.supportedCRS(c.Request().Context())
	if err != nil {
		return crsRef{}, err
	}
	if r, ok := parseCRS(v); ok {
		for _, sr := range supported {
			if sr == r {
				return r, nil
			}
		}
	}
	return crsRef{}, badParam(name, "must be one of %s, not %q", strings.Join(crsURIs(supported), ", "), v)
}

// transformer returns what moves WGS 84 polygons into r: nothing for CRS84, swapping the axes for EPSG:4326,
// else the Reprojector.
func (s *Server) transformer(ctx context.Context, r crsRef) geojson.Transformer {
	switch r.srid {
	case 0:
		return func(gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) { return gs, nil }
	case sridWGS84:
		return func(gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) {
			out := make([]orb.MultiPolygon, len(gs))
			for i, g := range gs {
				out[i] = swapAxes(g)
			}
			return out, nil
		}
	}
	return func(gs []orb.MultiPolygon) ([]orb.MultiPolygon, error) {
		return s.cfg.CRS.FromWGS84(ctx, r.srid, gs)
	}
}

// swapAxes returns a copy of mp with x and y exchanged.
func swapAxes(mp orb.MultiPolygon) orb.MultiPolygon {
	if mp == nil {
		return nil
	}
	out := make(orb.MultiPolygon, len(mp))
	for i, p := range mp {
		out[i] = make(orb.Polygon, len(p))
		for j, r := range p {
			out[i][j] = make(orb.Ring, len(r))
			for k, pt := range r {
				out[i][j][k] = orb.Point{pt[1], pt[0]}
			}
		}
	}
	return out
}

// bboxToCRS84 rewrites a bbox given in bbox-crs into the registry's CRS84 bbox, in q.
func (s *Server) bboxToCRS84(c echo.Context, q url.Values) error {
	r, err := s.crsParam(c, "bbox-crs")
	if err != nil {
		return err
	}
	q.Del("bbox-crs")
	if r.srid == 0 {
		return nil
	}
	v, err := rawBBox(q)
	if err != nil {
		return err
	}
	if v == nil {
		return badParam("bbox-crs", "needs bbox")
	}
	b := orb.Bound{Min: orb.Point{v[0], v[1]}, Max: orb.Point{v[2], v[3]}}
	if r.srid == sridWGS84 {
		b = orb.Bound{Min: orb.Point{v[1], v[0]}, Max: orb.Point{v[3], v[2]}}
	} else if b, err = s.cfg.CRS.ToWGS84(c.Request().Context(), r.srid, b); err != nil {
		return err
	}
	b.Min = orb.Point{max(b.Min[0], -180), max(b.Min[1], -90)}
	b.Max = orb.Point{min(b.Max[0], 180), min(b.Max[1], 90)}
	if b.Min[0] >= b.Max[0] || b.Min[1] >= b.Max[1] {
		return badParam("bbox", "%q in %s is no box of longitudes and latitudes", q.Get("bbox"), r.uri)
	}
	q.Set("bbox", formatBBox(b))
	return nil
}

// contentCRS is the Content-Crs header of an answer in r.
func contentCRS(r crsRef) string { return fmt.Sprintf("<%s>", r.uri) }
