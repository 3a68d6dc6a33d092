package geojson

import (
	"fmt"
	"io"
	"strconv"

	"github.com/paulmach/orb"
	orbjson "github.com/paulmach/orb/geojson"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// AdminFields names the properties a gazetteer file keeps its codes and names in.
type AdminFields struct {
	Code   string // e.g. adm1_code or ADM1_PCODE
	Name   string // e.g. name or ADM1_EN
	Parent string // optional, e.g. ADM1_PCODE in a level 2 file
}

// ReadAdminUnits reads a GeoJSON FeatureCollection of Polygon or MultiPolygon admin units of one level.
// Every property is kept. Errors name the feature and the field.
func ReadAdminUnits(r io.Reader, level int, f AdminFields) ([]*landrelease.AdminUnit, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read admin units: %w", err)
	}
	fc, err := orbjson.UnmarshalFeatureCollection(data)
	if err != nil {
		return nil, fmt.Errorf("read admin units: not a GeoJSON FeatureCollection: %w", err)
	}
	units := make([]*landrelease.AdminUnit, 0, len(fc.Features))
	for i, ft := range fc.Features {
		u := &landrelease.AdminUnit{Level: level, Properties: map[string]any(ft.Properties)}
		if u.Code, err = prop(ft, f.Code, true); err != nil {
			return nil, fmt.Errorf("read admin units: feature %d: %w", i, err)
		}
		if u.Name, err = prop(ft, f.Name, true); err != nil {
			return nil, fmt.Errorf("read admin units: feature %d (%s): %w", i, u.Code, err)
		}
		if f.Parent != "" {
			if u.ParentCode, err = prop(ft, f.Parent, false); err != nil {
				return nil, fmt.Errorf("read admin units: feature %d (%s): %w", i, u.Code, err)
			}
		}
		switch g := ft.Geometry.(type) {
		case orb.Polygon:
			u.Geometry = orb.MultiPolygon{g}
		case orb.MultiPolygon:
			u.Geometry = g
		default:
			t := "null"
			if g != nil {
				t = g.GeoJSONType()
			}
			return nil, fmt.Errorf("read admin units: feature %d (%s): geometry is %s, not Polygon or MultiPolygon", i, u.Code, t)
		}
		units = append(units, u)
	}
	return units, nil
}

func prop(f *orbjson.Feature, name string, required bool) (string, error) {
	v, ok := f.Properties[name]
	if !ok || v == nil {
		if required {
			return "", fmt.Errorf("property %q is missing", name)
		}
		return "", nil
	}
	switch v := v.(type) {
	case string:
		if v == "" && required {
			return "", fmt.Errorf("property %q is empty", name)
		}
		return v, nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	}
	return "", fmt.Errorf("property %q is not a string", name)
}

// AdminUnits returns units as a FeatureCollection: each unit a feature with its code as id and the properties
// level, code, name and parent_code; its geometry when withGeometry, else null.
func AdminUnits(units []*landrelease.AdminUnit, withGeometry bool) *orbjson.FeatureCollection {
	fc := orbjson.NewFeatureCollection()
	for _, u := range units {
		var f *orbjson.Feature
		if withGeometry {
			f = orbjson.NewFeature(u.Geometry)
		} else {
			f = &orbjson.Feature{Type: "Feature", Properties: orbjson.Properties{}}
		}
		f.ID = u.Code
		f.Properties["level"] = u.Level
		f.Properties["code"] = u.Code
		f.Properties["name"] = u.Name
		f.Properties["parent_code"] = u.ParentCode
		fc.Append(f)
	}
	return fc
}
