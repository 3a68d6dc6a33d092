package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// WorkPlanService implements landrelease.WorkPlanService: the productivity, costs and mix overrides are rows of
// migration 0019 (versions, read as recorded at a time), the mix is measured from the registry's closed areas,
// and the plan's rules are landrelease.PlanWork's.
type WorkPlanService struct {
	db       *DB
	settings *SettingService
}

// NewWorkPlanService returns a WorkPlanService on db.
func NewWorkPlanService(db *DB) *WorkPlanService {
	return &WorkPlanService{db: db, settings: NewSettingService(db)}
}

var _ landrelease.WorkPlanService = (*WorkPlanService)(nil)

// recordedAt is the condition of a row of migration 0019 being in force at record time $1.
const recordedAt = `recorded_at <= $1 AND (superseded_at IS NULL OR superseded_at > $1)`

const (
	// productivitySQL lists the figures in force at record time $1, by method, organisation and year.
	productivitySQL = `
SELECT method, organisation, year, m2_per_team_year, cost_per_m2, cost_per_team_year, note, recorded_at, recorded_by
FROM workplan_productivity WHERE ` + recordedAt + `
ORDER BY array_position(ARRAY['cancelled', 'reduced', 'cleared'], method), organisation, year`
	// supersedeProductivitySQL ends the current figures of method $1, organisation $2, year $3; it returns their id.
	supersedeProductivitySQL = `UPDATE workplan_productivity SET superseded_at = now()
WHERE method = $1 AND organisation = $2 AND year = $3 AND superseded_at IS NULL RETURNING id`
	// insertProductivitySQL records method $1, organisation $2, year $3, m2 per team-year $4, cost per m2 $5, cost
	// per team-year $6, note $7, by user $8.
	insertProductivitySQL = `INSERT INTO workplan_productivity
(method, organisation, year, m2_per_team_year, cost_per_m2, cost_per_team_year, note, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`

	// mixOverridesSQL lists the overrides in force at record time $1.
	mixOverridesSQL = `SELECT kind, cancelled_share, reduced_share, cleared_share, note, recorded_at, recorded_by
FROM workplan_mix WHERE ` + recordedAt
	// supersedeMixSQL ends the current override of kind $1; it returns its id.
	supersedeMixSQL = `UPDATE workplan_mix SET superseded_at = now() WHERE kind = $1 AND superseded_at IS NULL RETURNING id`
	// insertMixSQL records kind $1 with shares cancelled $2, reduced $3, cleared $4, note $5, by user $6.
	insertMixSQL = `INSERT INTO workplan_mix (kind, cancelled_share, reduced_share, cleared_share, note, recorded_by)
VALUES ($1, $2, $3, $4, $5, $6)`

	// currentVersionSQL selects every hazard area's version in force at the end of field date $2 as recorded at $1,
	// with only the columns of the covering index hazard_area_version_report_idx (migration 0007), which gives them
	// in the order DISTINCT ON picks them, by an index-only scan: neither the polygons nor a sort.
	currentVersionSQL = `
	SELECT DISTINCT ON (v.hazard_id) v.hazard_id, v.version, v.valid_from, v.kind, v.contamination, v.status,
	       v.status_reason, v.withdrawn, v.area_m2, v.releases_since, v.admin1_id, v.admin2_id
	FROM hazard_area_version v
	WHERE v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1) AND v.valid_from <= $2
	ORDER BY v.hazard_id, v.valid_from DESC, v.version DESC`
	// releaseVersionSQL is the condition of a release version r in force at record time $1, completed by field
	// date $2 and not withdrawn.
	releaseVersionSQL = `r.recorded_at <= $1 AND (r.superseded_at IS NULL OR r.superseded_at > $1) AND NOT r.withdrawn AND r.completed_on <= $2`

	// measureMixSQL measures the method mix at field date $2 as recorded at $1: for the CMR areas closed through
	// land release, by the kind of their first version (as identified), the number of areas, the area their
	// releases took by method (until the closure, and since the area's releases_since when it was reopened), the
	// first release's date and the last closure's.
	measureMixSQL = `
WITH c AS (` + currentVersionSQL + `
), closed AS (
	SELECT c.hazard_id, c.valid_from AS closed_on, c.releases_since, (
	    SELECT v.kind FROM hazard_area_version v
	    WHERE v.hazard_id = c.hazard_id AND v.recorded_at <= $1 AND (v.superseded_at IS NULL OR v.superseded_at > $1)
	    ORDER BY v.valid_from, v.version DESC LIMIT 1) AS first_kind
	FROM c
	WHERE c.status = 'closed' AND c.status_reason = 'released' AND NOT c.withdrawn AND c.contamination IN ('cmr', 'mixed')
)
SELECT c.first_kind, count(DISTINCT c.hazard_id),
       round(coalesce(sum(r.area_m2) FILTER (WHERE r.method = 'cancelled'), 0))::bigint,
       round(coalesce(sum(r.area_m2) FILTER (WHERE r.method = 'reduced'), 0))::bigint,
       round(coalesce(sum(r.area_m2) FILTER (WHERE r.method = 'cleared'), 0))::bigint,
       min(r.completed_on), max(c.closed_on)
FROM closed c
JOIN land_release_version r ON r.hazard_id = c.hazard_id AND ` + releaseVersionSQL + `
  AND r.completed_on <= c.closed_on AND (c.releases_since IS NULL OR r.completed_on >= c.releases_since)
GROUP BY c.first_kind`

	// planDeclaredSQL is the completion dates in force as recorded at $1 (migration 0022), each with the id of its
	// admin unit (by code, of either level; NULL for the State's, admin_code ''): a CTE of planAreasSQL, which
	// tells residual areas by id rather than joining every area to its admin units; materialized, its few rows are
	// read once, not once per area. It reads the completion table as residualStockSQL (completion.go) does.
	planDeclaredSQL = `
	SELECT d.completed_on, d.admin_code, u.id AS unit_id
	FROM completion d
	LEFT JOIN admin_unit u ON u.code = d.admin_code
	WHERE d.recorded_at <= $1 AND (d.superseded_at IS NULL OR d.superseded_at > $1)`

	// planAreasSQL returns the open CMR areas at field date $2 as recorded at $1 with the id of their admin unit of
	// level $3 (NULL: none), their area remaining in whole m2 as Form F counts it (the area rounded less its
	// releases rounded) and whether they are residual contamination: identified after a completion date in force
	// at $1 of their admin unit of either level or of the State (landrelease.IsResidual's rule; planDeclaredSQL).
	// The releases are summed per area before the join (land_release_version_report_idx); only an area reopened
	// (releases_since set: rare) sums its own since then. What the report's covering index lacks (priority,
	// evidence, identified_on) comes from hazard_area_version_plan_idx (migration 0019), without the versions'
	// polygons. The admin units are read apart (planUnitsSQL): joined here, the planner, which expects few open
	// areas, scanned them once per area.
	planAreasSQL = `
WITH c AS (
	SELECT c.*, CASE WHEN $3 = 1 THEN c.admin1_id ELSE c.admin2_id END AS admin_id FROM (` + currentVersionSQL + `) c
	WHERE c.status = 'open' AND NOT c.withdrawn AND c.contamination IN ('cmr', 'mixed')
), released AS (
	SELECT r.hazard_id, sum(r.area_m2) AS m2 FROM land_release_version r WHERE ` + releaseVersionSQL + `
	GROUP BY r.hazard_id
), declared AS MATERIALIZED (` + planDeclaredSQL + `
)
SELECT h.local_id, c.kind, w.priority, w.evidence_type, w.identified_on, c.admin_id,
       round(c.area_m2)::bigint - round(CASE WHEN c.releases_since IS NULL THEN coalesce(rel.m2, 0) ELSE coalesce((
           SELECT sum(r.area_m2) FROM land_release_version r
           WHERE r.hazard_id = c.hazard_id AND ` + releaseVersionSQL + ` AND r.completed_on >= c.releases_since), 0) END)::bigint,
       EXISTS (SELECT 1 FROM declared d WHERE w.identified_on > d.completed_on
               AND (d.admin_code = '' OR d.unit_id IN (c.admin1_id, c.admin2_id)))
FROM c
JOIN hazard_area_version w ON w.hazard_id = c.hazard_id AND w.version = c.version
JOIN hazard_area h ON h.id = c.hazard_id
LEFT JOIN released rel ON rel.hazard_id = c.hazard_id`
	// planBeneficiariesSQL sums, by the admin unit of level $3 of each release's hazard area (its version in force
	// at field date $2 as recorded at $1; NULL: none), the releases in force then that record their beneficiaries:
	// their number, the people they benefit and the area they took.
	planBeneficiariesSQL = `
WITH c AS (
	SELECT c.hazard_id, CASE WHEN $3 = 1 THEN c.admin1_id ELSE c.admin2_id END AS admin_id FROM (` + currentVersionSQL + `) c
)
SELECT c.admin_id, count(*)::int,
       sum(r.beneficiaries_women + r.beneficiaries_girls + r.beneficiaries_boys + r.beneficiaries_men)::bigint,
       sum(r.area_m2)
FROM land_release_version r
JOIN c ON c.hazard_id = r.hazard_id
WHERE ` + releaseVersionSQL + ` AND r.beneficiaries_women IS NOT NULL
GROUP BY c.admin_id`
	// planUnitsSQL lists the admin units of level $1: id, code, name.
	planUnitsSQL = `SELECT id, code, name FROM admin_unit WHERE level = $1`

	// nowSQL is the transaction's time: the record time of a plan read as recorded now.
	nowSQL = `SELECT now()`
)

// Productivity lists the figures; see landrelease.WorkPlanService.
func (s *WorkPlanService) Productivity(ctx context.Context, asOf *time.Time) ([]landrelease.Productivity, error) {
	var ps []landrelease.Productivity
	err := s.snapshot(ctx, asOf, func(tx pgx.Tx, at time.Time) (err error) {
		ps, err = readProductivity(ctx, tx, at)
		return err
	})
	return ps, err
}

// snapshot runs fn in one read-only snapshot with the record time asOf, or the snapshot's own time when nil or
// later (a time not yet reached reads what is recorded now, and says so, as the other reports do).
func (s *WorkPlanService) snapshot(ctx context.Context, asOf *time.Time, fn func(tx pgx.Tx, at time.Time) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.db.reader(ctx), opts, func(tx pgx.Tx) error {
		var at time.Time
		if err := tx.QueryRow(ctx, nowSQL).Scan(&at); err != nil {
			return dbError(err, "read the time")
		}
		if asOf != nil && asOf.Before(at) {
			at = *asOf
		}
		return fn(tx, at)
	})
	return dbError(err, "work plan")
}

func readProductivity(ctx context.Context, q querier, asOf time.Time) ([]landrelease.Productivity, error) {
	rows, err := q.Query(ctx, productivitySQL, asOf)
	if err != nil {
		return nil, dbError(err, "read productivity")
	}
	ps := []landrelease.Productivity{}
	var p landrelease.Productivity
	if _, err := pgx.ForEachRow(rows, []any{&p.Method, &p.Organisation, &p.Year, &p.M2PerTeamYear, &p.CostPerM2,
		&p.CostPerTeamYear, &p.Note, &p.RecordedAt, &p.RecordedBy}, func() error {
		ps = append(ps, p)
		return nil
	}); err != nil {
		return nil, dbError(err, "read productivity")
	}
	return ps, nil
}

// SetProductivity records the figures; see landrelease.WorkPlanService.
func (s *WorkPlanService) SetProductivity(ctx context.Context, p landrelease.Productivity) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, supersedeProductivitySQL, p.Method, p.Organisation, p.Year); err != nil {
			return dbError(err, "supersede productivity")
		}
		if _, err := tx.Exec(ctx, insertProductivitySQL, p.Method, p.Organisation, p.Year, p.M2PerTeamYear, p.CostPerM2,
			p.CostPerTeamYear, p.Note, u.Name); err != nil {
			return dbError(err, "set productivity")
		}
		return audit(ctx, tx, u.Name, "set", "workplan_productivity", productivityKey(p.Method, p.Organisation, p.Year), 0,
			map[string]any{"m2_per_team_year": p.M2PerTeamYear, "cost_per_m2": p.CostPerM2, "cost_per_team_year": p.CostPerTeamYear})
	})
}

// productivityKey names figures in the audit trail: method/organisation/year.
func productivityKey(m landrelease.Method, org string, year int) string {
	return fmt.Sprintf("%s/%s/%d", m, org, year)
}

// RemoveProductivity removes the figures; see landrelease.WorkPlanService.
func (s *WorkPlanService) RemoveProductivity(ctx context.Context, m landrelease.Method, org string, year int) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, supersedeProductivitySQL, m, org, year).Scan(&id); err == pgx.ErrNoRows {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No productivity is set for %s, organisation %q, year %d.", m, org, year)
		} else if err != nil {
			return dbError(err, "remove productivity")
		}
		return audit(ctx, tx, u.Name, "remove", "workplan_productivity", productivityKey(m, org, year), 0, nil)
	})
}

// Mix returns the mix; see landrelease.WorkPlanService.
func (s *WorkPlanService) Mix(ctx context.Context, on time.Time, asOf *time.Time) ([]landrelease.KindMix, error) {
	var m []landrelease.KindMix
	err := s.snapshot(ctx, asOf, func(tx pgx.Tx, at time.Time) (err error) {
		m, err = readMix(ctx, tx, landrelease.Day(on), at)
		return err
	})
	return m, err
}

func readMix(ctx context.Context, q querier, on, asOf time.Time) ([]landrelease.KindMix, error) {
	rows, err := q.Query(ctx, measureMixSQL, asOf, on)
	if err != nil {
		return nil, dbError(err, "measure the method mix")
	}
	measured := map[landrelease.Kind]landrelease.MixMeasure{}
	var m landrelease.MixMeasure
	var from, to time.Time
	if _, err := pgx.ForEachRow(rows, []any{&m.Kind, &m.Areas, &m.Released.CancelledM2, &m.Released.ReducedM2,
		&m.Released.ClearedM2, &from, &to}, func() error {
		f, t := from, to
		m.From, m.To, m.Shares = &f, &t, landrelease.MeasureShares(m.Released)
		measured[m.Kind] = m
		return nil
	}); err != nil {
		return nil, dbError(err, "measure the method mix")
	}
	rows, err = q.Query(ctx, mixOverridesSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read the mix overrides")
	}
	overrides := map[landrelease.Kind]landrelease.MixOverride{}
	var o landrelease.MixOverride
	if _, err := pgx.ForEachRow(rows, []any{&o.Kind, &o.Shares.Cancelled, &o.Shares.Reduced, &o.Shares.Cleared, &o.Note,
		&o.RecordedAt, &o.RecordedBy}, func() error {
		overrides[o.Kind] = o
		return nil
	}); err != nil {
		return nil, dbError(err, "read the mix overrides")
	}
	return landrelease.ChooseMix(measured, overrides), nil
}

// SetMix overrides the mix of a kind; see landrelease.WorkPlanService.
func (s *WorkPlanService) SetMix(ctx context.Context, o landrelease.MixOverride) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if o.Kind != landrelease.KindSHA && o.Kind != landrelease.KindCHA {
		return landrelease.Invalid(fmt.Sprintf("Kind %q is not SHA or CHA.", o.Kind), landrelease.Detail{Field: "kind", Reason: "must be SHA or CHA"})
	}
	if err := o.Shares.Validate(); err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, supersedeMixSQL, o.Kind); err != nil {
			return dbError(err, "supersede the mix")
		}
		if _, err := tx.Exec(ctx, insertMixSQL, o.Kind, o.Shares.Cancelled, o.Shares.Reduced, o.Shares.Cleared, o.Note, u.Name); err != nil {
			return dbError(err, "set the mix")
		}
		return audit(ctx, tx, u.Name, "set", "workplan_mix", string(o.Kind), 0, map[string]any{
			"cancelled": o.Shares.Cancelled, "reduced": o.Shares.Reduced, "cleared": o.Shares.Cleared})
	})
}

// RemoveMix removes an override; see landrelease.WorkPlanService.
func (s *WorkPlanService) RemoveMix(ctx context.Context, k landrelease.Kind) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, supersedeMixSQL, k).Scan(&id); err == pgx.ErrNoRows {
			return landrelease.Errorf(landrelease.ENOTFOUND, "No mix is set for %s.", k)
		} else if err != nil {
			return dbError(err, "remove the mix")
		}
		return audit(ctx, tx, u.Name, "remove", "workplan_mix", string(k), 0, nil)
	})
}

// WorkPlan computes the plan; see landrelease.WorkPlanService. Every fact is read in one read-only snapshot, as
// recorded at req.AsOf or, when nil, at the snapshot's time (the plan's AsOf, which reproduces it).
func (s *WorkPlanService) WorkPlan(ctx context.Context, on time.Time, req landrelease.WorkPlanRequest) (*landrelease.WorkPlan, error) {
	if err := req.Validate(); err != nil {
		return nil, err
	}
	on = landrelease.Day(on)
	if req.AsOf != nil && landrelease.Day(*req.AsOf).Before(on) {
		on = landrelease.Day(*req.AsOf)
	}
	settings, err := s.settings.Settings(ctx)
	if err != nil {
		return nil, fmt.Errorf("work plan: %w", err)
	}
	f := landrelease.WorkPlanFacts{Request: req, State: settings.StateName, On: on}
	if err := s.snapshot(ctx, req.AsOf, func(tx pgx.Tx, at time.Time) (err error) {
		f.AsOf = at
		var units map[int64]landrelease.AdminRef
		if f.Areas, units, err = readPlanAreas(ctx, tx, on, at, req.Level); err != nil {
			return err
		}
		if f.Beneficiaries, err = readPlanBeneficiaries(ctx, tx, on, at, req.Level, units); err != nil {
			return err
		}
		if f.Mix, err = readMix(ctx, tx, on, at); err != nil {
			return err
		}
		if f.Productivity, err = readProductivity(ctx, tx, at); err != nil {
			return err
		}
		f.Deadline, err = latestDeadline(ctx, tx, at)
		return err
	}); err != nil {
		return nil, err
	}
	return landrelease.PlanWork(f)
}

// readPlanBeneficiaries reads planBeneficiariesSQL, the units named by their codes (units: by id).
func readPlanBeneficiaries(ctx context.Context, q querier, on, asOf time.Time, level int, units map[int64]landrelease.AdminRef) ([]landrelease.UnitBeneficiaries, error) {
	rows, err := q.Query(ctx, planBeneficiariesSQL, asOf, on, level)
	if err != nil {
		return nil, dbError(err, "read the beneficiaries of land release")
	}
	var out []landrelease.UnitBeneficiaries
	var b landrelease.UnitBeneficiaries
	var unit *int64
	if _, err := pgx.ForEachRow(rows, []any{&unit, &b.Releases, &b.People, &b.AreaM2}, func() error {
		b.AdminCode = ""
		if unit != nil {
			b.AdminCode = units[*unit].Code
		}
		out = append(out, b)
		return nil
	}); err != nil {
		return nil, dbError(err, "read the beneficiaries of land release")
	}
	return out, nil
}

// readPlanAreas reads the open areas (planAreasSQL), residual ones flagged, and the admin units of the level, by id.
func readPlanAreas(ctx context.Context, q querier, on, asOf time.Time, level int) ([]landrelease.PlanArea, map[int64]landrelease.AdminRef, error) {
	rows, err := q.Query(ctx, planUnitsSQL, level)
	if err != nil {
		return nil, nil, dbError(err, "read the admin units")
	}
	units := map[int64]landrelease.AdminRef{}
	var id int64
	var u landrelease.AdminRef
	if _, err := pgx.ForEachRow(rows, []any{&id, &u.Code, &u.Name}, func() error {
		units[id] = u
		return nil
	}); err != nil {
		return nil, nil, dbError(err, "read the admin units")
	}
	if rows, err = q.Query(ctx, planAreasSQL, asOf, on, level); err != nil {
		return nil, nil, dbError(err, "read the open areas")
	}
	var areas []landrelease.PlanArea
	var a landrelease.PlanArea
	var unit *int64
	if _, err := pgx.ForEachRow(rows, []any{&a.LocalID, &a.Kind, &a.Priority, &a.Evidence, &a.IdentifiedOn, &unit,
		&a.RemainingM2, &a.Residual}, func() error {
		a.AdminCode, a.AdminName = "", ""
		if unit != nil {
			a.AdminCode, a.AdminName = units[*unit].Code, units[*unit].Name
		}
		a.RemainingM2 = max(0, a.RemainingM2)
		areas = append(areas, a)
		return nil
	}); err != nil {
		return nil, nil, dbError(err, "read the open areas")
	}
	return areas, units, nil
}

// latestDeadline is the deadline in force as recorded at asOf: the latest date; nil when none.
func latestDeadline(ctx context.Context, q querier, asOf time.Time) (*landrelease.Deadline, error) {
	rows, err := q.Query(ctx, deadlinesSQL, asOf)
	if err != nil {
		return nil, dbError(err, "read deadlines")
	}
	var last *landrelease.Deadline
	var d landrelease.Deadline
	if _, err := pgx.ForEachRow(rows, []any{&d.Deadline, &d.Kind, &d.DecidedOn, &d.Note}, func() error {
		dd := d
		last = &dd
		return nil
	}); err != nil {
		return nil, dbError(err, "read deadlines")
	}
	return last, nil
}
