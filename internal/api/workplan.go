package api

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The work plan's data (productivity, costs, the method mix) and the plan itself: docs/REPORTS.md, "Work plan".

// asOfOnly reads as_of and refuses at, which a list of settings has no use for.
func asOfOnly(c echo.Context) (*time.Time, error) {
	t, err := temporal(c.QueryParams())
	if err != nil {
		return nil, err
	}
	if t.At != nil {
		return nil, badParam("at", "does not apply here: give as_of")
	}
	return t.AsOf, nil
}

func (s *Server) listProductivity(c echo.Context) error {
	asOf, err := asOfOnly(c)
	if err != nil {
		return err
	}
	ps, err := s.cfg.WorkPlan.Productivity(c.Request().Context(), asOf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"productivity": ps})
}

func (s *Server) setProductivity(c echo.Context) error {
	var p landrelease.Productivity
	if err := decodeBody(c, &p, `{"method": "cleared", "organisation": "", "year": 0, "m2_per_team_year": 60000, "cost_per_m2": 0.8, "cost_per_team_year": 120000, "note": ""}`); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.cfg.WorkPlan.SetProductivity(ctx, p); err != nil {
		return err
	}
	return s.listProductivity(c)
}

func (s *Server) removeProductivity(c echo.Context) error {
	q := c.QueryParams()
	year := 0
	if v := q.Get("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || (y != 0 && (y < 1990 || y > 2100)) {
			return badParam("year", "must be 0 (every year) or a year from 1990 to 2100, not %q", v)
		}
		year = y
	}
	m := landrelease.Method(q.Get("method"))
	if m == "" {
		return badParam("method", "is required: cancelled, reduced or cleared")
	}
	if !m.Valid() {
		return badParam("method", "must be cancelled, reduced or cleared, not %q", m)
	}
	if err := s.cfg.WorkPlan.RemoveProductivity(c.Request().Context(), m, q.Get("organisation"), year); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) getMix(c echo.Context) error {
	asOf, err := asOfOnly(c)
	if err != nil {
		return err
	}
	on := s.cfg.Now().UTC()
	if asOf != nil && asOf.Before(on) {
		on = *asOf
	}
	m, err := s.cfg.WorkPlan.Mix(c.Request().Context(), on, asOf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"mix": m})
}

func (s *Server) setMix(c echo.Context) error {
	var o landrelease.MixOverride
	if err := decodeBody(c, &o, `{"kind": "CHA", "shares": {"cancelled": 0.1, "reduced": 0.4, "cleared": 0.5}, "note": ""}`); err != nil {
		return err
	}
	if err := s.cfg.WorkPlan.SetMix(c.Request().Context(), o); err != nil {
		return err
	}
	return s.getMix(c)
}

func (s *Server) removeMix(c echo.Context) error {
	if err := s.cfg.WorkPlan.RemoveMix(c.Request().Context(), landrelease.Kind(c.Param("kind"))); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// WorkPlanRequest reads a plan's parameters: from (a year, default next year), teams and budget (numbers per year,
// at least one above 0), organisation, level (1 or 2, default 1) and as_of. now is today.
func WorkPlanRequest(q map[string][]string, now time.Time) (landrelease.WorkPlanRequest, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	req := landrelease.WorkPlanRequest{FromYear: now.Year() + 1, Level: 1, Organisation: get("organisation")}
	if v := get("from"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1990 || y > 2100 {
			return req, badParam("from", "must be a year from 1990 to 2100, not %q", v)
		}
		req.FromYear = y
	}
	if v := get("level"); v != "" {
		l, err := strconv.Atoi(v)
		if err != nil || (l != 1 && l != 2) {
			return req, badParam("level", "must be 1 or 2, not %q", v)
		}
		req.Level = l
	}
	var err error
	if req.Teams, req.Budget, err = planCapacity(get); err != nil {
		return req, err
	}
	req.AsOf, err = recordTimeOnly(q, "the work plan")
	return req, err
}

// planCapacity reads a plan's capacity: teams and budget, numbers per year, at least one above 0.
func planCapacity(get func(string) string) (teams, budget float64, err error) {
	for name, dst := range map[string]*float64{"teams": &teams, "budget": &budget} {
		if v := get(name); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || !(x > 0) || x > 1e15 {
				return 0, 0, badParam(name, "must be a number above 0, not %q", v)
			}
			*dst = x
		}
	}
	if teams == 0 && budget == 0 {
		return 0, 0, badParam("teams", "give teams (teams at work each year) or budget (money each year), or both")
	}
	return teams, budget, nil
}

// recordTimeOnly reads as_of (nil when not given) for a report of what (named in the error) that takes no at.
func recordTimeOnly(q map[string][]string, what string) (*time.Time, error) {
	t, err := temporal(q)
	if err != nil {
		return nil, err
	}
	if t.At != nil {
		return nil, badParam("at", "does not apply to %s: give as_of", what)
	}
	return t.AsOf, nil
}

func (s *Server) workPlan(c echo.Context) error {
	now := s.cfg.Now().UTC()
	req, err := WorkPlanRequest(c.QueryParams(), now)
	if err != nil {
		return err
	}
	format := c.QueryParam("format")
	if format == "" {
		format = "json"
	}
	ctype, ext, write, ok := s.cfg.WorkPlanFormat(format)
	if !ok {
		return badParam("format", "must be one of csv, json, xlsx, html, not %q", format)
	}
	p, err := s.cfg.WorkPlan.WorkPlan(c.Request().Context(), now, req)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("workplan-%d-%s%s", p.FromYear, p.On.Format(time.DateOnly), ext)
	return s.sendReport(c, format, ctype, name, p.AsOf, func(w io.Writer) error { return write(w, p) })
}
