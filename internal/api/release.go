package api

import (
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// releaseParams are the queryables the land releases' list reads as parameters of its own.
var releaseParams = []string{"method", "hazard_area"}

// releaseFilter reads the filters of land releases from a query string.
func releaseFilter(q url.Values) (landrelease.LandReleaseFilter, error) {
	var f landrelease.LandReleaseFilter
	m, err := oneOf(q, "method", "cancelled", "reduced", "cleared")
	if err != nil {
		return f, err
	}
	f.Method = landrelease.Method(m)
	f.HazardArea = q.Get("hazard_area")
	if f.BBox, err = bbox(q); err != nil {
		return f, err
	}
	if f.Temporal, err = temporal(q); err != nil {
		return f, err
	}
	f.Limit, f.After, err = page(q)
	return f, err
}

// releaseWhere reads the list's filter and its queryables given as parameters (readFilter).
func releaseWhere(q url.Values) (landrelease.Where, error) {
	filter, err := readFilter(q, releaseQueryables, releaseParams...)
	return filter.where(), err
}

func (s *Server) listLandReleases(c echo.Context) error {
	q := c.QueryParams()
	f, err := releaseFilter(q)
	if err != nil {
		return err
	}
	if f.Where, err = releaseWhere(q); err != nil {
		return err
	}
	rs, err := s.cfg.Releases.FindLandReleases(c.Request().Context(), f)
	if err != nil {
		return err
	}
	ts := s.timeStamp()
	links := []geojson.Link{{Href: selfLink(c), Rel: "self", Type: mediaGeoJSON}}
	if len(rs) == landrelease.PageLimit(f.Limit) {
		links = append(links, geojson.Link{Href: nextLink(c, rs[len(rs)-1].ID), Rel: "next", Type: mediaGeoJSON})
	}
	return geoJSON(c, http.StatusOK, geojson.ReleaseCollection(rs, links, ts))
}

func (s *Server) getLandRelease(c echo.Context) error {
	t, err := temporal(c.QueryParams())
	if err != nil {
		return err
	}
	r, err := s.cfg.Releases.FindLandRelease(c.Request().Context(), c.Param("id"), t)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(r.Version))
	return geoJSON(c, http.StatusOK, geojson.Release(r))
}

func (s *Server) createLandRelease(c echo.Context) error {
	d, err := s.decodeWrite(c, geojson.RecordLandRelease)
	if err != nil {
		return err
	}
	if err := s.cfg.Releases.CreateLandRelease(c.Request().Context(), d.Release); err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(d.Release.Version))
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/land-releases/"+url.PathEscape(d.Release.LocalID))
	return geoJSON(c, http.StatusCreated, withWarnings(geojson.Release(d.Release), d.Warnings))
}

func (s *Server) updateLandRelease(c echo.Context) error {
	d, err := s.decodeWrite(c, geojson.RecordLandRelease)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if d.Release.LocalID != "" && d.Release.LocalID != id {
		return landrelease.Invalid("The local_id of a land release cannot change.",
			landrelease.Detail{Field: "local_id", Pointer: "/properties/local_id", Reason: "differs from the URL (" + id + ")"})
	}
	v, err := expectVersion(c, d.Version)
	if err != nil {
		return err
	}
	r, err := s.cfg.Releases.UpdateLandRelease(c.Request().Context(), id, landrelease.LandReleaseChange{LandRelease: d.Release, Reason: d.Reason, IfVersion: v})
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(r.Version))
	return geoJSON(c, http.StatusOK, withWarnings(geojson.Release(r), d.Warnings))
}

func (s *Server) withdrawLandRelease(c echo.Context) error {
	if _, err := landrelease.Require(c.Request().Context(), landrelease.RoleDataManager); err != nil {
		return err
	}
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	r, err := s.cfg.Releases.WithdrawLandRelease(c.Request().Context(), c.Param("id"), v, c.QueryParam("reason"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(r.Version))
	return geoJSON(c, http.StatusOK, geojson.Release(r))
}

func (s *Server) landReleaseHistory(c echo.Context) error {
	rs, err := s.cfg.Releases.LandReleaseHistory(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return geoJSON(c, http.StatusOK, geojson.ReleaseCollection(rs, nil, s.timeStamp()))
}
