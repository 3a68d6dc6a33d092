package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/spool"
)

// UploadService implements landrelease.UploadService. It reads upload bodies with its reader, as each upload's
// source says (format, layer, mapping), and checks and writes what they hold.
type UploadService struct {
	db     *DB
	reader landrelease.UploadReader
}

// NewUploadService returns an UploadService on db that reads bodies with reader (landrelease.UploadReaders for
// several formats).
func NewUploadService(db *DB, reader landrelease.UploadReader) *UploadService {
	return &UploadService{db: db, reader: reader}
}

var _ landrelease.UploadService = (*UploadService)(nil)

const (
	uploadColumns      = `id, status, submitted_by, submitted_at, coalesce(idempotency_key, ''), size_bytes, sha256, feature_count, coalesce(reviewed_by, ''), reviewed_at, coalesce(review_comment, ''), format, coalesce(filename, ''), coalesce(layer, ''), mapping`
	findUploadByKeySQL = `SELECT ` + uploadColumns + `, report FROM upload WHERE submitted_by = $1 AND idempotency_key = $2`
	// insertUploadSQL: $1 submitted_by, $2 idempotency key (NULL: none), $3 body's large object, $4 size, $5 SHA-256,
	// $6 feature count, $7 report, $8 format, $9 file name (NULL: none), $10 layer (NULL: none), $11 mapping (NULL: none).
	insertUploadSQL = `INSERT INTO upload (status, submitted_by, idempotency_key, body_oid, size_bytes, sha256, feature_count, report, format, filename, layer, mapping)
VALUES ('submitted', $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (submitted_by, idempotency_key) DO NOTHING RETURNING id`
	findUploadSQL     = `SELECT ` + uploadColumns + `, report FROM upload WHERE id = $1`
	lockUploadSQL     = `SELECT ` + uploadColumns + `, report, body_oid FROM upload WHERE id = $1 FOR UPDATE`
	findUploadsSQL    = `SELECT ` + uploadColumns + `, NULL::jsonb FROM upload WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR submitted_by = $2) ORDER BY id DESC LIMIT $3`
	uploadBodySQL     = `SELECT body_oid, submitted_by FROM upload WHERE id = $1`
	reviewUploadSQL   = `UPDATE upload SET status = $2, reviewed_by = $3, reviewed_at = now(), review_comment = $4 WHERE id = $1`
	overlapWarningSQL = `
WITH g AS (SELECT ST_Multi(ST_GeomFromWKB($1, 4326)) AS g),
c AS (
	SELECT v.hazard_id, v.geom FROM hazard_area_version v, g
	WHERE v.is_current AND NOT v.withdrawn AND v.status = 'open' AND v.geom && g.g AND ST_Intersects(v.geom, g.g)
	LIMIT 50
)
SELECT h.local_id, ST_Area(ST_CollectionExtract(ST_Intersection(h.remaining_geom, g.g), 3)::geography) AS overlap,
       ST_Area(ST_CollectionExtract(ST_SymDifference(c.geom, g.g), 3)::geography) AS symdiff, ST_Area(g.g::geography) AS area
FROM c CROSS JOIN g
CROSS JOIN LATERAL (SELECT local_id, remaining_geom FROM hazard_area WHERE id = c.hazard_id) h
WHERE h.local_id <> $2
ORDER BY h.local_id
LIMIT 20`
)

func scanUpload(row pgx.Row, extra ...any) (*landrelease.Upload, error) {
	var u landrelease.Upload
	var report, mapping []byte
	dest := append([]any{&u.ID, &u.Status, &u.SubmittedBy, &u.SubmittedAt, &u.IdempotencyKey, &u.SizeBytes, &u.SHA256,
		&u.FeatureCount, &u.ReviewedBy, &u.ReviewedAt, &u.ReviewComment, &u.Format, &u.Filename, &u.Layer, &mapping, &report}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if mapping != nil {
		u.Mapping = &landrelease.Mapping{}
		if err := json.Unmarshal(mapping, u.Mapping); err != nil {
			return nil, fmt.Errorf("decode upload mapping: %w", err)
		}
	}
	if report != nil {
		u.Report = &landrelease.UploadReport{}
		if err := json.Unmarshal(report, u.Report); err != nil {
			return nil, fmt.Errorf("decode upload report: %w", err)
		}
	}
	return &u, nil
}

// uploaders may send uploads; reviewers may see all of them and decide.
var (
	uploaders = []landrelease.Role{landrelease.RoleFieldTeam, landrelease.RoleDataManager}
	reviewers = []landrelease.Role{landrelease.RoleDataManager}
)

// Check validates an upload without storing it; see landrelease.UploadService.
func (s *UploadService) Check(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource) (*landrelease.UploadReport, error) {
	u, err := landrelease.Require(ctx, uploaders...)
	if err != nil {
		return nil, err
	}
	return s.check(ctx, body, src, u)
}

// Submit validates and stores an upload; see landrelease.UploadService.
func (s *UploadService) Submit(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource, key string) (*landrelease.Upload, bool, error) {
	u, err := landrelease.Require(ctx, uploaders...)
	if err != nil {
		return nil, false, err
	}
	replay := func() (*landrelease.Upload, bool, error) {
		prev, err := scanUpload(s.db.Pool.QueryRow(ctx, findUploadByKeySQL, u.Name, key))
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, false, nil
		} else if err != nil {
			return nil, false, dbError(err, "upload: idempotency key")
		}
		if prev.SHA256 != body.SHA256() {
			return nil, false, landrelease.Errorf(landrelease.ECONFLICT, "Idempotency-Key %q was used for another body (upload %d): use a new key for a new upload.", key, prev.ID)
		}
		return prev, true, nil
	}
	if key != "" {
		if prev, ok, err := replay(); err != nil || ok {
			return prev, ok, err
		}
	}
	// One transaction checks the upload (its registry writes undone), stores it and keeps its staged new
	// hazard areas for the approval.
	var (
		rep *landrelease.UploadReport
		id  int64
	)
	errRejected := errors.New("rejected")
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		var (
			st  *stager
			err error
		)
		if rep, st, err = s.run(ctx, tx, body, src, u, "", nil, modeSubmit); err != nil {
			return err
		}
		if !rep.Accepted {
			return errRejected
		}
		if err := storeBody(ctx, tx, body, src, u, key, rep, &id); err != nil {
			return err
		}
		return st.keep(ctx, id)
	})
	switch {
	case errors.Is(err, errRejected):
		return nil, false, rep.Rejection()
	case errors.Is(err, errRaced):
		return replay() // the same key won a race with this request
	case err != nil:
		return nil, false, err
	}
	up, err := s.find(ctx, id)
	return up, false, err
}

func (s *UploadService) find(ctx context.Context, id int64) (*landrelease.Upload, error) {
	up, err := scanUpload(s.db.Pool.QueryRow(ctx, findUploadSQL, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Upload %d not found.", id)
	}
	return up, dbError(err, "find upload")
}

// FindUploads lists uploads; see landrelease.UploadService.
func (s *UploadService) FindUploads(ctx context.Context, f landrelease.UploadFilter) ([]*landrelease.Upload, error) {
	u, err := landrelease.Require(ctx, append(uploaders, landrelease.RoleReportingOfficer)...)
	if err != nil {
		return nil, err
	}
	var by *string
	if !u.Can(reviewers...) && u.Role != landrelease.RoleReportingOfficer {
		by = &u.Name
	}
	rows, err := s.db.reader(ctx).Query(ctx, findUploadsSQL, nullStr(f.Status), by, limitOf(f.Limit))
	if err != nil {
		return nil, dbError(err, "find uploads")
	}
	ups, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*landrelease.Upload, error) { return scanUpload(row) })
	return ups, dbError(err, "find uploads")
}

// visible returns upload id if u may see it.
func (s *UploadService) visible(ctx context.Context, id int64) (*landrelease.Upload, *landrelease.User, error) {
	u, err := landrelease.Require(ctx, append(uploaders, landrelease.RoleReportingOfficer)...)
	if err != nil {
		return nil, nil, err
	}
	up, err := s.find(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !u.Can(reviewers...) && u.Role != landrelease.RoleReportingOfficer && up.SubmittedBy != u.Name {
		return nil, nil, landrelease.Errorf(landrelease.EFORBIDDEN, "Upload %d was sent by someone else.", id)
	}
	return up, u, nil
}

// FindUpload returns an upload; its report compares each feature with the current record; see landrelease.UploadService.
func (s *UploadService) FindUpload(ctx context.Context, id int64) (*landrelease.Upload, error) {
	up, u, err := s.visible(ctx, id)
	if err != nil || up.Status != landrelease.UploadSubmitted {
		return up, err
	}
	// A submitted upload is checked again against the record as it stands now, as a reviewer sees it. An upload
	// of new hazard areas only, all staged, needs no new check of their geometry: only whether the registry
	// took their local ids since (its warnings stay those of the submission).
	if rep, ok, err := s.recheckStaged(ctx, up); err != nil || ok {
		up.Report = rep
		return up, err
	}
	body, err := s.spoolBody(ctx, up.ID)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	rep, err := s.check(ctx, body, up.Source(), u)
	if err != nil {
		return nil, err
	}
	up.Report = rep
	return up, nil
}

// recheckStaged is FindUpload's check of an upload whose features are all new hazard areas, staged: each whose
// local id the registry holds since is rejected as approval would reject it. ok is false for other uploads.
func (s *UploadService) recheckStaged(ctx context.Context, up *landrelease.Upload) (*landrelease.UploadReport, bool, error) {
	for _, f := range up.Report.Features {
		if f.Record != landrelease.RecordHazardArea || f.Action != landrelease.ActionNew {
			return nil, false, nil
		}
	}
	var kept int
	if err := s.db.Pool.QueryRow(ctx, countStagedSQL, up.ID).Scan(&kept); err != nil {
		return nil, false, dbError(err, "upload: staged")
	}
	if kept != len(up.Report.Features) {
		return nil, false, nil
	}
	rows, err := s.db.Pool.Query(ctx, stagedTakenSQL, up.ID)
	if err != nil {
		return nil, false, dbError(err, "upload: staged local ids")
	}
	rep := &landrelease.UploadReport{Features: slices.Clone(up.Report.Features), SourceFields: up.Report.SourceFields}
	var ord, version int
	_, err = pgx.ForEachRow(rows, []any{&ord, &version}, func() error {
		if ord >= 0 && ord < len(rep.Features) {
			rep.Features[ord].Reject(landrelease.FeatureDetails([]landrelease.Detail{landrelease.ChangedSinceSubmitted(0, version)}, ord))
		}
		return nil
	})
	if err != nil {
		return nil, false, dbError(err, "upload: staged local ids")
	}
	return rep.Summarize(), true, nil
}

// Approve applies an upload; see landrelease.UploadService.
func (s *UploadService) Approve(ctx context.Context, id int64, comment string) (*landrelease.Upload, error) {
	u, err := landrelease.Require(ctx, reviewers...)
	if err != nil {
		return nil, err
	}
	var (
		failed *landrelease.UploadReport
		body   *spool.File // spooled when needed
	)
	defer func() {
		if body != nil {
			body.Close()
		}
	}()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		up, err := lockSubmitted(ctx, tx, id)
		if err != nil {
			return err
		}
		rep, err := s.approve(ctx, tx, up, u, func() (landrelease.UploadBody, error) {
			if body == nil {
				if body, err = spoolBodyTx(ctx, tx, up.ID); err != nil { // in tx: no second connection
					return nil, err
				}
			}
			return body, nil
		})
		if err != nil {
			return err
		}
		if !rep.Accepted {
			failed = rep
			return rep.Rejection()
		}
		if _, err := tx.Exec(ctx, reviewUploadSQL, id, landrelease.UploadApproved, u.Name, comment); err != nil {
			return dbError(err, "approve upload")
		}
		if _, err := tx.Exec(ctx, unstageSQL, id); err != nil {
			return dbError(err, "approve upload: unstage")
		}
		return audit(ctx, tx, u.Name, "approve", "upload", fmt.Sprint(id), 0, map[string]any{"comment": comment, "new": rep.New, "changed": rep.Changed})
	})
	if err != nil {
		if failed != nil {
			return nil, failed.Rejection()
		}
		return nil, err
	}
	return s.find(ctx, id)
}

// approve writes submitted upload up inside tx as actor: its new hazard areas from the staging table (checked at
// submission; what the registry may have changed since is checked again), the other features from its body,
// with the registry's rules, in order. The report is the submission's, with this outcome.
func (s *UploadService) approve(ctx context.Context, tx pgx.Tx, up *landrelease.Upload, actor *landrelease.User, body func() (landrelease.UploadBody, error)) (*landrelease.UploadReport, error) {
	reason := fmt.Sprintf("upload %d by %s", up.ID, up.SubmittedBy)
	base := map[int]int{}
	rep := &landrelease.UploadReport{Features: slices.Clone(up.Report.Features), SourceFields: up.Report.SourceFields}
	var later []int
	staged := 0
	for i, f := range rep.Features {
		base[f.Index] = f.BaseVersion
		if f.Record == landrelease.RecordHazardArea && f.Action == landrelease.ActionNew {
			staged++
		} else {
			later = append(later, i)
			rep.Features[i].Action, rep.Features[i].BaseVersion = "", 0
		}
	}
	var kept int
	if err := tx.QueryRow(ctx, countStagedSQL, up.ID).Scan(&kept); err != nil {
		return nil, dbError(err, "approve upload: staged")
	}
	if kept != staged { // submitted before hazard areas were staged: check and write everything from the body
		b, err := body()
		if err != nil {
			return nil, err
		}
		rep, _, err := s.run(ctx, tx, b, up.Source(), actor, reason, base, modeApprove)
		return rep, err
	}
	if _, err := tx.Exec(ctx, uploadPlannerSQL); err != nil {
		return nil, dbError(err, "upload: planner setting")
	}
	st := &stager{tx: tx}
	res := newStagedResult()
	if _, err := st.load(ctx, up.ID, res); err != nil {
		return nil, err
	}
	if err := st.insert(ctx, actor.Name, res); err != nil {
		return nil, err
	}
	if err := s.note(ctx, st, res, rep); err != nil {
		return nil, err
	}
	if len(later) > 0 {
		b, err := body()
		if err != nil {
			return nil, err
		}
		next := 0
		_, err = s.readBody(ctx, b, up.Source(), func(i int, d *landrelease.UploadFeature, derr error) error {
			if next >= len(later) || later[next] != i {
				return nil
			}
			next++
			if derr != nil { // the body decoded at submission; it cannot fail now
				return fmt.Errorf("approve upload %d: feature %d: %w", up.ID, i, derr)
			}
			return s.applyOne(ctx, tx, &rep.Features[i], d, actor, reason, base, false)
		})
		if err != nil {
			return nil, err
		}
	}
	return rep.NoteSources(up.Mapping, nil).Summarize(), nil
}

// lockSubmitted locks upload id for a decision. ENOTFOUND, ECONFLICT when it is not submitted.
func lockSubmitted(ctx context.Context, tx pgx.Tx, id int64) (*landrelease.Upload, error) {
	var oid uint32
	up, err := scanUpload(tx.QueryRow(ctx, lockUploadSQL, id), &oid)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Upload %d not found.", id)
	} else if err != nil {
		return nil, dbError(err, "lock upload")
	}
	if up.Status != landrelease.UploadSubmitted {
		return nil, landrelease.Errorf(landrelease.ECONFLICT, "Upload %d is %s, not submitted.", id, up.Status)
	}
	return up, nil
}

// Reject keeps an upload with the reviewer's reason; see landrelease.UploadService.
func (s *UploadService) Reject(ctx context.Context, id int64, comment string) (*landrelease.Upload, error) {
	u, err := landrelease.Require(ctx, reviewers...)
	if err != nil {
		return nil, err
	}
	if comment == "" {
		return nil, landrelease.Invalid("Say why the upload is rejected.", landrelease.Detail{Field: "comment", Reason: "is required"})
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := lockSubmitted(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, reviewUploadSQL, id, landrelease.UploadRejected, u.Name, comment); err != nil {
			return dbError(err, "reject upload")
		}
		if _, err := tx.Exec(ctx, unstageSQL, id); err != nil {
			return dbError(err, "reject upload: unstage")
		}
		return audit(ctx, tx, u.Name, "reject", "upload", fmt.Sprint(id), 0, map[string]any{"comment": comment})
	})
	if err != nil {
		return nil, err
	}
	return s.find(ctx, id)
}
