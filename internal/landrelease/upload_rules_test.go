package landrelease_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestUploadChecks checks the rules an upload applies feature by feature without a database.
func TestUploadChecks(t *testing.T) {
	hz := func(id string, f func(*landrelease.HazardArea)) *landrelease.HazardArea {
		h := validHazard()
		h.LocalID = id
		if f != nil {
			f(h)
		}
		return h
	}
	rl := func(id string) *landrelease.LandRelease {
		r := validRelease()
		r.LocalID = id
		return r
	}
	type feat struct {
		h *landrelease.HazardArea
		r *landrelease.LandRelease
	}
	type want struct {
		errs, warnings []string // "field: reason" of each detail
	}
	long := func(h *landrelease.HazardArea) { // two segments of some 10 km
		h.Geometry = orb.MultiPolygon{{{{103, 19}, {103.1, 19}, {103.1, 19.01}, {103, 19}}}}
	}
	for _, tc := range []struct {
		name  string
		feats []feat
		want  []want
	}{{
		name:  "valid features",
		feats: []feat{{h: hz("A", nil)}, {r: rl("A-R1")}},
		want:  []want{{}, {}},
	}, {
		name:  "a local_id taken by an earlier feature of the same record",
		feats: []feat{{h: hz("A", nil)}, {h: hz("B", nil)}, {h: hz("A", nil)}},
		want:  []want{{}, {}, {errs: []string{"local_id: A is also the local_id of feature 0"}}},
	}, {
		name:  "a hazard area and a release may share a local_id",
		feats: []feat{{h: hz("A", nil)}, {r: rl("A")}},
		want:  []want{{}, {}},
	}, {
		name:  "no local_id twice is one error each, not a duplicate",
		feats: []feat{{h: hz("", nil)}, {h: hz("", nil)}},
		want:  []want{{errs: []string{"local_id: is required"}}, {errs: []string{"local_id: is required"}}},
	}, {
		name:  "the record's own rules",
		feats: []feat{{h: hz("A", func(h *landrelease.HazardArea) { h.IdentifiedOn = today.AddDate(0, 0, 1) })}},
		want:  []want{{errs: []string{"identified_on: 2025-07-01 is in the future"}}},
	}, {
		name:  "a long segment is a warning",
		feats: []feat{{h: hz("A", long)}},
		want: []want{{warnings: []string{"geometry: consecutive vertices 10514 m apart (more than 5000 m)",
			"geometry: consecutive vertices 10572 m apart (more than 5000 m)"}}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			c := landrelease.NewUploadChecks(today)
			for i, f := range tc.feats {
				errs, warns := c.Feature(i, f.h, f.r)
				got := want{errs: texts(errs), warnings: texts(warns)}
				if fmt.Sprint(got) != fmt.Sprint(tc.want[i]) {
					t.Errorf("feature %d:\n got %v\nwant %v", i, got, tc.want[i])
				}
			}
		})
	}
	// A warning points at the segment and locates its first vertex.
	h := hz("A", long)
	_, warns := landrelease.NewUploadChecks(today).Feature(0, h, nil)
	if len(warns) != 2 || warns[0].Pointer != "/geometry/coordinates/0/0/0" || fmt.Sprint(warns[0].Location) != "[103 19]" {
		t.Errorf("long segment warning %+v", warns)
	}
}

func texts(ds []landrelease.Detail) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Field+": "+d.Reason)
	}
	return out
}

func TestOverlapWarning(t *testing.T) {
	for _, tc := range []struct {
		overlap, symdiff, area float64
		want                   string // "" for no warning
	}{
		{overlap: 9000, symdiff: 400, area: 10000, want: "near-duplicate of hazard area X (they differ by 400 m2 of 10000 m2)"},
		{overlap: 9000, symdiff: 500, area: 10000, want: "overlaps open hazard area X by 9000 m2"},
		{overlap: 100, symdiff: 5000, area: 10000, want: ""},
		{overlap: 100.5, symdiff: 5000, area: 10000, want: "overlaps open hazard area X by 100 m2"},
		{overlap: 0, symdiff: 0, area: 0, want: ""},
	} {
		d, ok := landrelease.OverlapWarning("X", tc.overlap, tc.symdiff, tc.area)
		if ok != (tc.want != "") || d.Reason != tc.want || (ok && (d.Field != "geometry" || d.Pointer != "/geometry")) {
			t.Errorf("OverlapWarning(%v, %v, %v) = %+v, %v; want %q", tc.overlap, tc.symdiff, tc.area, d, ok, tc.want)
		}
	}
}

func TestUploadReport(t *testing.T) {
	rep := &landrelease.UploadReport{Features: []landrelease.FeatureReport{
		{Status: landrelease.FeatureAccepted, Action: landrelease.ActionNew, Warnings: []landrelease.Detail{{}, {}}},
		{Status: landrelease.FeatureAccepted, Action: landrelease.ActionChanged, BaseVersion: 3},
		{Status: landrelease.FeatureAccepted, Action: landrelease.ActionUnchanged, BaseVersion: 1},
		{Status: landrelease.FeatureAccepted, Action: landrelease.ActionNew},
	}}
	if r := rep.Summarize(); !r.Accepted || r.Total != 4 || r.New != 2 || r.Changed != 1 || r.Same != 1 || r.Warnings != 2 || r.Rejected != 0 {
		t.Errorf("summary %+v", r)
	}
	var many []landrelease.Detail
	for i := range 25 {
		many = append(many, landrelease.Detail{Reason: fmt.Sprint(i)})
	}
	rep.Features[1].Reject(many)
	if f := rep.Features[1]; f.Status != landrelease.FeatureRejected || f.Action != "" || f.BaseVersion != 0 || len(f.Errors) != landrelease.MaxDetailsPerFeature {
		t.Errorf("rejected feature %+v", f)
	}
	if r := rep.Summarize(); r.Accepted || r.Rejected != 1 || r.New != 2 || r.Changed != 0 {
		t.Errorf("summary after a rejection %+v", r)
	}
	err := rep.Rejection()
	var re *landrelease.ReportError
	if landrelease.ErrorCode(err) != landrelease.EINVALID || !asReportError(err, &re) || re.Report != rep ||
		landrelease.ErrorMessage(err) != "The upload is rejected: 1 of 4 features break a rule; nothing was written." ||
		len(landrelease.ErrorDetails(err)) != landrelease.MaxDetailsPerFeature {
		t.Errorf("rejection: %v", err)
	}
	empty := (&landrelease.UploadReport{}).Summarize()
	if empty.Accepted || landrelease.ErrorMessage(empty.Rejection()) != "The upload has no features." {
		t.Errorf("an empty upload: %+v %v", empty, empty.Rejection())
	}
	if d := landrelease.ChangedSinceSubmitted(2, 3); d.Field != "local_id" || !strings.Contains(d.Reason, "(version 2, now 3)") {
		t.Errorf("changed since submitted: %+v", d)
	}
}

func asReportError(err error, re **landrelease.ReportError) bool {
	e, ok := err.(*landrelease.ReportError)
	*re = e
	return ok
}

// TestUploadRepeats: every field an upload sets tells an uploaded record from the current one.
func TestUploadRepeats(t *testing.T) {
	d40 := 40
	for _, tc := range []struct {
		name   string
		change func(*landrelease.HazardArea)
	}{
		{"kind", func(h *landrelease.HazardArea) { h.Kind = landrelease.KindSHA }},
		{"contamination", func(h *landrelease.HazardArea) { h.Contamination = landrelease.ContaminationMixed }},
		{"evidence", func(h *landrelease.HazardArea) { h.Evidence.Category = "detonation" }},
		{"devices", func(h *landrelease.HazardArea) { h.Devices = []string{"BLU-26", "M42"} }},
		{"marking", func(h *landrelease.HazardArea) { h.Marking = landrelease.MarkingNone }},
		{"priority", func(h *landrelease.HazardArea) { h.Priority = landrelease.PriorityLow }},
		{"land use", func(h *landrelease.HazardArea) { h.LandUse = landrelease.LandUseForest }},
		{"identified on", func(h *landrelease.HazardArea) { h.IdentifiedOn = h.IdentifiedOn.AddDate(0, 0, 1) }},
		{"organisation", func(h *landrelease.HazardArea) { h.Organisation = "NPA" }},
		{"status", func(h *landrelease.HazardArea) { h.Status = landrelease.StatusClosed }},
		{"notes", func(h *landrelease.HazardArea) { h.Notes = "fenced in May" }},
		{"geometry", func(h *landrelease.HazardArea) {
			h.Geometry = orb.MultiPolygon{{{{103, 19}, {103.02, 19}, {103.02, 19.01}, {103, 19}}}}
		}},
	} {
		h := validHazard()
		tc.change(h)
		if landrelease.UploadRepeatsHazard(validHazard(), h) {
			t.Errorf("hazard area: a change of %s is not seen", tc.name)
		}
	}
	same := validHazard()
	same.IdentifiedOn = same.IdentifiedOn.Add(15 * time.Hour) // the same day
	same.Version, same.AreaM2 = 9, 123                        // registry fields an upload does not set
	if !landrelease.UploadRepeatsHazard(validHazard(), same) {
		t.Error("hazard area: the same record is seen as changed")
	}
	for _, tc := range []struct {
		name   string
		change func(*landrelease.LandRelease)
	}{
		{"hazard area", func(r *landrelease.LandRelease) { r.HazardArea = "B" }},
		{"method", func(r *landrelease.LandRelease) { r.Method = landrelease.MethodReduced }},
		{"completed on", func(r *landrelease.LandRelease) { r.CompletedOn = r.CompletedOn.AddDate(0, 0, -1) }},
		{"organisation", func(r *landrelease.LandRelease) { r.Organisation = "MAG" }},
		{"criteria", func(r *landrelease.LandRelease) { r.Criteria = "fenced" }},
		{"depth", func(r *landrelease.LandRelease) { r.DepthCM = &d40 }},
		{"no depth", func(r *landrelease.LandRelease) { r.DepthCM = nil }},
		{"items", func(r *landrelease.LandRelease) { r.ItemsDestroyed = map[string]int{"BLU-26": 4} }},
		{"other items", func(r *landrelease.LandRelease) { r.ItemsDestroyed = map[string]int{"BLU-26": 3, "M42": 1} }},
		{"beneficiaries recorded", func(r *landrelease.LandRelease) { r.Beneficiaries = &landrelease.Beneficiaries{Women: 3} }},
		{"land use after", func(r *landrelease.LandRelease) { r.LandUseAfter = landrelease.LandUseForest }},
		{"geometry", func(r *landrelease.LandRelease) {
			r.Geometry = orb.MultiPolygon{{{{103, 19}, {103.005, 19}, {103.005, 19.01}, {103, 19}}}}
		}},
	} {
		r := validRelease()
		tc.change(r)
		if landrelease.UploadRepeatsRelease(validRelease(), r) {
			t.Errorf("land release: a change of %s is not seen", tc.name)
		}
	}
	a, b := validRelease(), validRelease()
	a.Beneficiaries, b.Beneficiaries = &landrelease.Beneficiaries{Girls: 2}, &landrelease.Beneficiaries{Girls: 2}
	if !landrelease.UploadRepeatsRelease(a, b) {
		t.Error("land release: the same beneficiaries differ")
	}
	b.Beneficiaries = &landrelease.Beneficiaries{Girls: 2, WithDisabilities: 1}
	if landrelease.UploadRepeatsRelease(a, b) {
		t.Error("land release: a change of beneficiaries is not seen")
	}
	a.ItemsDestroyed, b.ItemsDestroyed = nil, map[string]int{}
	a.Beneficiaries, b.Beneficiaries = nil, nil
	if !landrelease.UploadRepeatsRelease(a, b) {
		t.Error("land release: no items and an empty list differ")
	}
	// A file exported and read back (GeoPackage, Shapefile) moves vertices by about 10^-14 degree: the same record.
	noisy := func(mp orb.MultiPolygon) orb.MultiPolygon {
		out := orb.MultiPolygon{}
		for _, p := range mp {
			q := orb.Polygon{}
			for _, r := range p {
				q = append(q, append(orb.Ring(nil), r...))
			}
			out = append(out, q)
		}
		out[0][0][1][0] += 3e-14
		out[0][0][2][1] -= 2e-14
		return out
	}
	r, h := validRelease(), validHazard()
	r.Geometry, h.Geometry = noisy(r.Geometry), noisy(h.Geometry)
	if !landrelease.UploadRepeatsRelease(validRelease(), r) || !landrelease.UploadRepeatsHazard(validHazard(), h) {
		t.Error("a geometry read back from an export, with 10^-14 degree of noise, is seen as changed")
	}
}
