package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// SettingService implements landrelease.SettingService.
type SettingService struct{ db *DB }

// NewSettingService returns a SettingService on db.
func NewSettingService(db *DB) *SettingService { return &SettingService{db: db} }

var _ landrelease.SettingService = (*SettingService)(nil)

const (
	settingsSQL   = `SELECT key, value FROM setting`
	setSettingSQL = `INSERT INTO setting (key, value) VALUES ($1, $2)
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`
)

// Settings reads the settings; see landrelease.SettingService.
func (s *SettingService) Settings(ctx context.Context) (*landrelease.Settings, error) {
	rows, err := s.db.Pool.Query(ctx, settingsSQL)
	if err != nil {
		return nil, dbError(err, "read settings")
	}
	var out landrelease.Settings
	var key, value string
	_, err = pgx.ForEachRow(rows, []any{&key, &value}, func() error {
		switch key {
		case "state_name":
			out.StateName = value
		case "entry_into_force":
			if t, err := time.Parse(time.DateOnly, value); err == nil {
				out.EntryIntoForce = &t
			}
		case "public_read":
			out.PublicRead = value == "true"
		}
		return nil
	})
	return &out, dbError(err, "read settings")
}

// SetSetting sets one setting; see landrelease.SettingService.
func (s *SettingService) SetSetting(ctx context.Context, key, value string) error {
	u, err := landrelease.Require(ctx, landrelease.RoleAdministrator)
	if err != nil {
		return err
	}
	value = strings.TrimSpace(value)
	switch key {
	case "state_name":
		if value == "" || len(value) > landrelease.MaxNameLen {
			return landrelease.Invalid("state_name must have 1 to 200 characters.", landrelease.Detail{Field: key, Reason: "is empty or too long"})
		}
	case "entry_into_force":
		if _, err := time.Parse(time.DateOnly, value); err != nil {
			return landrelease.Invalid(fmt.Sprintf("entry_into_force must be a date such as 2010-08-01, not %q.", value),
				landrelease.Detail{Field: key, Reason: "is not a date"})
		}
	case "public_read":
		if value != "true" && value != "false" {
			return landrelease.Invalid(fmt.Sprintf("public_read must be true or false, not %q.", value), landrelease.Detail{Field: key, Reason: "is not true or false"})
		}
	default:
		return landrelease.Invalid(fmt.Sprintf("Unknown setting %q: use state_name, entry_into_force or public_read.", key), landrelease.Detail{Field: "key", Reason: "is unknown"})
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, setSettingSQL, key, value); err != nil {
			return dbError(err, "set setting")
		}
		return audit(ctx, tx, u.Name, "set", "setting", key, 0, map[string]any{"value": value})
	})
}
