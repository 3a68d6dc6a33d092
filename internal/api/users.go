package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// The administration of accounts and tokens, for administrators (the users page of the web application).

// decodeBody reads a JSON body into v, with a clear error naming what to send.
func decodeBody(c echo.Context, v any, want string) error {
	b, err := readBody(c)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return &landrelease.Error{Code: landrelease.EBADREQUEST, Message: "Send " + want + ".", Err: err}
	}
	return nil
}

func (s *Server) listUsers(c echo.Context) error {
	us, err := s.cfg.Users.ListUsers(c.Request().Context())
	if err != nil {
		return err
	}
	if us == nil {
		us = []landrelease.Account{}
	}
	return c.JSON(http.StatusOK, map[string]any{"users": us})
}

// createUser creates a user with a role and, when given, a password: {"name", "role", "password"}.
func (s *Server) createUser(c echo.Context) error {
	var req struct {
		Name     string           `json:"name"`
		Role     landrelease.Role `json:"role"`
		Password string           `json:"password"`
	}
	if err := decodeBody(c, &req, `{"name": "...", "role": "...", "password": "..."}`); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if req.Password != "" && (len(req.Password) < landrelease.MinPasswordLen || len(req.Password) > 72) {
		return landrelease.Invalid("A password has 10 to 72 bytes.", landrelease.Detail{Field: "password", Reason: "is too short or too long"})
	}
	if err := s.cfg.Users.CreateUser(ctx, req.Name, req.Role); err != nil {
		return err
	}
	if req.Password != "" {
		if err := s.cfg.Users.SetPassword(ctx, req.Name, req.Password); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusCreated, map[string]any{"name": req.Name, "role": req.Role})
}

// updateUser changes a user's role, disables or enables them, or sets their password: {"role"}, {"disabled"},
// {"password"}, in any combination.
func (s *Server) updateUser(c echo.Context) error {
	var req struct {
		Role     *landrelease.Role `json:"role"`
		Disabled *bool             `json:"disabled"`
		Password *string           `json:"password"`
	}
	if err := decodeBody(c, &req, `{"role": "..."}, {"disabled": true|false} or {"password": "..."}`); err != nil {
		return err
	}
	if req.Role == nil && req.Disabled == nil && req.Password == nil {
		return landrelease.Invalid("Nothing to change: send role, disabled or password.", landrelease.Detail{Field: "role", Reason: "is missing"})
	}
	ctx, name := c.Request().Context(), c.Param("name")
	if req.Role != nil {
		if err := s.cfg.Users.SetUserRole(ctx, name, *req.Role); err != nil {
			return err
		}
	}
	if req.Disabled != nil {
		if err := s.cfg.Users.SetUserDisabled(ctx, name, *req.Disabled); err != nil {
			return err
		}
	}
	if req.Password != nil {
		if err := s.cfg.Users.SetPassword(ctx, name, *req.Password); err != nil {
			return err
		}
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listTokens(c echo.Context) error {
	ts, err := s.cfg.Users.ListTokens(c.Request().Context(), c.QueryParam("user"))
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []landrelease.Token{}
	}
	return c.JSON(http.StatusOK, map[string]any{"tokens": ts})
}

// createToken makes a token for a user: {"user", "role", "expires_days"}; the answer holds the secret, once.
func (s *Server) createToken(c echo.Context) error {
	var req struct {
		User        string           `json:"user"`
		Role        landrelease.Role `json:"role"`
		ExpiresDays int              `json:"expires_days"`
	}
	if err := decodeBody(c, &req, `{"user": "...", "role": "...", "expires_days": 90}`); err != nil {
		return err
	}
	if req.ExpiresDays < 0 || time.Duration(req.ExpiresDays)*24*time.Hour > landrelease.MaxTokenLifetime {
		return landrelease.Invalid("expires_days is 1 to 3650 (0: the default of 90).", landrelease.Detail{Field: "expires_days", Reason: "is out of range"})
	}
	tok, err := s.cfg.Users.CreateToken(c.Request().Context(), req.User, req.Role, time.Duration(req.ExpiresDays)*24*time.Hour)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusCreated, map[string]any{"user": req.User, "role": req.Role, "token": tok})
}

func (s *Server) revokeToken(c echo.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return badParam("id", "must be a token id, not %q", c.Param("id"))
	}
	if err := s.cfg.Users.RevokeToken(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
