package geojson

import "github.com/landrelease/landrelease/internal/landrelease"

// HazardInput are the properties a client sends for a hazard area (see docs/API.md).
type HazardInput struct {
	Record           string   `json:"record"`
	LocalID          string   `json:"local_id"`
	Kind             string   `json:"kind"`
	Contamination    string   `json:"contamination"`
	Evidence         string   `json:"evidence"`
	EvidenceCategory string   `json:"evidence_category,omitempty"`
	Devices          []string `json:"devices"`
	Marking          string   `json:"marking"`
	Priority         string   `json:"priority,omitempty"`
	LandUse          string   `json:"land_use,omitempty"`
	IdentifiedOn     string   `json:"identified_on"`
	Organisation     string   `json:"organisation"`
	Status           string   `json:"status,omitempty"`
	Notes            string   `json:"notes,omitempty"`
}

// ReleaseInput are the properties a client sends for a land release.
type ReleaseInput struct {
	Record         string                     `json:"record"`
	LocalID        string                     `json:"local_id"`
	HazardArea     string                     `json:"hazard_area"`
	Method         string                     `json:"method"`
	CompletedOn    string                     `json:"completed_on"`
	Organisation   string                     `json:"organisation"`
	Criteria       string                     `json:"criteria,omitempty"`
	DepthCM        *int                       `json:"depth_cm,omitempty"`
	ItemsDestroyed map[string]int             `json:"items_destroyed,omitempty"`
	Beneficiaries  *landrelease.Beneficiaries `json:"beneficiaries,omitempty"`
	LandUseAfter   string                     `json:"land_use_after,omitempty"`
}

// HazardInputFeature returns h as the feature a client would send to record it.
func HazardInputFeature(h *landrelease.HazardArea) Feature[HazardInput] {
	return Feature[HazardInput]{Type: "Feature", Geometry: geometry(h.Geometry), Properties: HazardInput{
		Record: RecordHazardArea, LocalID: h.LocalID, Kind: string(h.Kind), Contamination: string(h.Contamination),
		Evidence: string(h.Evidence.Type), EvidenceCategory: h.Evidence.Category, Devices: h.Devices,
		Marking: string(h.Marking), Priority: string(h.Priority), LandUse: string(h.LandUse),
		IdentifiedOn: day(h.IdentifiedOn), Organisation: h.Organisation, Status: string(h.Status), Notes: h.Notes,
	}}
}

// ReleaseInputFeature returns r as the feature a client would send to record it.
func ReleaseInputFeature(r *landrelease.LandRelease) Feature[ReleaseInput] {
	return Feature[ReleaseInput]{Type: "Feature", Geometry: geometry(r.Geometry), Properties: ReleaseInput{
		Record: RecordLandRelease, LocalID: r.LocalID, HazardArea: r.HazardArea, Method: string(r.Method),
		CompletedOn: day(r.CompletedOn), Organisation: r.Organisation, Criteria: r.Criteria, DepthCM: r.DepthCM,
		ItemsDestroyed: r.ItemsDestroyed, Beneficiaries: r.Beneficiaries, LandUseAfter: string(r.LandUseAfter),
	}}
}
