package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// MappingService implements landrelease.MappingService on the table upload_mapping, beside the presets of the
// domain (landrelease.MappingPresets), which are never stored.
type MappingService struct{ db *DB }

// NewMappingService returns a MappingService on db.
func NewMappingService(db *DB) *MappingService { return &MappingService{db: db} }

var _ landrelease.MappingService = (*MappingService)(nil)

const (
	// findMappingSQL reads the saved mapping named $1: name, document, version, updated_by, updated_at.
	findMappingSQL = `SELECT name, document, version, updated_by, updated_at FROM upload_mapping WHERE name = $1`
	// findMappingsSQL reads every saved mapping, by name, as findMappingSQL reads one.
	findMappingsSQL = `SELECT name, document, version, updated_by, updated_at FROM upload_mapping ORDER BY name`
	// insertMappingSQL saves mapping $1 with document $2 by user $3, unless the name is taken (no row).
	insertMappingSQL = `
INSERT INTO upload_mapping (name, document, created_by, updated_by) VALUES ($1, $2, $3, $3)
ON CONFLICT (name) DO NOTHING
RETURNING version, updated_at`
	// updateMappingSQL replaces mapping $1 at version $4 with document $2 by user $3 (no row: not at that version).
	updateMappingSQL = `
UPDATE upload_mapping SET document = $2, version = version + 1, updated_by = $3, updated_at = now()
WHERE name = $1 AND version = $4
RETURNING version, updated_at`
	// deleteMappingSQL removes mapping $1 at version $2 (0: any) and returns the version removed.
	deleteMappingSQL = `DELETE FROM upload_mapping WHERE name = $1 AND ($2 = 0 OR version = $2) RETURNING version`
	// mappingVersionSQL returns the version of mapping $1 (no row: none saved).
	mappingVersionSQL = `SELECT version FROM upload_mapping WHERE name = $1`
)

// FindMapping returns a preset or a saved mapping; see landrelease.MappingService. Field teams and data managers.
func (s *MappingService) FindMapping(ctx context.Context, name string) (*landrelease.Mapping, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleFieldTeam, landrelease.RoleDataManager); err != nil {
		return nil, err
	}
	if p := landrelease.MappingPreset(name); p != nil {
		return p, nil
	}
	rows, err := s.db.Pool.Query(ctx, findMappingSQL, name)
	if err != nil {
		return nil, dbError(err, "read mapping")
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMapping)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, landrelease.Errorf(landrelease.ENOTFOUND, "No mapping is called %q.", name)
	}
	return m, dbError(err, "read mapping")
}

// FindMappings lists the presets, then the saved mappings; see landrelease.MappingService.
func (s *MappingService) FindMappings(ctx context.Context) ([]*landrelease.Mapping, error) {
	if _, err := landrelease.Require(ctx, landrelease.RoleFieldTeam, landrelease.RoleDataManager); err != nil {
		return nil, err
	}
	rows, err := s.db.Pool.Query(ctx, findMappingsSQL)
	if err != nil {
		return nil, dbError(err, "read mappings")
	}
	saved, err := pgx.CollectRows(rows, scanMapping)
	if err != nil {
		return nil, dbError(err, "read mappings")
	}
	return append(landrelease.MappingPresets(), saved...), nil
}

// SaveMapping creates or replaces a saved mapping; see landrelease.MappingService.
func (s *MappingService) SaveMapping(ctx context.Context, m *landrelease.Mapping) error {
	u, err := landrelease.Require(ctx, landrelease.RoleFieldTeam, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if err := landrelease.CheckMappingName(m.Name); err != nil {
		return err
	}
	if err := m.Validate(); err != nil {
		return err
	}
	if landrelease.MappingPreset(m.Name) != nil {
		return landrelease.Errorf(landrelease.ECONFLICT, "%q is a preset, which cannot be changed: save your mapping under another name.", m.Name)
	}
	doc, err := mappingDocument(m)
	if err != nil {
		return err
	}
	var version int
	var at time.Time
	err = s.db.inTx(ctx, func(tx pgx.Tx) error {
		action, err := "create", error(nil)
		if m.Version == 0 {
			err = tx.QueryRow(ctx, insertMappingSQL, m.Name, doc, u.Name).Scan(&version, &at)
		} else {
			action = "update"
			err = tx.QueryRow(ctx, updateMappingSQL, m.Name, doc, u.Name, m.Version).Scan(&version, &at)
		}
		if errors.Is(err, pgx.ErrNoRows) {
			return s.versionConflict(ctx, tx, m.Name, m.Version)
		} else if err != nil {
			return dbError(err, "save mapping")
		}
		return audit(ctx, tx, u.Name, action, "upload_mapping", m.Name, version, map[string]any{"document": json.RawMessage(doc)})
	})
	if err != nil {
		return err
	}
	m.Version, m.UpdatedBy, m.UpdatedAt, m.Preset = version, u.Name, &at, false
	return nil
}

// DeleteMapping removes a saved mapping; see landrelease.MappingService.
func (s *MappingService) DeleteMapping(ctx context.Context, name string, version int) error {
	u, err := landrelease.Require(ctx, landrelease.RoleDataManager)
	if err != nil {
		return err
	}
	if landrelease.MappingPreset(name) != nil {
		return landrelease.Errorf(landrelease.ECONFLICT, "%q is a preset, which cannot be deleted.", name)
	}
	return s.db.inTx(ctx, func(tx pgx.Tx) error {
		var removed int
		err := tx.QueryRow(ctx, deleteMappingSQL, name, version).Scan(&removed)
		if errors.Is(err, pgx.ErrNoRows) {
			if version == 0 {
				return landrelease.Errorf(landrelease.ENOTFOUND, "No mapping is called %q.", name)
			}
			return s.versionConflict(ctx, tx, name, version)
		} else if err != nil {
			return dbError(err, "delete mapping")
		}
		return audit(ctx, tx, u.Name, "delete", "upload_mapping", name, removed, nil)
	})
}

// versionConflict says why mapping name was not at version (0: free): taken, at another version, or not saved.
func (s *MappingService) versionConflict(ctx context.Context, tx pgx.Tx, name string, version int) error {
	var current int
	err := tx.QueryRow(ctx, mappingVersionSQL, name).Scan(&current)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return landrelease.Errorf(landrelease.ENOTFOUND, "No mapping is called %q: save it without a version to create it.", name)
	case err != nil:
		return dbError(err, "read mapping version")
	case version == 0:
		return landrelease.Errorf(landrelease.EPRECONDITIONREQUIRED, "A mapping called %q is saved already (version %d): send that version (If-Match: \"%d\") to replace it.", name, current, current)
	}
	return landrelease.Errorf(landrelease.EPRECONDITION, "The mapping %q is at version %d, not %d: someone saved it meanwhile; read it again.", name, current, version)
}

// mappingDocument returns what upload_mapping.document holds of m: all but its name, version, who saved it and
// whether it is a preset, which are columns or the service's.
func mappingDocument(m *landrelease.Mapping) ([]byte, error) {
	d := *m
	d.Name, d.Version, d.UpdatedBy, d.UpdatedAt, d.Preset = "", 0, "", nil, false
	b, err := json.Marshal(&d)
	if err != nil {
		return nil, fmt.Errorf("encode mapping %q: %w", m.Name, err)
	}
	return b, nil
}

// scanMapping reads a row of findMappingSQL, numbers in the document kept as json.Number as ParseMapping keeps
// them.
func scanMapping(row pgx.CollectableRow) (*landrelease.Mapping, error) {
	var name, by string
	var doc []byte
	var version int
	var at time.Time
	if err := row.Scan(&name, &doc, &version, &by, &at); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var m landrelease.Mapping
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mapping %q: %w", name, err)
	}
	m.Name, m.Version, m.UpdatedBy, m.UpdatedAt, m.Preset = name, version, by, &at, false
	return &m, nil
}
