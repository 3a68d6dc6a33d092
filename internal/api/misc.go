package api

import (
	"maps"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

func (s *Server) health(c echo.Context) error {
	if s.draining.Load() {
		return drained(c)
	}
	if err := s.cfg.Ready(c.Request().Context()); err != nil {
		return &landrelease.Error{Code: landrelease.EUNAVAILABLE, Message: "Not ready: " + landrelease.ErrorMessage(err), Err: err}
	}
	body := map[string]any{"status": "ok"}
	if s.cfg.Status != nil {
		maps.Copy(body, s.cfg.Status())
	}
	return c.JSON(http.StatusOK, body)
}

// levelParam reads the admin units' level: 1 or 2, 0 when absent (every level).
func levelParam(q url.Values) (int, error) {
	l := q.Get("level")
	if l == "" {
		return 0, nil
	}
	level, err := strconv.Atoi(l)
	if err != nil || (level != 1 && level != 2) {
		return 0, badParam("level", "must be 1 or 2, not %q", l)
	}
	return level, nil
}

func (s *Server) listAdminUnits(c echo.Context) error {
	level, err := levelParam(c.QueryParams())
	if err != nil {
		return err
	}
	withGeom := true
	switch g := c.QueryParam("geometry"); g {
	case "", "true":
	case "false":
		withGeom = false
	default:
		return badParam("geometry", "must be true or false, not %q", g)
	}
	units, err := s.cfg.Admin.FindAdminUnits(c.Request().Context(), level, withGeom)
	if err != nil {
		return err
	}
	return geoJSON(c, http.StatusOK, geojson.AdminUnits(units, withGeom))
}

func (s *Server) notFound(c echo.Context) error {
	return landrelease.Errorf(landrelease.ENOTFOUND, "No API resource at %s.", c.Request().URL.Path)
}
