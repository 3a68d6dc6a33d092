package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/report"
)

// archiveFieldMeaning says in plain language what each field of the archive's layers and tables holds, by
// table and field; every field of landrelease.ArchiveLayers and ArchiveColumns and every column of the Form F
// table has one (TestArchiveReadmeComplete). Read only.
var archiveFieldMeaning = map[string]map[string]string{
	string(landrelease.ArchiveHazardAreaVersions): {
		"local_id":          "the hazard area's identifier, given by the national programme; the same in every version",
		"version":           "the number of this version of the area (1, 2, ...), in the order they were recorded",
		"valid_from":        "field time: the date on the ground from which this version describes the area",
		"valid_to":          "field time: the valid_from of the next version on the ground (the day this one stops holding); empty while it still holds",
		"recorded_at":       "record time: when this version was entered in the register (UTC)",
		"superseded_at":     "record time: when a later entry replaced this version (a correction, a change from an earlier date, a withdrawal); empty if it had not been replaced at the archive's time",
		"recorded_by":       "the user who entered this version",
		"reason":            "why this version was entered, in the user's words",
		"withdrawn":         "true when this version withdraws the area: it was recorded in error and no longer counts from any date",
		"kind":              "SHA (suspected hazardous area: suspicion on indirect evidence) or CHA (confirmed hazardous area: contamination confirmed on direct evidence)",
		"contamination":     "cmr (cluster munition remnants only), other (other explosive ordnance) or mixed; Form F counts cmr and mixed",
		"evidence_type":     "direct (detonations, items seen, reliable records) or indirect (old survey, former combat zone, verbal reports)",
		"evidence_category": "the national standard's category of the evidence",
		"devices":           "the devices suspected or found, as a JSON list of model names (for example BLU-26, M42)",
		"marking":           "none, marked (signs) or fenced",
		"priority":          "the programme's priority for the area",
		"land_use":          "what the land is used for, or would be once released",
		"identified_on":     "field time: the date the area was first identified",
		"organisation":      "the organisation that surveyed the area",
		"status":            "open (still hazardous) or closed",
		"status_reason":     "why the area was closed (released: its remaining area fell below 25 m2 after land release)",
		"releases_since":    "land releases completed before this date are not subtracted from this version's polygon (set when a boundary is redrawn after survey)",
		"notes":             "free text",
		"area_m2":           "the polygon's area in square metres, on the WGS 84 spheroid",
		"admin1_code":       "the code of the province (admin level 1) the area lies in, most of it where it straddles a border",
		"admin2_code":       "the code of the district (admin level 2) the area lies in",
	},
	string(landrelease.ArchiveLandReleaseVersions): {
		"local_id":                        "the land release's identifier, given by the national programme",
		"hazard_area":                     "the local_id of the hazard area it released land of",
		"version":                         "the number of this version of the release; a later version corrects an earlier one",
		"recorded_at":                     "record time: when this version was entered (UTC)",
		"superseded_at":                   "record time: when a correction or withdrawal replaced this version; empty if it had not been replaced at the archive's time",
		"recorded_by":                     "the user who entered this version",
		"reason":                          "why this version was entered",
		"withdrawn":                       "true when this version withdraws the release: it was recorded in error and does not count",
		"method":                          "cancelled (found free of evidence by non-technical survey), reduced (found free of contamination by technical survey) or cleared (every hazard removed and destroyed to the stated depth)",
		"completed_on":                    "field time: the date the land was released; the release counts from that date",
		"organisation":                    "the organisation that released the land",
		"criteria":                        "the criteria the release applied (the national standard's)",
		"depth_cm":                        "the depth of clearance in centimetres; empty when not cleared or not stated",
		"items_destroyed":                 "the items destroyed, as a JSON object from device model to count",
		"beneficiaries_women":             "women (18 or older) who benefit directly from the release; empty when the release does not record its beneficiaries",
		"beneficiaries_girls":             "girls (under 18) who benefit directly; empty when not recorded",
		"beneficiaries_boys":              "boys (under 18) who benefit directly; empty when not recorded",
		"beneficiaries_men":               "men (18 or older) who benefit directly; empty when not recorded",
		"beneficiaries_with_disabilities": "how many of those women, girls, boys and men live with a disability (counted among them, not beside them); empty when not recorded",
		"land_use_after":                  "the use of the land once released (agriculture, residential, forest, grazing, infrastructure, water, other); empty when not recorded",
		"area_m2":                         "the part of the release's polygon within its hazard area, in square metres",
	},
	string(landrelease.ArchiveAdminUnits): {
		"level":       "1 for a province, 2 for a district",
		"code":        "the unit's code (an OCHA P-code where one exists)",
		"name":        "the unit's name",
		"parent_code": "for a district, the code of its province",
		"properties":  "the other attributes of the gazetteer it was imported from, as a JSON object",
		"imported_at": "when the unit was imported into the register (UTC)",
	},
	string(landrelease.ArchiveUploads): {
		"id":            "the upload's number; its body is uploads/upload-ID.geojson",
		"status":        "submitted (awaiting review at the archive's time), approved (written to the register) or rejected",
		"submitted_by":  "the user who sent it",
		"submitted_at":  "when it was sent (UTC)",
		"decided_by":    "the data manager who approved or rejected it; empty while submitted",
		"decided_at":    "when it was approved or rejected (UTC); empty while submitted",
		"feature_count": "the number of features (hazard areas and releases) in the body",
		"size_bytes":    "the size of the body as sent, in bytes",
		"sha256":        "the SHA-256 of the body as sent, in hexadecimal",
		"file":          "the name of the body's file in uploads/",
	},
	string(landrelease.ArchiveAuditTrail): {
		"id":       "the entry's number, in the order entries were made",
		"at":       "when (UTC)",
		"actor":    "the user, token or command (cli:NAME) that acted",
		"address":  "the client's network address, where known",
		"action":   "what was done (create, update, withdraw, approve, reject, export, sign-in, ...)",
		"entity":   "what it was done to (hazard_area, land_release, upload, user, setting, ...)",
		"local_id": "the identifier of the record acted on, where there is one",
		"version":  "the version written, where there is one",
		"detail":   "the rest of what was recorded, as a JSON object",
	},
	"form_f": {
		"admin_code":                      "the admin unit's code; UNASSIGNED for areas in no unit, TOTAL for the last row",
		"admin_name":                      "the admin unit's name",
		"sha_count":                       "suspected hazardous areas (CMR) open at the end of the year",
		"sha_area_m2":                     "their remaining area, in square metres",
		"cha_count":                       "confirmed hazardous areas (CMR) open at the end of the year",
		"cha_area_m2":                     "their remaining area, in square metres",
		"new_count":                       "hazard areas identified during the year",
		"new_area_m2":                     "their area, in square metres",
		"cancelled_area_m2":               "area cancelled through non-technical survey during the year",
		"reduced_area_m2":                 "area reduced through technical survey during the year",
		"cleared_area_m2":                 "area cleared during the year",
		"reclassified_area_m2":            "area reclassified between SHA and CHA during the year",
		"submunitions_destroyed":          "items destroyed during the year",
		"balance_diff_m2":                 "what the opening area, plus what was added, less what was released, fails to explain of the closing area (0 when the figures balance; otherwise the report's differences say why)",
		"beneficiaries_women":             "women (18 or older) the year's land release benefits, as the releases record them",
		"beneficiaries_girls":             "girls (under 18) the year's land release benefits",
		"beneficiaries_boys":              "boys (under 18) the year's land release benefits",
		"beneficiaries_men":               "men (18 or older) the year's land release benefits",
		"beneficiaries_with_disabilities": "how many of those people live with a disability (counted among them, not beside them)",
		"releases_with_beneficiaries":     "how many of the year's releases record their beneficiaries (the others are not in the counts)",
	},
}

// writeArchiveReadme writes the archive's README: what the record is, the two time axes, then every file and
// every field of every table.
func writeArchiveReadme(w io.Writer, asOf time.Time, s *landrelease.Settings, sum archiveSummary) error {
	var b strings.Builder
	state := s.StateName
	if state == "" {
		state = "(the State's name was not set)"
	}
	fmt.Fprintf(&b, `# Archive of the national register of land contaminated by cluster munitions

State: %s. As recorded at %s (UTC): everything entered in the register by then, nothing entered later.

This directory holds the whole record in open formats that need no special software: GeoPackage (open it with
QGIS, ArcGIS or GDAL's ogrinfo), CSV (any spreadsheet or text editor; geometry as WKT text, longitude latitude
in WGS 84, EPSG:4326), XLSX (any spreadsheet) and GeoJSON (the upload bodies). Text is UTF-8.

## What the register records

- A **hazard area** is a piece of land where explosive ordnance, here cluster munition remnants (CMR), is
  suspected or known to be. It is an **SHA**, a suspected hazardous area, when the suspicion rests on indirect
  evidence, and a **CHA**, a confirmed hazardous area, when direct evidence confirms contamination.
- A **land release** returns land of a hazard area to use. The land is **cancelled** when non-technical survey
  (information gathering without technical means) finds no evidence of contamination, **reduced** when technical
  survey (detectors, sampling) finds none, and **cleared** when every hazard has been removed and destroyed to a
  stated depth. What remains of a hazard area is its polygon less its releases; an area closes when less than
  25 m2 remains.
- Nothing is ever overwritten or deleted: every change is a new **version**, and an entry made in error is
  **withdrawn** by a version that says so.

## Two time axes

- **Field time** is when things happened on the ground: valid_from and valid_to of a hazard area's version,
  identified_on, completed_on. To see the ground on a date D, take for each hazard area the version with the
  latest valid_from on or before D (and valid_to after D or empty), among the versions not superseded.
- **Record time** is when the register learnt of them: recorded_at and superseded_at. To see what the register
  knew at a moment T, keep only the versions recorded at or before T and not superseded at or before T. Late
  entries and corrections are visible this way: a clearance of one year recorded in the next has its field date
  in the first and its recorded_at in the second.

Form F is read on both axes: the year's events by field date, as recorded at the archive's time.

## Files

| file | what it holds |
|---|---|
| layers/hazard_area_versions.gpkg, .csv | every version of every hazard area, with its polygon |
| layers/land_release_versions.gpkg, .csv | every version of every land release, with its polygon |
| layers/admin_units.gpkg, .csv | the gazetteer: provinces (level 1) and districts (level 2), with their boundaries |
| form-f/form-f-YEAR-level-L.csv, .xlsx | Article 7 Form F, "Contaminated areas and clearance", of calendar year YEAR by province (L = 1) or district (L = 2), as recorded at the archive's time: %s |
| uploads/upload-ID.geojson | each upload's body exactly as the field team sent it (GeoJSON) |
| tables/uploads.csv | the index of uploads |
| tables/audit_trail.csv | the audit trail: who did what, when |
| README.md | this description |
| MANIFEST | the SHA-256 of every other file; check it with `+"`sha256sum -c MANIFEST`"+` |

In a GeoPackage each layer has the name of its file; in the CSV files of layers the first column, WKT, is the
polygon. Dates are YYYY-MM-DD; times are RFC 3339 in UTC with microseconds; an empty cell is no value.

`, state, asOf.Format(time.RFC3339Nano), sum.years())
	for _, l := range landrelease.ArchiveLayers() {
		names := make([]string, len(l.Fields))
		for i, f := range l.Fields {
			names[i] = f.Name
		}
		writeArchiveFields(&b, "layers/"+l.Name, l.Name, names)
	}
	for _, t := range []landrelease.ArchiveTable{landrelease.ArchiveUploads, landrelease.ArchiveAuditTrail} {
		writeArchiveFields(&b, "tables/"+string(t)+".csv", string(t), landrelease.ArchiveColumns(t))
	}
	writeArchiveFields(&b, "form-f/*.csv (and the Data sheet of the XLSX)", "form_f", report.Header())
	_, err := io.WriteString(w, b.String())
	return err
}

// writeArchiveFields writes the heading of a table and its fields with their meanings.
func writeArchiveFields(b *strings.Builder, title, table string, fields []string) {
	fmt.Fprintf(b, "## %s\n\n| field | meaning |\n|---|---|\n", title)
	for _, f := range fields {
		fmt.Fprintf(b, "| %s | %s |\n", f, archiveFieldMeaning[table][f])
	}
	b.WriteString("\n")
}
