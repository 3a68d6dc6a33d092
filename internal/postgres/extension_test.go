package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/landrelease/landrelease/internal/landrelease"
	"github.com/landrelease/landrelease/internal/postgres"
)

// TestExtensionText sets and replaces the extension request's text: who may, the audit trail, the text as
// recorded at an earlier time, and a draft that says what to set first.
func TestExtensionText(t *testing.T) {
	r := newRegistry(t)
	ext := postgres.NewExtensionService(r.db, postgres.NewReportService(r.db))
	as := func(role landrelease.Role) context.Context {
		return landrelease.NewContextWithUser(context.Background(), &landrelease.User{Name: string(role), Role: role})
	}
	before := r.dbNow(t)
	if got, err := ext.Text(r.ctx, nil); err != nil || got.RecordedAt != nil || got.Reasons != "" {
		t.Fatalf("no text yet: %+v %v", got, err)
	}
	until := time.Date(2030, 8, 1, 15, 0, 0, 0, time.UTC) // the time of day is dropped
	first := landrelease.ExtensionText{Reasons: "Floods.", Implications: "Farmland.", RequestedUntil: &until}
	wantCode(t, ext.SetText(as(landrelease.RoleFieldTeam), first), landrelease.EFORBIDDEN)
	wantCode(t, ext.SetText(r.ctx, landrelease.ExtensionText{Reasons: "\xff"}), landrelease.EINVALID)
	for _, role := range []landrelease.Role{landrelease.RoleReportingOfficer, landrelease.RoleDataManager, landrelease.RoleAdministrator} {
		if err := ext.SetText(as(role), first); err != nil {
			t.Fatalf("%s sets the text: %v", role, err)
		}
	}
	mid := r.dbNow(t)
	if err := ext.SetText(as(landrelease.RoleReportingOfficer), landrelease.ExtensionText{Reasons: "Floods and funding."}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		asOf    *time.Time
		reasons string
		until   string
	}{
		{"now", nil, "Floods and funding.", ""},
		{"before the change", &mid, "Floods.", "2030-08-01"},
		{"before any text", &before, "", ""},
	} {
		got, err := ext.Text(r.ctx, tc.asOf)
		if err != nil {
			t.Fatal(err)
		}
		u := ""
		if got.RequestedUntil != nil {
			u = got.RequestedUntil.Format(time.DateOnly)
		}
		if got.Reasons != tc.reasons || u != tc.until {
			t.Errorf("%s: %+v, want reasons %q until %q", tc.name, got, tc.reasons, tc.until)
		}
	}
	var n int
	if err := r.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE entity = 'extension_request_text'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 4 {
		t.Errorf("%d audit entries, want 4", n)
	}
	// The registry has no entry into force: no draft, and the answer says what to set.
	_, err := ext.Draft(r.ctx, time.Now(), landrelease.ExtensionRequest{Until: until, Teams: 1})
	if ds := landrelease.ErrorDetails(err); landrelease.ErrorCode(err) != landrelease.EINVALID || len(ds) == 0 || ds[0].Field != "entry_into_force" {
		t.Errorf("a draft without the entry into force: %v %v", err, ds)
	}
}
