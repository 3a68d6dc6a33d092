package api

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// OGC API - Features - Part 4 (Create, Replace, Update and Delete) on hazard-areas and land-releases, translated
// into the registry's own writes, whose handlers do the work: POST items is POST /api/v1/hazard-areas, PUT
// items/{id} is PUT /api/v1/hazard-areas/{id}, PATCH (a JSON merge patch) is that PUT of the current version
// with the patch applied, DELETE is the withdrawal. Every write therefore has the checks, versions, audit rows and
// index updates of the JSON API's. OPTIONS answers, in Allow, the methods the caller's role may use, which is how
// QGIS decides whether to offer editing.

const mediaMergePatch = "application/merge-patch+json"

// reasonHeader carries the reason of a DELETE, as the query parameter reason does.
const reasonHeader = "X-Reason"

// writeOps are a collection's writes, as the registry's handlers.
type writeOps struct {
	create, update, withdraw func(s *Server) echo.HandlerFunc
}

var writable = map[string]writeOps{
	"hazard-areas": {func(s *Server) echo.HandlerFunc { return s.createHazardArea },
		func(s *Server) echo.HandlerFunc { return s.updateHazardArea },
		func(s *Server) echo.HandlerFunc { return s.withdrawHazardArea }},
	"land-releases": {func(s *Server) echo.HandlerFunc { return s.createLandRelease },
		func(s *Server) echo.HandlerFunc { return s.updateLandRelease },
		func(s *Server) echo.HandlerFunc { return s.withdrawLandRelease }},
}

// writableOf finds the collection of the path and its writes. ENOTFOUND; EMETHOD, with the Allow header, for
// admin-units, which is edited by landrelease admin import only.
func writableOf(c echo.Context) (collectionInfo, writeOps, error) {
	ci, err := collectionOf(c)
	if err != nil {
		return ci, writeOps{}, err
	}
	ops, ok := writable[ci.id]
	if !ok {
		c.Response().Header().Set("Allow", allowed(c, ci, c.Param("id") != ""))
		return ci, ops, landrelease.Errorf(landrelease.EMETHOD, "The collection %s is read-only here: it is imported with landrelease admin import.", ci.id)
	}
	return ci, ops, nil
}

// allowed lists the methods the caller may use on a collection's items (item false) or on one item.
func allowed(c echo.Context, ci collectionInfo, item bool) string {
	methods := []string{http.MethodGet, http.MethodHead, http.MethodOptions}
	u := landrelease.UserFromContext(c.Request().Context())
	if _, ok := writable[ci.id]; ok && manager.allows(u, false) == nil {
		if item {
			methods = append(methods, http.MethodPut, http.MethodPatch, http.MethodDelete)
		} else {
			methods = append(methods, http.MethodPost)
		}
	}
	return strings.Join(methods, ", ")
}

func (s *Server) itemsOptions(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Allow", allowed(c, ci, false))
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) itemOptions(c echo.Context) error {
	ci, err := collectionOf(c)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Allow", allowed(c, ci, true))
	if _, ok := writable[ci.id]; ok {
		h.Set("Accept-Patch", mediaMergePatch)
	}
	return c.NoContent(http.StatusNoContent)
}

// createItem records the feature of the body (the registry's input form) and answers 201 with the item's
// Location.
func (s *Server) createItem(c echo.Context) error {
	ci, ops, err := writableOf(c)
	if err != nil {
		return err
	}
	w, err := capture(c, ops.create(s))
	if err != nil {
		return err
	}
	id, err := url.PathUnescape(path.Base(w.header.Get(echo.HeaderLocation)))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, absolute(c, itemPath(ci.id, id)))
	return writeCaptured(c, w)
}

// replaceItem records the feature of the body as the item's new version; If-Match or the version property says
// which version it replaces. A reason sent back as it was read (QGIS sends every property it read) is the
// replaced version's, not this one's: it is left out, and the registry records its default.
func (s *Server) replaceItem(c echo.Context) error {
	ci, ops, err := writableOf(c)
	if err != nil {
		return err
	}
	body, err := readBody(c)
	if err != nil {
		return err
	}
	var f map[string]any
	if json.Unmarshal(body, &f) == nil {
		if props, ok := f["properties"].(map[string]any); ok && props["reason"] != nil {
			current, err := s.currentFeature(c, ci)
			if err != nil {
				return err
			}
			if props["reason"] == current.Properties["reason"] {
				delete(props, "reason")
				if body, err = json.Marshal(f); err != nil {
					return err
				}
			}
		}
	}
	setBody(c, body, c.Request().Header.Get(echo.HeaderContentType))
	w, err := capture(c, ops.update(s))
	if err != nil {
		return err
	}
	return writeCaptured(c, w)
}

// patchItem applies a JSON merge patch (RFC 7396) to the item's current version and records the result as a new
// version: what the patch leaves out stays as it is. The version changed is If-Match's, else the patch's version
// property, else the current one (QGIS sends neither). Without a reason in the patch, the version's reason names
// what it changed.
func (s *Server) patchItem(c echo.Context) error {
	ci, ops, err := writableOf(c)
	if err != nil {
		return err
	}
	if ct := c.Request().Header.Get(echo.HeaderContentType); !isMediaType(ct, mediaMergePatch, mediaJSON, mediaGeoJSON) {
		return landrelease.Errorf(landrelease.EUNSUPPORTEDMEDIA, "Send a JSON merge patch (%s), not %q.", mediaMergePatch, ct)
	}
	patch, err := readPatch(c)
	if err != nil {
		return err
	}
	ifMatch, err := ifMatch(c)
	if err != nil {
		return err
	}
	current, err := s.currentFeature(c, ci)
	if err != nil {
		return err
	}
	body, err := patched(current, patch, ifMatch)
	if err != nil {
		return err
	}
	setBody(c, body, mediaGeoJSON)
	c.Request().Header.Del("If-Match") // it is the version property now
	w, err := capture(c, ops.update(s))
	if err != nil {
		return err
	}
	return writeCaptured(c, w)
}

// deleteItem withdraws the item, as recorded in error, with the reason of the query parameter reason or the
// X-Reason header. The version withdrawn is If-Match's, else the current one (a DELETE has no body to name it).
func (s *Server) deleteItem(c echo.Context) error {
	ci, ops, err := writableOf(c)
	if err != nil {
		return err
	}
	req := c.Request()
	if reason := req.Header.Get(reasonHeader); reason != "" && !c.QueryParams().Has("reason") {
		q := c.QueryParams()
		q.Set("reason", reason)
		req.URL.RawQuery = q.Encode()
	}
	if req.Header.Get("If-Match") == "" {
		current, err := s.currentFeature(c, ci)
		if err != nil {
			return err
		}
		req.Header.Set("If-Match", etag(current.version()))
	}
	w, err := capture(c, ops.withdraw(s))
	if err != nil {
		return err
	}
	return writeCaptured(c, w)
}

// setBody makes body, of media type media, the request's body, for the registry's handler to read.
func setBody(c echo.Context, body []byte, media string) {
	req := c.Request()
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	req.Header.Set(echo.HeaderContentType, media)
}

// currentFeature reads the current version of the item of the path, whole, as the registry's GET answers it.
func (s *Server) currentFeature(c echo.Context, ci collectionInfo) (*anyFeature, error) {
	q := c.QueryParams()
	for _, p := range []string{"at", "as_of", "geometry"} { // no past version, no remaining part
		q.Del(p)
	}
	w, err := capture(c, ci.item(s))
	if err != nil {
		return nil, err
	}
	var f anyFeature
	if err := json.Unmarshal(w.body.Bytes(), &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// anyFeature is a GeoJSON feature as the registry writes it, read for a merge patch.
type anyFeature struct {
	ID         string          `json:"id,omitempty"`
	Geometry   json.RawMessage `json:"geometry"`
	Properties map[string]any  `json:"properties"`
}

// version is the feature's version property.
func (f *anyFeature) version() int {
	v, _ := f.Properties["version"].(float64)
	return int(v)
}

// readPatch reads a merge patch: a JSON object.
func readPatch(c echo.Context) (map[string]any, error) {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return nil, &landrelease.Error{Code: landrelease.ETOOLARGE, Message: "The body could not be read or is over the limit.", Err: err}
	}
	var patch map[string]any
	if err := json.Unmarshal(b, &patch); err != nil || patch == nil {
		return nil, landrelease.Errorf(landrelease.EBADREQUEST, "A merge patch is a JSON object, such as {\"properties\": {\"notes\": \"fenced\"}}.")
	}
	return patch, nil
}

// patched applies patch to the current feature and returns the registry's input: the current version's state
// (not its reason, which was that version's) with the patch merged in, the version changed set to ifMatch when
// given, and a reason naming what changed when the patch gives none.
func patched(current *anyFeature, patch map[string]any, ifMatch int) ([]byte, error) {
	props := current.Properties
	delete(props, "reason")
	delete(props, "changed_on")
	var changed []string
	if pp, ok := patch["properties"].(map[string]any); ok {
		for k := range pp {
			if k != "version" && k != "reason" && k != "changed_on" {
				changed = append(changed, k)
			}
		}
	}
	if _, ok := patch["geometry"]; ok {
		changed = append(changed, "geometry")
	}
	slices.Sort(changed)
	doc := map[string]any{"type": "Feature", "geometry": json.RawMessage(current.Geometry), "properties": props}
	if current.ID != "" {
		doc["id"] = current.ID
	}
	merged, _ := mergePatch(doc, patch).(map[string]any)
	mp, _ := merged["properties"].(map[string]any)
	if mp == nil {
		mp = map[string]any{}
		merged["properties"] = mp
	}
	if ifMatch != 0 {
		mp["version"] = ifMatch
	}
	if _, ok := mp["reason"]; !ok && len(changed) > 0 {
		mp["reason"] = "changed " + strings.Join(changed, ", ") + " (PATCH)"
	}
	return json.Marshal(merged)
}

// mergePatch applies a JSON merge patch (RFC 7396) to target: an object patch sets its members in the target
// (null removes one), anything else replaces it.
func mergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		if raw, ok := t[k].(json.RawMessage); ok {
			var x any
			if json.Unmarshal(raw, &x) == nil {
				t[k] = x
			}
		}
		t[k] = mergePatch(t[k], v)
	}
	return t
}

// isMediaType reports whether the Content-Type ct is one of types.
func isMediaType(ct string, types ...string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && slices.Contains(types, mt)
}

// writeCaptured writes what a registry handler answered, with its ETag.
func writeCaptured(c echo.Context, w *captured) error {
	if et := w.header.Get("ETag"); et != "" {
		c.Response().Header().Set("ETag", et)
	}
	return writeBytes(c, w.status, mediaGeoJSON, w.body.Bytes())
}
