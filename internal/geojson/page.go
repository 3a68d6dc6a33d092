package geojson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	orbjson "github.com/paulmach/orb/geojson"
)

// Pages and features the API has written, read back for what OGC API - Features adds to them: their geometries
// in another coordinate reference system (Transform), numberMatched (WithNumberMatched) and an HTML view
// (ReadPage). Every member is kept; members are written in the order type, id, geometry, properties (of a
// feature) or type, features, links, numberMatched, numberReturned, timeStamp (of a page), then the others by name.

// Transformer maps polygons to other coordinates, in order; an empty polygon stays empty.
type Transformer func(gs []orb.MultiPolygon) ([]orb.MultiPolygon, error)

var (
	featureOrder = []string{"type", "id", "geometry", "properties"}
	pageOrder    = []string{"type", "features", "links", "numberMatched", "numberReturned", "timeStamp"}
)

// TransformPage returns the FeatureCollection page with the geometry of each feature replaced by fn's answer.
func TransformPage(page []byte, fn Transformer) ([]byte, error) {
	m, err := Members(page)
	if err != nil {
		return nil, fmt.Errorf("transform page: %w", err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(m["features"], &raw); err != nil {
		return nil, fmt.Errorf("transform page: features: %w", err)
	}
	feats := make([]map[string]json.RawMessage, len(raw))
	gs := make([]orb.MultiPolygon, len(raw))
	for i, f := range raw {
		if feats[i], err = Members(f); err != nil {
			return nil, fmt.Errorf("transform page: feature %d: %w", i, err)
		}
		if gs[i], err = polygons(feats[i]["geometry"]); err != nil {
			return nil, fmt.Errorf("transform page: feature %d: %w", i, err)
		}
	}
	if gs, err = fn(gs); err != nil {
		return nil, err
	}
	if len(gs) != len(feats) {
		return nil, errors.New("transform page: a geometry was lost")
	}
	out := bytes.NewBuffer(make([]byte, 0, len(page)))
	out.WriteByte('[')
	for i, f := range feats {
		if i > 0 {
			out.WriteByte(',')
		}
		if f["geometry"], err = json.Marshal(geometry(gs[i])); err != nil {
			return nil, fmt.Errorf("transform page: feature %d: %w", i, err)
		}
		writeObject(out, f, featureOrder)
	}
	out.WriteByte(']')
	m["features"] = bytes.Clone(out.Bytes())
	out.Reset()
	writeObject(out, m, pageOrder)
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// TransformFeature returns the Feature with its geometry replaced by fn's answer.
func TransformFeature(feature []byte, fn Transformer) ([]byte, error) {
	m, err := Members(feature)
	if err != nil {
		return nil, fmt.Errorf("transform feature: %w", err)
	}
	g, err := polygons(m["geometry"])
	if err != nil {
		return nil, fmt.Errorf("transform feature: %w", err)
	}
	gs, err := fn([]orb.MultiPolygon{g})
	if err != nil {
		return nil, err
	}
	if len(gs) != 1 {
		return nil, errors.New("transform feature: the geometry was lost")
	}
	if m["geometry"], err = json.Marshal(geometry(gs[0])); err != nil {
		return nil, fmt.Errorf("transform feature: %w", err)
	}
	var out bytes.Buffer
	writeObject(&out, m, featureOrder)
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// WithNumberMatched returns the page with numberMatched set to n.
func WithNumberMatched(page []byte, n int) ([]byte, error) {
	m, err := Members(page)
	if err != nil {
		return nil, fmt.Errorf("number matched: %w", err)
	}
	m["numberMatched"] = strconv.AppendInt(nil, int64(n), 10)
	var out bytes.Buffer
	out.Grow(len(page) + 24)
	writeObject(&out, m, pageOrder)
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// polygons decodes a Polygon or MultiPolygon geometry (null: empty).
func polygons(raw json.RawMessage) (orb.MultiPolygon, error) {
	if isNull(raw) {
		return nil, nil
	}
	var g orbjson.Geometry
	if err := json.Unmarshal(raw, &g); err != nil {
		return nil, fmt.Errorf("geometry: %w", err)
	}
	switch v := g.Geometry().(type) {
	case orb.Polygon:
		return orb.MultiPolygon{v}, nil
	case orb.MultiPolygon:
		return v, nil
	case nil:
		return nil, nil
	default:
		return nil, fmt.Errorf("geometry: %s is not polygonal", v.GeoJSONType())
	}
}

// writeObject writes the members of m, those named in order first.
func writeObject(out *bytes.Buffer, m map[string]json.RawMessage, order []string) {
	names := make([]string, 0, len(m))
	for k := range m {
		if !slices.Contains(order, k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	out.WriteByte('{')
	n := 0
	for _, k := range append(slices.Clone(order), names...) {
		v, ok := m[k]
		if !ok {
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		out.Write(appendJSONString(nil, k))
		out.WriteByte(':')
		out.Write(v)
	}
	out.WriteByte('}')
}

// Page is a page or a single feature read back for display: each feature's id and its properties in order.
type Page struct {
	Features       []PageFeature
	Links          []Link
	NumberReturned int
	NumberMatched  *int
}

// PageFeature is a feature of a Page.
type PageFeature struct {
	ID         string
	Properties []Property
}

// Property is one property of a feature, its value as JSON.
type Property struct {
	Name  string
	Value json.RawMessage
}

// ReadPage reads a FeatureCollection page, or a single Feature as a page of one.
func ReadPage(data []byte) (*Page, error) {
	m, err := Members(data)
	if err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	if string(m["type"]) == `"Feature"` {
		f, err := pageFeature(m)
		if err != nil {
			return nil, err
		}
		return &Page{Features: []PageFeature{f}, NumberReturned: 1}, nil
	}
	var p struct {
		Features       []json.RawMessage `json:"features"`
		Links          []Link            `json:"links"`
		NumberReturned int               `json:"numberReturned"`
		NumberMatched  *int              `json:"numberMatched"`
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	out := &Page{Links: p.Links, NumberReturned: p.NumberReturned, NumberMatched: p.NumberMatched}
	for i, raw := range p.Features {
		fm, err := Members(raw)
		if err != nil {
			return nil, fmt.Errorf("read page: feature %d: %w", i, err)
		}
		f, err := pageFeature(fm)
		if err != nil {
			return nil, fmt.Errorf("read page: feature %d: %w", i, err)
		}
		out.Features = append(out.Features, f)
	}
	return out, nil
}

func pageFeature(m map[string]json.RawMessage) (PageFeature, error) {
	var f PageFeature
	if id := m["id"]; !isNull(id) {
		var v any
		if err := json.Unmarshal(id, &v); err != nil {
			return f, fmt.Errorf("id: %w", err)
		}
		f.ID = fmt.Sprint(v)
	}
	props := m["properties"]
	if isNull(props) {
		return f, nil
	}
	dec := json.NewDecoder(bytes.NewReader(props))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return f, fmt.Errorf("properties are not an object")
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return f, fmt.Errorf("properties: %w", err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return f, fmt.Errorf("properties: %w", err)
		}
		f.Properties = append(f.Properties, Property{Name: t.(string), Value: v})
	}
	return f, nil
}

// PageCounts is what a page says of its size: numberReturned, whether it has numberMatched, and whether it links
// to a next page.
type PageCounts struct {
	Returned      int
	Matched, Next bool
}

// ReadPageCounts reads a FeatureCollection page's counts without decoding its features.
func ReadPageCounts(page []byte) (PageCounts, error) {
	m, err := Members(page)
	if err != nil {
		return PageCounts{}, fmt.Errorf("read page counts: %w", err)
	}
	var pc PageCounts
	if err := json.Unmarshal(m["numberReturned"], &pc.Returned); err != nil {
		return pc, fmt.Errorf("read page counts: numberReturned: %w", err)
	}
	_, pc.Matched = m["numberMatched"]
	var links []Link
	if raw, ok := m["links"]; ok {
		if err := json.Unmarshal(raw, &links); err != nil {
			return pc, fmt.Errorf("read page counts: links: %w", err)
		}
	}
	for _, l := range links {
		pc.Next = pc.Next || l.Rel == "next"
	}
	return pc, nil
}
