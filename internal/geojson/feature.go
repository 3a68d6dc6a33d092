// Package geojson is how the registry reads and writes GeoJSON (RFC 7946): hazard areas and land releases as
// features with flat properties that QGIS and GDAL read as columns (feature.go), decoded strictly, each problem
// reported with the property and a JSON pointer relative to the feature (decode.go, collection.go for uploads);
// pages of them, written from a cache of encoded features (cache.go, write.go); the map's simplified features
// (mapfeature.go, mapcache.go); admin units (admin.go); the upload's JSON Schema (schema.go).
package geojson

import (
	"math"
	"time"

	"github.com/paulmach/orb"
	orbjson "github.com/paulmach/orb/geojson"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// Record values of the "record" property.
const (
	RecordHazardArea  = "hazard_area"
	RecordLandRelease = "land_release"
)

// HazardProperties are the properties of a hazard area feature.
type HazardProperties struct {
	Record           string   `json:"record"`
	LocalID          string   `json:"local_id"`
	Kind             string   `json:"kind"`
	Contamination    string   `json:"contamination"`
	Evidence         string   `json:"evidence"`
	EvidenceCategory string   `json:"evidence_category"`
	Devices          []string `json:"devices"`
	Marking          string   `json:"marking"`
	Priority         string   `json:"priority"`
	LandUse          string   `json:"land_use"`
	IdentifiedOn     string   `json:"identified_on"`
	Organisation     string   `json:"organisation"`
	Status           string   `json:"status"`
	StatusReason     string   `json:"status_reason"`
	Notes            string   `json:"notes"`
	AreaM2           float64  `json:"area_m2"`
	RemainingAreaM2  float64  `json:"remaining_area_m2"`
	Admin1Code       *string  `json:"admin1_code"`
	Admin1Name       *string  `json:"admin1_name"`
	Admin2Code       *string  `json:"admin2_code"`
	Admin2Name       *string  `json:"admin2_name"`
	Version          int      `json:"version"`
	ValidFrom        string   `json:"valid_from"`
	RecordedAt       string   `json:"recorded_at"`
	RecordedBy       string   `json:"recorded_by"`
	Reason           string   `json:"reason"`
	ReleasesSince    *string  `json:"releases_since"`
	Withdrawn        bool     `json:"withdrawn"`
	// Residual is true for residual contamination (landrelease.HazardArea.Residual).
	Residual bool `json:"residual"`
	// DistanceM is the distance from the query point of a near query (HazardCollection sets it).
	DistanceM *float64 `json:"distance_m,omitempty"`
}

// ReleaseProperties are the properties of a land release feature.
type ReleaseProperties struct {
	Record         string         `json:"record"`
	LocalID        string         `json:"local_id"`
	HazardArea     string         `json:"hazard_area"`
	Method         string         `json:"method"`
	CompletedOn    string         `json:"completed_on"`
	Organisation   string         `json:"organisation"`
	Criteria       string         `json:"criteria"`
	DepthCM        *int           `json:"depth_cm"`
	ItemsDestroyed map[string]int `json:"items_destroyed"`
	// Beneficiaries is null when the release does not record them.
	Beneficiaries *landrelease.Beneficiaries `json:"beneficiaries"`
	LandUseAfter  string                     `json:"land_use_after"`
	AreaM2        float64                    `json:"area_m2"`
	Version       int                        `json:"version"`
	RecordedAt    string                     `json:"recorded_at"`
	RecordedBy    string                     `json:"recorded_by"`
	Reason        string                     `json:"reason"`
	Withdrawn     bool                       `json:"withdrawn"`
}

// Feature is a GeoJSON feature with typed properties.
type Feature[P any] struct {
	Type       string            `json:"type"`
	ID         string            `json:"id,omitempty"`
	Geometry   *orbjson.Geometry `json:"geometry"`
	Properties P                 `json:"properties"`
}

func ref(a *landrelease.AdminRef) (code, name *string) {
	if a == nil {
		return nil, nil
	}
	return &a.Code, &a.Name
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}

// Hazard returns h as a feature; withRemaining draws the remaining (unreleased) polygon instead of the full one.
func Hazard(h *landrelease.HazardArea, withRemaining bool) Feature[HazardProperties] {
	g := h.Geometry
	if withRemaining {
		g = h.Remaining
	}
	devices := h.Devices
	if devices == nil {
		devices = []string{}
	}
	p := HazardProperties{
		Record: RecordHazardArea, LocalID: h.LocalID, Kind: string(h.Kind), Contamination: string(h.Contamination),
		Evidence: string(h.Evidence.Type), EvidenceCategory: h.Evidence.Category, Devices: devices,
		Marking: string(h.Marking), Priority: string(h.Priority), LandUse: string(h.LandUse),
		IdentifiedOn: day(h.IdentifiedOn), Organisation: h.Organisation, Status: string(h.Status),
		StatusReason: h.StatusReason, Notes: h.Notes, AreaM2: round(h.AreaM2, 2), RemainingAreaM2: round(h.RemainingAreaM2, 2),
		Version: h.Version, ValidFrom: day(h.ValidFrom), RecordedAt: h.RecordedAt.UTC().Format(time.RFC3339Nano),
		RecordedBy: h.RecordedBy, Reason: h.Reason, Withdrawn: h.Withdrawn, Residual: h.Residual,
	}
	p.Admin1Code, p.Admin1Name = ref(h.Admin1)
	p.Admin2Code, p.Admin2Name = ref(h.Admin2)
	if h.ReleasesSince != nil {
		s := day(*h.ReleasesSince)
		p.ReleasesSince = &s
	}
	return Feature[HazardProperties]{Type: "Feature", ID: h.LocalID, Geometry: geometry(g), Properties: p}
}

// Release returns r as a feature.
func Release(r *landrelease.LandRelease) Feature[ReleaseProperties] {
	items := r.ItemsDestroyed
	if items == nil {
		items = map[string]int{}
	}
	return Feature[ReleaseProperties]{Type: "Feature", ID: r.LocalID, Geometry: geometry(r.Geometry), Properties: ReleaseProperties{
		Record: RecordLandRelease, LocalID: r.LocalID, HazardArea: r.HazardArea, Method: string(r.Method),
		CompletedOn: day(r.CompletedOn), Organisation: r.Organisation, Criteria: r.Criteria, DepthCM: r.DepthCM,
		ItemsDestroyed: items, Beneficiaries: r.Beneficiaries, LandUseAfter: string(r.LandUseAfter), AreaM2: round(r.AreaM2, 2), Version: r.Version,
		RecordedAt: r.RecordedAt.UTC().Format(time.RFC3339Nano), RecordedBy: r.RecordedBy, Reason: r.Reason, Withdrawn: r.Withdrawn,
	}}
}

// geometry returns mp as a Polygon when it has one part, a MultiPolygon otherwise, and nil when empty.
func geometry(mp orb.MultiPolygon) *orbjson.Geometry {
	switch len(mp) {
	case 0:
		return nil
	case 1:
		return orbjson.NewGeometry(mp[0])
	}
	return orbjson.NewGeometry(mp)
}

// Collection is a GeoJSON FeatureCollection page.
type Collection[P any] struct {
	Type           string       `json:"type"`
	Features       []Feature[P] `json:"features"`
	Links          []Link       `json:"links,omitempty"`
	NumberReturned int          `json:"numberReturned"`
	TimeStamp      string       `json:"timeStamp,omitempty"`
}

// Link is a link of a collection page (OGC API Features style).
type Link struct {
	Href string `json:"href"`
	Rel  string `json:"rel"`
	Type string `json:"type,omitempty"`
}

// HazardCollection returns the page of hazard areas hs: each drawn as Hazard(h, withRemaining) draws it, with the
// property distance_m (rounded by roundDistance) where dist holds the area's ID, as a near query answers.
// Encoded by encoding/json (HTML characters not escaped), it gives the bytes FeatureCache.AppendCollection writes.
func HazardCollection(hs []*landrelease.HazardArea, withRemaining bool, dist map[int64]float64, links []Link, timeStamp string) Collection[HazardProperties] {
	out := Collection[HazardProperties]{Type: "FeatureCollection", Features: make([]Feature[HazardProperties], 0, len(hs)),
		NumberReturned: len(hs), TimeStamp: timeStamp, Links: links}
	for _, h := range hs {
		ft := Hazard(h, withRemaining)
		if d, ok := dist[h.ID]; ok {
			d = roundDistance(d)
			ft.Properties.DistanceM = &d
		}
		out.Features = append(out.Features, ft)
	}
	return out
}

// ReleaseCollection returns the page of land releases rs, each drawn as Release draws it.
func ReleaseCollection(rs []*landrelease.LandRelease, links []Link, timeStamp string) Collection[ReleaseProperties] {
	out := Collection[ReleaseProperties]{Type: "FeatureCollection", NumberReturned: len(rs),
		Features: make([]Feature[ReleaseProperties], 0, len(rs)), TimeStamp: timeStamp, Links: links}
	for _, r := range rs {
		out.Features = append(out.Features, Release(r))
	}
	return out
}

// roundDistance rounds a near query's distance to the centimetre.
func roundDistance(d float64) float64 { return float64(int64(d*100+0.5)) / 100 }
