package landrelease

import (
	"fmt"
	"slices"
	"time"

	"github.com/paulmach/orb"

	"github.com/landrelease/landrelease/geo"
)

// Upload thresholds.
const (
	LongSegmentM         = 5000.0 // consecutive vertices farther apart draw a warning
	OverlapWarnM2        = 100.0  // overlap with another open hazard area drawing a warning
	NearDuplicateShare   = 0.05   // symmetric difference below this share of the area: a near-duplicate
	MaxDetailsPerFeature = 20     // errors kept per feature of a report
)

// UploadChecks applies, feature by feature and in the upload's order, the rules of an upload that need no
// database: each record's own rules (HazardArea.Validate, LandRelease.Validate), a local_id given to two
// features of one upload, and segments longer than LongSegmentM. The zero value is not ready: use NewUploadChecks.
type UploadChecks struct {
	today time.Time
	seen  map[string]int // record/local_id -> first feature
}

// NewUploadChecks returns the checks of one upload, with today as the latest date a record may carry.
func NewUploadChecks(today time.Time) *UploadChecks {
	return &UploadChecks{today: Day(today), seen: map[string]int{}}
}

// Feature checks feature i, a hazard area h or a land release r (exactly one of them non-nil), and returns its
// errors and warnings, with pointers relative to the feature.
func (c *UploadChecks) Feature(i int, h *HazardArea, r *LandRelease) (errs, warnings []Detail) {
	var (
		record, localID string
		err             error
		g               orb.MultiPolygon
	)
	if h != nil {
		record, localID, err, g = RecordHazardArea, h.LocalID, h.Validate(c.today), h.Geometry
	} else {
		record, localID, err, g = RecordLandRelease, r.LocalID, r.Validate(c.today), r.Geometry
	}
	if err != nil {
		errs = ErrorDetails(err)
		if len(errs) == 0 {
			errs = []Detail{{Reason: ErrorMessage(err)}}
		}
	}
	key := record + "/" + localID
	if j, dup := c.seen[key]; dup && localID != "" {
		errs = append(errs, Detail{Field: "local_id", Pointer: "/properties/local_id",
			Reason: fmt.Sprintf("%s is also the local_id of feature %d", localID, j)})
	} else {
		c.seen[key] = i
	}
	for _, sg := range geo.LongSegments(g, LongSegmentM) {
		warnings = append(warnings, Detail{Field: "geometry", Pointer: "/geometry" + sg.Pointer,
			Reason:   fmt.Sprintf("consecutive vertices %.0f m apart (more than %.0f m)", sg.Meters, LongSegmentM),
			Location: []float64{sg.From[0], sg.From[1]}})
	}
	return errs, warnings
}

// UploadFeature is one feature of an upload as a format reader decoded it: a hazard area or a land release, and
// what the file says of the change it brings.
type UploadFeature struct {
	Record    string         // RecordHazardArea or RecordLandRelease
	Hazard    *HazardArea    // when Record is RecordHazardArea
	Release   *LandRelease   // when Record is RecordLandRelease
	Version   int            // the version the file says it changes, 0 when it does not say
	ChangedOn *time.Time     // from when a hazard area's change holds in the field (nil: a correction)
	Reason    string         // why the record changes
	Fixes     []geo.Fix      // what the reader repaired in the geometry
	Warnings  []Detail       // what the reader noticed that does not block: unknown properties, repairs
	Source    *FeatureSource // where the feature is in the original file, for formats other than GeoJSON
}

// FeatureDetails makes the JSON pointers of ds relative to the upload, for its feature i, and sets their Feature.
func FeatureDetails(ds []Detail, i int) []Detail {
	if len(ds) == 0 {
		return nil
	}
	out := make([]Detail, len(ds))
	for j, d := range ds {
		d.Feature = &i
		d.Pointer = fmt.Sprintf("/features/%d%s", i, d.Pointer)
		out[j] = d
	}
	return out
}

// FeatureError is the details of err (its message when it has none) for feature i, as FeatureDetails gives them.
func FeatureError(err error, i int) []Detail {
	ds := ErrorDetails(err)
	if len(ds) == 0 && err != nil {
		ds = []Detail{{Reason: ErrorMessage(err)}}
	}
	return FeatureDetails(ds, i)
}

// Record kinds of an upload's features (the `record` property).
const (
	RecordHazardArea  = "hazard_area"
	RecordLandRelease = "land_release"
)

// OverlapWarning is the warning, if any, for an uploaded hazard area of area m2 that overlaps the remaining part
// of open hazard area other by overlap m2 and differs from its polygon by symdiff m2: a near-duplicate when they
// differ by less than NearDuplicateShare of its area, else an overlap when over OverlapWarnM2.
func OverlapWarning(other string, overlap, symdiff, area float64) (Detail, bool) {
	switch {
	case area > 0 && symdiff < NearDuplicateShare*area:
		return Detail{Field: "geometry", Pointer: "/geometry",
			Reason: fmt.Sprintf("near-duplicate of hazard area %s (they differ by %.0f m2 of %.0f m2)", other, symdiff, area)}, true
	case overlap > OverlapWarnM2:
		return Detail{Field: "geometry", Pointer: "/geometry",
			Reason: fmt.Sprintf("overlaps open hazard area %s by %.0f m2", other, overlap)}, true
	}
	return Detail{}, false
}

// Reject marks the feature rejected with errs, keeping at most MaxDetailsPerFeature errors; a rejected feature
// has no action.
func (f *FeatureReport) Reject(errs []Detail) {
	f.Status, f.Action, f.BaseVersion = FeatureRejected, "", 0
	f.Errors = append(f.Errors, errs...)
	if len(f.Errors) > MaxDetailsPerFeature {
		f.Errors = f.Errors[:MaxDetailsPerFeature]
	}
}

// Summarize counts the report's features by outcome and action; the upload is accepted when it has features
// and none is rejected. It returns r.
func (r *UploadReport) Summarize() *UploadReport {
	r.Total, r.Rejected, r.Warnings, r.New, r.Changed, r.Same = len(r.Features), 0, 0, 0, 0, 0
	for _, f := range r.Features {
		if f.Status == FeatureRejected {
			r.Rejected++
		}
		r.Warnings += len(f.Warnings)
		switch f.Action {
		case ActionNew:
			r.New++
		case ActionChanged:
			r.Changed++
		case ActionUnchanged:
			r.Same++
		}
	}
	r.Accepted = r.Rejected == 0 && r.Total > 0
	return r
}

// maxRejectionDetails bounds the details of the error of a rejected upload (the report holds them all).
const maxRejectionDetails = 100

// Rejection is the error of a report with rejected features (or none at all): EINVALID with the first errors
// as details, carrying the whole report.
func (r *UploadReport) Rejection() error {
	msg := fmt.Sprintf("The upload is rejected: %d of %d features break a rule; nothing was written.", r.Rejected, r.Total)
	var details []Detail
	for _, f := range r.Features {
		if f.Status == FeatureRejected {
			details = append(details, f.Errors...)
			if len(details) >= maxRejectionDetails {
				break
			}
		}
	}
	if r.Total == 0 {
		msg = "The upload has no features."
	}
	return &ReportError{Err: Invalid(msg, details...), Report: r}
}

// ChangedSinceSubmitted is the error of a feature whose record moved from version base (0: none) to current
// between an upload's submission and its review or approval.
func ChangedSinceSubmitted(base, current int) Detail {
	return Detail{Field: "local_id", Pointer: "/properties/local_id",
		Reason: fmt.Sprintf("the record changed since the upload was submitted (version %d, now %d): submit it again", base, current)}
}

// UploadRepeatsHazard reports whether uploaded hazard area h repeats current record cur in every field an upload
// sets, so that recording it would add nothing (action unchanged).
func UploadRepeatsHazard(cur, h *HazardArea) bool {
	return cur.Kind == h.Kind && cur.Contamination == h.Contamination && cur.Evidence == h.Evidence &&
		slices.Equal(cur.Devices, h.Devices) && cur.Marking == h.Marking && cur.Priority == h.Priority && cur.LandUse == h.LandUse &&
		sameDay(cur.IdentifiedOn, h.IdentifiedOn) && cur.Organisation == h.Organisation && cur.Status == h.Status &&
		cur.Notes == h.Notes && geo.Equal(cur.Geometry, h.Geometry)
}

// UploadRepeatsRelease reports whether uploaded land release r repeats current record cur in every field an
// upload sets (no depth and no items count as none).
func UploadRepeatsRelease(cur, r *LandRelease) bool {
	depth := func(p *int) int {
		if p == nil {
			return -1
		}
		return *p
	}
	// Items: no map and an empty one are the same.
	sameItems := func(a, b map[string]int) bool {
		if len(a) != len(b) {
			return false
		}
		for k, v := range a {
			if b[k] != v {
				return false
			}
		}
		return true
	}
	return cur.HazardArea == r.HazardArea && cur.Method == r.Method && sameDay(cur.CompletedOn, r.CompletedOn) &&
		cur.Organisation == r.Organisation && cur.Criteria == r.Criteria && depth(cur.DepthCM) == depth(r.DepthCM) &&
		sameItems(cur.ItemsDestroyed, r.ItemsDestroyed) && sameBeneficiaries(cur.Beneficiaries, r.Beneficiaries) &&
		cur.LandUseAfter == r.LandUseAfter && geo.Equal(cur.Geometry, r.Geometry)
}

func sameDay(a, b time.Time) bool { return Day(a).Equal(Day(b)) }

func sameBeneficiaries(a, b *Beneficiaries) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
