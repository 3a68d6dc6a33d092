package landrelease

import (
	"slices"
	"strings"
)

// Names of the presets: the mappings of IMSMA Core's layers the service ships.
const (
	PresetIMSMACoreHazard      = "imsma-core-hazard"
	PresetIMSMACoreLandRelease = "imsma-core-land-release"
)

// The presets map only what GICHD's public IMSMA Core documentation (github.com/GICHD/imsma-core-doc) names.
// It documents no attribute schema of the hazard or land-release layers: no field for the hazard's type,
// classification (SHA, CHA), status, dates or organisation, nor for a release's method (cancellation by
// non-technical survey, reduction by technical survey, clearance), so the presets leave those to a team's own
// mapping (docs/UPLOAD.md, "The IMSMA Core presets"). What it does document:
//
//   - Tools/linking/IMSMA_Data_Linking_Process.md and Tools/linking/Add_Linking_Fields_Geoprocessing_Tool.md:
//     every feature class has imsma_id, "a dedicated IMSMA Identifier" of up to 50 characters made of the
//     feature type and a sequential number (hazard_poly_145), and imsma_links, "a comma-separated list of
//     linked features from other layers" by their imsma_id.
//   - Data_Management/Importing_Archival_Data.md: created_date and created_user are the editor-tracking
//     fields, set when a row is written (or by hand for archival rows), not a field date: left out.
func presets() []*Mapping {
	return []*Mapping{
		{
			Name:        PresetIMSMACoreHazard,
			Preset:      true,
			Description: "IMSMA Core hazard polygons (imsma_id as the local id). IMSMA Core's public documentation names no other hazard field: map kind, contamination, evidence, dates and the rest in a mapping of your own.",
			Fields:      map[string]string{"imsma_id": "local_id"},
			Constants:   map[string]any{"record": RecordHazardArea},
		},
		{
			Name:        PresetIMSMACoreLandRelease,
			Preset:      true,
			Description: "IMSMA Core land-release polygons (imsma_id as the local id, imsma_links as the hazard area's imsma_id when it links that one feature). IMSMA Core's public documentation names no field for the method, dates or organisation: map them in a mapping of your own.",
			Fields:      map[string]string{"imsma_id": "local_id", "imsma_links": "hazard_area"},
			Constants:   map[string]any{"record": RecordLandRelease},
		},
	}
}

// MappingPresets returns the presets, by name, each a copy of the caller's own.
func MappingPresets() []*Mapping {
	ps := presets()
	slices.SortFunc(ps, func(a, b *Mapping) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// MappingPreset returns a copy of the preset called name, or nil.
func MappingPreset(name string) *Mapping {
	for _, p := range presets() {
		if p.Name == name {
			return p
		}
	}
	return nil
}
