package landrelease

import (
	"context"
	"io"
	"strconv"
	"time"
)

// ArchiveTable names a table of the archive: a layer with geometry (ArchiveLayers) or a plain table
// (ArchiveColumns).
type ArchiveTable string

// The archive's tables.
const (
	ArchiveHazardAreaVersions  ArchiveTable = "hazard_area_versions"  // every version of every hazard area
	ArchiveLandReleaseVersions ArchiveTable = "land_release_versions" // every version of every land release
	ArchiveAdminUnits          ArchiveTable = "admin_units"           // the gazetteer
	ArchiveUploads             ArchiveTable = "uploads"               // the index of uploads
	ArchiveAuditTrail          ArchiveTable = "audit_trail"           // the audit trail
)

// archiveLayers are the archive's layers with geometry and their fields, in order; read only.
var archiveLayers = []ExportLayer{
	{Name: string(ArchiveHazardAreaVersions), Label: "local_id", Fields: []ExportField{
		{"local_id", "local_id", FieldString},
		{"version", "version", FieldInteger},
		{"valid_from", "valid_from", FieldDate},
		{"valid_to", "valid_to", FieldDate},
		{"recorded_at", "recorded", FieldDateTime},
		{"superseded_at", "superseded", FieldDateTime},
		{"recorded_by", "rec_by", FieldString},
		{"reason", "reason", FieldString},
		{"withdrawn", "withdrawn", FieldBoolean},
		{"kind", "kind", FieldString},
		{"contamination", "contam", FieldString},
		{"evidence_type", "evid_type", FieldString},
		{"evidence_category", "evid_cat", FieldString},
		{"devices", "devices", FieldJSON},
		{"marking", "marking", FieldString},
		{"priority", "priority", FieldString},
		{"land_use", "land_use", FieldString},
		{"identified_on", "identified", FieldDate},
		{"organisation", "org", FieldString},
		{"status", "status", FieldString},
		{"status_reason", "status_rsn", FieldString},
		{"releases_since", "rel_since", FieldDate},
		{"notes", "notes", FieldString},
		{"area_m2", "area_m2", FieldReal},
		{"admin1_code", "admin1", FieldString},
		{"admin2_code", "admin2", FieldString},
	}},
	{Name: string(ArchiveLandReleaseVersions), Label: "local_id", Fields: []ExportField{
		{"local_id", "local_id", FieldString},
		{"hazard_area", "hazard", FieldString},
		{"version", "version", FieldInteger},
		{"recorded_at", "recorded", FieldDateTime},
		{"superseded_at", "superseded", FieldDateTime},
		{"recorded_by", "rec_by", FieldString},
		{"reason", "reason", FieldString},
		{"withdrawn", "withdrawn", FieldBoolean},
		{"method", "method", FieldString},
		{"completed_on", "completed", FieldDate},
		{"organisation", "org", FieldString},
		{"criteria", "criteria", FieldString},
		{"depth_cm", "depth_cm", FieldInteger},
		{"items_destroyed", "items", FieldJSON},
		{"beneficiaries_women", "ben_women", FieldInteger},
		{"beneficiaries_girls", "ben_girls", FieldInteger},
		{"beneficiaries_boys", "ben_boys", FieldInteger},
		{"beneficiaries_men", "ben_men", FieldInteger},
		{"beneficiaries_with_disabilities", "ben_disab", FieldInteger},
		{"land_use_after", "land_after", FieldString},
		{"area_m2", "area_m2", FieldReal},
	}},
	{Name: string(ArchiveAdminUnits), Label: "name", Fields: []ExportField{
		{"level", "level", FieldInteger},
		{"code", "code", FieldString},
		{"name", "name", FieldString},
		{"parent_code", "parent", FieldString},
		{"properties", "props", FieldJSON},
		{"imported_at", "imported", FieldDateTime},
	}},
}

// archiveColumns are the columns of the archive's plain tables, in order; read only.
var archiveColumns = map[ArchiveTable][]string{
	ArchiveUploads: {"id", "status", "submitted_by", "submitted_at", "decided_by", "decided_at", "feature_count",
		"size_bytes", "sha256", "file"},
	ArchiveAuditTrail: {"id", "at", "actor", "address", "action", "entity", "local_id", "version", "detail"},
}

// ArchiveLayers returns the archive's layers with geometry, in a slice of the caller's own.
func ArchiveLayers() []ExportLayer {
	out := make([]ExportLayer, len(archiveLayers))
	for i, l := range archiveLayers {
		out[i] = l
		out[i].Fields = append([]ExportField(nil), l.Fields...)
	}
	return out
}

// ArchiveColumns returns the columns of plain table t (nil for a layer), in a slice of the caller's own.
func ArchiveColumns(t ArchiveTable) []string {
	return append([]string(nil), archiveColumns[t]...)
}

// ArchiveUploadFile is the name, within the archive's upload directory, of the body of upload id.
func ArchiveUploadFile(id int64) string {
	return "upload-" + strconv.FormatInt(id, 10) + ".geojson"
}

// ArchiveSource reads the whole record for an archive.
type ArchiveSource interface {
	// ArchiveSnapshot calls fn with a reader of the record as recorded at asOf (rows recorded later are left
	// out, supersessions and review decisions made later are not yet made), every read of it in one
	// consistent snapshot of the database. Two calls with the same asOf on databases holding the same
	// record (a backup restored) read the same rows in the same order.
	ArchiveSnapshot(ctx context.Context, asOf time.Time, fn func(ArchiveReader) error) error
}

// ArchiveReader reads one snapshot of the record; it is valid only during the ArchiveSnapshot call.
type ArchiveReader interface {
	// Features writes to w the features of layer t (one of ArchiveLayers) as one GeoJSON FeatureCollection in
	// WGS 84, whose properties are the layer's fields: dates YYYY-MM-DD, times RFC 3339 in UTC with
	// microseconds, FieldJSON as JSON text; in a stable order (local ID and version, or level and code).
	Features(ctx context.Context, t ArchiveTable, w io.Writer) error
	// Rows calls fn with each row of plain table t as text, its columns those of ArchiveColumns(t), in ID
	// order; an absent value is "".
	Rows(ctx context.Context, t ArchiveTable, fn func(row []string) error) error
	// UploadBody writes the body of upload id as it was sent.
	UploadBody(ctx context.Context, id int64, w io.Writer) error
}

// Archiver writes archives: the whole record in open formats (docs/ARCHIVE.md).
type Archiver interface {
	// WriteArchive writes the archive of the record as recorded at asOf into the directory dir, which it
	// creates and which must not exist. The same record and asOf give the same files, byte for byte.
	WriteArchive(ctx context.Context, dir string, asOf time.Time) error
}
