package api

import (
	"cmp"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// The map's reads: GET /api/v1/map/hazard-areas and /api/v1/map/land-releases answer a view (bbox) at a zoom
// level with what the map draws and nothing more (geojson's map features: each polygon simplified to half a
// screen pixel at that zoom, only the properties the map styles and labels by; the record panel reads the full
// record when a polygon is clicked). The hazard areas of the current state come from the in-memory index, their
// simplified JSON cached per zoom in the Server's geojson.MapCache; a map of the past (at, as_of) and the
// releases come from the database and are simplified as they are read.
//
// A view holds at most mapLimit features; when more match, the largest are drawn and the answer says how many
// matched, for the map to ask the user to zoom in.

const (
	mapLimit   = 10000
	mapMaxZoom = 20 // from this zoom nothing is simplified any more (7 decimals, about 1 cm)
	// mapCacheBytes bounds the memory of a Server's cache of map features.
	mapCacheBytes = 128 << 20
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

// latBand quantises a latitude so that the scale, and so the cache, is shared by every view of a region.
func latBand(lat float64) float64 { return math.Round(lat/5) * 5 }

// mapView reads the view: bbox (required), zoom (required) and the scale they give.
func mapView(q url.Values) (*orb.Bound, geojson.MapScale, float64, error) {
	b, err := bbox(q)
	if err != nil {
		return nil, geojson.MapScale{}, 0, err
	}
	if b == nil {
		return nil, geojson.MapScale{}, 0, badParam("bbox", "is required: the view as W,S,E,N")
	}
	z, err := mapZoom(q)
	if err != nil {
		return nil, geojson.MapScale{}, 0, err
	}
	band := latBand((b.Min[1] + b.Max[1]) / 2)
	return b, geojson.ScaleAt(z, band), band, nil
}

// writeMapCollection writes features (already encoded) with the counts of the view.
func writeMapCollection(c echo.Context, feats [][]byte, matched int, truncated bool, sc geojson.MapScale) error {
	n := 64
	for _, f := range feats {
		n += len(f) + 1
	}
	return c.Blob(http.StatusOK, mediaGeoJSON, geojson.AppendMapCollection(make([]byte, 0, n), feats, matched, truncated, sc))
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
	if f.Residual != nil {
		return badParam("residual", "is not a filter of the map: its features say which areas are residual")
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
			feats[i] = s.mapFeatures.Get(h, sc, band)
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
		feats[i] = geojson.AppendMapHazard(nil, h, sc)
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
		feats[i] = geojson.AppendMapRelease(nil, r, sc)
	}
	return writeMapCollection(c, feats, -1, len(rs) >= mapLimit, sc)
}
