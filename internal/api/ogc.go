package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/cql2"
	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// The registry as OGC API - Features: Part 1 (core, GeoJSON, HTML, OpenAPI 3.0), Part 2 (CRS by reference),
// Part 3 (queryables and CQL2 filters: ogc_queryables.go, ogc_filter.go) and Part 4 (writes: ogc_write.go).
// The landing page /api/v1, /api/v1/api (the OpenAPI document, ogc_openapi.go), /api/v1/conformance,
// /api/v1/collections and each collection's items, which are the registry's own lists and records: an OGC
// request is translated into the registry's (datetime into at, bbox-crs into a CRS84 bbox, limit clamped;
// ogc_params.go), the registry's handler answers it, and its page is translated back (numberMatched, crs:
// ogc_crs.go, HTML: ogc_html.go). One implementation of each list serves both APIs.

var conformance = []string{
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
	"http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
	"http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
	"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
	"http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
	"http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
	"http://www.opengis.net/spec/cql2/1.0/conf/case-insensitive-comparison",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
	"http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
	"http://www.opengis.net/spec/cql2/1.0/conf/property-property",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
	"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
}

// relQueryables is the link relation of a collection's queryables.
const relQueryables = "http://www.opengis.net/def/rel/ogc/1.0/queryables"

// Media types of the OGC resources beyond JSON and GeoJSON.
const (
	mediaHTML    = "text/html"
	mediaOpenAPI = "application/vnd.oai.openapi+json;version=3.0"
)

// collectionInfo describes an OGC collection served by the registry's lists.
type collectionInfo struct {
	id, title, description string
	temporal               bool // its records have field time: datetime selects their versions
	list, item             func(s *Server) echo.HandlerFunc
	queryables             cql2.Queryables // what its filters may name (ogc_queryables.go); nil: it takes none
}

var collections = []collectionInfo{
	{"hazard-areas", "Hazard areas", "Suspected (SHA) and confirmed (CHA) hazardous areas; open ones unless status=closed or all", true,
		func(s *Server) echo.HandlerFunc { return s.listHazardAreas }, func(s *Server) echo.HandlerFunc { return s.getHazardArea }, hazardQueryables},
	{"land-releases", "Land releases", "Land cancelled, reduced or cleared, each a part of a hazard area", true,
		func(s *Server) echo.HandlerFunc { return s.listLandReleases }, func(s *Server) echo.HandlerFunc { return s.getLandRelease }, releaseQueryables},
	{"admin-units", "Admin units", "The gazetteer: provinces (level 1) and districts (level 2); level=1 or 2 selects one level", false,
		func(s *Server) echo.HandlerFunc { return s.adminItems }, func(s *Server) echo.HandlerFunc { return s.adminItem }, nil},
}

type link struct {
	Href  string `json:"href"`
	Rel   string `json:"rel"`
	Type  string `json:"type,omitempty"`
	Title string `json:"title,omitempty"`
}

// htmlLink is the link to the HTML view of path.
func htmlLink(c echo.Context, path, rel string) link {
	return link{absolute(c, path+"?f=html"), rel, mediaHTML, "this as HTML"}
}

type landingDoc struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Links       []link `json:"links"`
}

func (s *Server) index(c echo.Context) error {
	f, err := format(c)
	if err != nil {
		return err
	}
	doc := landingDoc{Title: "landrelease registry API", Description: "National register of land contaminated by cluster munitions",
		Links: []link{
			{absolute(c, "/api/v1"), "self", mediaJSON, "this document"},
			htmlLink(c, "/api/v1", "alternate"),
			{absolute(c, "/api/v1/api"), "service-desc", mediaOpenAPI, "the OpenAPI 3.0 document"},
			{absolute(c, "/api/v1/conformance"), "conformance", mediaJSON, "OGC API conformance classes"},
			{absolute(c, "/api/v1/collections"), "data", mediaJSON, "the collections"},
			{absolute(c, "/api/v1/hazard-areas"), "hazard-areas", mediaGeoJSON, ""},
			{absolute(c, "/api/v1/land-releases"), "land-releases", mediaGeoJSON, ""},
			{absolute(c, "/api/v1/admin-units?level=1"), "admin-units", mediaGeoJSON, ""},
			{absolute(c, "/healthz"), "health", mediaJSON, ""},
		}}
	return s.respond(c, f, "landing", doc.Title, doc)
}

type conformanceDoc struct {
	ConformsTo []string `json:"conformsTo"`
}

func (s *Server) conformance(c echo.Context) error {
	f, err := format(c)
	if err != nil {
		return err
	}
	return s.respond(c, f, "conformance", "Conformance", conformanceDoc{conformance})
}

type collectionDoc struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	ItemType    string   `json:"itemType"`
	CRS         []string `json:"crs"`
	StorageCRS  string   `json:"storageCrs"`
	Links       []link   `json:"links"`
}

func collectionJSON(c echo.Context, ci collectionInfo, crs []string) collectionDoc {
	path := "/api/v1/collections/" + ci.id
	doc := collectionDoc{ID: ci.id, Title: ci.title, Description: ci.description, ItemType: "feature",
		CRS: crs, StorageCRS: crs84URI,
		Links: []link{
			{absolute(c, path), "self", mediaJSON, ci.title},
			htmlLink(c, path, "alternate"),
			{absolute(c, path+"/items"), "items", mediaGeoJSON, ci.title},
			{absolute(c, path+"/items?f=html"), "items", mediaHTML, ci.title + " as HTML"},
		}}
	if ci.queryables != nil {
		doc.Links = append(doc.Links, link{absolute(c, queryablesPath(ci.id)), relQueryables, mediaJSONSchema, "what a filter may name"})
	}
	return doc
}

type collectionsDoc struct {
	Links       []link          `json:"links"`
	Collections []collectionDoc `json:"collections"`
}

func (s *Server) listCollections(c echo.Context) error {
	f, err := format(c)
	if err != nil {
		return err
	}
	crs, err := s.supportedCRS(c.Request().Context())
	if err != nil {
		return err
	}
	doc := collectionsDoc{Links: []link{{absolute(c, "/api/v1/collections"), "self", mediaJSON, "the collections"},
		htmlLink(c, "/api/v1/collections", "alternate")}}
	for _, ci := range collections {
		doc.Collections = append(doc.Collections, collectionJSON(c, ci, crsURIs(crs)))
	}
	return s.respond(c, f, "collections", "Collections", doc)
}

// collectionOf finds the collection named in the path. ENOTFOUND.
func collectionOf(c echo.Context) (collectionInfo, error) {
	for _, ci := range collections {
		if ci.id == c.Param("collection") {
			return ci, nil
		}
	}
	return collectionInfo{}, landrelease.Errorf(landrelease.ENOTFOUND, "No collection %q: the collections are hazard-areas, land-releases and admin-units.", c.Param("collection"))
}

func (s *Server) getCollection(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	f, err := format(c)
	if err != nil {
		return err
	}
	crs, err := s.supportedCRS(c.Request().Context())
	if err != nil {
		return err
	}
	return s.respond(c, f, "collection", ci.title, collectionJSON(c, ci, crsURIs(crs)))
}

// ogcQuery translates the OGC parameters of a request for ci into the registry's, in place: the registry's
// handler and its next links then see them. datetime becomes at, bbox with bbox-crs a CRS84 bbox, and limit is
// clamped to the largest page.
func (s *Server) ogcQuery(c echo.Context, ci collectionInfo) error {
	q := c.QueryParams() // echo's parsed query, which the handlers read
	d, err := datetime(q)
	if err != nil {
		return err
	}
	if d != "" {
		if !ci.temporal {
			return badParam("datetime", "does not apply to %s, which has no field time", ci.id)
		}
		if at := q.Get("at"); at != "" && at != d {
			return badParam("datetime", "gives %s and at gives %s: give one", d, at)
		}
		q.Del("datetime")
		q.Set("at", d)
	}
	if q.Has("limit") {
		n, err := ogcLimit(q)
		if err != nil {
			return err
		}
		q.Set("limit", strconv.Itoa(n))
	}
	if err := s.bboxToCRS84(c, q); err != nil {
		return err
	}
	c.Request().URL.RawQuery = q.Encode()
	return nil
}

func (s *Server) collectionItems(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	f, err := format(c)
	if err != nil {
		return err
	}
	out, err := s.crsParam(c, "crs")
	if err != nil {
		return err
	}
	if err := s.ogcQuery(c, ci); err != nil {
		return err
	}
	w, err := capture(c, ci.list(s))
	if err != nil {
		return err
	}
	body := w.body.Bytes()
	counts, err := geojson.ReadPageCounts(body)
	if err != nil {
		return err
	}
	// numberMatched where it costs nothing: a first page with no next page is the whole result.
	if !counts.Matched && !counts.Next && !c.QueryParams().Has("after") {
		if body, err = geojson.WithNumberMatched(body, counts.Returned); err != nil {
			return err
		}
	}
	if out != crsCRS84 {
		if body, err = geojson.TransformPage(body, s.transformer(c.Request().Context(), out)); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Content-Crs", contentCRS(out))
	if f == formatHTML {
		return s.itemsHTML(c, ci, body, false)
	}
	return writeBytes(c, w.status, mediaGeoJSON, body)
}

func (s *Server) collectionItem(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	f, err := format(c)
	if err != nil {
		return err
	}
	out, err := s.crsParam(c, "crs")
	if err != nil {
		return err
	}
	if err := s.ogcQuery(c, ci); err != nil {
		return err
	}
	w, err := capture(c, ci.item(s))
	if err != nil {
		return err
	}
	body := w.body.Bytes()
	if out != crsCRS84 {
		if body, err = geojson.TransformFeature(body, s.transformer(c.Request().Context(), out)); err != nil {
			return err
		}
	}
	h := c.Response().Header()
	if et := w.header.Get("ETag"); et != "" {
		h.Set("ETag", et)
	}
	h.Set("Content-Crs", contentCRS(out))
	if f == formatHTML {
		return s.itemsHTML(c, ci, body, true)
	}
	return writeBytes(c, w.status, mediaGeoJSON, body)
}

// itemPath is the path of a collection's item.
func itemPath(collection, id string) string {
	return "/api/v1/collections/" + collection + "/items/" + url.PathEscape(id)
}

// writeBytes writes body with its media type.
func writeBytes(c echo.Context, status int, media string, body []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, media)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	c.Response().WriteHeader(status)
	_, err := c.Response().Write(body)
	return err
}

// respond writes doc as JSON, or as the HTML page named page.
func (s *Server) respond(c echo.Context, f, page, title string, doc any) error {
	if f == formatHTML {
		return s.renderHTML(c, page, title, doc)
	}
	return c.JSON(http.StatusOK, doc)
}
