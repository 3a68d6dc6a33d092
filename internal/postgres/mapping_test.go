package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// TestMappingService saves, replaces, lists and deletes mappings against PostGIS: versions guard every write
// (a stale or missing version never overwrites), presets come first and cannot be changed, each role gets what
// it may, and every save and delete is in the audit trail with the document saved.
func TestMappingService(t *testing.T) {
	r := newRegistry(t)
	s := postgres.NewMappingService(r.db)
	as := func(name string, role landrelease.Role) context.Context {
		return landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: name, Role: role})
	}
	field, dm := as("ft", landrelease.RoleFieldTeam), r.ctx
	officer, admin := as("ro", landrelease.RoleReportingOfficer), as("admin", landrelease.RoleAdministrator)
	parse := func(doc string) *landrelease.Mapping {
		t.Helper()
		m, err := landrelease.ParseMapping([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	// Created by a field team, at version 1, read back as saved (numbers as ParseMapping reads them).
	m := parse(`{"name":"district-team","description":"District teams' GPS files",
		"fields":{"HAZ_ID":"local_id","Status":"kind"},"constants":{"record":"hazard_area","version":0},
		"values":{"kind":{"Suspected":"SHA"}}}`)
	if err := s.SaveMapping(field, m); err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || m.UpdatedBy != "ft" || m.UpdatedAt == nil {
		t.Fatalf("saved %+v", m)
	}
	got, err := s.FindMapping(dm, "district-team")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("read back %+v\nwant       %+v", got, m)
	}

	// Saving the name again without its version needs one; with a stale version the precondition fails;
	// neither changes it. With the version read, it is replaced.
	again := parse(`{"name":"district-team","fields":{"ID":"local_id"}}`)
	wantCode(t, s.SaveMapping(dm, again), landrelease.EPRECONDITIONREQUIRED)
	again.Version = 7
	wantCode(t, s.SaveMapping(dm, again), landrelease.EPRECONDITION)
	again.Version = 1
	if err := s.SaveMapping(dm, again); err != nil {
		t.Fatal(err)
	}
	if again.Version != 2 || again.UpdatedBy != "dm" {
		t.Fatalf("replaced %+v", again)
	}
	stale := parse(`{"name":"district-team","fields":{"X":"local_id"},"version":1}`)
	wantCode(t, s.SaveMapping(field, stale), landrelease.EPRECONDITION)
	if got, _ := s.FindMapping(field, "district-team"); got.Version != 2 || got.Fields["ID"] != "local_id" || len(got.Fields) != 1 {
		t.Fatalf("after a stale save: %+v", got)
	}
	missing := parse(`{"name":"nobody-saved","version":3}`)
	wantCode(t, s.SaveMapping(dm, missing), landrelease.ENOTFOUND)

	// Refused: no name, an invalid mapping (saved by a caller that skipped ParseMapping), a preset's name.
	wantCode(t, s.SaveMapping(dm, &landrelease.Mapping{}), landrelease.EINVALID)
	wantCode(t, s.SaveMapping(dm, &landrelease.Mapping{Name: "x", Fields: map[string]string{"a": "colour"}}), landrelease.EINVALID)
	wantCode(t, s.SaveMapping(dm, &landrelease.Mapping{Name: landrelease.PresetIMSMACoreHazard}), landrelease.ECONFLICT)

	// Listed: the presets, then the saved ones by name.
	if err := s.SaveMapping(field, parse(`{"name":"a-first"}`)); err != nil {
		t.Fatal(err)
	}
	list, err := s.FindMappings(field)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range list {
		names = append(names, m.Name)
	}
	want := []string{landrelease.PresetIMSMACoreHazard, landrelease.PresetIMSMACoreLandRelease, "a-first", "district-team"}
	if !reflect.DeepEqual(names, want) || !list[0].Preset || list[2].Preset {
		t.Fatalf("FindMappings = %v, want %v", names, want)
	}
	if p, err := s.FindMapping(field, landrelease.PresetIMSMACoreLandRelease); err != nil || !p.Preset || p.Fields["imsma_id"] != "local_id" {
		t.Fatalf("preset: %+v, %v", p, err)
	}
	_, err = s.FindMapping(dm, "nope")
	wantCode(t, err, landrelease.ENOTFOUND)

	// Roles: a reporting officer and nobody may neither read nor save; a field team may not delete.
	_, err = s.FindMappings(officer)
	wantCode(t, err, landrelease.EFORBIDDEN)
	_, err = s.FindMapping(context.Background(), "a-first")
	wantCode(t, err, landrelease.EUNAUTHORIZED)
	wantCode(t, s.SaveMapping(officer, parse(`{"name":"b"}`)), landrelease.EFORBIDDEN)
	wantCode(t, s.DeleteMapping(field, "a-first", 0), landrelease.EFORBIDDEN)

	// Deleted: not at a stale version, not a preset, not twice; an administrator may too.
	wantCode(t, s.DeleteMapping(dm, "district-team", 1), landrelease.EPRECONDITION)
	wantCode(t, s.DeleteMapping(dm, landrelease.PresetIMSMACoreHazard, 0), landrelease.ECONFLICT)
	if err := s.DeleteMapping(dm, "district-team", 2); err != nil {
		t.Fatal(err)
	}
	wantCode(t, s.DeleteMapping(dm, "district-team", 0), landrelease.ENOTFOUND)
	wantCode(t, s.DeleteMapping(dm, "district-team", 2), landrelease.ENOTFOUND)
	if err := s.DeleteMapping(admin, "a-first", 0); err != nil {
		t.Fatal(err)
	}
	if list, err := s.FindMappings(dm); err != nil || len(list) != 2 {
		t.Fatalf("after deleting: %v, %v", list, err)
	}

	// The audit trail: each save and delete, newest first, with the document saved.
	entries, err := postgres.NewAuditService(r.db).FindAudit(admin, landrelease.AuditFilter{Entity: "upload_mapping"})
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		actor, action, name string
		version             int
	}
	var rows []row
	for _, e := range entries {
		rows = append(rows, row{e.Actor, e.Action, e.LocalID, e.Version})
	}
	wantRows := []row{{"admin", "delete", "a-first", 1}, {"dm", "delete", "district-team", 2}, {"ft", "create", "a-first", 1},
		{"dm", "update", "district-team", 2}, {"ft", "create", "district-team", 1}}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Fatalf("audit trail %v\nwant        %v", rows, wantRows)
	}
	b, _ := json.Marshal(entries[3].Detail["document"])
	if string(b) != `{"fields":{"ID":"local_id"}}` {
		t.Errorf("audited document %s", b)
	}
}

// TestMappingConcurrentSaves: saves racing at the same version, or creating the same name, leave one winner and
// refuse the others (a failed or missing precondition), so no save is lost without its author being told.
func TestMappingConcurrentSaves(t *testing.T) {
	r := newRegistry(t)
	s := postgres.NewMappingService(r.db)
	const n = 8
	for _, tc := range []struct {
		name    string
		version int
		loser   string
	}{
		{"create", 0, landrelease.EPRECONDITIONREQUIRED},
		{"replace", 1, landrelease.EPRECONDITION},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := make(chan error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := &landrelease.Mapping{Name: "raced", Version: tc.version, Description: fmt.Sprint("writer ", i)}
					errs <- s.SaveMapping(r.ctx, m)
				}()
			}
			wg.Wait()
			close(errs)
			won := 0
			for err := range errs {
				switch landrelease.ErrorCode(err) {
				case "":
					won++
				case tc.loser:
				default:
					t.Errorf("a racing save: %v", err)
				}
			}
			got, err := s.FindMapping(r.ctx, "raced")
			if won != 1 || err != nil || got.Version != tc.version+1 {
				t.Fatalf("%d saves won; saved %+v (%v), want one at version %d", won, got, err, tc.version+1)
			}
		})
	}
}
