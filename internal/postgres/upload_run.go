package postgres

import (
	"context"
	"errors"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
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
func (s *UploadService) run(ctx context.Context, tx pgx.Tx, body landrelease.UploadBody, src landrelease.UploadSource, actor *landrelease.User, reason string, base map[int]int, mode runMode) (*landrelease.UploadReport, *stager, error) {
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
	fields, err := s.readAhead(ctx, body, src, func(i int, d *landrelease.UploadFeature, derr error) error {
		fr := landrelease.FeatureReport{Index: i, Status: landrelease.FeatureAccepted}
		var errs []landrelease.Detail
		if d != nil {
			fr.Record, fr.Source = d.Record, d.Source
			fr.Warnings = landrelease.FeatureDetails(d.Warnings, i)
			switch {
			case d.Hazard != nil:
				fr.LocalID = d.Hazard.LocalID
			case d.Release != nil:
				fr.LocalID, fr.HazardArea = d.Release.LocalID, d.Release.HazardArea
			}
		}
		if derr != nil {
			errs = landrelease.FeatureError(derr, i)
		} else {
			ferrs, warns := checks.Feature(i, d.Hazard, d.Release)
			errs = landrelease.FeatureDetails(ferrs, i)
			fr.Warnings = append(fr.Warnings, landrelease.FeatureDetails(warns, i)...)
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
	if err := s.write(ctx, tx, st, res, body, src, later, actor, reason, base, mode, rep); err != nil {
		return nil, nil, err
	}
	return rep.NoteSources(src.Mapping, fields).Summarize(), st, nil
}

// write writes the staged new hazard areas, then the features listed in later from body, and notes the
// outcome in rep. Outside modeApprove the writes are undone (a savepoint rolled back), and skipped when only
// staged hazard areas are to be checked.
func (s *UploadService) write(ctx context.Context, tx pgx.Tx, st *stager, res *stagedResult, body landrelease.UploadBody, src landrelease.UploadSource, later []int,
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
	_, err := s.readBody(ctx, body, src, func(i int, d *landrelease.UploadFeature, _ error) error {
		if next >= len(later) || later[next] != i {
			return nil
		}
		next++
		return s.applyOne(ctx, sp, &rep.Features[i], d, actor, reason, base, mode != modeApprove)
	})
	return err
}

// note records in rep what the stager found: errors, and for the hazard areas staged, action new and warnings.
func (s *UploadService) note(ctx context.Context, st *stager, res *stagedResult, rep *landrelease.UploadReport) error {
	for i, errs := range res.errors {
		rep.Features[i].Reject(landrelease.FeatureDetails(errs, i))
	}
	ords, err := st.staged(ctx)
	if err != nil {
		return err
	}
	for _, i := range ords {
		if rep.Features[i].Status == landrelease.FeatureAccepted {
			rep.Features[i].Action = landrelease.ActionNew
		}
		rep.Features[i].Warnings = append(rep.Features[i].Warnings, landrelease.FeatureDetails(res.warnings[i], i)...)
	}
	return nil
}

// applyOne writes one feature that passed the first pass in a savepoint of tx, and records the outcome in fr,
// with overlap warnings if warn.
func (s *UploadService) applyOne(ctx context.Context, tx pgx.Tx, fr *landrelease.FeatureReport, d *landrelease.UploadFeature, actor *landrelease.User, reason string, base map[int]int, warn bool) error {
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
		fr.Reject(landrelease.FeatureDetails(werrs, i))
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
		fr.Warnings = append(fr.Warnings, landrelease.FeatureDetails(ws, i)...)
	}
	return nil
}

// apply writes one decoded feature inside tx with the registry's rules. Rule failures come back as details;
// err is for failures of the database itself.
func (s *UploadService) apply(ctx context.Context, tx pgx.Tx, d *landrelease.UploadFeature, u *landrelease.User, reason string, base map[int]int, i int) (string, int, []landrelease.Detail, error) {
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

// check validates body, read as src says, in a transaction that is always rolled back.
func (s *UploadService) check(ctx context.Context, body landrelease.UploadBody, src landrelease.UploadSource, u *landrelease.User) (*landrelease.UploadReport, error) {
	var rep *landrelease.UploadReport
	errRollback := errors.New("rollback")
	err := s.db.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if rep, _, err = s.run(ctx, tx, body, src, u, "", nil, modeCheck); err != nil {
			return err
		}
		return errRollback
	})
	if err != nil && !errors.Is(err, errRollback) {
		return nil, err
	}
	return rep, nil
}
