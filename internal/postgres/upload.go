package postgres

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/feature"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// UploadService implements landrelease.UploadService.
type UploadService struct {
	db     *DB
	Limits feature.CollectionLimits
}

// NewUploadService returns an UploadService on db.
func NewUploadService(db *DB) *UploadService { return &UploadService{db: db} }

var _ landrelease.UploadService = (*UploadService)(nil)

const (
	uploadColumns      = `id, status, submitted_by, submitted_at, coalesce(idempotency_key, ''), size_bytes, sha256, feature_count, coalesce(reviewed_by, ''), reviewed_at, coalesce(review_comment, '')`
	findUploadByKeySQL = `SELECT ` + uploadColumns + `, report FROM upload WHERE submitted_by = $1 AND idempotency_key = $2`
	insertUploadSQL    = `INSERT INTO upload (status, submitted_by, idempotency_key, body_oid, size_bytes, sha256, feature_count, report) VALUES ('submitted', $1, $2, $3, $4, $5, $6, $7) ON CONFLICT (submitted_by, idempotency_key) DO NOTHING RETURNING id`
	findUploadSQL      = `SELECT ` + uploadColumns + `, report FROM upload WHERE id = $1`
	lockUploadSQL      = `SELECT ` + uploadColumns + `, report, body_oid FROM upload WHERE id = $1 FOR UPDATE`
	findUploadsSQL     = `SELECT ` + uploadColumns + `, NULL::jsonb FROM upload WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR submitted_by = $2) ORDER BY id DESC LIMIT $3`
	uploadBodySQL      = `SELECT body_oid, submitted_by FROM upload WHERE id = $1`
	reviewUploadSQL    = `UPDATE upload SET status = $2, reviewed_by = $3, reviewed_at = now(), review_comment = $4 WHERE id = $1`
	overlapWarningSQL  = `
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
	var report []byte
	dest := append([]any{&u.ID, &u.Status, &u.SubmittedBy, &u.SubmittedAt, &u.IdempotencyKey, &u.SizeBytes, &u.SHA256,
		&u.FeatureCount, &u.ReviewedBy, &u.ReviewedAt, &u.ReviewComment, &report}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
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

// uploadPlannerSQL sets the planner for an upload's transaction: sequential scans are priced out (see run).
// (Generic plans, tried to save the ~0.3 ms of planning per statement, made the release lookups of the
// per-record path several ms slower each: their best plans depend on the parameters.)
const uploadPlannerSQL = `SET LOCAL enable_seqscan = off`

// runMode says what run does with what it writes.
type runMode int

const (
	modeCheck   runMode = iota // check only: registry writes are undone, nothing is kept
	modeSubmit                 // check, and leave the new hazard areas staged in upload_hg for stager.keep
	modeApprove                // write
)

// run checks every feature of body by writing it inside tx as actor, in the registry's code, and in modeApprove
// keeps what it wrote (the caller commits tx). The first pass decodes each feature and checks what needs no
// database, and copies new hazard areas to a staging table, which PostGIS checks and writes set-based (stager);
// a second pass writes the other records one by one, in the upload's order, each in a savepoint, after the new
// hazard areas. A new hazard area needs no registry write to be checked: when an upload holds nothing else,
// checking it writes nothing. base gives, per feature index, the version a feature was compared with at
// submission (approval checks that it still is).
func (s *UploadService) run(ctx context.Context, tx pgx.Tx, body landrelease.UploadBody, actor *landrelease.User, reason string, base map[int]int, mode runMode) (*landrelease.UploadReport, *stager, error) {
	rep := &landrelease.UploadReport{Features: []landrelease.FeatureReport{}}
	today := s.db.today()
	// The transaction adds thousands of rows the planner's statistics know nothing of (they may say the tables
	// are empty); every query of the per-record path has an index to follow, so sequential scans, which would
	// make the upload quadratic, are priced out.
	if _, err := tx.Exec(ctx, uploadPlannerSQL); err != nil {
		return nil, nil, dbError(err, "upload: planner setting")
	}
	var later []int // features for the per-record path
	st := &stager{tx: tx, later: func(i int) { later = append(later, i) }}
	checks := landrelease.NewUploadChecks(today)
	err := readAhead(body, s.Limits, func(i int, d *feature.Decoded, derr error) error {
		fr := landrelease.FeatureReport{Index: i, Status: landrelease.FeatureAccepted}
		var errs []landrelease.Detail
		if d != nil {
			fr.Record = d.Record
			fr.Warnings = feature.PrefixDetails(d.Warnings, i)
			switch {
			case d.Hazard != nil:
				fr.LocalID = d.Hazard.LocalID
			case d.Release != nil:
				fr.LocalID, fr.HazardArea = d.Release.LocalID, d.Release.HazardArea
			}
		}
		if derr != nil {
			errs = feature.Prefix(derr, i)
		} else {
			ferrs, warns := checks.Feature(i, d.Hazard, d.Release)
			errs = feature.PrefixDetails(ferrs, i)
			fr.Warnings = append(fr.Warnings, feature.PrefixDetails(warns, i)...)
		}
		if len(errs) > 0 {
			fr.Reject(errs)
		}
		rep.Features = append(rep.Features, fr)
		if len(errs) > 0 {
			return nil
		}
		if b, ok := base[i]; d.Hazard != nil && (!ok || b == 0) {
			return st.add(ctx, i, d.Hazard) // new, unless the registry holds it: then later
		}
		later = append(later, i)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if err := st.flush(ctx); err != nil {
		return nil, nil, err
	}
	res := newStagedResult()
	if err := st.check(ctx, res); err != nil {
		return nil, nil, err
	}
	if err := s.write(ctx, tx, st, res, body, later, actor, reason, base, mode, rep); err != nil {
		return nil, nil, err
	}
	return rep.Summarize(), st, nil
}

// write writes the staged new hazard areas, then the features listed in later from body, and notes the
// outcome in rep. Outside modeApprove the writes are undone (a savepoint rolled back), and skipped when only
// staged hazard areas are to be checked.
func (s *UploadService) write(ctx context.Context, tx pgx.Tx, st *stager, res *stagedResult, body landrelease.UploadBody, later []int,
	actor *landrelease.User, reason string, base map[int]int, mode runMode, rep *landrelease.UploadReport) error {
	if mode != modeApprove && len(later) == 0 {
		if err := st.warn(ctx, false, res); err != nil {
			return err
		}
		return s.note(ctx, st, res, rep)
	}
	var sp pgx.Tx = tx
	if mode != modeApprove {
		var err error
		if sp, err = tx.Begin(ctx); err != nil {
			return dbError(err, "upload: savepoint")
		}
		defer sp.Rollback(ctx) //nolint:errcheck // what was written only served the check
	}
	inner := &stager{tx: sp, n: st.n}
	if err := inner.insert(ctx, actor.Name, res); err != nil {
		return err
	}
	if mode != modeApprove { // an approval keeps the warnings of the submission
		if err := inner.warn(ctx, true, res); err != nil {
			return err
		}
	}
	if err := s.note(ctx, inner, res, rep); err != nil {
		return err
	}
	if len(later) == 0 {
		return nil
	}
	slices.Sort(later)
	next := 0
	return readBody(body, s.Limits, func(i int, d *feature.Decoded, _ error) error {
		if next >= len(later) || later[next] != i {
			return nil
		}
		next++
		return s.applyOne(ctx, sp, &rep.Features[i], d, actor, reason, base, mode != modeApprove)
	})
}

// note records in rep what the stager found: errors, and for the hazard areas staged, action new and warnings.
func (s *UploadService) note(ctx context.Context, st *stager, res *stagedResult, rep *landrelease.UploadReport) error {
	for i, errs := range res.errors {
		rep.Features[i].Reject(feature.PrefixDetails(errs, i))
	}
	ords, err := st.staged(ctx)
	if err != nil {
		return err
	}
	for _, i := range ords {
		if rep.Features[i].Status == landrelease.FeatureAccepted {
			rep.Features[i].Action = landrelease.ActionNew
		}
		rep.Features[i].Warnings = append(rep.Features[i].Warnings, feature.PrefixDetails(res.warnings[i], i)...)
	}
	return nil
}

// readBody reads the features of body.
func readBody(body landrelease.UploadBody, lim feature.CollectionLimits, fn func(i int, d *feature.Decoded, derr error) error) error {
	_, err := feature.ReadCollection(bufio.NewReaderSize(io.NewSectionReader(body, 0, body.Size()), 1<<20), lim, "", fn)
	return err
}

// readAhead is readBody decoding up to a few hundred features ahead of fn, on another goroutine, so that
// decoding overlaps with what fn waits for (the database).
func readAhead(body landrelease.UploadBody, lim feature.CollectionLimits, fn func(i int, d *feature.Decoded, derr error) error) error {
	type decoded struct {
		i    int
		d    *feature.Decoded
		derr error
	}
	ch := make(chan decoded, 256)
	stop := make(chan struct{})
	errStopped := errors.New("stopped")
	var readErr error
	go func() {
		defer close(ch)
		readErr = readBody(body, lim, func(i int, d *feature.Decoded, derr error) error {
			select {
			case ch <- decoded{i, d, derr}:
				return nil
			case <-stop:
				return errStopped
			}
		})
	}()
	var err error
	for x := range ch {
		if err == nil {
			if err = fn(x.i, x.d, x.derr); err != nil {
				close(stop)
			}
		}
	}
	if err != nil {
		return err
	}
	return readErr // read after ch is closed
}

// applyOne writes one feature that passed the first pass in a savepoint of tx, and records the outcome in fr,
// with overlap warnings if warn.
func (s *UploadService) applyOne(ctx context.Context, tx pgx.Tx, fr *landrelease.FeatureReport, d *feature.Decoded, actor *landrelease.User, reason string, base map[int]int, warn bool) error {
	i := fr.Index
	sp, err := tx.Begin(ctx)
	if err != nil {
		return dbError(err, "upload: savepoint")
	}
	action, version, werrs, err := s.apply(ctx, sp, d, actor, reason, base, i)
	if err != nil {
		sp.Rollback(ctx)
		return err
	}
	if len(werrs) > 0 {
		fr.Reject(feature.PrefixDetails(werrs, i))
		return dbError(sp.Rollback(ctx), "upload: rollback savepoint")
	}
	fr.Action, fr.BaseVersion = action, version
	if err := sp.Commit(ctx); err != nil {
		return dbError(err, "upload: release savepoint")
	}
	if warn && d.Hazard != nil && action != landrelease.ActionUnchanged {
		ws, err := hazardWarnings(ctx, tx, d.Hazard)
		if err != nil {
			return err
		}
		fr.Warnings = append(fr.Warnings, feature.PrefixDetails(ws, i)...)
	}
	return nil
}

// apply writes one decoded feature inside tx with the registry's rules. Rule failures come back as details;
// err is for failures of the database itself.
func (s *UploadService) apply(ctx context.Context, tx pgx.Tx, d *feature.Decoded, u *landrelease.User, reason string, base map[int]int, i int) (string, int, []landrelease.Detail, error) {
	rule := func(err error) (string, int, []landrelease.Detail, error) {
		var le *landrelease.Error
		if errors.As(err, &le) {
			ds := le.Details
			if len(ds) == 0 {
				ds = []landrelease.Detail{{Reason: le.Message}}
			}
			return "", 0, ds, nil
		}
		return "", 0, nil, err
	}
	changed := func(current int) []landrelease.Detail {
		if b, ok := base[i]; ok && b != current {
			return []landrelease.Detail{landrelease.ChangedSinceSubmitted(b, current)}
		}
		return nil
	}
	if h := d.Hazard; h != nil {
		cur, err := findHazard(ctx, tx, h.LocalID, landrelease.Temporal{})
		switch landrelease.ErrorCode(err) {
		case landrelease.ENOTFOUND:
			if b, ok := base[i]; ok && b != 0 {
				return "", 0, changed(0), nil
			}
			if err := createHazard(ctx, tx, h, u); err != nil {
				return rule(err)
			}
			return landrelease.ActionNew, 0, nil, nil
		case "":
		default:
			return "", 0, nil, err
		}
		if ds := changed(cur.Version); ds != nil {
			return "", 0, ds, nil
		}
		if landrelease.UploadRepeatsHazard(cur, h) && d.ChangedOn == nil {
			return landrelease.ActionUnchanged, cur.Version, nil, nil
		}
		r := d.Reason
		if r == "" {
			r = reason
		}
		if err := updateHazard(ctx, tx, h.LocalID, landrelease.HazardAreaChange{HazardArea: h, ChangedOn: d.ChangedOn, Reason: r, IfVersion: cur.Version}, *h, s.db.today(), u); err != nil {
			return rule(err)
		}
		return landrelease.ActionChanged, cur.Version, nil, nil
	}
	r := d.Release
	cur, err := findReleases(ctx, tx, landrelease.LandReleaseFilter{Limit: 1}, []string{r.LocalID}, false)
	if err != nil {
		return "", 0, nil, err
	}
	if len(cur) == 0 {
		if b, ok := base[i]; ok && b != 0 {
			return "", 0, changed(0), nil
		}
		if err := createRelease(ctx, tx, r, u); err != nil {
			return rule(err)
		}
		return landrelease.ActionNew, 0, nil, nil
	}
	if ds := changed(cur[0].Version); ds != nil {
		return "", 0, ds, nil
	}
	if landrelease.UploadRepeatsRelease(cur[0], r) {
		return landrelease.ActionUnchanged, cur[0].Version, nil, nil
	}
	why := d.Reason
	if why == "" {
		why = reason
	}
	if err := updateRelease(ctx, tx, r.LocalID, landrelease.LandReleaseChange{LandRelease: r, Reason: why, IfVersion: cur[0].Version}, *r, u); err != nil {
		return rule(err)
	}
	return landrelease.ActionChanged, cur[0].Version, nil, nil
}

// hazardWarnings lists overlaps with other open hazard areas and near-duplicates of them.
func hazardWarnings(ctx context.Context, tx pgx.Tx, h *landrelease.HazardArea) ([]landrelease.Detail, error) {
	rows, err := tx.Query(ctx, overlapWarningSQL, toWKB(h.Geometry), h.LocalID)
	if err != nil {
		return nil, dbError(err, "upload: overlap warnings")
	}
	var out []landrelease.Detail
	var other string
	var overlap, symdiff, area float64
	_, err = pgx.ForEachRow(rows, []any{&other, &overlap, &symdiff, &area}, func() error {
		if d, ok := landrelease.OverlapWarning(other, overlap, symdiff, area); ok {
			out = append(out, d)
		}
		return nil
	})
	return out, dbError(err, "upload: overlap warnings")
}

// check validates body in a transaction that is always rolled back.
func (s *UploadService) check(ctx context.Context, body landrelease.UploadBody, u *landrelease.User) (*landrelease.UploadReport, error) {
	var rep *landrelease.UploadReport
	errRollback := errors.New("rollback")
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if rep, _, err = s.run(ctx, tx, body, u, "", nil, modeCheck); err != nil {
			return err
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return rep, nil
}

// Check validates an upload without storing it; see landrelease.UploadService.
func (s *UploadService) Check(ctx context.Context, body landrelease.UploadBody) (*landrelease.UploadReport, error) {
	u, err := landrelease.Require(ctx, uploaders...)
	if err != nil {
		return nil, err
	}
	return s.check(ctx, body, u)
}

// Submit validates and stores an upload; see landrelease.UploadService.
func (s *UploadService) Submit(ctx context.Context, body landrelease.UploadBody, key string) (*landrelease.Upload, bool, error) {
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
		if rep, st, err = s.run(ctx, tx, body, u, "", nil, modeSubmit); err != nil {
			return err
		}
		if !rep.Accepted {
			return errRejected
		}
		if err := storeBody(ctx, tx, body, u, key, rep, &id); err != nil {
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

// storeBody stores body as an upload submitted by u with report rep, and sets id. errRaced: key was taken
// concurrently.
func storeBody(ctx context.Context, tx pgx.Tx, body landrelease.UploadBody, u *landrelease.User, key string, rep *landrelease.UploadReport, id *int64) error {
	los := tx.LargeObjects()
	oid, err := los.Create(ctx, 0)
	if err != nil {
		return dbError(err, "upload: create large object")
	}
	obj, err := los.Open(ctx, oid, pgx.LargeObjectModeWrite)
	if err != nil {
		return dbError(err, "upload: open large object")
	}
	// Gzipped (GeoJSON shrinks about fivefold: fewer large-object pages to write), in writes of 1 MiB.
	bw := bufio.NewWriterSize(obj, 1<<20)
	zw, err := gzip.NewWriterLevel(bw, gzip.BestSpeed)
	if err != nil {
		return fmt.Errorf("upload: compress body: %w", err)
	}
	if _, err := io.Copy(zw, io.NewSectionReader(body, 0, body.Size())); err != nil {
		return dbError(err, "upload: store body")
	}
	if err := zw.Close(); err != nil {
		return dbError(err, "upload: store body")
	}
	if err := bw.Flush(); err != nil {
		return dbError(err, "upload: store body")
	}
	var k *string
	if key != "" {
		k = &key
	}
	report, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("upload: encode report: %w", err)
	}
	err = tx.QueryRow(ctx, insertUploadSQL, u.Name, k, oid, body.Size(), body.SHA256(), rep.Total, report).Scan(id)
	if errors.Is(err, pgx.ErrNoRows) {
		return errRaced
	} else if err != nil {
		return dbError(err, "upload: insert")
	}
	return audit(ctx, tx, u.Name, "submit", "upload", fmt.Sprint(*id), 0, map[string]any{"features": rep.Total, "sha256": body.SHA256()})
}

var errRaced = errors.New("idempotency key taken concurrently")

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
	rows, err := s.db.Pool.Query(ctx, findUploadsSQL, nullStr(f.Status), by, limitOf(f.Limit))
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
	rep, err := s.check(ctx, body, u)
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
		if f.Record != feature.RecordHazardArea || f.Action != landrelease.ActionNew {
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
	rep := &landrelease.UploadReport{Features: slices.Clone(up.Report.Features)}
	var ord, version int
	_, err = pgx.ForEachRow(rows, []any{&ord, &version}, func() error {
		if ord >= 0 && ord < len(rep.Features) {
			rep.Features[ord].Reject(feature.PrefixDetails([]landrelease.Detail{landrelease.ChangedSinceSubmitted(0, version)}, ord))
		}
		return nil
	})
	if err != nil {
		return nil, false, dbError(err, "upload: staged local ids")
	}
	return rep.Summarize(), true, nil
}

// spoolBody copies an upload's body to a temporary file.
func (s *UploadService) spoolBody(ctx context.Context, id int64) (*feature.Spooled, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.writeBody(ctx, id, pw)) }()
	sp, err := feature.Spool(pr, 1<<40)
	pr.Close()
	return sp, err
}

func (s *UploadService) writeBody(ctx context.Context, id int64, w io.Writer) error {
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var oid uint32
		var by string
		if err := tx.QueryRow(ctx, uploadBodySQL, id).Scan(&oid, &by); errors.Is(err, pgx.ErrNoRows) {
			return landrelease.Errorf(landrelease.ENOTFOUND, "Upload %d not found.", id)
		} else if err != nil {
			return dbError(err, "upload body")
		}
		los := tx.LargeObjects()
		obj, err := los.Open(ctx, oid, pgx.LargeObjectModeRead)
		if err != nil {
			return dbError(err, "open upload body")
		}
		// Bodies are stored gzipped (storeBody); a JSON text never starts with gzip's magic bytes.
		r := bufio.NewReaderSize(obj, 1<<20)
		if magic, _ := r.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
			zr, err := gzip.NewReader(r)
			if err != nil {
				return fmt.Errorf("upload %d body: %w", id, err)
			}
			_, err = io.Copy(w, zr)
			return err
		}
		_, err = io.Copy(w, r)
		return err
	})
}

// WriteUploadBody writes the body as sent; see landrelease.UploadService.
func (s *UploadService) WriteUploadBody(ctx context.Context, id int64, w io.Writer) error {
	if _, _, err := s.visible(ctx, id); err != nil {
		return err
	}
	return s.writeBody(ctx, id, w)
}

// Approve applies an upload; see landrelease.UploadService.
func (s *UploadService) Approve(ctx context.Context, id int64, comment string) (*landrelease.Upload, error) {
	u, err := landrelease.Require(ctx, reviewers...)
	if err != nil {
		return nil, err
	}
	var (
		failed *landrelease.UploadReport
		body   *feature.Spooled // spooled when needed
	)
	defer func() {
		if body != nil {
			body.Close()
		}
	}()
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		up, err := lockSubmitted(ctx, tx, id)
		if err != nil {
			return err
		}
		rep, err := s.approve(ctx, tx, up, u, func() (landrelease.UploadBody, error) {
			if body == nil {
				if body, err = s.spoolBody(ctx, up.ID); err != nil {
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
	rep := &landrelease.UploadReport{Features: slices.Clone(up.Report.Features)}
	var later []int
	staged := 0
	for i, f := range rep.Features {
		base[f.Index] = f.BaseVersion
		if f.Record == feature.RecordHazardArea && f.Action == landrelease.ActionNew {
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
		rep, _, err := s.run(ctx, tx, b, actor, reason, base, modeApprove)
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
		err = readBody(b, s.Limits, func(i int, d *feature.Decoded, derr error) error {
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
	return rep.Summarize(), nil
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
