package geojson_test

import (
	"context"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// TestReaderMapping: with a mapping, each feature's properties are read through it (names, constants, values,
// shapes), details of a mapped property name the source field, the fields the features carry are returned,
// and a mapping naming a field no feature carries is EINVALID.
func TestReaderMapping(t *testing.T) {
	m, err := landrelease.ParseMapping([]byte(`{"fields": {"HAZ_ID": "local_id", "Status": "kind", "Found": "identified_on"},
		"constants": {"record": "hazard_area", "contamination": "cmr", "evidence": "indirect", "evidence_category": "verbal_report", "organisation": "NPA"},
		"values": {"kind": {"Suspected": "sha", "Confirmed": "cha"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	feature := func(props string) string {
		return `{"type":"Feature","geometry":` + poly + `,"properties":{` + props + `}}`
	}
	body := fc(
		feature(`"HAZ_ID": "LA-VT-1", "Status": " suspected ", "Found": "2024/02/01", "Notes": "kept out"`),
		feature(`"haz_id": "LA-VT-2", "Status": "Confirmed", "Found": "not a date", "organisation": "HALO Trust"`),
	)
	var got []*landrelease.UploadFeature
	var errs []error
	fields, err := geojson.Reader{}.ReadUpload(context.Background(), strings.NewReader(body), landrelease.UploadSource{Mapping: m}, func(i int, f *landrelease.UploadFeature, err error) error {
		got, errs = append(got, f), append(errs, err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(fields, ",") != "Found,HAZ_ID,Notes,Status,haz_id,organisation" {
		t.Errorf("fields %v", fields)
	}
	// Without a mapping the reader lists the same fields, for a client to map them.
	fields, err = geojson.Reader{}.ReadUpload(context.Background(), strings.NewReader(body), landrelease.UploadSource{}, func(int, *landrelease.UploadFeature, error) error { return nil })
	if err != nil || strings.Join(fields, ",") != "Found,HAZ_ID,Notes,Status,haz_id,organisation" {
		t.Errorf("fields without a mapping %v, %v", fields, err)
	}
	h := got[0].Hazard
	if errs[0] != nil || h.LocalID != "LA-VT-1" || h.Kind != "SHA" || h.IdentifiedOn.Format("2006-01-02") != "2024-02-01" || h.Organisation != "NPA" || h.Notes != "" {
		t.Errorf("feature 0: %v %+v", errs[0], h)
	}
	if got[1].Hazard.LocalID != "LA-VT-2" || got[1].Hazard.Organisation != "HALO Trust" || got[1].Hazard.Kind != "CHA" {
		t.Errorf("feature 1 (a field matched ignoring case, its own value over the constant): %+v", got[1].Hazard)
	}
	ds := landrelease.ErrorDetails(errs[1])
	if len(ds) != 1 || ds[0].Field != "identified_on" || ds[0].SourceField != "Found" {
		t.Errorf("feature 1's error: %+v", ds)
	}

	missing, _ := landrelease.ParseMapping([]byte(`{"fields": {"HAZ_NO": "local_id"}}`))
	_, err = geojson.Reader{}.ReadUpload(context.Background(), strings.NewReader(body), landrelease.UploadSource{Mapping: missing}, func(int, *landrelease.UploadFeature, error) error { return nil })
	if landrelease.ErrorCode(err) != landrelease.EINVALID || !strings.Contains(landrelease.ErrorDetails(err)[0].Reason, `field "HAZ_NO"`) {
		t.Errorf("a mapping naming a field no feature has: %v", err)
	}
	// A body converted from another format was checked against the file's own fields (a KML placemark
	// without a value has no such property here).
	_, err = geojson.Reader{}.ReadUpload(context.Background(), strings.NewReader(body), landrelease.UploadSource{Format: landrelease.UploadKML, Mapping: missing}, func(int, *landrelease.UploadFeature, error) error { return nil })
	if err != nil {
		t.Errorf("a converted body: %v", err)
	}
}
