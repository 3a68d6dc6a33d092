package geojson

import (
	"math"
	"slices"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/simplify"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The map's features: each polygon simplified to half a screen pixel at the view's zoom (Douglas-Peucker,
// orb/simplify), coordinates rounded to a tenth of that, and only the properties the map styles and labels by.

// MapScale is how a zoom level simplifies: the Douglas-Peucker tolerance in degrees and the decimals kept.
type MapScale struct {
	Zoom     int     // the web-map zoom level
	Tol      float64 // Douglas-Peucker tolerance, degrees
	Decimals int     // decimals kept of each coordinate
}

// ScaleAt returns the scale of zoom at latitude lat. A screen pixel spans 360/(256*2^z) degrees of longitude and
// cos(lat) times that of latitude (Web Mercator); the tolerance is half a pixel on the shorter of the two, the
// rounding a tenth of it or finer (1e-7, the registry's precision, at most).
func ScaleAt(zoom int, lat float64) MapScale {
	c := math.Cos(math.Min(math.Abs(lat), 85) * math.Pi / 180)
	tol := 0.5 * 360 / (256 * math.Exp2(float64(zoom))) * c
	d := int(math.Ceil(-math.Log10(tol / 10)))
	d = max(1, min(d, 7))
	return MapScale{Zoom: zoom, Tol: tol, Decimals: d}
}

// simplifyForMap returns mp simplified at sc, in new slices (mp is shared with the index and never modified).
// A ring that simplification would collapse is kept as its bounding box, so that no hazard area vanishes from
// the map however small; a collapsing hole is dropped (smaller than a pixel, it cannot be seen).
func simplifyForMap(mp orb.MultiPolygon, sc MapScale) orb.MultiPolygon {
	dp := simplify.DouglasPeucker(sc.Tol)
	out := make(orb.MultiPolygon, 0, len(mp))
	for _, p := range mp {
		var q orb.Polygon
		for i, r := range p {
			if len(r) < 4 {
				continue
			}
			s := orb.Ring(dp.Simplify(orb.LineString(slices.Clone(r))).(orb.LineString))
			for j := range s {
				s[j] = orb.Point{roundTo(s[j][0], sc.Decimals), roundTo(s[j][1], sc.Decimals)}
			}
			s = slices.Compact(s)
			if len(s) >= 4 && s[0] == s[len(s)-1] {
				q = append(q, s)
				continue
			}
			if i > 0 {
				continue // a hole below a pixel
			}
			q = append(q, boxRing(r.Bound(), sc))
		}
		if len(q) > 0 {
			out = append(out, q)
		}
	}
	return out
}

// boxRing is the rectangle of b, at least one rounding step wide and high, counter-clockwise.
func boxRing(b orb.Bound, sc MapScale) orb.Ring {
	step := math.Pow10(-sc.Decimals)
	w, s := roundTo(b.Min[0], sc.Decimals), roundTo(b.Min[1], sc.Decimals)
	e, n := roundTo(b.Max[0], sc.Decimals), roundTo(b.Max[1], sc.Decimals)
	if e <= w {
		e = w + step
	}
	if n <= s {
		n = s + step
	}
	return orb.Ring{{w, s}, {e, s}, {e, n}, {w, n}, {w, s}}
}

func roundTo(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}

// appendMultiPolygon appends mp as a GeoJSON MultiPolygon geometry.
func appendMultiPolygon(buf []byte, mp orb.MultiPolygon) []byte {
	buf = append(buf, `{"type":"MultiPolygon","coordinates":[`...)
	for i, p := range mp {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '[')
		for j, r := range p {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, '[')
			for k, pt := range r {
				if k > 0 {
					buf = append(buf, ',')
				}
				buf = append(buf, '[')
				buf = strconv.AppendFloat(buf, pt[0], 'f', -1, 64)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, pt[1], 'f', -1, 64)
				buf = append(buf, ']')
			}
			buf = append(buf, ']')
		}
		buf = append(buf, ']')
	}
	return append(buf, "]}"...)
}

// AppendMapHazard encodes a hazard area as the map draws it: properties local_id, kind and status, and
// "residual":true for residual contamination (landrelease.HazardArea.Residual); the property is left out when
// false, so that the features of the many areas that are not residual cost no byte more.
func AppendMapHazard(buf []byte, h *landrelease.HazardArea, sc MapScale) []byte {
	buf = append(buf, `{"type":"Feature","geometry":`...)
	buf = appendMultiPolygon(buf, simplifyForMap(h.Geometry, sc))
	buf = append(buf, `,"properties":{"local_id":`...)
	buf = appendJSONString(buf, h.LocalID)
	buf = append(buf, `,"kind":`...)
	buf = appendJSONString(buf, string(h.Kind))
	buf = append(buf, `,"status":`...)
	buf = appendJSONString(buf, string(h.Status))
	if h.Residual {
		buf = append(buf, `,"residual":true`...)
	}
	return append(buf, "}}"...)
}

// AppendMapRelease encodes a land release as the map draws it.
func AppendMapRelease(buf []byte, r *landrelease.LandRelease, sc MapScale) []byte {
	buf = append(buf, `{"type":"Feature","geometry":`...)
	buf = appendMultiPolygon(buf, simplifyForMap(r.Geometry, sc))
	buf = append(buf, `,"properties":{"local_id":`...)
	buf = appendJSONString(buf, r.LocalID)
	buf = append(buf, `,"hazard_area":`...)
	buf = appendJSONString(buf, r.HazardArea)
	buf = append(buf, `,"method":`...)
	buf = appendJSONString(buf, string(r.Method))
	buf = append(buf, `,"completed_on":`...)
	buf = appendJSONString(buf, r.CompletedOn.Format("2006-01-02"))
	return append(buf, "}}"...)
}

// AppendMapCollection appends the FeatureCollection of a map view: the features (each encoded by
// AppendMapHazard or AppendMapRelease), how many matched (when matched >= 0), whether the view was truncated,
// and the scale they were drawn at; trailing newline included.
func AppendMapCollection(buf []byte, feats [][]byte, matched int, truncated bool, sc MapScale) []byte {
	buf = append(buf, `{"type":"FeatureCollection","features":[`...)
	for i, f := range feats {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, f...)
	}
	buf = append(buf, `],"numberReturned":`...)
	buf = strconv.AppendInt(buf, int64(len(feats)), 10)
	if matched >= 0 {
		buf = append(buf, `,"numberMatched":`...)
		buf = strconv.AppendInt(buf, int64(matched), 10)
	}
	buf = append(buf, `,"truncated":`...)
	buf = strconv.AppendBool(buf, truncated)
	buf = append(buf, `,"zoom":`...)
	buf = strconv.AppendInt(buf, int64(sc.Zoom), 10)
	buf = append(buf, `,"tolerance_deg":`...)
	buf = strconv.AppendFloat(buf, sc.Tol, 'g', 3, 64)
	return append(buf, "}\n"...)
}
