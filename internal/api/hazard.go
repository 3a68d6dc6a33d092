package api

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// hazardFilter reads the registry's filters from a query string.
func hazardFilter(q url.Values) (landrelease.HazardAreaFilter, error) {
	var f landrelease.HazardAreaFilter
	var err error
	var s string
	if s, err = oneOf(q, "kind", "SHA", "CHA"); err != nil {
		return f, err
	}
	f.Kind = landrelease.Kind(s)
	if s, err = oneOf(q, "status", "open", "closed", "all"); err != nil {
		return f, err
	}
	f.Status = landrelease.Status(s)
	if s, err = oneOf(q, "contamination", "cmr", "other", "mixed"); err != nil {
		return f, err
	}
	f.Contamination = landrelease.Contamination(s)
	f.Admin = q.Get("admin")
	if s, err = oneOf(q, "residual", "true", "false"); err != nil {
		return f, err
	} else if s != "" {
		r := s == "true"
		f.Residual = &r
	}
	if f.BBox, err = bbox(q); err != nil {
		return f, err
	}
	if f.Temporal, err = temporal(q); err != nil {
		return f, err
	}
	f.Limit, f.After, err = page(q)
	return f, err
}

// hazardParams are the queryables the hazard areas' list reads as parameters of its own.
var hazardParams = []string{"kind", "status", "contamination"}

// hazardWhere reads the list's filter and its queryables given as parameters (readFilter) into f.Where; a filter
// that names status selects from every status unless status is given.
func hazardWhere(q url.Values, f *landrelease.HazardAreaFilter) error {
	filter, err := readFilter(q, hazardQueryables, hazardParams...)
	if err != nil {
		return err
	}
	f.Where = filter.where()
	if filter != nil && f.Status == "" && filter.names("status") {
		f.Status = landrelease.StatusAll // the filter says which
	}
	return nil
}

// withRemaining reports whether the client asked for the remaining (unreleased) polygons.
func withRemaining(q url.Values) (bool, error) {
	s, err := oneOf(q, "geometry", "full", "remaining")
	return s == "remaining", err
}

// nextLink returns the URL of the page after the last ID, keeping the other parameters.
func nextLink(c echo.Context, last int64) string {
	u := *c.Request().URL
	q := u.Query()
	q.Set("after", strconv.FormatInt(last, 10))
	u.RawQuery = q.Encode()
	return absolute(c, u.RequestURI())
}

// absolute makes a link to uri (a path and query on this server) absolute, as OGC API clients (GDAL, QGIS)
// follow links: the scheme and host the request came by (X-Forwarded-Proto behind a proxy).
func absolute(c echo.Context, uri string) string {
	return c.Scheme() + "://" + c.Request().Host + uri
}

// selfLink is the absolute URL of the request.
func selfLink(c echo.Context) string { return absolute(c, c.Request().URL.RequestURI()) }

func (s *Server) listHazardAreas(c echo.Context) error {
	q := c.QueryParams()
	f, err := hazardFilter(q)
	if err != nil {
		return err
	}
	rem, err := withRemaining(q)
	if err != nil {
		return err
	}
	if f.Point, err = lonLat(q, "point"); err != nil {
		return err
	}
	if err := hazardWhere(q, &f); err != nil {
		return err
	}
	if done, err := s.spatialList(c, f, rem); done {
		return err
	}
	hs, err := s.cfg.Hazards.FindHazardAreas(c.Request().Context(), f)
	if err != nil {
		return err
	}
	ts := s.timeStamp()
	links := []geojson.Link{{Href: selfLink(c), Rel: "self", Type: mediaGeoJSON}}
	if len(hs) == landrelease.PageLimit(f.Limit) {
		links = append(links, geojson.Link{Href: nextLink(c, hs[len(hs)-1].ID), Rel: "next", Type: mediaGeoJSON})
	}
	return geoJSON(c, http.StatusOK, geojson.HazardCollection(hs, rem, nil, links, ts))
}

func (s *Server) getHazardArea(c echo.Context) error {
	t, err := temporal(c.QueryParams())
	if err != nil {
		return err
	}
	rem, err := withRemaining(c.QueryParams())
	if err != nil {
		return err
	}
	h, err := s.cfg.Hazards.FindHazardArea(c.Request().Context(), c.Param("id"), t)
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(h.Version))
	return geoJSON(c, http.StatusOK, geojson.Hazard(h, rem))
}

// decodeWrite checks that the caller may edit the registry, then reads the body as one feature of the given
// record type.
func (s *Server) decodeWrite(c echo.Context, record string) (*geojson.Decoded, error) {
	if _, err := landrelease.Require(c.Request().Context(), landrelease.RoleDataManager); err != nil {
		return nil, err
	}
	body, err := readBody(c)
	if err != nil {
		return nil, err
	}
	d, err := geojson.Decode(body, geojson.Options{Limits: s.cfg.Geometry, Record: record})
	if err != nil {
		return nil, err
	}
	if d.Record != record {
		return nil, landrelease.Invalid(fmt.Sprintf("Send a %s feature to %s.", record, c.Request().URL.Path),
			landrelease.Detail{Field: "record", Pointer: "/properties/record", Reason: "must be " + record})
	}
	return d, nil
}

func (s *Server) createHazardArea(c echo.Context) error {
	d, err := s.decodeWrite(c, geojson.RecordHazardArea)
	if err != nil {
		return err
	}
	if err := s.cfg.Hazards.CreateHazardArea(c.Request().Context(), d.Hazard); err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(d.Hazard.Version))
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/hazard-areas/"+url.PathEscape(d.Hazard.LocalID))
	return geoJSON(c, http.StatusCreated, withWarnings(geojson.Hazard(d.Hazard, false), d.Warnings))
}

func (s *Server) updateHazardArea(c echo.Context) error {
	d, err := s.decodeWrite(c, geojson.RecordHazardArea)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if d.Hazard.LocalID != "" && d.Hazard.LocalID != id {
		return landrelease.Invalid("The local_id of a hazard area cannot change.",
			landrelease.Detail{Field: "local_id", Pointer: "/properties/local_id", Reason: "differs from the URL (" + id + ")"})
	}
	v, err := expectVersion(c, d.Version)
	if err != nil {
		return err
	}
	h, err := s.cfg.Hazards.UpdateHazardArea(c.Request().Context(), id, landrelease.HazardAreaChange{
		HazardArea: d.Hazard, ChangedOn: d.ChangedOn, Reason: d.Reason, IfVersion: v})
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(h.Version))
	return geoJSON(c, http.StatusOK, withWarnings(geojson.Hazard(h, false), d.Warnings))
}

func (s *Server) withdrawHazardArea(c echo.Context) error {
	if _, err := landrelease.Require(c.Request().Context(), landrelease.RoleDataManager); err != nil {
		return err
	}
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	h, err := s.cfg.Hazards.WithdrawHazardArea(c.Request().Context(), c.Param("id"), v, c.QueryParam("reason"))
	if err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(h.Version))
	return geoJSON(c, http.StatusOK, geojson.Hazard(h, false))
}

func (s *Server) hazardAreaHistory(c echo.Context) error {
	hs, err := s.cfg.Hazards.HazardAreaHistory(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := geojson.Collection[geojson.HazardProperties]{Type: "FeatureCollection", NumberReturned: len(hs)}
	for _, h := range hs {
		out.Features = append(out.Features, geojson.Hazard(h, false))
	}
	return geoJSON(c, http.StatusOK, out)
}

func (s *Server) hazardAreaReleases(c echo.Context) error {
	t, err := temporal(c.QueryParams())
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.cfg.Hazards.FindHazardArea(ctx, c.Param("id"), landrelease.Temporal{AsOf: t.AsOf}); err != nil {
		return err
	}
	rs, err := s.cfg.Releases.FindLandReleases(ctx, landrelease.LandReleaseFilter{HazardArea: c.Param("id"), Temporal: t, Limit: landrelease.MaxPageSize})
	if err != nil {
		return err
	}
	return geoJSON(c, http.StatusOK, geojson.ReleaseCollection(rs, nil, s.timeStamp()))
}

// featureWithWarnings adds the non-blocking warnings of a write to the feature it returns.
type featureWithWarnings[P any] struct {
	geojson.Feature[P]
	Warnings []landrelease.Detail `json:"warnings,omitempty"`
}

func withWarnings[P any](f geojson.Feature[P], w []landrelease.Detail) featureWithWarnings[P] {
	return featureWithWarnings[P]{Feature: f, Warnings: w}
}
