package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// HazardAreaService implements landrelease.HazardAreaService.
type HazardAreaService struct{ db *DB }

// NewHazardAreaService returns a HazardAreaService on db.
func NewHazardAreaService(db *DB) *HazardAreaService { return &HazardAreaService{db: db} }

var _ landrelease.HazardAreaService = (*HazardAreaService)(nil)

// limitOf is the page size of a list asked for with limit n (landrelease.PageLimit).
func limitOf(n int) int { return landrelease.PageLimit(n) }

func nullStr[T ~string](s T) *string {
	if s == "" {
		return nil
	}
	v := string(s)
	return &v
}

// FindHazardAreas returns a page of hazard areas; see landrelease.HazardAreaService.
func (s *HazardAreaService) FindHazardAreas(ctx context.Context, f landrelease.HazardAreaFilter) ([]*landrelease.HazardArea, error) {
	return findHazards(ctx, s.db.reader(ctx), f)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func findHazards(ctx context.Context, q querier, f landrelease.HazardAreaFilter) ([]*landrelease.HazardArea, error) {
	status := f.Status
	switch status {
	case "":
		status = landrelease.StatusOpen
	case landrelease.StatusAll:
		status = ""
	}
	var ids []string
	if f.LocalIDs != nil {
		ids = f.LocalIDs
	}
	var w, sth, e, n *float64
	if f.BBox != nil {
		w, sth, e, n = &f.BBox.Min[0], &f.BBox.Min[1], &f.BBox.Max[0], &f.BBox.Max[1]
	}
	args := []any{f.After, ids, w, sth, e, n, nullStr(f.Kind), nullStr(status), nullStr(f.Contamination), nullStr(f.Admin), limitOf(f.Limit)}
	sql, order := findCurrentHazardsSQL, currentHazardsOrderSQL
	if f.Temporal.IsZero() {
		var x, y *float64
		if f.Point != nil {
			x, y = &f.Point[0], &f.Point[1]
		}
		args = append(args, x, y)
	} else {
		if f.Point != nil {
			return nil, landrelease.Invalid("A point query answers the current state: leave out at and as_of.", landrelease.Detail{Field: "point", Reason: "cannot be combined with at or as_of"})
		}
		sql, order = findTemporalHazardsSQL, temporalHazardsRestSQL
		var at *time.Time
		if f.At != nil {
			d := landrelease.Day(*f.At)
			at = &d
		}
		args = append(args, at, f.AsOf)
	}
	args = append(args, f.Residual)
	where, args, err := andWhere(f.Where, args)
	if err != nil {
		return nil, err
	}
	sql += where + order
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, dbError(err, "find hazard areas")
	}
	hs, err := pgx.CollectRows(rows, scanHazard)
	return hs, dbError(err, "find hazard areas")
}

// scanHazard reads hazardBaseColumns, a residual column, then the remaining area and polygon.
func scanHazard(row pgx.CollectableRow) (*landrelease.HazardArea, error) {
	var (
		h                  landrelease.HazardArea
		geom, remGeom      []byte
		remArea            *float64
		a1c, a1n, a2c, a2n *string
		kind, cont, evt    string
		marking, prio, lu  string
		status             string
	)
	err := row.Scan(&h.ID, &h.LocalID, &h.Version, &h.ValidFrom, &h.RecordedAt, &h.RecordedBy, &h.Reason, &h.Withdrawn,
		&kind, &cont, &evt, &h.Evidence.Category, &h.Devices, &marking, &prio, &lu,
		&h.IdentifiedOn, &h.Organisation, &status, &h.StatusReason, &h.ReleasesSince, &h.Notes,
		&geom, &h.AreaM2, &a1c, &a1n, &a2c, &a2n, &h.Residual, &remArea, &remGeom)
	if err != nil {
		return nil, err
	}
	h.Kind, h.Contamination, h.Evidence.Type = landrelease.Kind(kind), landrelease.Contamination(cont), landrelease.EvidenceType(evt)
	h.Marking, h.Priority, h.LandUse, h.Status = landrelease.Marking(marking), landrelease.Priority(prio), landrelease.LandUse(lu), landrelease.Status(status)
	if h.Geometry, err = fromWKB(geom); err != nil {
		return nil, err
	}
	if remArea != nil {
		h.RemainingAreaM2 = *remArea
		if h.Remaining, err = fromWKB(remGeom); err != nil {
			return nil, err
		}
	}
	if a1c != nil {
		h.Admin1 = &landrelease.AdminRef{Code: *a1c, Name: *a1n}
	}
	if a2c != nil {
		h.Admin2 = &landrelease.AdminRef{Code: *a2c, Name: *a2n}
	}
	return &h, nil
}

// FindHazardArea returns one hazard area; see landrelease.HazardAreaService.
func (s *HazardAreaService) FindHazardArea(ctx context.Context, localID string, t landrelease.Temporal) (*landrelease.HazardArea, error) {
	return findHazard(ctx, s.db.Pool, localID, t)
}

func findHazard(ctx context.Context, q querier, localID string, t landrelease.Temporal) (*landrelease.HazardArea, error) {
	var hs []*landrelease.HazardArea
	var err error
	if t.IsZero() {
		// By the unique local id: the plan stays an index lookup however many rows a transaction has added.
		rows, qerr := q.Query(ctx, findCurrentHazardSQL, localID)
		if qerr != nil {
			return nil, dbError(qerr, "find hazard area")
		}
		if hs, err = pgx.CollectRows(rows, scanHazard); err != nil {
			return nil, dbError(err, "find hazard area")
		}
		if len(hs) == 1 && hs[0].Withdrawn {
			hs = nil
		}
	} else if hs, err = findHazards(ctx, q, landrelease.HazardAreaFilter{LocalIDs: []string{localID}, Status: landrelease.StatusAll, Temporal: t, Limit: 1}); err != nil {
		return nil, err
	}
	if len(hs) == 0 {
		if t.IsZero() {
			return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Hazard area %s not found.", localID)
		}
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Hazard area %s not found at that time.", localID)
	}
	return hs[0], nil
}

// HazardAreaHistory returns every version; see landrelease.HazardAreaService.
func (s *HazardAreaService) HazardAreaHistory(ctx context.Context, localID string) ([]*landrelease.HazardArea, error) {
	rows, err := s.db.reader(ctx).Query(ctx, hazardHistorySQL, localID)
	if err != nil {
		return nil, dbError(err, "hazard area history")
	}
	hs, err := pgx.CollectRows(rows, scanHazard)
	if err != nil {
		return nil, dbError(err, "hazard area history")
	}
	if len(hs) == 0 {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "Hazard area %s not found.", localID)
	}
	return hs, nil
}

// CreateHazardArea records a new hazard area; see landrelease.HazardAreaService.
func (s *HazardAreaService) CreateHazardArea(ctx context.Context, h *landrelease.HazardArea) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if err := h.Validate(s.db.today()); err != nil {
		return err
	}
	// The record is read back inside the transaction: a failure to read it undoes the write, so a client
	// never sees an error for a write that took place.
	var got *landrelease.HazardArea
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		if err := createHazard(ctx, tx, h, u); err != nil {
			return err
		}
		got, err = findHazard(ctx, tx, h.LocalID, landrelease.Temporal{})
		return err
	})
	if err != nil {
		return err
	}
	*h = *got
	return nil
}

// insertHazardVersion bumps the head's version and inserts h as the new current version valid from validFrom.
func insertHazardVersion(ctx context.Context, tx pgx.Tx, id int64, h *landrelease.HazardArea, validFrom time.Time,
	releasesSince *time.Time, actor, reason string) (int, error) {
	var v int
	if err := tx.QueryRow(ctx, bumpHazardVersionSQL, id).Scan(&v); err != nil {
		return 0, dbError(err, "bump hazard version")
	}
	devices := h.Devices
	if devices == nil {
		devices = []string{}
	}
	_, err := tx.Exec(ctx, insertHazardVersionSQL, id, v, validFrom, actor, reason,
		h.Kind, h.Contamination, h.Evidence.Type, h.Evidence.Category, devices, h.Marking, h.Priority, h.LandUse,
		landrelease.Day(h.IdentifiedOn), h.Organisation, h.Status, h.StatusReason, releasesSince, h.Notes, toWKB(h.Geometry))
	return v, dbError(err, "insert hazard version")
}

// hazardState is what a write needs to know of a hazard's current version.
type hazardState struct {
	versionID     int64
	version       int
	validFrom     time.Time
	withdrawn     bool
	status        landrelease.Status
	statusReason  string
	releasesSince *time.Time
	identifiedOn  time.Time
	firstValid    time.Time
	remainingM2   float64
}

func currentHazardState(ctx context.Context, tx pgx.Tx, id int64) (*hazardState, error) {
	var st hazardState
	var status string
	err := tx.QueryRow(ctx, currentHazardStateSQL, id).Scan(&st.versionID, &st.version, &st.validFrom, &st.withdrawn,
		&status, &st.statusReason, &st.releasesSince, &st.identifiedOn, &st.firstValid, &st.remainingM2)
	st.status = landrelease.Status(status)
	return &st, dbError(err, "read hazard state")
}

// staleVersion is the EPRECONDITION of a write that names version asked of a record at version current; its
// detail gives the current version.
func staleVersion(record, localID string, current, asked int) error {
	return &landrelease.Error{Code: landrelease.EPRECONDITION,
		Message: fmt.Sprintf("%s %s is at version %d, not %d: someone changed it since you read it. Reload it and try again.", record, localID, current, asked),
		Details: []landrelease.Detail{{Field: "version", Pointer: "/properties/version", Reason: fmt.Sprintf("is %d; the current version is %d", asked, current)}}}
}

// lockHazard locks hazard localID for a write and checks ifVersion (0: no check) against its version.
func lockHazard(ctx context.Context, tx pgx.Tx, localID string, ifVersion int) (int64, *hazardState, error) {
	var id int64
	var version int
	if err := tx.QueryRow(ctx, lockHazardSQL, localID).Scan(&id, &version); errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, landrelease.Errorf(landrelease.ENOTFOUND, "Hazard area %s not found.", localID)
	} else if err != nil {
		return 0, nil, dbError(err, "lock hazard area")
	}
	if ifVersion != 0 && ifVersion != version {
		return 0, nil, staleVersion("Hazard area", localID, version, ifVersion)
	}
	st, err := currentHazardState(ctx, tx, id)
	if err != nil {
		return 0, nil, err
	}
	return id, st, nil
}

// UpdateHazardArea records a new version; see landrelease.HazardAreaService.
func (s *HazardAreaService) UpdateHazardArea(ctx context.Context, localID string, c landrelease.HazardAreaChange) (*landrelease.HazardArea, error) {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return nil, err
	}
	if c.IfVersion <= 0 {
		return nil, landrelease.Errorf(landrelease.EPRECONDITIONREQUIRED, "Say which version you change (If-Match or version), so that no one's change is overwritten silently.")
	}
	if c.HazardArea == nil {
		return nil, landrelease.Invalid("The change has no hazard area.")
	}
	h := *c.HazardArea
	h.LocalID = localID
	today := s.db.today()
	if err := h.Validate(today); err != nil {
		return nil, err
	}
	var got *landrelease.HazardArea
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		if err := updateHazard(ctx, tx, localID, c, h, today, u); err != nil {
			return err
		}
		got, err = findHazard(ctx, tx, localID, landrelease.Temporal{}) // read back before the commit, as CreateHazardArea
		return err
	})
	return got, err
}

// WithdrawHazardArea withdraws a hazard area; see landrelease.HazardAreaService.
func (s *HazardAreaService) WithdrawHazardArea(ctx context.Context, localID string, ifVersion int, reason string) (*landrelease.HazardArea, error) {
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
	var withdrawnVersion int
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		if err := holdDeclarations(ctx, tx); err != nil {
			return err
		}
		id, st, err := lockHazard(ctx, tx, localID, ifVersion)
		if err != nil {
			return err
		}
		if st.withdrawn {
			return landrelease.Errorf(landrelease.ECONFLICT, "Hazard area %s is already withdrawn.", localID)
		}
		var n int
		if err := tx.QueryRow(ctx, countLiveReleasesSQL, id).Scan(&n); err != nil {
			return dbError(err, "count releases")
		}
		if n > 0 {
			return landrelease.Errorf(landrelease.ECONFLICT, "Hazard area %s has %d land releases: withdraw them first.", localID, n)
		}
		if _, err := tx.Exec(ctx, supersedeHazardVersionsSQL, id, nil); err != nil {
			return dbError(err, "supersede hazard versions")
		}
		if err := tx.QueryRow(ctx, bumpHazardVersionSQL, id).Scan(&withdrawnVersion); err != nil {
			return dbError(err, "bump hazard version")
		}
		if _, err := tx.Exec(ctx, copyHazardVersionSQL, st.versionID, withdrawnVersion, st.firstValid, u.Name, reason,
			st.status, st.statusReason, st.releasesSince, true); err != nil {
			return dbError(err, "insert hazard version")
		}
		return audit(ctx, tx, u.Name, "withdraw", "hazard_area", localID, withdrawnVersion, map[string]any{"reason": reason})
	})
	if err != nil {
		return nil, err
	}
	hs, err := s.HazardAreaHistory(ctx, localID)
	if err != nil {
		return nil, err
	}
	return hs[len(hs)-1], nil
}

// createHazard records a new hazard area inside tx; h must have passed Validate.
func createHazard(ctx context.Context, tx pgx.Tx, h *landrelease.HazardArea, u *landrelease.User) error {
	if err := checkGeometry(ctx, tx, "hazard area", h.Geometry); err != nil {
		return err
	}
	var id int64
	if err := tx.QueryRow(ctx, insertHazardHeadSQL, h.LocalID).Scan(&id); errors.Is(err, pgx.ErrNoRows) {
		return &landrelease.Error{Code: landrelease.ECONFLICT, Message: fmt.Sprintf("Hazard area %s already exists.", h.LocalID),
			Details: []landrelease.Detail{{Field: "local_id", Pointer: "/properties/local_id", Reason: "is already taken"}}}
	} else if err != nil {
		return dbError(err, "create hazard area")
	}
	v, err := insertHazardVersion(ctx, tx, id, h, landrelease.Day(h.IdentifiedOn), nil, u.Name, "identified")
	if err != nil {
		return err
	}
	if err := settle(ctx, tx, id, u.Name); err != nil {
		return err
	}
	return audit(ctx, tx, u.Name, "create", "hazard_area", h.LocalID, v, nil)
}

// updateHazard records h as a new version of hazard area localID inside tx; h must have passed Validate.
func updateHazard(ctx context.Context, tx pgx.Tx, localID string, c landrelease.HazardAreaChange, h landrelease.HazardArea, today time.Time, u *landrelease.User) error {
	id, st, err := lockHazard(ctx, tx, localID, c.IfVersion)
	if err != nil {
		return err
	}
	if st.withdrawn {
		return landrelease.Errorf(landrelease.ECONFLICT, "Hazard area %s was withdrawn.", localID)
	}
	if err := checkGeometry(ctx, tx, "hazard area", h.Geometry); err != nil {
		return err
	}
	identified := landrelease.Day(h.IdentifiedOn)
	var from *time.Time // supersede known versions from this field date; nil: all
	validFrom := st.validFrom
	switch {
	case !identified.Equal(st.identifiedOn):
		// A corrected identification date rewrites the field history from that date.
		if c.ChangedOn != nil {
			return landrelease.Invalid("Change identified_on as a correction, without changed_on.",
				landrelease.Detail{Field: "changed_on", Reason: "cannot be given with a new identified_on"})
		}
		validFrom, from = identified, nil
	case c.ChangedOn != nil:
		validFrom = landrelease.Day(*c.ChangedOn)
		if validFrom.After(today) {
			return landrelease.Invalid("changed_on is in the future.", landrelease.Detail{Field: "changed_on", Reason: "is in the future"})
		}
		if validFrom.Before(st.firstValid) {
			return landrelease.Invalid("changed_on is before the area was identified.",
				landrelease.Detail{Field: "changed_on", Reason: fmt.Sprintf("%s is before %s", validFrom.Format(time.DateOnly), st.firstValid.Format(time.DateOnly))})
		}
		from = &validFrom
	default:
		from = &validFrom
	}
	releasesSince := st.releasesSince
	h.StatusReason = ""
	if st.status == landrelease.StatusClosed && h.Status == landrelease.StatusOpen && st.remainingM2 < landrelease.CloseBelowM2 {
		// Contamination found in released land: the area reopens and earlier releases no longer count.
		releasesSince = &validFrom
	}
	if h.Status == landrelease.StatusClosed && st.status == landrelease.StatusClosed {
		h.StatusReason = st.statusReason
	}
	var sameGeometry bool
	if err := tx.QueryRow(ctx, sameGeometrySQL, st.versionID, toWKB(h.Geometry)).Scan(&sameGeometry); err != nil {
		return dbError(err, "compare boundaries")
	}
	if _, err := tx.Exec(ctx, supersedeHazardVersionsSQL, id, from); err != nil {
		return dbError(err, "supersede hazard versions")
	}
	reason := c.Reason
	if reason == "" {
		reason = "updated"
	}
	v, err := insertHazardVersion(ctx, tx, id, &h, validFrom, releasesSince, u.Name, reason)
	if err != nil {
		return err
	}
	if !sameGeometry {
		if err := checkReleasesCovered(ctx, tx, id, localID); err != nil {
			return err
		}
	}
	if err := settle(ctx, tx, id, u.Name); err != nil {
		return err
	}
	field, pointer := "status", "/properties/status"
	switch {
	case !identified.Equal(st.identifiedOn):
		field, pointer = "identified_on", "/properties/identified_on"
	case c.ChangedOn != nil:
		field, pointer = "changed_on", "/properties/changed_on"
	}
	if err := checkReleasesInPlace(ctx, tx, id, localID, field, pointer); err != nil {
		return err
	}
	return audit(ctx, tx, u.Name, "update", "hazard_area", localID, v, map[string]any{"valid_from": validFrom.Format(time.DateOnly), "reason": reason})
}
