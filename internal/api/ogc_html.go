package api

import (
	"bytes"
	"embed"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
)

// The HTML view of the OGC resources (conformance class html): the landing page, conformance, the collections,
// a collection, its items and an item, for a browser; plain pages linked to each other, every value escaped by
// html/template, no asset from elsewhere. The items are the GeoJSON page the registry wrote, as a table.

//go:embed ogc_html.tmpl
var htmlFiles embed.FS

// htmlPages parses the templates of the HTML view.
func htmlPages() *template.Template {
	return template.Must(template.ParseFS(htmlFiles, "ogc_html.tmpl"))
}

// htmlPage is what every page template gets.
type htmlPage struct {
	Title string
	JSON  string // the same resource as JSON
	Doc   any
}

// renderHTML writes the page named page of doc.
func (s *Server) renderHTML(c echo.Context, page, title string, doc any) error {
	u := *c.Request().URL
	q := u.Query()
	q.Set("f", formatJSON)
	u.RawQuery = q.Encode()
	var buf bytes.Buffer
	if err := s.html.ExecuteTemplate(&buf, page, htmlPage{Title: title, JSON: u.RequestURI(), Doc: doc}); err != nil {
		return err
	}
	return writeBytes(c, http.StatusOK, "text/html; charset=utf-8", buf.Bytes())
}

// itemsView is the items page: one row per feature, a column per property.
type itemsView struct {
	Collection string
	Single     bool
	Returned   int
	Matched    *int
	Next       string
	Columns    []string
	Rows       []itemRow
}

type itemRow struct {
	ID, Href string
	Cells    []string
}

// itemsHTML writes the GeoJSON page (or, single, the feature) body of collection ci as HTML.
func (s *Server) itemsHTML(c echo.Context, ci collectionInfo, body []byte, single bool) error {
	p, err := geojson.ReadPage(body)
	if err != nil {
		return err
	}
	v := itemsView{Collection: ci.id, Single: single, Returned: p.NumberReturned, Matched: p.NumberMatched}
	for _, l := range p.Links {
		if l.Rel == "next" {
			v.Next = l.Href
		}
	}
	for _, f := range p.Features {
		for _, pr := range f.Properties {
			if !slices.Contains(v.Columns, pr.Name) {
				v.Columns = append(v.Columns, pr.Name)
			}
		}
	}
	for _, f := range p.Features {
		row := itemRow{ID: f.ID, Href: itemPath(ci.id, f.ID) + "?" + url.Values{"f": {formatHTML}}.Encode(), Cells: make([]string, len(v.Columns))}
		for _, pr := range f.Properties {
			row.Cells[slices.Index(v.Columns, pr.Name)] = cell(pr.Value)
		}
		v.Rows = append(v.Rows, row)
	}
	title := ci.title
	if single && len(v.Rows) == 1 {
		title = ci.title + ": " + v.Rows[0].ID
	}
	return s.renderHTML(c, "items", title, v)
}

// cell shows a property's JSON value: a string as itself, null as nothing, anything else as JSON.
func cell(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if string(raw) == "null" {
		return ""
	}
	return string(raw)
}
