package postgres

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// ArchiveSource implements landrelease.ArchiveSource.
type ArchiveSource struct{ db *DB }

// NewArchiveSource returns an ArchiveSource on db's primary.
func NewArchiveSource(db *DB) *ArchiveSource { return &ArchiveSource{db: db} }

var _ landrelease.ArchiveSource = (*ArchiveSource)(nil)

// The archive's statements. Every one takes the archive's as-of time as $1 and leaves out what was recorded
// after it; times are written as RFC 3339 in UTC with microseconds whatever the session's time zone, so that
// the same record gives the same text.

// archiveHazardVersionsSQL writes every hazard area version recorded by $1 as a GeoJSON feature, by local ID
// and version. valid_to is the valid_from of the next version in field time among the versions known when
// this one was last known (just before its supersession, or at $1 when it is still known).
const archiveHazardVersionsSQL = `
SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom, 15)::json, 'properties', json_build_object(
  'local_id', h.local_id, 'version', v.version, 'valid_from', to_char(v.valid_from, 'YYYY-MM-DD'),
  'valid_to', to_char((SELECT min(w.valid_from) FROM hazard_area_version w
    WHERE w.hazard_id = v.hazard_id AND w.valid_from > v.valid_from AND CASE
      WHEN v.superseded_at <= $1 THEN w.recorded_at < v.superseded_at AND (w.superseded_at IS NULL OR w.superseded_at >= v.superseded_at)
      ELSE w.recorded_at <= $1 AND (w.superseded_at IS NULL OR w.superseded_at > $1) END), 'YYYY-MM-DD'),
  'recorded_at', to_char(v.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'superseded_at', CASE WHEN v.superseded_at <= $1 THEN to_char(v.superseded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
  'recorded_by', v.recorded_by, 'reason', v.reason, 'withdrawn', v.withdrawn, 'kind', v.kind,
  'contamination', v.contamination, 'evidence_type', v.evidence_type, 'evidence_category', v.evidence_category,
  'devices', to_json(v.devices)::text, 'marking', v.marking, 'priority', v.priority, 'land_use', v.land_use,
  'identified_on', to_char(v.identified_on, 'YYYY-MM-DD'), 'organisation', v.organisation, 'status', v.status,
  'status_reason', v.status_reason, 'releases_since', to_char(v.releases_since, 'YYYY-MM-DD'), 'notes', v.notes,
  'area_m2', v.area_m2, 'admin1_code', a1.code, 'admin2_code', a2.code))::text
FROM hazard_area_version v
JOIN hazard_area h ON h.id = v.hazard_id
LEFT JOIN admin_unit a1 ON a1.id = v.admin1_id
LEFT JOIN admin_unit a2 ON a2.id = v.admin2_id
WHERE v.recorded_at <= $1
ORDER BY h.local_id, v.version`

// archiveReleaseVersionsSQL writes every land release version recorded by $1 as a GeoJSON feature, by local ID
// and version.
const archiveReleaseVersionsSQL = `
SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(v.geom, 15)::json, 'properties', json_build_object(
  'local_id', r.local_id, 'hazard_area', h.local_id, 'version', v.version,
  'recorded_at', to_char(v.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  'superseded_at', CASE WHEN v.superseded_at <= $1 THEN to_char(v.superseded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END,
  'recorded_by', v.recorded_by, 'reason', v.reason, 'withdrawn', v.withdrawn, 'method', v.method,
  'completed_on', to_char(v.completed_on, 'YYYY-MM-DD'), 'organisation', v.organisation, 'criteria', v.criteria,
  'depth_cm', v.depth_cm, 'items_destroyed', v.items_destroyed::text,
  'beneficiaries_women', v.beneficiaries_women, 'beneficiaries_girls', v.beneficiaries_girls,
  'beneficiaries_boys', v.beneficiaries_boys, 'beneficiaries_men', v.beneficiaries_men,
  'beneficiaries_with_disabilities', v.beneficiaries_with_disabilities, 'land_use_after', v.land_use_after,
  'area_m2', v.area_m2))::text
FROM land_release_version v
JOIN land_release r ON r.id = v.release_id
JOIN hazard_area h ON h.id = v.hazard_id
WHERE v.recorded_at <= $1
ORDER BY r.local_id, v.version`

// archiveAdminUnitsSQL writes the gazetteer as GeoJSON features, by level and code. $1 is unused but typed, so
// that every archive statement takes the same parameters; the gazetteer has no record time.
const archiveAdminUnitsSQL = `
SELECT json_build_object('type', 'Feature', 'geometry', ST_AsGeoJSON(geom, 15)::json, 'properties', json_build_object(
  'level', level, 'code', code, 'name', name, 'parent_code', parent_code, 'properties', properties::text,
  'imported_at', to_char(imported_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))::text
FROM admin_unit
WHERE $1::timestamptz IS NOT NULL
ORDER BY level, code`

// archiveUploadsSQL lists the uploads submitted by $1, by ID, with their review only when it was decided by
// $1; the columns of landrelease.ArchiveColumns(ArchiveUploads) but the file's name.
const archiveUploadsSQL = `
SELECT id::text, CASE WHEN reviewed_at <= $1 THEN status ELSE 'submitted' END, submitted_by,
  to_char(submitted_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
  CASE WHEN reviewed_at <= $1 THEN coalesce(reviewed_by, '') ELSE '' END,
  CASE WHEN reviewed_at <= $1 THEN to_char(reviewed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') ELSE '' END,
  feature_count::text, size_bytes::text, sha256
FROM upload
WHERE submitted_at <= $1
ORDER BY id`

// archiveAuditSQL lists the audit trail's entries made by $1, by ID; the columns of
// landrelease.ArchiveColumns(ArchiveAuditTrail).
const archiveAuditSQL = `
SELECT id::text, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), actor, coalesce(address, ''),
  action, entity, coalesce(local_id, ''), coalesce(version::text, ''), detail::text
FROM audit_log
WHERE at <= $1
ORDER BY id`

// archiveFeatureSQL maps each layer to its statement; read only.
var archiveFeatureSQL = map[landrelease.ArchiveTable]string{
	landrelease.ArchiveHazardAreaVersions:  archiveHazardVersionsSQL,
	landrelease.ArchiveLandReleaseVersions: archiveReleaseVersionsSQL,
	landrelease.ArchiveAdminUnits:          archiveAdminUnitsSQL,
}

// ArchiveSnapshot reads in one REPEATABLE READ, read-only transaction on the primary; see
// landrelease.ArchiveSource.
func (s *ArchiveSource) ArchiveSnapshot(ctx context.Context, asOf time.Time, fn func(landrelease.ArchiveReader) error) error {
	ro := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.db.Pool, ro, func(tx pgx.Tx) error {
		return fn(&archiveReader{tx: tx, asOf: asOf})
	})
	if err != nil {
		return dbError(err, "archive")
	}
	return nil
}

// archiveReader reads one snapshot.
type archiveReader struct {
	tx   pgx.Tx
	asOf time.Time
}

// Features implements landrelease.ArchiveReader.
func (r *archiveReader) Features(ctx context.Context, t landrelease.ArchiveTable, w io.Writer) error {
	sql, ok := archiveFeatureSQL[t]
	if !ok {
		return fmt.Errorf("archive: %q is not a layer", t)
	}
	rows, err := r.tx.Query(ctx, sql, r.asOf)
	if err != nil {
		return dbError(err, "archive "+string(t))
	}
	defer rows.Close()
	if _, err := io.WriteString(w, `{"type":"FeatureCollection","features":[`); err != nil {
		return err
	}
	var feature []byte
	for n := 0; rows.Next(); n++ {
		if err := rows.Scan(&feature); err != nil {
			return dbError(err, "archive "+string(t))
		}
		if n > 0 {
			feature = append([]byte{','}, feature...)
		}
		if _, err := w.Write(append(feature, '\n')); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return dbError(err, "archive "+string(t))
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

// Rows implements landrelease.ArchiveReader.
func (r *archiveReader) Rows(ctx context.Context, t landrelease.ArchiveTable, fn func(row []string) error) error {
	var sql string
	switch t {
	case landrelease.ArchiveUploads:
		sql = archiveUploadsSQL
	case landrelease.ArchiveAuditTrail:
		sql = archiveAuditSQL
	default:
		return fmt.Errorf("archive: %q is not a plain table", t)
	}
	rows, err := r.tx.Query(ctx, sql, r.asOf)
	if err != nil {
		return dbError(err, "archive "+string(t))
	}
	defer rows.Close()
	n := len(rows.FieldDescriptions())
	for rows.Next() {
		row := make([]string, n)
		dst := make([]any, n)
		for i := range row {
			dst[i] = &row[i]
		}
		if err := rows.Scan(dst...); err != nil {
			return dbError(err, "archive "+string(t))
		}
		if t == landrelease.ArchiveUploads {
			var id int64
			if _, err := fmt.Sscan(row[0], &id); err != nil {
				return fmt.Errorf("archive uploads: id %q: %w", row[0], err)
			}
			row = append(row, landrelease.ArchiveUploadFile(id))
		}
		if err := fn(row); err != nil {
			return err
		}
	}
	return dbError(rows.Err(), "archive "+string(t))
}

// UploadBody implements landrelease.ArchiveReader.
func (r *archiveReader) UploadBody(ctx context.Context, id int64, w io.Writer) error {
	return copyBody(ctx, r.tx, id, w)
}
