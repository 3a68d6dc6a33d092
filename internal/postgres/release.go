package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// LandReleaseService implements landrelease.LandReleaseService.
type LandReleaseService struct{ db *DB }

// NewLandReleaseService returns a LandReleaseService on db.
func NewLandReleaseService(db *DB) *LandReleaseService { return &LandReleaseService{db: db} }

var _ landrelease.LandReleaseService = (*LandReleaseService)(nil)

func scanRelease(row pgx.CollectableRow) (*landrelease.LandRelease, error) {
	var (
		r      landrelease.LandRelease
		method string
		geom   []byte
	)
	var ben [5]*int
	err := row.Scan(&r.ID, &r.LocalID, &r.HazardArea, &r.Version, &r.RecordedAt, &r.RecordedBy, &r.Reason, &r.Withdrawn,
		&method, &r.CompletedOn, &r.Organisation, &r.Criteria, &r.DepthCM, &r.ItemsDestroyed, &geom, &r.AreaM2,
		&ben[0], &ben[1], &ben[2], &ben[3], &ben[4], &r.LandUseAfter)
	if err != nil {
		return nil, err
	}
	r.Beneficiaries = scanBeneficiaries(ben)
	r.Method = landrelease.Method(method)
	r.Geometry, err = fromWKB(geom)
	return &r, err
}

// FindLandReleases returns a page of releases; see landrelease.LandReleaseService.
func (s *LandReleaseService) FindLandReleases(ctx context.Context, f landrelease.LandReleaseFilter) ([]*landrelease.LandRelease, error) {
	return findReleases(ctx, s.db.reader(ctx), f, nil, false)
}

func findReleases(ctx context.Context, q querier, f landrelease.LandReleaseFilter, ids []string, withdrawn bool) ([]*landrelease.LandRelease, error) {
	if len(ids) == 1 && f.Temporal.IsZero() && f.HazardArea == "" && f.Method == "" && f.BBox == nil && f.After == 0 && f.Where == nil {
		// By the unique local id: the plan stays an index lookup however many rows a transaction has added.
		rows, err := q.Query(ctx, findKnownReleaseSQL, ids[0], withdrawn)
		if err != nil {
			return nil, dbError(err, "find land release")
		}
		rs, err := pgx.CollectRows(rows, scanRelease)
		return rs, dbError(err, "find land release")
	}
	var bbox []float64
	if f.BBox != nil {
		bbox = []float64{f.BBox.Min[0], f.BBox.Min[1], f.BBox.Max[0], f.BBox.Max[1]}
	}
	var at *time.Time
	if f.At != nil {
		d := landrelease.Day(*f.At)
		at = &d
	}
	where, args, err := andWhere(f.Where, []any{f.After, ids, nullStr(f.HazardArea), nullStr(f.Method), bbox, limitOf(f.Limit), f.AsOf, at, withdrawn})
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, findReleasesSQL+where+releasesOrderSQL, args...)
	if err != nil {
		return nil, dbError(err, "find land releases")
	}
	rs, err := pgx.CollectRows(rows, scanRelease)
	return rs, dbError(err, "find land releases")
}

// FindLandRelease returns one release; see landrelease.LandReleaseService.
func (s *LandReleaseService) FindLandRelease(ctx context.Context, localID string, t landrelease.Temporal) (*landrelease.LandRelease, error) {
	rs, err := findReleases(ctx, s.db.Pool, landrelease.LandReleaseFilter{Temporal: t, Limit: 1}, []string{localID}, false)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Land release %s not found.", localID)
	}
	return rs[0], nil
}

// LandReleaseHistory returns every version; see landrelease.LandReleaseService.
func (s *LandReleaseService) LandReleaseHistory(ctx context.Context, localID string) ([]*landrelease.LandRelease, error) {
	rows, err := s.db.reader(ctx).Query(ctx, releaseHistorySQL, localID)
	if err != nil {
		return nil, dbError(err, "land release history")
	}
	rs, err := pgx.CollectRows(rows, scanRelease)
	if err != nil {
		return nil, dbError(err, "land release history")
	}
	if len(rs) == 0 {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Land release %s not found.", localID)
	}
	return rs, nil
}

func hazardDetail(reason string, args ...any) landrelease.Detail {
	return landrelease.Detail{Field: "hazard_area", Pointer: "/properties/hazard_area", Reason: fmt.Sprintf(reason, args...)}
}

// checkRelease applies the registry's rules to release r of hazard id (state st), excluding release self.
// It returns the hazard version the release is measured against.
func checkRelease(ctx context.Context, tx pgx.Tx, id int64, st *hazardState, r *landrelease.LandRelease, self int64) (int64, error) {
	if st.withdrawn {
		return 0, landrelease.Invalid(fmt.Sprintf("Hazard area %s was withdrawn.", r.HazardArea), hazardDetail("%s was withdrawn", r.HazardArea))
	}
	completed := landrelease.Day(r.CompletedOn)
	if completed.Before(st.firstValid) {
		return 0, landrelease.Invalid(fmt.Sprintf("The release is dated %s, before hazard area %s was identified on %s.",
			completed.Format(time.DateOnly), r.HazardArea, st.firstValid.Format(time.DateOnly)),
			landrelease.Detail{Field: "completed_on", Pointer: "/properties/completed_on",
				Reason: fmt.Sprintf("is before the hazard area was identified (%s)", st.firstValid.Format(time.DateOnly))})
	}
	if st.releasesSince != nil && completed.Before(*st.releasesSince) {
		return 0, landrelease.Invalid(fmt.Sprintf("Hazard area %s reopened on %s: a release must be completed on or after that date.",
			r.HazardArea, st.releasesSince.Format(time.DateOnly)),
			landrelease.Detail{Field: "completed_on", Pointer: "/properties/completed_on",
				Reason: fmt.Sprintf("is before the area reopened (%s)", st.releasesSince.Format(time.DateOnly))})
	}
	if err := checkGeometry(ctx, tx, "land release", r.Geometry); err != nil {
		return 0, err
	}
	var hv int64
	if err := tx.QueryRow(ctx, hazardAtSQL, id, completed).Scan(&hv); err != nil {
		return 0, dbError(err, "hazard version at release date")
	}
	g := toWKB(r.Geometry)
	var (
		within  bool
		outside float64
		x, y    *float64
	)
	if err := tx.QueryRow(ctx, releaseWithinSQL, hv, g, landrelease.ReleaseToleranceM).Scan(&within, &outside, &x, &y); err != nil {
		return 0, dbError(err, "check release within hazard area")
	}
	if !within {
		d := landrelease.Detail{Field: "geometry", Pointer: "/geometry",
			Reason: fmt.Sprintf("lies %.1f m2 outside hazard area %s (more than %.0f m beyond its boundary)", outside, r.HazardArea, landrelease.ReleaseToleranceM)}
		if x != nil && y != nil {
			d.Location = []float64{*x, *y}
		}
		return 0, landrelease.Invalid(fmt.Sprintf("The release is not within hazard area %s: %s.", r.HazardArea, d.Reason), d)
	}
	rows, err := tx.Query(ctx, releaseOverlapsSQL, id, g, landrelease.OverlapToleranceM2, st.releasesSince, self)
	if err != nil {
		return 0, dbError(err, "check release overlaps")
	}
	var details []landrelease.Detail
	for rows.Next() {
		var other string
		var area float64
		var ox, oy *float64
		if err := rows.Scan(&other, &area, &ox, &oy); err != nil {
			return 0, dbError(err, "check release overlaps")
		}
		d := landrelease.Detail{Field: "geometry", Pointer: "/geometry", Reason: fmt.Sprintf("overlaps release %s by %.1f m2", other, area)}
		if ox != nil && oy != nil {
			d.Location = []float64{*ox, *oy}
		}
		details = append(details, d)
	}
	if err := rows.Err(); err != nil {
		return 0, dbError(err, "check release overlaps")
	}
	if len(details) > 0 {
		return 0, landrelease.Invalid(fmt.Sprintf("The release %s.", details[0].Reason), details...)
	}
	return hv, nil
}

// checkReleasesInPlace refuses a write that leaves a release of hazard id (local id hazard) outside the area's
// field history: dated before the area was identified, or after it was closed. Such a release would count in
// neither the remaining area nor Form F's flows in the same way (docs/REPORTS.md, "Same-day events").
// pointer is the JSON pointer of the field the caller's write set: the release's completed_on, or the
// hazard area's field that moved its history.
func checkReleasesInPlace(ctx context.Context, tx pgx.Tx, id int64, hazard string, field, pointer string) error {
	var (
		release   string
		completed time.Time
		closed    *time.Time
	)
	err := tx.QueryRow(ctx, releaseOutOfPlaceSQL, id).Scan(&release, &completed, &closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return dbError(err, "check releases against the field history")
	}
	on := completed.Format(time.DateOnly)
	if closed == nil {
		return landrelease.Invalid(fmt.Sprintf("Land release %s was completed on %s, before hazard area %s was identified: correct or withdraw the release first.",
			release, on, hazard), landrelease.Detail{Field: field, Pointer: pointer,
			Reason: fmt.Sprintf("leaves release %s (%s) before the area was identified", release, on)})
	}
	return landrelease.Invalid(fmt.Sprintf("Land release %s was completed on %s, after hazard area %s was closed on %s: reopen the area from an earlier date, or correct or withdraw the release.",
		release, on, hazard, closed.Format(time.DateOnly)), landrelease.Detail{Field: field, Pointer: pointer,
		Reason: fmt.Sprintf("leaves release %s (%s) after the area was closed (%s)", release, on, closed.Format(time.DateOnly))})
}

// checkReleasesCovered refuses a new boundary of hazard id (local id hazard) that leaves out land released from
// it: released land stays inside its area, so that the remaining area is the area less its releases, in the
// registry and in Form F alike. To make an area smaller, record the land released.
func checkReleasesCovered(ctx context.Context, tx pgx.Tx, id int64, hazard string) error {
	var (
		release   string
		completed time.Time
		outside   float64
		x, y      *float64
	)
	err := tx.QueryRow(ctx, releaseOutsideSQL, id, landrelease.ReleaseToleranceM).Scan(&release, &completed, &outside, &x, &y)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	} else if err != nil {
		return dbError(err, "check releases within the new boundary")
	}
	d := landrelease.Detail{Field: "geometry", Pointer: "/geometry",
		Reason: fmt.Sprintf("leaves %.1f m2 of release %s (%s) outside the area", outside, release, completed.Format(time.DateOnly))}
	if x != nil && y != nil {
		d.Location = []float64{*x, *y}
	}
	return landrelease.Invalid(fmt.Sprintf("The new boundary of hazard area %s leaves out land released by %s: released land stays inside its area; record a release (cancelled, reduced or cleared) to make an area smaller.",
		hazard, release), d)
}

func insertReleaseVersion(ctx context.Context, tx pgx.Tx, rid, hid, hv int64, r *landrelease.LandRelease, actor, reason string, withdrawn bool) (int, error) {
	var v int
	if err := tx.QueryRow(ctx, bumpReleaseVersionSQL, rid).Scan(&v); err != nil {
		return 0, dbError(err, "bump release version")
	}
	items := r.ItemsDestroyed
	if items == nil {
		items = map[string]int{}
	}
	ben := beneficiaryArgs(r.Beneficiaries)
	_, err := tx.Exec(ctx, insertReleaseVersionSQL, rid, hid, v, actor, reason, withdrawn,
		r.Method, landrelease.Day(r.CompletedOn), r.Organisation, r.Criteria, r.DepthCM, items, toWKB(r.Geometry), hv,
		ben[0], ben[1], ben[2], ben[3], ben[4], r.LandUseAfter)
	return v, dbError(err, "insert release version")
}

// beneficiaryArgs are the beneficiaries_* columns of b: women, girls, boys, men, with disabilities; all nil when b
// is nil (not recorded).
func beneficiaryArgs(b *landrelease.Beneficiaries) [5]*int {
	if b == nil {
		return [5]*int{}
	}
	return [5]*int{&b.Women, &b.Girls, &b.Boys, &b.Men, &b.WithDisabilities}
}

// scanBeneficiaries is the inverse of beneficiaryArgs: nil when the columns are NULL.
func scanBeneficiaries(c [5]*int) *landrelease.Beneficiaries {
	if c[0] == nil {
		return nil
	}
	v := func(p *int) int {
		if p == nil {
			return 0
		}
		return *p
	}
	return &landrelease.Beneficiaries{Women: v(c[0]), Girls: v(c[1]), Boys: v(c[2]), Men: v(c[3]), WithDisabilities: v(c[4])}
}

// CreateLandRelease records a release; see landrelease.LandReleaseService.
func (s *LandReleaseService) CreateLandRelease(ctx context.Context, r *landrelease.LandRelease) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if err := r.Validate(s.db.today()); err != nil {
		return err
	}
	// Read back inside the transaction, as HazardAreaService.CreateHazardArea does.
	var got []*landrelease.LandRelease
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		if err := createRelease(ctx, tx, r, u); err != nil {
			return err
		}
		got, err = readBackRelease(ctx, tx, r.LocalID)
		return err
	})
	if err != nil {
		return err
	}
	*r = *got[0]
	return nil
}

// readBackRelease reads release localID as it stands inside tx, after a write.
func readBackRelease(ctx context.Context, tx pgx.Tx, localID string) ([]*landrelease.LandRelease, error) {
	rs, err := findReleases(ctx, tx, landrelease.LandReleaseFilter{Limit: 1}, []string{localID}, false)
	if err == nil && len(rs) == 0 {
		err = fmt.Errorf("read back land release %s: not found", localID)
	}
	return rs, err
}

// lockRelease locks release localID and its hazard area and checks ifVersion.
func lockRelease(ctx context.Context, tx pgx.Tx, localID string, ifVersion int) (rid, hid int64, hazard string, st *hazardState, err error) {
	var version int
	if err := tx.QueryRow(ctx, lockReleaseSQL, localID).Scan(&rid, &version, &hazard); errors.Is(err, pgx.ErrNoRows) {
		return 0, 0, "", nil, landrelease.Errorf(landrelease.ENOTFOUND, "Land release %s not found.", localID)
	} else if err != nil {
		return 0, 0, "", nil, dbError(err, "lock land release")
	}
	if ifVersion != version {
		return 0, 0, "", nil, staleVersion("Land release", localID, version, ifVersion)
	}
	hid, st, err = lockHazard(ctx, tx, hazard, 0)
	return rid, hid, hazard, st, err
}

// UpdateLandRelease corrects a release; see landrelease.LandReleaseService.
func (s *LandReleaseService) UpdateLandRelease(ctx context.Context, localID string, c landrelease.LandReleaseChange) (*landrelease.LandRelease, error) {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return nil, err
	}
	if c.IfVersion <= 0 {
		return nil, landrelease.Errorf(landrelease.EPRECONDITIONREQUIRED, "Say which version you change (If-Match or version), so that no one's change is overwritten silently.")
	}
	if c.LandRelease == nil {
		return nil, landrelease.Invalid("The change has no land release.")
	}
	r := *c.LandRelease
	r.LocalID = localID
	if err := r.Validate(s.db.today()); err != nil {
		return nil, err
	}
	var got []*landrelease.LandRelease
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		if err := updateRelease(ctx, tx, localID, c, r, u); err != nil {
			return err
		}
		got, err = readBackRelease(ctx, tx, localID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return got[0], nil
}

// WithdrawLandRelease withdraws a release; see landrelease.LandReleaseService.
func (s *LandReleaseService) WithdrawLandRelease(ctx context.Context, localID string, ifVersion int, reason string) (*landrelease.LandRelease, error) {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return nil, err
	}
	if ifVersion <= 0 {
		return nil, landrelease.Errorf(landrelease.EPRECONDITIONREQUIRED, "Say which version you withdraw (If-Match or version).")
	}
	if reason == "" {
		reason = "withdrawn"
	}
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		rid, hid, _, _, err := lockRelease(ctx, tx, localID, ifVersion)
		if err != nil {
			return err
		}
		cur, err := findReleases(ctx, tx, landrelease.LandReleaseFilter{Limit: 1}, []string{localID}, true)
		if err != nil {
			return err
		}
		if len(cur) == 0 || cur[0].Withdrawn {
			return landrelease.Errorf(landrelease.ECONFLICT, "Land release %s is already withdrawn.", localID)
		}
		var hv int64
		if err := tx.QueryRow(ctx, hazardAtSQL, hid, landrelease.Day(cur[0].CompletedOn)).Scan(&hv); err != nil {
			return dbError(err, "hazard version at release date")
		}
		if _, err := tx.Exec(ctx, supersedeReleaseSQL, rid); err != nil {
			return dbError(err, "supersede release")
		}
		v, err := insertReleaseVersion(ctx, tx, rid, hid, hv, cur[0], u.Name, reason, true)
		if err != nil {
			return err
		}
		if err := settle(ctx, tx, hid, u.Name); err != nil {
			return err
		}
		return audit(ctx, tx, u.Name, "withdraw", "land_release", localID, v, map[string]any{"reason": reason})
	})
	if err != nil {
		return nil, err
	}
	hs, err := s.LandReleaseHistory(ctx, localID)
	if err != nil {
		return nil, err
	}
	return hs[len(hs)-1], nil
}

// createRelease records a land release inside tx; r must have passed Validate.
func createRelease(ctx context.Context, tx pgx.Tx, r *landrelease.LandRelease, u *landrelease.User) error {
	id, st, err := lockHazard(ctx, tx, r.HazardArea, 0)
	if landrelease.ErrorCode(err) == landrelease.ENOTFOUND {
		return landrelease.Invalid(fmt.Sprintf("Hazard area %s does not exist.", r.HazardArea), hazardDetail("%s does not exist", r.HazardArea))
	} else if err != nil {
		return err
	}
	if st.status == landrelease.StatusClosed {
		return landrelease.Invalid(fmt.Sprintf("Hazard area %s is closed: reopen it before recording a new release.", r.HazardArea),
			hazardDetail("%s is closed", r.HazardArea))
	}
	hv, err := checkRelease(ctx, tx, id, st, r, 0)
	if err != nil {
		return err
	}
	var rid int64
	if err := tx.QueryRow(ctx, insertReleaseHeadSQL, r.LocalID, id).Scan(&rid); errors.Is(err, pgx.ErrNoRows) {
		return &landrelease.Error{Code: landrelease.ECONFLICT, Message: fmt.Sprintf("Land release %s already exists.", r.LocalID),
			Details: []landrelease.Detail{{Field: "local_id", Pointer: "/properties/local_id", Reason: "is already taken"}}}
	} else if err != nil {
		return dbError(err, "create land release")
	}
	v, err := insertReleaseVersion(ctx, tx, rid, id, hv, r, u.Name, "recorded", false)
	if err != nil {
		return err
	}
	if err := settle(ctx, tx, id, u.Name); err != nil {
		return err
	}
	if err := checkReleasesInPlace(ctx, tx, id, r.HazardArea, "completed_on", "/properties/completed_on"); err != nil {
		return err
	}
	return audit(ctx, tx, u.Name, "create", "land_release", r.LocalID, v, map[string]any{"hazard_area": r.HazardArea})
}

// updateRelease records r as a corrected version of land release localID inside tx; r must have passed Validate.
func updateRelease(ctx context.Context, tx pgx.Tx, localID string, c landrelease.LandReleaseChange, r landrelease.LandRelease, u *landrelease.User) error {
	rid, hid, hazard, st, err := lockRelease(ctx, tx, localID, c.IfVersion)
	if err != nil {
		return err
	}
	if r.HazardArea != hazard {
		return landrelease.Invalid("A release cannot move to another hazard area: withdraw it and record a new one.",
			hazardDetail("is %s and cannot change", hazard))
	}
	cur, err := findReleases(ctx, tx, landrelease.LandReleaseFilter{Limit: 1}, []string{localID}, true)
	if err != nil {
		return err
	}
	if len(cur) == 1 && cur[0].Withdrawn {
		return landrelease.Errorf(landrelease.ECONFLICT, "Land release %s was withdrawn.", localID)
	}
	hv, err := checkRelease(ctx, tx, hid, st, &r, rid)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, supersedeReleaseSQL, rid); err != nil {
		return dbError(err, "supersede release")
	}
	reason := c.Reason
	if reason == "" {
		reason = "corrected"
	}
	v, err := insertReleaseVersion(ctx, tx, rid, hid, hv, &r, u.Name, reason, false)
	if err != nil {
		return err
	}
	if err := settle(ctx, tx, hid, u.Name); err != nil {
		return err
	}
	if err := checkReleasesInPlace(ctx, tx, hid, hazard, "completed_on", "/properties/completed_on"); err != nil {
		return err
	}
	return audit(ctx, tx, u.Name, "update", "land_release", localID, v, map[string]any{"reason": reason})
}
