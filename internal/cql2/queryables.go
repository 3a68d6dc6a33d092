package cql2

import (
	"slices"
)

// Type is the type of a queryable.
type Type int

// The types of queryables. A TypeGeometry column must be a PostGIS geometry in EPSG:4326.
const (
	TypeString Type = iota + 1
	TypeNumber
	TypeInteger
	TypeDate
	TypeTimestamp
	TypeBoolean
	TypeGeometry
)

var typeNames = map[Type]string{
	TypeString: "string", TypeNumber: "number", TypeInteger: "integer", TypeDate: "date", TypeTimestamp: "timestamp",
	TypeBoolean: "boolean", TypeGeometry: "geometry",
}

// String names the type in messages.
func (t Type) String() string {
	if n, ok := typeNames[t]; ok {
		return n
	}
	return "unknown type"
}

// Queryable is what a property name of a filter stands for.
type Queryable struct {
	// Column is the SQL expression of the property: a column name, or an expression in parentheses, of the SQL
	// type that Type stands for (text, a numeric type, date, timestamptz, boolean, geometry in EPSG:4326: cast
	// an enum to text). It is written into the SQL as it is, so it must come from the program, never from a
	// request.
	Column string
	Type   Type
	// Title and Description are for the JSON Schema of the queryables.
	Title       string
	Description string
	// Format overrides the JSON Schema format of a TypeGeometry ("geometry-polygon", ...); the default is
	// "geometry-any".
	Format string
}

// Queryables are the properties a filter may name, by name (case-sensitive).
type Queryables map[string]Queryable

// Schema is the JSON Schema document of a collection's queryables, as OGC API - Features - Part 3 answers at
// /collections/{id}/queryables; encoding/json writes it.
type Schema struct {
	Schema               string                    `json:"$schema"`
	ID                   string                    `json:"$id"`
	Type                 string                    `json:"type"`
	Title                string                    `json:"title,omitempty"`
	Properties           map[string]SchemaProperty `json:"properties"`
	AdditionalProperties bool                      `json:"additionalProperties"`
}

// SchemaProperty is one queryable in a Schema.
type SchemaProperty struct {
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Format      string `json:"format,omitempty"`
}

// JSONSchema returns the schema of q: id is its URL ($id), title the collection's title. Dates are strings of
// format date, timestamps of format date-time, geometries have no type and the format geometry-any (or the
// queryable's Format).
func (q Queryables) JSONSchema(id, title string) Schema {
	s := Schema{
		Schema:     "https://json-schema.org/draft/2020-12/schema",
		ID:         id,
		Type:       "object",
		Title:      title,
		Properties: make(map[string]SchemaProperty, len(q)),
	}
	for name, c := range q {
		p := SchemaProperty{Title: c.Title, Description: c.Description}
		switch c.Type {
		case TypeString:
			p.Type = "string"
		case TypeNumber:
			p.Type = "number"
		case TypeInteger:
			p.Type = "integer"
		case TypeDate:
			p.Type, p.Format = "string", "date"
		case TypeTimestamp:
			p.Type, p.Format = "string", "date-time"
		case TypeBoolean:
			p.Type = "boolean"
		case TypeGeometry:
			p.Format = "geometry-any"
			if c.Format != "" {
				p.Format = c.Format
			}
		}
		s.Properties[name] = p
	}
	return s
}

// names returns the property names, sorted.
func (q Queryables) names() []string {
	ns := make([]string, 0, len(q))
	for n := range q {
		ns = append(ns, n)
	}
	slices.Sort(ns)
	return ns
}
