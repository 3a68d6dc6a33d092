package gdal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/paulmach/orb"
	orbgeo "github.com/paulmach/orb/geo"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// MaxTrackGapM is how far apart, in metres, the ends of a GPX track or route may be for it to count as closed
// (a walk around an area ends near, not on, its start); the ring is closed by joining them.
const MaxTrackGapM = 25.0

// shaped is what shapeFeatures learnt of the features of a converted layer, by index.
type shaped struct {
	sources []landrelease.FeatureSource
	errs    map[int]error // a feature the format's rules reject (an open track), instead of its decoding
	points  int           // features whose geometry is a point or points
	total   int
}

// shapeFeatures copies the FeatureCollection GDAL wrote at in to out, feature by feature, noting each one's
// place in the file's layer (its number, and its name: a property called name in any case) and, for a GPX
// (gpx), making each closed track or route a polygon; an open one keeps its line and is noted in errs.
func shapeFeatures(in, out, layer string, gpx bool) (*shaped, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	o, err := os.OpenFile(out, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer o.Close()
	w := bufio.NewWriterSize(o, 256<<10)
	dec := json.NewDecoder(bufio.NewReaderSize(f, 256<<10))
	bad := func(err error) error { return fmt.Errorf("import: GDAL's GeoJSON: %w", err) }
	if err := seekFeatures(dec); err != nil {
		return nil, bad(err)
	}
	sh := &shaped{errs: map[int]error{}}
	io.WriteString(w, `{"type":"FeatureCollection","features":[`)
	for i := 0; dec.More(); i++ {
		var feat map[string]json.RawMessage
		if err := dec.Decode(&feat); err != nil {
			return nil, bad(err)
		}
		src := landrelease.FeatureSource{Layer: layer, Feature: i + 1, Name: featureName(feat["properties"])}
		sh.sources = append(sh.sources, src)
		sh.total++
		var g struct {
			Type        string          `json:"type"`
			Coordinates json.RawMessage `json:"coordinates"`
		}
		_ = json.Unmarshal(feat["geometry"], &g) // a geometry it cannot read is the decoder's to report
		switch g.Type {
		case "Point", "MultiPoint":
			sh.points++
		case "LineString", "MultiLineString":
			if gpx {
				poly, err := closeTrack(g.Type, g.Coordinates, src)
				if err != nil {
					sh.errs[i] = err
				} else if poly != nil {
					feat["geometry"] = poly
				}
			}
		}
		b, err := json.Marshal(feat)
		if err != nil {
			return nil, bad(err)
		}
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(b)
	}
	io.WriteString(w, "]}")
	if err := w.Flush(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	return sh, o.Close()
}

// seekFeatures reads dec up to the first element of the collection's features array.
func seekFeatures(dec *json.Decoder) error {
	if tok, err := dec.Token(); err != nil {
		return err
	} else if tok != json.Delim('{') {
		return errors.New("not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		if tok == "features" {
			if tok, err := dec.Token(); err != nil {
				return err
			} else if tok != json.Delim('[') {
				return errors.New("features is not an array")
			}
			return nil
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return errors.New("no features")
}

// featureName is the text of the property called name (in any case), if any.
func featureName(props json.RawMessage) string {
	var m map[string]any
	if json.Unmarshal(props, &m) != nil {
		return ""
	}
	for k, v := range m {
		if s, ok := v.(string); ok && strings.EqualFold(k, "name") {
			return s
		}
	}
	return ""
}

// closeTrack returns the polygon a closed track or route draws (each of a MultiLineString's parts one
// polygon), or, for an open one, the feature's error naming it.
func closeTrack(typ string, coords json.RawMessage, src landrelease.FeatureSource) (json.RawMessage, error) {
	var lines []orb.LineString
	if typ == "LineString" {
		var l orb.LineString
		if err := json.Unmarshal(coords, &l); err != nil {
			return nil, nil
		}
		lines = []orb.LineString{l}
	} else if err := json.Unmarshal(coords, &lines); err != nil {
		return nil, nil
	}
	what := fmt.Sprintf("track %d", src.Feature)
	if src.Layer == "routes" {
		what = fmt.Sprintf("route %d", src.Feature)
	}
	if src.Name != "" {
		what += fmt.Sprintf(" (%q)", src.Name)
	}
	mp := orb.MultiPolygon{}
	for j, l := range lines {
		part := ""
		if len(lines) > 1 {
			part = fmt.Sprintf(", segment %d", j+1)
		}
		if len(l) < 3 {
			return nil, openTrack(fmt.Sprintf("the %s%s has %d points: a closed track needs at least three", what, part, len(l)))
		}
		first, last := l[0], l[len(l)-1]
		if gap := orbgeo.DistanceHaversine(first, last); gap > MaxTrackGapM {
			return nil, openTrack(fmt.Sprintf("the %s%s is open: its ends are %.0f m apart (at most %.0f m closes it); walk back to the start, or close it before sending", what, part, gap, MaxTrackGapM))
		} else if !first.Equal(last) {
			l = append(l, first)
		}
		if len(l) < 4 {
			return nil, openTrack(fmt.Sprintf("the %s%s has too few points to enclose an area", what, part))
		}
		mp = append(mp, orb.Polygon{orb.Ring(l)})
	}
	var g any = map[string]any{"type": "MultiPolygon", "coordinates": mp}
	if len(mp) == 1 {
		g = map[string]any{"type": "Polygon", "coordinates": mp[0]}
	}
	b, err := json.Marshal(g)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func openTrack(reason string) error {
	return landrelease.Invalid("The feature is not valid: "+reason+".", landrelease.Detail{Field: "geometry", Pointer: "/geometry", Reason: reason})
}
