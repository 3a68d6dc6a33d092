package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/cql2"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// The queryables of OGC API - Features - Part 3: the properties of a collection's features a filter may name,
// each with the SQL of the list's query that holds it (internal/postgres: findCurrentHazardsSQL and
// findTemporalHazardsSQL name the version v, its head h and its admin units a1 and a2; findReleasesSQL the
// version r, its head l and the hazard area's head h). The names are those of the features' properties, so that
// a client filters on what it reads. Left out: what the lists compute after selecting a page (a hazard area's
// remaining_area_m2, at a past date), what is the same for every feature listed (withdrawn, record), and arrays
// and objects (devices, items_destroyed).

// mediaJSONSchema is the media type of a queryables document.
const mediaJSONSchema = "application/schema+json"

var hazardQueryables = cql2.Queryables{
	"local_id":          {Column: "h.local_id", Type: cql2.TypeString, Title: "Local id"},
	"kind":              {Column: "v.kind", Type: cql2.TypeString, Title: "Kind", Description: "SHA or CHA"},
	"contamination":     {Column: "v.contamination", Type: cql2.TypeString, Description: "cmr, other or mixed"},
	"evidence":          {Column: "v.evidence_type", Type: cql2.TypeString, Description: "direct or indirect"},
	"evidence_category": {Column: "v.evidence_category", Type: cql2.TypeString},
	"marking":           {Column: "v.marking", Type: cql2.TypeString, Description: "none, marked or fenced"},
	"priority":          {Column: "v.priority", Type: cql2.TypeString},
	"land_use":          {Column: "v.land_use", Type: cql2.TypeString},
	"identified_on":     {Column: "v.identified_on", Type: cql2.TypeDate, Title: "Identified on"},
	"organisation":      {Column: "v.organisation", Type: cql2.TypeString},
	"status":            {Column: "v.status", Type: cql2.TypeString, Description: "open or closed; a filter naming it lists both unless status is given"},
	"status_reason":     {Column: "v.status_reason", Type: cql2.TypeString},
	"notes":             {Column: "v.notes", Type: cql2.TypeString},
	"area_m2":           {Column: "v.area_m2", Type: cql2.TypeNumber, Description: "the area in square metres, on the spheroid"},
	"admin1_code":       {Column: "a1.code", Type: cql2.TypeString},
	"admin1_name":       {Column: "a1.name", Type: cql2.TypeString},
	"admin2_code":       {Column: "a2.code", Type: cql2.TypeString},
	"admin2_name":       {Column: "a2.name", Type: cql2.TypeString},
	"version":           {Column: "v.version", Type: cql2.TypeInteger},
	"valid_from":        {Column: "v.valid_from", Type: cql2.TypeDate, Description: "the field date the version holds from"},
	"recorded_at":       {Column: "v.recorded_at", Type: cql2.TypeTimestamp},
	"recorded_by":       {Column: "v.recorded_by", Type: cql2.TypeString},
	"reason":            {Column: "v.reason", Type: cql2.TypeString},
	"releases_since":    {Column: "v.releases_since", Type: cql2.TypeDate},
	"geometry":          {Column: "v.geom", Type: cql2.TypeGeometry, Format: "geometry-multipolygon"},
}

var releaseQueryables = cql2.Queryables{
	"local_id":     {Column: "l.local_id", Type: cql2.TypeString, Title: "Local id"},
	"hazard_area":  {Column: "h.local_id", Type: cql2.TypeString, Description: "the local_id of the hazard area released"},
	"method":       {Column: "r.method", Type: cql2.TypeString, Description: "cancelled, reduced or cleared"},
	"completed_on": {Column: "r.completed_on", Type: cql2.TypeDate, Title: "Completed on"},
	"organisation": {Column: "r.organisation", Type: cql2.TypeString},
	"criteria":     {Column: "r.criteria", Type: cql2.TypeString},
	"depth_cm":     {Column: "r.depth_cm", Type: cql2.TypeInteger},
	"area_m2":      {Column: "r.area_m2", Type: cql2.TypeNumber},
	"version":      {Column: "r.version", Type: cql2.TypeInteger},
	"recorded_at":  {Column: "r.recorded_at", Type: cql2.TypeTimestamp},
	"recorded_by":  {Column: "r.recorded_by", Type: cql2.TypeString},
	"reason":       {Column: "r.reason", Type: cql2.TypeString},
	"geometry":     {Column: "r.geom", Type: cql2.TypeGeometry, Format: "geometry-multipolygon"},
}

// queryables answers /collections/{collection}/queryables with the collection's queryables as JSON Schema.
func (s *Server) queryables(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	if ci.queryables == nil {
		return landrelease.Errorf(landrelease.ENOTFOUND, "The collection %s takes no filter: it has no queryables.", ci.id)
	}
	f, err := format(c)
	if err != nil {
		return err
	}
	doc := ci.queryables.JSONSchema(absolute(c, queryablesPath(ci.id)), ci.title)
	if f == formatHTML {
		return s.renderHTML(c, "queryables", ci.title+": queryables", doc)
	}
	c.Response().Header().Set(echo.HeaderContentType, mediaJSONSchema)
	c.Response().WriteHeader(http.StatusOK)
	return encodeJSON(c, doc)
}

// queryablesPath is the path of a collection's queryables.
func queryablesPath(collection string) string {
	return "/api/v1/collections/" + collection + "/queryables"
}
