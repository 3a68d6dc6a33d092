package cql2_test

import "github.com/landrelease/landrelease/internal/cql2"

// testQueryables are the queryables of the tests: one of each type, a name that is a keyword and one with a
// colon.
var testQueryables = cql2.Queryables{
	"name":       {Column: "name", Type: cql2.TypeString, Title: "Name"},
	"status":     {Column: "status", Type: cql2.TypeString},
	"area":       {Column: "area_m2", Type: cql2.TypeNumber},
	"n":          {Column: "n", Type: cql2.TypeInteger},
	"cleared_on": {Column: "cleared_on", Type: cql2.TypeDate},
	"updated":    {Column: "updated_at", Type: cql2.TypeTimestamp},
	"active":     {Column: "active", Type: cql2.TypeBoolean},
	"geometry":   {Column: "geom", Type: cql2.TypeGeometry},
	"DATE":       {Column: "d2", Type: cql2.TypeDate},
	"admin:unit": {Column: "(h.admin ->> 'unit')", Type: cql2.TypeString},
}
