package api

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The property mappings a team saves by name, beside the presets the service ships (docs/UPLOAD.md, "Property
// mappings"), through landrelease.MappingService. A saved mapping's ETag is its version; PUT replaces it only
// at the version If-Match (or the document's version) names, and DELETE only at If-Match's when given.

// mappings returns the MappingService, or EUNAVAILABLE when the server has none.
func (s *Server) mappings() (landrelease.MappingService, error) {
	if s.cfg.Mappings == nil {
		return nil, landrelease.Errorf(landrelease.EUNAVAILABLE, "This server keeps no saved mappings.")
	}
	return s.cfg.Mappings, nil
}

// listMappings answers {"mappings": [...]}: the presets, then the saved mappings, by name.
func (s *Server) listMappings(c echo.Context) error {
	svc, err := s.mappings()
	if err != nil {
		return err
	}
	ms, err := svc.FindMappings(c.Request().Context())
	if err != nil {
		return err
	}
	if ms == nil {
		ms = []*landrelease.Mapping{}
	}
	return c.JSON(http.StatusOK, map[string]any{"mappings": ms})
}

func (s *Server) getMapping(c echo.Context) error {
	svc, err := s.mappings()
	if err != nil {
		return err
	}
	m, err := svc.FindMapping(c.Request().Context(), c.Param("name"))
	if err != nil {
		return err
	}
	if m.Version > 0 {
		c.Response().Header().Set("ETag", etag(m.Version))
	}
	return c.JSON(http.StatusOK, m)
}

// putMapping saves the mapping document of the body under the URL's name (a name in the document must be the
// same): 201 when it creates the mapping, 200 when it replaces it.
func (s *Server) putMapping(c echo.Context) error {
	svc, err := s.mappings()
	if err != nil {
		return err
	}
	b, err := readBody(c)
	if err != nil {
		return err
	}
	m, err := landrelease.ParseMapping(b)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if m.Name != "" && m.Name != name {
		return landrelease.Invalid(fmt.Sprintf("The document names mapping %q, the URL %q.", m.Name, name),
			landrelease.Detail{Pointer: "/name", Field: "name", Reason: "differs from the URL (" + name + ")"})
	}
	if err := landrelease.CheckMappingName(name); err != nil {
		return err
	}
	m.Name = name
	h, err := ifMatch(c)
	if err != nil {
		return err
	}
	if h != 0 && m.Version != 0 && h != m.Version {
		return landrelease.Invalid(fmt.Sprintf("If-Match names version %d but the document says version %d.", h, m.Version),
			landrelease.Detail{Pointer: "/version", Field: "version", Reason: "disagrees with If-Match"})
	}
	if h != 0 {
		m.Version = h
	}
	created := m.Version == 0
	if err := svc.SaveMapping(c.Request().Context(), m); err != nil {
		return err
	}
	c.Response().Header().Set("ETag", etag(m.Version))
	if created {
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1/mappings/"+url.PathEscape(m.Name))
		return c.JSON(http.StatusCreated, m)
	}
	return c.JSON(http.StatusOK, m)
}

// deleteMapping removes a saved mapping, at the version If-Match names when given.
func (s *Server) deleteMapping(c echo.Context) error {
	svc, err := s.mappings()
	if err != nil {
		return err
	}
	v, err := ifMatch(c)
	if err != nil {
		return err
	}
	if err := svc.DeleteMapping(c.Request().Context(), c.Param("name"), v); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
