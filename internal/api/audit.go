package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// auditPage is the body of GET /api/v1/audit: entries newest first, and the next page's link.
type auditPage struct {
	Entries []*landrelease.AuditEntry `json:"entries"`
	Next    string                    `json:"next,omitempty"`
}

// listAudit serves the audit trail: filters user, action, entity, record (a local id), since and until (a date or
// an RFC 3339 time), limit (1 to 1,000, default 100) and before (keyset paging: follow next).
func (s *Server) listAudit(c echo.Context) error {
	q := c.QueryParams()
	f := landrelease.AuditFilter{Actor: q.Get("user"), Action: q.Get("action"), Entity: q.Get("entity"), LocalID: q.Get("record")}
	var err error
	if f.Since, err = auditTime(q.Get("since"), "since", false); err != nil {
		return err
	}
	if f.Until, err = auditTime(q.Get("until"), "until", true); err != nil {
		return err
	}
	if v := q.Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return badParam("before", "must be an entry id, not %q", v)
		}
		f.Before = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return badParam("limit", "must be 1 to 1000, not %q", v)
		}
		f.Limit = n
	}
	if s.cfg.Audit == nil {
		return landrelease.Errorf(landrelease.EUNAVAILABLE, "The audit trail is not available.")
	}
	es, err := s.cfg.Audit.FindAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	page := auditPage{Entries: es}
	if page.Entries == nil {
		page.Entries = []*landrelease.AuditEntry{}
	}
	limit := f.Limit
	if limit == 0 {
		limit = 100
	}
	if len(es) == limit {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("before", strconv.FormatInt(es[len(es)-1].ID, 10))
		page.Next = "/api/v1/audit?" + next.Encode()
	}
	return c.JSON(http.StatusOK, page)
}

// auditTime reads since or until: an RFC 3339 time, or a date meaning its first moment (since) or the first
// moment of the next day (until, which is exclusive), UTC; "" is no bound.
func auditTime(v, name string, until bool) (*time.Time, error) {
	if v == "" {
		return nil, nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		if until {
			d = d.AddDate(0, 0, 1)
		}
		return &d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, badParam(name, "must be a date or an RFC 3339 time, not %q", v)
	}
	return &t, nil
}
