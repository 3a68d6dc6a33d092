package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// roleUsers knows a token per role: the token is the role's name.
type roleUsers struct{ landrelease.UserService }

func (roleUsers) Authenticate(_ context.Context, token string) (*landrelease.User, error) {
	if r := landrelease.Role(token); r.Valid() {
		return &landrelease.User{ID: 1, Name: "u-" + token, Role: r}, nil
	}
	return nil, landrelease.Errorf(landrelease.EUNAUTHORIZED, "unknown token")
}

// memMappings is a MappingService in memory with the contract's versions (postgres.MappingService is tested
// against PostGIS); it records the last call's arguments.
type memMappings struct {
	saved   map[string]*landrelease.Mapping
	lastVer int
}

func (s *memMappings) FindMapping(_ context.Context, name string) (*landrelease.Mapping, error) {
	if p := landrelease.MappingPreset(name); p != nil {
		return p, nil
	}
	if m, ok := s.saved[name]; ok {
		c := *m
		return &c, nil
	}
	return nil, landrelease.Errorf(landrelease.ENOTFOUND, "No mapping is called %q.", name)
}

func (s *memMappings) FindMappings(context.Context) ([]*landrelease.Mapping, error) {
	out := landrelease.MappingPresets()
	names := slices.Sorted(maps.Keys(s.saved))
	for _, name := range names {
		out = append(out, s.saved[name])
	}
	return out, nil
}

func (s *memMappings) SaveMapping(_ context.Context, m *landrelease.Mapping) error {
	s.lastVer = m.Version
	if landrelease.MappingPreset(m.Name) != nil {
		return landrelease.Errorf(landrelease.ECONFLICT, "preset")
	}
	cur, ok := s.saved[m.Name]
	switch {
	case m.Version == 0 && ok:
		return landrelease.Errorf(landrelease.EPRECONDITIONREQUIRED, "taken")
	case m.Version != 0 && !ok:
		return landrelease.Errorf(landrelease.ENOTFOUND, "none")
	case ok && cur.Version != m.Version:
		return landrelease.Errorf(landrelease.EPRECONDITION, "stale")
	}
	m.Version++
	m.UpdatedBy = "someone"
	c := *m
	s.saved[m.Name] = &c
	return nil
}

func (s *memMappings) DeleteMapping(_ context.Context, name string, version int) error {
	s.lastVer = version
	cur, ok := s.saved[name]
	switch {
	case !ok:
		return landrelease.Errorf(landrelease.ENOTFOUND, "none")
	case version != 0 && cur.Version != version:
		return landrelease.Errorf(landrelease.EPRECONDITION, "stale")
	}
	delete(s.saved, name)
	return nil
}

// TestMappingRoutes walks the mapping routes in order, as a team would: statuses, ETags, error bodies with
// their codes and pointers, the version a write passes to the service, and who may call each route.
func TestMappingRoutes(t *testing.T) {
	svc := &memMappings{saved: map[string]*landrelease.Mapping{}}
	srv := New(Config{Users: roleUsers{}, Mappings: svc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	type step struct {
		name, method, path, token, body string
		header                          map[string]string
		status                          int
		code, pointer                   string // the error's code and its first detail's pointer
		etag                            string
		version                         int // the version the service was asked for (-1: not checked)
		check                           func(t *testing.T, body []byte)
	}
	const ft, dm, ro, ad = "field_team", "data_manager", "reporting_officer", "administrator"
	json1 := map[string]string{"Content-Type": "application/json"}
	with := func(h map[string]string) map[string]string {
		out := map[string]string{"Content-Type": "application/json"}
		for k, v := range h {
			out[k] = v
		}
		return out
	}
	steps := []step{
		{name: "list: presets first", method: "GET", path: "/api/v1/mappings", token: ft, status: 200, version: -1,
			check: func(t *testing.T, b []byte) {
				var got struct{ Mappings []landrelease.Mapping }
				if err := json.Unmarshal(b, &got); err != nil || len(got.Mappings) != 2 || !got.Mappings[0].Preset {
					t.Fatalf("%s (%v)", b, err)
				}
			}},
		{name: "a preset", method: "GET", path: "/api/v1/mappings/imsma-core-hazard", token: ft, status: 200, version: -1,
			check: func(t *testing.T, b []byte) {
				if !strings.Contains(string(b), `"imsma_id":"local_id"`) || !strings.Contains(string(b), `"preset":true`) {
					t.Fatalf("%s", b)
				}
			}},
		{name: "not found", method: "GET", path: "/api/v1/mappings/nope", token: ft, status: 404, code: "not_found", version: -1},
		{name: "create", method: "PUT", path: "/api/v1/mappings/team", token: ft, header: json1,
			body: `{"fields":{"HAZ_ID":"local_id"},"constants":{"record":"hazard_area"}}`, status: 201, etag: `"1"`, version: 0,
			check: func(t *testing.T, b []byte) {
				var m landrelease.Mapping
				if err := json.Unmarshal(b, &m); err != nil || m.Name != "team" || m.Version != 1 || m.Fields["HAZ_ID"] != "local_id" {
					t.Fatalf("%s (%v)", b, err)
				}
			}},
		{name: "read it", method: "GET", path: "/api/v1/mappings/team", token: dm, status: 200, etag: `"1"`, version: -1},
		{name: "again without a version", method: "PUT", path: "/api/v1/mappings/team", token: ft, header: json1,
			body: `{}`, status: 428, code: "precondition_required", version: 0},
		{name: "stale If-Match", method: "PUT", path: "/api/v1/mappings/team", token: ft, header: with(map[string]string{"If-Match": `"4"`}),
			body: `{}`, status: 412, code: "precondition_failed", version: 4},
		{name: "If-Match and the document disagree", method: "PUT", path: "/api/v1/mappings/team", token: ft,
			header: with(map[string]string{"If-Match": `"1"`}), body: `{"version":2}`, status: 422, code: "invalid", pointer: "/version", version: -1},
		{name: "replace at If-Match", method: "PUT", path: "/api/v1/mappings/team", token: dm, header: with(map[string]string{"If-Match": `"1"`}),
			body: `{"name":"team","fields":{"ID":"local_id"}}`, status: 200, etag: `"2"`, version: 1},
		{name: "replace at the document's version", method: "PUT", path: "/api/v1/mappings/team", token: dm, header: json1,
			body: `{"fields":{"ID":"local_id"},"version":2}`, status: 200, etag: `"3"`, version: 2},
		{name: "the document names another mapping", method: "PUT", path: "/api/v1/mappings/team", token: dm, header: json1,
			body: `{"name":"other"}`, status: 422, code: "invalid", pointer: "/name", version: -1},
		{name: "invalid document", method: "PUT", path: "/api/v1/mappings/team2", token: dm, header: json1,
			body: `{"fields":{"A":"colour"}}`, status: 422, code: "invalid", pointer: "/fields/A", version: -1},
		{name: "bad name in the URL", method: "PUT", path: "/api/v1/mappings/Team%20A", token: dm, header: json1,
			body: `{}`, status: 422, code: "invalid", pointer: "/name", version: -1},
		{name: "not JSON", method: "PUT", path: "/api/v1/mappings/team2", token: dm, body: `{}`,
			header: map[string]string{"Content-Type": "text/plain"}, status: 415, code: "unsupported_media_type", version: -1},
		{name: "bad If-Match", method: "PUT", path: "/api/v1/mappings/team", token: dm, header: with(map[string]string{"If-Match": `"x"`}),
			body: `{}`, status: 400, code: "bad_request", version: -1},
		{name: "a preset's name", method: "PUT", path: "/api/v1/mappings/imsma-core-hazard", token: dm, header: json1,
			body: `{}`, status: 409, code: "conflict", version: 0},
		{name: "a reporting officer may not read", method: "GET", path: "/api/v1/mappings", token: ro, status: 403, code: "forbidden", version: -1},
		{name: "nor save", method: "PUT", path: "/api/v1/mappings/x", token: ro, header: json1, body: `{}`, status: 403, code: "forbidden", version: -1},
		{name: "nobody may not read", method: "GET", path: "/api/v1/mappings", status: 401, code: "unauthorized", version: -1},
		{name: "a field team may not delete", method: "DELETE", path: "/api/v1/mappings/team", token: ft, status: 403, code: "forbidden", version: -1},
		{name: "delete at a stale version", method: "DELETE", path: "/api/v1/mappings/team", token: dm,
			header: map[string]string{"If-Match": `"1"`}, status: 412, code: "precondition_failed", version: 1},
		{name: "delete", method: "DELETE", path: "/api/v1/mappings/team", token: dm, header: map[string]string{"If-Match": `"3"`}, status: 204, version: 3},
		{name: "gone", method: "DELETE", path: "/api/v1/mappings/team", token: ad, status: 404, code: "not_found", version: 0},
	}
	for _, st := range steps {
		svc.lastVer = -1
		req := httptest.NewRequest(st.method, st.path, strings.NewReader(st.body))
		if st.token != "" {
			req.Header.Set("Authorization", "Bearer "+st.token)
		}
		for k, v := range st.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != st.status {
			t.Fatalf("%s: %s %s: status %d, want %d: %s", st.name, st.method, st.path, rec.Code, st.status, rec.Body)
		}
		if st.code != "" {
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != st.code || body.Error.Message == "" {
				t.Fatalf("%s: error body %s (%v), want code %s", st.name, rec.Body, err, st.code)
			}
			if st.pointer != "" && (len(body.Error.Details) == 0 || body.Error.Details[0].Pointer != st.pointer) {
				t.Fatalf("%s: details %+v, want pointer %s", st.name, body.Error.Details, st.pointer)
			}
		}
		if got := rec.Header().Get("ETag"); got != st.etag {
			t.Errorf("%s: ETag %q, want %q", st.name, got, st.etag)
		}
		if st.version >= 0 && svc.lastVer != st.version {
			t.Errorf("%s: the service was asked for version %d, want %d", st.name, svc.lastVer, st.version)
		}
		if st.check != nil {
			st.check(t, rec.Body.Bytes())
		}
	}

	// Without a MappingService, the routes answer 503.
	none := New(Config{Users: roleUsers{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	req := httptest.NewRequest("GET", "/api/v1/mappings", nil)
	req.Header.Set("Authorization", "Bearer "+dm)
	rec := httptest.NewRecorder()
	none.ServeHTTP(rec, req)
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("without a MappingService: %d %s", rec.Code, rec.Body)
	}
}
