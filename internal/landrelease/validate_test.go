package landrelease_test

import (
	"context"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

var today = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

func validHazard() *landrelease.HazardArea {
	return &landrelease.HazardArea{
		LocalID: "LA-XK-2024-0001", Kind: landrelease.KindCHA, Contamination: landrelease.ContaminationCMR,
		Evidence: landrelease.Evidence{Type: landrelease.EvidenceDirect, Category: "items_seen"},
		Devices:  []string{"BLU-26"}, Marking: landrelease.MarkingFenced, Priority: landrelease.PriorityHigh,
		LandUse: landrelease.LandUseAgriculture, IdentifiedOn: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC),
		Organisation: "UXO Lao", Status: landrelease.StatusOpen,
		Geometry: orb.MultiPolygon{{{{103, 19}, {103.01, 19}, {103.01, 19.01}, {103, 19}}}},
	}
}

func validRelease() *landrelease.LandRelease {
	d := 30
	return &landrelease.LandRelease{LocalID: "LA-XK-2024-0001-R1", HazardArea: "LA-XK-2024-0001", Method: landrelease.MethodCleared,
		CompletedOn: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), Organisation: "NPA", DepthCM: &d,
		ItemsDestroyed: map[string]int{"BLU-26": 3}, Geometry: validHazard().Geometry}
}

func TestHazardAreaValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(h *landrelease.HazardArea)
		field  string // "" when valid
	}{
		{"valid", func(*landrelease.HazardArea) {}, ""},
		{"SHA with indirect evidence", func(h *landrelease.HazardArea) {
			h.Kind, h.Evidence = landrelease.KindSHA, landrelease.Evidence{Type: landrelease.EvidenceIndirect, Category: "verbal_report"}
		}, ""},
		{"empty local id", func(h *landrelease.HazardArea) { h.LocalID = "" }, "local_id"},
		{"local id with a space", func(h *landrelease.HazardArea) { h.LocalID = "LA XK" }, "local_id"},
		{"unknown kind", func(h *landrelease.HazardArea) { h.Kind = "sha" }, "kind"},
		{"unknown contamination", func(h *landrelease.HazardArea) { h.Contamination = "uxo" }, "contamination"},
		{"unknown evidence", func(h *landrelease.HazardArea) { h.Evidence.Type = "hearsay" }, "evidence"},
		{"category of the other type", func(h *landrelease.HazardArea) { h.Evidence.Category = "verbal_report" }, "evidence"},
		{"CHA on indirect evidence", func(h *landrelease.HazardArea) {
			h.Evidence = landrelease.Evidence{Type: landrelease.EvidenceIndirect}
		}, "evidence"},
		{"blank device", func(h *landrelease.HazardArea) { h.Devices = []string{" "} }, "devices"},
		{"unknown marking", func(h *landrelease.HazardArea) { h.Marking = "painted" }, "marking"},
		{"unknown priority", func(h *landrelease.HazardArea) { h.Priority = "urgent" }, "priority"},
		{"unknown land use", func(h *landrelease.HazardArea) { h.LandUse = "mine" }, "land_use"},
		{"no identification date", func(h *landrelease.HazardArea) { h.IdentifiedOn = time.Time{} }, "identified_on"},
		{"identified tomorrow", func(h *landrelease.HazardArea) { h.IdentifiedOn = today.AddDate(0, 0, 1) }, "identified_on"},
		{"identified today", func(h *landrelease.HazardArea) { h.IdentifiedOn = today }, ""},
		{"no organisation", func(h *landrelease.HazardArea) { h.Organisation = "" }, "organisation"},
		{"unknown status", func(h *landrelease.HazardArea) { h.Status = "handed_over" }, "status"},
		{"no geometry", func(h *landrelease.HazardArea) { h.Geometry = nil }, "geometry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := validHazard()
			tt.change(h)
			err := h.Validate(today)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if landrelease.ErrorCode(err) != landrelease.EINVALID {
				t.Fatalf("code = %q (%v), want invalid", landrelease.ErrorCode(err), err)
			}
			d := landrelease.ErrorDetails(err)
			if len(d) == 0 || d[0].Field != tt.field {
				t.Fatalf("details %+v, want field %s", d, tt.field)
			}
		})
	}
}

func TestLandReleaseValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(r *landrelease.LandRelease)
		field  string
	}{
		{"valid", func(*landrelease.LandRelease) {}, ""},
		{"cancelled without depth", func(r *landrelease.LandRelease) {
			r.Method, r.DepthCM, r.Criteria = landrelease.MethodCancelled, nil, "no evidence"
		}, ""},
		{"no hazard area", func(r *landrelease.LandRelease) { r.HazardArea = "" }, "hazard_area"},
		{"unknown method", func(r *landrelease.LandRelease) { r.Method = "demined" }, "method"},
		{"completed in the future", func(r *landrelease.LandRelease) { r.CompletedOn = today.AddDate(0, 1, 0) }, "completed_on"},
		{"depth on cancelled land", func(r *landrelease.LandRelease) { r.Method = landrelease.MethodCancelled }, "depth_cm"},
		{"negative depth", func(r *landrelease.LandRelease) { d := -5; r.DepthCM = &d }, "depth_cm"},
		{"negative count", func(r *landrelease.LandRelease) { r.ItemsDestroyed = map[string]int{"M77": -2} }, "items_destroyed"},
		{"blank device type", func(r *landrelease.LandRelease) { r.ItemsDestroyed = map[string]int{"": 2} }, "items_destroyed"},
		{"beneficiaries", func(r *landrelease.LandRelease) {
			r.Beneficiaries = &landrelease.Beneficiaries{Women: 12, Girls: 7, Boys: 9, Men: 11, WithDisabilities: 39}
			r.LandUseAfter = landrelease.LandUseAgriculture
		}, ""},
		{"no beneficiary recorded", func(r *landrelease.LandRelease) { r.Beneficiaries = &landrelease.Beneficiaries{} }, ""},
		{"negative beneficiaries", func(r *landrelease.LandRelease) { r.Beneficiaries = &landrelease.Beneficiaries{Girls: -1} }, "beneficiaries"},
		{"too many beneficiaries", func(r *landrelease.LandRelease) {
			r.Beneficiaries = &landrelease.Beneficiaries{Men: landrelease.MaxBeneficiaries + 1}
		}, "beneficiaries"},
		{"more with disabilities than people", func(r *landrelease.LandRelease) {
			r.Beneficiaries = &landrelease.Beneficiaries{Women: 2, Men: 1, WithDisabilities: 4}
		}, "beneficiaries"},
		{"unknown land use after", func(r *landrelease.LandRelease) { r.LandUseAfter = "farming" }, "land_use_after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRelease()
			tt.change(r)
			err := r.Validate(today)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if d := landrelease.ErrorDetails(err); landrelease.ErrorCode(err) != landrelease.EINVALID || len(d) == 0 || d[0].Field != tt.field {
				t.Fatalf("got %v %+v, want invalid on %s", err, d, tt.field)
			}
		})
	}
}

func TestRequire(t *testing.T) {
	ctx := context.Background()
	if _, err := landrelease.Require(ctx, landrelease.RoleDataManager); landrelease.ErrorCode(err) != landrelease.EUNAUTHORIZED {
		t.Errorf("anonymous: %v", err)
	}
	for _, tt := range []struct {
		role landrelease.Role
		want string
	}{
		{landrelease.RoleDataManager, ""},
		{landrelease.RoleAdministrator, ""},
		{landrelease.RoleReportingOfficer, landrelease.EFORBIDDEN},
		{landrelease.RoleFieldTeam, landrelease.EFORBIDDEN},
	} {
		c := landrelease.NewContextWithUser(ctx, &landrelease.User{Name: "u", Role: tt.role})
		if _, err := landrelease.Require(c, landrelease.RoleDataManager); landrelease.ErrorCode(err) != tt.want {
			t.Errorf("%s: %v, want %q", tt.role, err, tt.want)
		}
	}
}
