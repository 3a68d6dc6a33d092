package api

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// sourceUploads is an UploadService that keeps the source and body of the upload it checks.
type sourceUploads struct {
	landrelease.UploadService
	src  *landrelease.UploadSource
	body string
}

func (u *sourceUploads) Check(_ context.Context, body landrelease.UploadBody, src landrelease.UploadSource) (*landrelease.UploadReport, error) {
	u.src = &src
	b := make([]byte, body.Size())
	body.ReadAt(b, 0)
	u.body = string(b)
	return (&landrelease.UploadReport{Features: []landrelease.FeatureReport{{Status: landrelease.FeatureAccepted}}}).Summarize(), nil
}

// formMappings is a MappingService of the mappings it holds.
type formMappings map[string]*landrelease.Mapping

func (m formMappings) FindMapping(_ context.Context, name string) (*landrelease.Mapping, error) {
	if mp, ok := m[name]; ok {
		return mp, nil
	}
	return nil, landrelease.Errorf(landrelease.ENOTFOUND, "no mapping %q", name)
}
func (m formMappings) FindMappings(context.Context) ([]*landrelease.Mapping, error) { return nil, nil }
func (m formMappings) SaveMapping(context.Context, *landrelease.Mapping) error      { return nil }
func (m formMappings) DeleteMapping(context.Context, string, int) error             { return nil }

// form is a multipart/form-data body of parts (name, file name or "" for a field, content).
func form(parts ...[3]string) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p[1] != "" {
			w, _ := mw.CreateFormFile(p[0], p[1])
			w.Write([]byte(p[2]))
		} else {
			mw.WriteField(p[0], p[2])
		}
	}
	mw.Close()
	return mw.FormDataContentType(), buf.String()
}

// TestUploadForms: an upload's format comes from its Content-Type, its file name or its multipart file part;
// its mapping from a multipart part or a saved mapping by name; what cannot be read so is refused before the
// service is called.
func TestUploadForms(t *testing.T) {
	team := &landrelease.Mapping{Name: "district-team", Fields: map[string]string{"HAZ_ID": "local_id"}}
	mpShp, shpBody := form([3]string{"file", "areas.shp.zip", "PK-zip"}, [3]string{"mapping", "", `{"fields": {"organisati": "organisation"}}`})
	mpKml, kmlBody := form([3]string{"file", "doc.kml", "<kml/>"})
	mpNoFile, noFileBody := form([3]string{"mapping", "", `{}`})
	mpOther, otherBody := form([3]string{"file", "doc.kml", "<kml/>"}, [3]string{"comment", "", "hi"})
	mpBadMap, badMapBody := form([3]string{"file", "doc.kml", "<kml/>"}, [3]string{"mapping", "", `{"fields": {"X": "nope"}}`})
	mpTwo, twoBody := form([3]string{"file", "doc.kml", "<kml/>"}, [3]string{"mapping", "", `{}`})
	for _, tc := range []struct {
		name, query, contentType, disposition, body string
		status                                      int
		format, filename, layer, body2              string
		mapping                                     string // a source field the mapping maps, "" for none
	}{
		{name: "GeoJSON", contentType: "application/geo+json", body: "{}", status: 200, format: "geojson", body2: "{}"},
		{name: "KML by its media type", contentType: "application/vnd.google-earth.kml+xml", body: "<kml/>", status: 200, format: "kml"},
		{name: "a GeoPackage by filename", query: "filename=partner.gpkg&layer=hazards", contentType: "application/octet-stream", body: "SQLite", status: 200, format: "gpkg", filename: "partner.gpkg", layer: "hazards"},
		{name: "a GPX by Content-Disposition", query: "filename=x.kml", contentType: "application/octet-stream", disposition: `attachment; filename="walk.gpx"`, body: "<gpx/>", status: 200, format: "gpx", filename: "walk.gpx"},
		{name: "multipart with a mapping", contentType: mpShp, body: shpBody, status: 200, format: "shapefile", filename: "areas.shp.zip", body2: "PK-zip", mapping: "organisati"},
		{name: "multipart, a saved mapping", query: "mapping=district-team", contentType: mpKml, body: kmlBody, status: 200, format: "kml", filename: "doc.kml", mapping: "HAZ_ID"},
		{name: "an unknown saved mapping", query: "mapping=nobody", contentType: mpKml, body: kmlBody, status: 422},
		{name: "a mapping twice", query: "mapping=district-team", contentType: mpTwo, body: twoBody, status: 422},
		{name: "multipart without a file", contentType: mpNoFile, body: noFileBody, status: 422},
		{name: "multipart with another part", contentType: mpOther, body: otherBody, status: 422},
		{name: "an invalid mapping", contentType: mpBadMap, body: badMapBody, status: 422},
		{name: "a media type of no format", contentType: "text/csv", body: "a,b", status: 415},
		{name: "octet-stream without a name", contentType: "application/octet-stream", body: "x", status: 415},
		{name: "octet-stream of an unknown ending", query: "filename=areas.xlsx", contentType: "application/octet-stream", body: "x", status: 415},
	} {
		t.Run(tc.name, func(t *testing.T) {
			up := &sourceUploads{}
			srv := fuzzServer(Config{Uploads: up, Mappings: formMappings{"district-team": team}})
			req := httptest.NewRequest(http.MethodPost, "/api/v1/uploads?dry_run=true&"+tc.query, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer field-token")
			req.Header.Set("Content-Type", tc.contentType)
			if tc.disposition != "" {
				req.Header.Set("Content-Disposition", tc.disposition)
			}
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status != 200 {
				var e errorBody
				if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error.Message == "" || up.src != nil {
					t.Fatalf("error %s; service called: %v", rec.Body, up.src != nil)
				}
				return
			}
			src := up.src
			if src.Format != tc.format || src.Filename != tc.filename || src.Layer != tc.layer {
				t.Errorf("source %+v, want %s %q %q", src, tc.format, tc.filename, tc.layer)
			}
			if tc.body2 != "" && up.body != tc.body2 {
				t.Errorf("body %q, want %q", up.body, tc.body2)
			}
			if got := ""; src.Mapping != nil {
				for k := range src.Mapping.Fields {
					got = k
				}
				if got != tc.mapping {
					t.Errorf("mapping %+v, want one mapping %q", src.Mapping, tc.mapping)
				}
			} else if tc.mapping != "" {
				t.Errorf("no mapping, want one mapping %q", tc.mapping)
			}
		})
	}
	// Without a MappingService, a mapping by name is refused with the reason.
	srv := fuzzServer(Config{Uploads: &sourceUploads{}})
	req := httptest.NewRequest(http.MethodPost, "/api/v1/uploads?dry_run=true&mapping=district-team", strings.NewReader(kmlBody))
	req.Header.Set("Authorization", "Bearer field-token")
	req.Header.Set("Content-Type", mpKml)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 422 || !strings.Contains(rec.Body.String(), "keeps no saved mappings") {
		t.Errorf("a saved mapping without the service: %d %s", rec.Code, rec.Body)
	}
}

// FuzzUploadForm fuzzes how an upload's format is found: its Content-Type, Content-Disposition and filename
// parameter. No request fails with a 5xx, and one that is checked has a known format.
func FuzzUploadForm(f *testing.F) {
	f.Add("application/octet-stream", `attachment; filename="a.kmz"`, "", "x")
	f.Add("multipart/form-data; boundary=b", "", "", "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.gpkg\"\r\n\r\nz\r\n--b--\r\n")
	f.Add("application/zip; charset=utf-8", "", "../a.shp.zip", "PK")
	f.Fuzz(func(t *testing.T, contentType, disposition, filename, body string) {
		up := &sourceUploads{}
		srv := fuzzServer(Config{Uploads: up, MaxUpload: 1 << 16})
		req := httptest.NewRequest(http.MethodPost, "/api/v1/uploads?dry_run=true", strings.NewReader(body))
		q := req.URL.Query()
		q.Set("filename", filename)
		req.URL.RawQuery = q.Encode()
		req.Header.Set("Authorization", "Bearer field-token")
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Content-Disposition", disposition)
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code == 200 {
			if up.src == nil || !strings.Contains(strings.Join(landrelease.UploadFormats(), " "), up.src.Format) || up.src.Format == "" {
				t.Fatalf("checked with source %+v", up.src)
			}
			if strings.ContainsAny(up.src.Filename, "/\\\x00") {
				t.Fatalf("file name %q", up.src.Filename)
			}
		}
	})
}
