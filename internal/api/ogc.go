package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The registry as OGC API - Features (Part 1: Core, GeoJSON): the landing page /api/v1, /api/v1/conformance,
// /api/v1/collections, and each collection's items, which are the registry's own lists and records, so that
// GDAL's OAPIF driver and QGIS read them as layers. The items take the registry's filters (bbox, limit, kind,
// status, at, as_of, ...) and page by their next links.

var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
}

// collectionInfo describes an OGC collection served by the registry's lists.
type collectionInfo struct {
	id, title, description string
	list, item             func(s *Server) echo.HandlerFunc
}

var collections = []collectionInfo{
	{"hazard-areas", "Hazard areas", "Suspected (SHA) and confirmed (CHA) hazardous areas; open ones unless status=closed or all",
		func(s *Server) echo.HandlerFunc { return s.listHazardAreas }, func(s *Server) echo.HandlerFunc { return s.getHazardArea }},
	{"land-releases", "Land releases", "Land cancelled, reduced or cleared, each a part of a hazard area",
		func(s *Server) echo.HandlerFunc { return s.listLandReleases }, func(s *Server) echo.HandlerFunc { return s.getLandRelease }},
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

func (s *Server) index(c echo.Context) error {
	links := []link{
		{absolute(c, "/api/v1"), "self", mediaJSON, "this document"},
		{absolute(c, "/api/v1/conformance"), "conformance", mediaJSON, "OGC API conformance classes"},
		{absolute(c, "/api/v1/collections"), "data", mediaJSON, "the collections"},
		{absolute(c, "/api/v1/hazard-areas"), "hazard-areas", mediaGeoJSON, ""},
		{absolute(c, "/api/v1/land-releases"), "land-releases", mediaGeoJSON, ""},
		{absolute(c, "/api/v1/admin-units?level=1"), "admin-units", mediaGeoJSON, ""},
		{absolute(c, "/healthz"), "health", mediaJSON, ""},
	}
	return c.JSON(http.StatusOK, map[string]any{"title": "landrelease registry API",
		"description": "National register of land contaminated by cluster munitions", "links": links})
}

func (s *Server) conformance(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]any{"conformsTo": conformance})
}

func collectionJSON(c echo.Context, ci collectionInfo) map[string]any {
	base := absolute(c, "/api/v1/collections/"+ci.id)
	return map[string]any{
		"id": ci.id, "title": ci.title, "description": ci.description, "itemType": "feature",
		"crs": []string{"http://www.opengis.net/def/crs/OGC/1.3/CRS84"},
		"links": []link{
			{base, "self", mediaJSON, ci.title},
			{base + "/items", "items", mediaGeoJSON, ci.title},
		},
	}
}

func (s *Server) listCollections(c echo.Context) error {
	out := make([]map[string]any, len(collections))
	for i, ci := range collections {
		out[i] = collectionJSON(c, ci)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"links":       []link{{absolute(c, "/api/v1/collections"), "self", mediaJSON, "the collections"}},
		"collections": out,
	})
}

// collectionOf finds the collection named in the path. ENOTFOUND.
func collectionOf(c echo.Context) (collectionInfo, error) {
	for _, ci := range collections {
		if ci.id == c.Param("collection") {
			return ci, nil
		}
	}
	return collectionInfo{}, landrelease.Errorf(landrelease.ENOTFOUND, "No collection %q: the collections are hazard-areas and land-releases.", c.Param("collection"))
}

func (s *Server) getCollection(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, collectionJSON(c, ci))
}

func (s *Server) collectionItems(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	return ci.list(s)(c)
}

func (s *Server) collectionItem(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	return ci.item(s)(c)
}
