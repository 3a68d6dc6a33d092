package api

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The map's reads: GET /api/v1/map/hazard-areas and /api/v1/map/land-releases answer a view (bbox) at a zoom
// level with what the map draws and nothing more: each polygon simplified to half a screen pixel at that zoom
// (Douglas-Peucker, orb/simplify), coordinates rounded to a tenth of that, and only the properties the map styles
// and labels by (the record panel reads the full record when a polygon is clicked). The hazard areas of the
// current state come from the in-memory index, their simplified JSON cached per zoom; a map of the past (at,
// as_of) and the releases come from the database and are simplified as they are read.
//
// A view holds at most mapLimit features; when more match, the largest are drawn and the answer says how many
// matched, for the map to ask the user to zoom in.

const (
	mapLimit   = 10000
	mapMaxZoom = 20 // from this zoom nothing is simplified any more (7 decimals, about 1 cm)
)

// mapZoom reads zoom, a web-map zoom level (fractions are cut: 10.5 simplifies as 10).
func mapZoom(q url.Values) (int, error) {
	s := q.Get("zoom")
	if s == "" {
		return 0, badParam("zoom", "is required: the web-map zoom level of the view, 0 to 22")
	}
	z, err := strconv.ParseFloat(s, 64)
	if err != nil || !(z >= 0 && z <= 22) {
		return 0, badParam("zoom", "must be a zoom level from 0 to 22, not %q", s)
	}
	return min(int(z), mapMaxZoom), nil
}

// mapScale is how a zoom level simplifies: the Douglas-Peucker tolerance in degrees and the decimals kept.
type mapScale struct {
	zoom     int
	tol      float64
	decimals int
}

// scaleAt returns the scale of zoom at latitude lat. A screen pixel spans 360/(256*2^z) degrees of longitude and
// cos(lat) times that of latitude (Web Mercator); the tolerance is half a pixel on the shorter of the two, the
// rounding a tenth of it or finer (1e-7, the registry's precision, at most).
func scaleAt(zoom int, lat float64) mapScale {
	c := math.Cos(math.Min(math.Abs(lat), 85) * math.Pi / 180)
	tol := 0.5 * 360 / (256 * math.Exp2(float64(zoom))) * c
	d := int(math.Ceil(-math.Log10(tol / 10)))
	d = max(1, min(d, 7))
	return mapScale{zoom: zoom, tol: tol, decimals: d}
}

// latBand quantises a latitude so that the scale, and so the cache, is shared by every view of a region.
func latBand(lat float64) float64 { return math.Round(lat/5) * 5 }

// simplifyForMap returns mp simplified at sc, in new slices (mp is shared with the index and never modified).
// A ring that simplification would collapse is kept as its bounding box, so that no hazard area vanishes from
// the map however small; a collapsing hole is dropped (smaller than a pixel, it cannot be seen).
func simplifyForMap(mp orb.MultiPolygon, sc mapScale) orb.MultiPolygon {
	dp := simplify.DouglasPeucker(sc.tol)
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		var q orb.Polygon
		for i, r := range p {
			if len(r) < 4 {
				continue
			}
			s := orb.Ring(dp.Simplify(orb.LineString(slices.Clone(r))).(orb.LineString))
			for j := range s {
				s[j] = orb.Point{roundTo(s[j][0], sc.decimals), roundTo(s[j][1], sc.decimals)}
			}
			s = slices.Compact(s)
			if len(s) >= 4 && s[0] == s[len(s)-1] {
				q = append(q, s)
				continue
			}
			if i > 0 {
				continue // a hole below a pixel
			}
			q = append(q, boxRing(r.Bound(), sc))
		}
		if len(q) > 0 {
			out = append(out, q)
		}
	}
	return out
}

// boxRing is the rectangle of b, at least one rounding step wide and high, counter-clockwise.
func boxRing(b orb.Bound, sc mapScale) orb.Ring {
	step := math.Pow10(-sc.decimals)
	w, s := roundTo(b.Min[0], sc.decimals), roundTo(b.Min[1], sc.decimals)
	e, n := roundTo(b.Max[0], sc.decimals), roundTo(b.Max[1], sc.decimals)
	if e <= w {
		e = w + step
	}
	if n <= s {
		n = s + step
	}
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

func roundTo(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}

// appendMultiPolygon appends mp as a GeoJSON MultiPolygon geometry.
func appendMultiPolygon(buf []byte, mp orb.MultiPolygon) []byte {
	buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
	for i, p := range mp {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, r := range p {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			for k, pt := range r {
				if k > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '[')
				buf = strconv.AppendFloat(buf, pt[0], 'f', -1, 64)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, pt[1], 'f', -1, 64)
				buf = append(buf, ']')
			}
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, "]}"...)
}

// mapHazardJSON encodes a hazard area as the map draws it.
func mapHazardJSON(buf []byte, h *landrelease.HazardArea, sc mapScale) []byte {
	buf = append(buf, `{"type":"Feature","geometry":`...)
	buf = appendMultiPolygon(buf, simplifyForMap(h.Geometry, sc))
	buf = append(buf, `,"properties":{"local_id":`...)
	buf = appendJSONString(buf, h.LocalID)
	buf = append(buf, `,"kind":`...)
	buf = appendJSONString(buf, string(h.Kind))
	buf = append(buf, `,"status":`...)
	buf = appendJSONString(buf, string(h.Status))
	return append(buf, "}}"...)
}

// mapReleaseJSON encodes a land release as the map draws it.
func mapReleaseJSON(buf []byte, r *landrelease.LandRelease, sc mapScale) []byte {
	buf = append(buf, `{"type":"Feature","geometry":`...)
	buf = appendMultiPolygon(buf, simplifyForMap(r.Geometry, sc))
	buf = append(buf, `,"properties":{"local_id":`...)
	buf = appendJSONString(buf, r.LocalID)
	buf = append(buf, `,"hazard_area":`...)
	buf = appendJSONString(buf, r.HazardArea)
	buf = append(buf, `,"method":`...)
	buf = appendJSONString(buf, string(r.Method))
	buf = append(buf, `,"completed_on":`...)
	buf = appendJSONString(buf, r.CompletedOn.Format("2006-01-02"))
	return append(buf, "}}"...)
}

// mapCacheBytes bounds the memory of a Server's cache of map JSON.
const mapCacheBytes = 128 << 20

// mapCache keeps the map JSON of the index's hazard areas per scale. An entry is valid for the *HazardArea value
// it was encoded from (the index hands out a new value whenever anything of an area changes). Its size is bounded
// by a byte budget; when full it is emptied, and the views asked for next fill it again. Each Server owns one
// (Server.mapFeatures), made by New, so that two servers in one process share none.
type mapCache struct {
	mu     sync.RWMutex
	m      map[mapCacheKey]mapCacheEntry
	bytes  int
	budget int
}

type mapCacheKey struct {
	id   int64
	zoom int
	band float64
}

type mapCacheEntry struct {
	h *landrelease.HazardArea
	b []byte
}

func newMapCache(budget int) *mapCache {
	return &mapCache{m: map[mapCacheKey]mapCacheEntry{}, budget: budget}
}

func (c *mapCache) get(h *landrelease.HazardArea, sc mapScale, band float64) []byte {
	k := mapCacheKey{h.ID, sc.zoom, band}
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if ok && e.h == h {
		return e.b
	}
	b := mapHazardJSON(nil, h, sc)
	c.mu.Lock()
	if c.bytes+len(b) > c.budget {
		clear(c.m)
		c.bytes = 0
	}
	if old, ok := c.m[k]; ok {
		c.bytes -= len(old.b) + 64
	}
	c.m[k] = mapCacheEntry{h: h, b: b}
	c.bytes += len(b) + 64
	c.mu.Unlock()
	return b
}

// mapView reads the view: bbox (required), zoom (required) and the scale they give.
func mapView(q url.Values) (*orb.Bound, mapScale, float64, error) {
	b, err := bbox(q)
	if err != nil {
		return nil, mapScale{}, 0, err
	}
	if b == nil {
		return nil, mapScale{}, 0, badParam("bbox", "is required: the view as W,S,E,N")
	}
	z, err := mapZoom(q)
	if err != nil {
		return nil, mapScale{}, 0, err
	}
	band := latBand((b.Min[1] + b.Max[1]) / 2)
	return b, scaleAt(z, band), band, nil
}

// writeMapCollection writes features (already encoded) with the counts of the view.
func writeMapCollection(c echo.Context, feats [][]byte, matched int, truncated bool, sc mapScale) error {
	n := 64
	for _, f := range feats {
		n += len(f) + 1
	}
	buf := make([]byte, 0, n)
	buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	for i, f := range feats {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f...)
	}
	buf = append(buf, `],"numberReturned":`...)
	buf = strconv.AppendInt(buf, int64(len(feats)), 10)
	if matched >= 0 {
		buf = append(buf, `,"numberMatched":`...)
		buf = strconv.AppendInt(buf, int64(matched), 10)
	}
	buf = append(buf, `,"truncated":`...)
	buf = strconv.AppendBool(buf, truncated)
	buf = append(buf, `,"zoom":`...)
	buf = strconv.AppendInt(buf, int64(sc.zoom), 10)
	buf = append(buf, `,"tolerance_deg":`...)
	buf = strconv.AppendFloat(buf, sc.tol, 'g', 3, 64)
	buf = append(buf, "}\n"...)
	return c.Blob(http.StatusOK, mediaGeoJSON, buf)
}

// largestFirst keeps the limit largest areas of hs when there are more, in ID order.
func largestFirst(hs []*landrelease.HazardArea, limit int) []*landrelease.HazardArea {
	if len(hs) <= limit {
		return hs
	}
	hs = slices.Clone(hs)
	slices.SortStableFunc(hs, func(a, b *landrelease.HazardArea) int {
		switch {
		case a.AreaM2 > b.AreaM2:
			return -1
		case a.AreaM2 < b.AreaM2:
			return 1
		}
		return 0
	})
	hs = hs[:limit]
	slices.SortFunc(hs, func(a, b *landrelease.HazardArea) int { return cmp.Compare(a.ID, b.ID) })
	return hs
}

// mapHazardAreas answers GET /api/v1/map/hazard-areas?bbox=W,S,E,N&zoom=Z with the registry's filters (kind,
// status, contamination, admin, at, as_of).
func (s *Server) mapHazardAreas(c echo.Context) error {
	q := c.QueryParams()
	b, sc, band, err := mapView(q)
	if err != nil {
		return err
	}
	f, err := hazardFilter(q)
	if err != nil {
		return err
	}
	if q.Has("limit") || q.Has("after") {
		return badParam("limit", "is not a parameter of the map: a view holds at most %d areas, the largest", mapLimit)
	}
	f.Limit, f.After = 0, 0
	if f.Temporal.IsZero() {
		if s.cfg.Spatial == nil || !s.cfg.Spatial.Ready() {
			return landrelease.Errorf(landrelease.EUNAVAILABLE, "The spatial index is still loading.")
		}
		hs := s.cfg.Spatial.BBox(*b, f)
		matched := len(hs)
		hs = largestFirst(hs, mapLimit)
		feats := make([][]byte, len(hs))
		for i, h := range hs {
			feats[i] = s.mapFeatures.get(h, sc, band)
		}
		return writeMapCollection(c, feats, matched, matched > len(hs), sc)
	}
	// A map of the past: from the database, a page of at most mapLimit (the database's largest page).
	f.Limit = mapLimit
	hs, err := s.cfg.Hazards.FindHazardAreas(c.Request().Context(), f)
	if err != nil {
		return err
	}
	feats := make([][]byte, len(hs))
	for i, h := range hs {
		feats[i] = mapHazardJSON(nil, h, sc)
	}
	return writeMapCollection(c, feats, -1, len(hs) >= mapLimit, sc)
}

// mapLandReleases answers GET /api/v1/map/land-releases?bbox=W,S,E,N&zoom=Z (at, as_of and method as on
// /land-releases), from the database.
func (s *Server) mapLandReleases(c echo.Context) error {
	q := c.QueryParams()
	b, sc, _, err := mapView(q)
	if err != nil {
		return err
	}
	m, err := oneOf(q, "method", "cancelled", "reduced", "cleared")
	if err != nil {
		return err
	}
	t, err := temporal(q)
	if err != nil {
		return err
	}
	rs, err := s.cfg.Releases.FindLandReleases(c.Request().Context(), landrelease.LandReleaseFilter{
		Method: landrelease.Method(m), BBox: b, Temporal: t, Limit: mapLimit})
	if err != nil {
		return err
	}
	feats := make([][]byte, len(rs))
	for i, r := range rs {
		feats[i] = mapReleaseJSON(nil, r, sc)
	}
	return writeMapCollection(c, feats, -1, len(rs) >= mapLimit, sc)
}
