package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// maxWithinM bounds near queries.
const maxWithinM = 100_000

// lonLat reads LON,LAT.
func lonLat(q url.Values, name string) (*orb.Point, error) {
	s := q.Get(name)
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return nil, badParam(name, "must be LON,LAT, not %q", s)
	}
	lon, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lat, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil || !(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90) {
		return nil, badParam(name, "must be a WGS 84 longitude and latitude LON,LAT, not %q", s)
	}
	return &orb.Point{lon, lat}, nil
}

// source reads where a spatial query is answered: the in-memory index (default) or the database, kept as the
// benchmarks' baseline.
func source(q url.Values) (string, error) {
	s, err := oneOf(q, "source", "index", "database")
	if s == "" {
		s = "index"
	}
	return s, err
}

// spatialList answers a list request from the index when it asks a spatial question of the current state.
// It reports false when the request is for the database.
func (s *Server) spatialList(c echo.Context, f landrelease.HazardAreaFilter, rem bool) (bool, error) {
	q := c.QueryParams()
	near, err := lonLat(q, "near")
	if err != nil {
		return true, err
	}
	src, err := source(q)
	if err != nil {
		return true, err
	}
	if near == nil && q.Get("within_m") != "" {
		return true, badParam("within_m", "needs near=LON,LAT")
	}
	spatial := f.Point != nil || near != nil || f.BBox != nil
	if !spatial || src == "database" || f.Where != nil || f.Residual != nil {
		switch {
		case near != nil && f.Where != nil:
			return true, badParam("filter", "cannot be combined with near, which the index answers")
		case near != nil && f.Residual != nil:
			return true, badParam("residual", "cannot be combined with near, which the index answers")
		case near != nil:
			return true, badParam("source", "database does not answer near queries")
		}
		return false, nil
	}
	if !f.Temporal.IsZero() {
		if f.BBox != nil && f.Point == nil && near == nil {
			return false, nil // a map of the past comes from the database
		}
		return true, badParam("at", "point and near answer the current state: leave out at and as_of")
	}
	if set := btoi(f.Point != nil) + btoi(near != nil) + btoi(f.BBox != nil); set > 1 {
		return true, badParam("point", "give one of point, near and bbox")
	}
	if s.cfg.Spatial == nil || !s.cfg.Spatial.Ready() {
		return true, landrelease.Errorf(landrelease.EUNAVAILABLE, "The spatial index is still loading.")
	}
	var hs []*landrelease.HazardArea
	var dist map[int64]float64
	switch {
	case f.Point != nil:
		hs = s.cfg.Spatial.Point(*f.Point, f)
	case f.BBox != nil:
		hs = s.cfg.Spatial.BBox(*f.BBox, f)
	case near != nil:
		within := 500.0
		if w := q.Get("within_m"); w != "" {
			if within, err = strconv.ParseFloat(w, 64); err != nil || !(within >= 0 && within <= maxWithinM) {
				return true, badParam("within_m", "must be a distance in metres from 0 to %d, not %q", maxWithinM, w)
			}
		}
		hits := s.cfg.Spatial.Near(*near, within, f)
		dist = make(map[int64]float64, len(hits))
		for _, h := range hits {
			hs = append(hs, h.HazardArea)
			dist[h.HazardArea.ID] = h.DistanceM
		}
	}
	return true, s.writeList(c, hs, f, rem, dist)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeList pages hs (keyset on ID, except near's nearest-first order, which is cut at the limit) and writes them.
func (s *Server) writeList(c echo.Context, hs []*landrelease.HazardArea, f landrelease.HazardAreaFilter, rem bool, dist map[int64]float64) error {
	limit := landrelease.PageLimit(f.Limit)
	if dist == nil && f.After > 0 {
		i := 0
		for i < len(hs) && hs[i].ID <= f.After {
			i++
		}
		hs = hs[i:]
	}
	more := len(hs) > limit
	if more {
		hs = hs[:limit]
	}
	links := []geojson.Link{{Href: selfLink(c), Rel: "self", Type: mediaGeoJSON}}
	if more && dist == nil {
		links = append(links, geojson.Link{Href: nextLink(c, hs[len(hs)-1].ID), Rel: "next", Type: mediaGeoJSON})
	}
	ts := s.timeStamp()
	// The features come from the cache of encoded features (encode.go); should that fail, the reference
	// encoding writes the same page, or fails as it always did.
	if done, err := s.writeCollection(c, hs, rem, dist, links, ts); done {
		return err
	}
	return geoJSON(c, http.StatusOK, geojson.HazardCollection(hs, rem, dist, links, ts))
}

// intersecting answers POST /hazard-areas/intersecting: the open areas a GeoJSON polygon (a geometry or a
// Feature) intersects, with the registry's filters in the query string.
func (s *Server) intersecting(c echo.Context) error {
	q := c.QueryParams()
	f, err := hazardFilter(q)
	if err != nil {
		return err
	}
	if !f.Temporal.IsZero() || f.BBox != nil {
		return badParam("at", "intersecting answers the current state, without bbox, at or as_of")
	}
	if f.Residual != nil {
		return badParam("residual", "is not a filter of intersecting, which the index answers: each area says whether it is residual")
	}
	rem, err := withRemaining(q)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	g, pointer := body, "/"
	if obj, err := geojson.Members(body); err == nil && string(obj["type"]) == `"Feature"` {
		g, pointer = obj["geometry"], "/geometry"
	}
	mp, _, err := geo.Decode(g, s.cfg.Geometry)
	if err != nil {
		d := landrelease.Detail{Field: "geometry", Pointer: pointer, Reason: err.Error()}
		if ge, ok := err.(*geo.Error); ok {
			d.Pointer, d.Reason = strings.TrimSuffix(pointer, "/")+ge.Pointer, ge.Msg
		}
		return landrelease.Invalid("The query geometry is not valid: "+d.Reason+".", d)
	}
	if s.cfg.Spatial == nil || !s.cfg.Spatial.Ready() {
		return landrelease.Errorf(landrelease.EUNAVAILABLE, "The spatial index is still loading.")
	}
	return s.writeList(c, s.cfg.Spatial.Intersecting(mp, f), f, rem, nil)
}
