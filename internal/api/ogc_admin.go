package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// The OGC collection admin-units: the gazetteer's provinces and districts, both levels unless level is given,
// paged by offset (the gazetteer is small and read whole), each unit's id its level and code (1-LA01).

func (s *Server) adminItems(c echo.Context) error {
	q := c.QueryParams()
	level, err := levelParam(q)
	if err != nil {
		return err
	}
	b, err := bbox(q)
	if err != nil {
		return err
	}
	limit, _, err := page(q)
	if err != nil {
		return err
	}
	limit = landrelease.PageLimit(limit)
	offset := 0
	if o := q.Get("offset"); o != "" {
		if offset, err = strconv.Atoi(o); err != nil || offset < 0 {
			return badParam("offset", "must be a whole number from 0, not %q", o)
		}
	}
	units, err := s.cfg.Admin.FindAdminUnits(c.Request().Context(), level, true)
	if err != nil {
		return err
	}
	if b != nil {
		kept := units[:0]
		for _, u := range units {
			if intersectsBound(u.Geometry, *b) {
				kept = append(kept, u)
			}
		}
		units = kept
	}
	matched := len(units)
	pg := units[min(offset, matched):min(offset+limit, matched)]
	links := []geojson.Link{{Href: selfLink(c), Rel: "self", Type: mediaGeoJSON}}
	if offset+limit < matched {
		u := *c.Request().URL
		nq := u.Query()
		nq.Set("offset", strconv.Itoa(offset+limit))
		u.RawQuery = nq.Encode()
		links = append(links, geojson.Link{Href: absolute(c, u.RequestURI()), Rel: "next", Type: mediaGeoJSON})
	}
	return geoJSON(c, http.StatusOK, geojson.AdminUnitPage(pg, matched, links, s.timeStamp()))
}

func (s *Server) adminItem(c echo.Context) error {
	level, code, ok := geojson.ParseAdminUnitID(c.Param("id"))
	if !ok {
		return landrelease.Errorf(landrelease.ENOTFOUND, "No admin unit %q: ids are the level and the code, such as 1-LA01.", c.Param("id"))
	}
	units, err := s.cfg.Admin.FindAdminUnits(c.Request().Context(), level, true)
	if err != nil {
		return err
	}
	for _, u := range units {
		if u.Code == code {
			return geoJSON(c, http.StatusOK, geojson.AdminUnitFeature(u))
		}
	}
	return landrelease.Errorf(landrelease.ENOTFOUND, "No admin unit of level %d with code %q.", level, code)
}

// intersectsBound reports whether mp and the box b share a point: a vertex of mp in b, a corner of b in mp, or
// an edge of mp crossing an edge of b.
func intersectsBound(mp orb.MultiPolygon, b orb.Bound) bool {
	if !mp.Bound().Intersects(b) {
		return false
	}
	corners := []orb.Point{b.Min, {b.Max[0], b.Min[1]}, b.Max, {b.Min[0], b.Max[1]}}
	for _, p := range corners {
		if geo.Covers(mp, p) {
			return true
		}
	}
	for _, poly := range mp {
		for _, r := range poly {
			for i, p := range r {
				if b.Contains(p) {
					return true
				}
				if i == 0 {
					continue
				}
				for j := range corners {
					if segmentsCross(r[i-1], p, corners[j], corners[(j+1)%4]) {
						return true
					}
				}
			}
		}
	}
	return false
}

// segmentsCross reports whether the segments ab and cd meet.
func segmentsCross(a, b, c, d orb.Point) bool {
	cross := func(o, p, q orb.Point) float64 { return (p[0]-o[0])*(q[1]-o[1]) - (p[1]-o[1])*(q[0]-o[0]) }
	d1, d2 := cross(c, d, a), cross(c, d, b)
	d3, d4 := cross(a, b, c), cross(a, b, d)
	if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
		return true
	}
	on := func(p, q, r orb.Point) bool { // r on segment pq, given collinear
		return min(p[0], q[0]) <= r[0] && r[0] <= max(p[0], q[0]) && min(p[1], q[1]) <= r[1] && r[1] <= max(p[1], q[1])
	}
	return (d1 == 0 && on(c, d, a)) || (d2 == 0 && on(c, d, b)) || (d3 == 0 && on(a, b, c)) || (d4 == 0 && on(a, b, d))
}
