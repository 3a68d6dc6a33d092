package api

import "net/http"

// routes registers every route of the service with who may call it: a URL from a bug report leads here, then to
// its handler. This is the one table of access; docs/API.md prints it and TestRouteAccess walks it.
func (s *Server) routes() {
	e := s.echo
	const get, post, put, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete
	const head, options, patch = http.MethodHead, http.MethodOptions, http.MethodPatch
	root := e.Group("")
	s.handle(root, "", get, "/healthz", s.health, open)

	const p = "/api/v1"
	v1 := e.Group(p)
	s.handle(v1, p, get, "", s.index, reader)        // the landing page of OGC API - Features (ogc.go)
	s.handle(v1, p, get, "/api", s.openAPIDoc, open) // the OpenAPI document (ogc_openapi.go)
	s.handle(v1, p, get, "/conformance", s.conformance, reader)
	s.handle(v1, p, get, "/collections", s.listCollections, reader)
	s.handle(v1, p, get, "/collections/:collection", s.getCollection, reader)
	s.handle(v1, p, get, "/collections/:collection/queryables", s.queryables, reader) // ogc_queryables.go
	s.handle(v1, p, get, "/collections/:collection/items", s.collectionItems, reader)
	s.handle(v1, p, head, "/collections/:collection/items", s.collectionItems, reader)
	s.handle(v1, p, options, "/collections/:collection/items", s.itemsOptions, reader) // Allow for the caller (ogc_write.go)
	s.handle(v1, p, post, "/collections/:collection/items", s.createItem, manager)     // Part 4: the registry's writes
	s.handle(v1, p, get, "/collections/:collection/items/:id", s.collectionItem, reader)
	s.handle(v1, p, head, "/collections/:collection/items/:id", s.collectionItem, reader)
	s.handle(v1, p, options, "/collections/:collection/items/:id", s.itemOptions, reader)
	s.handle(v1, p, put, "/collections/:collection/items/:id", s.replaceItem, manager)
	s.handle(v1, p, patch, "/collections/:collection/items/:id", s.patchItem, manager)
	s.handle(v1, p, del, "/collections/:collection/items/:id", s.deleteItem, manager)

	s.handle(v1, p, post, "/session", s.signIn, open, tiny)
	s.handle(v1, p, get, "/session", s.session, open)
	s.handle(v1, p, del, "/session", s.signOut, open)

	s.handle(v1, p, get, "/hazard-areas", s.listHazardAreas, reader)
	s.handle(v1, p, post, "/hazard-areas", s.createHazardArea, manager)
	s.handle(v1, p, post, "/hazard-areas/intersecting", s.intersecting, reader)
	s.handle(v1, p, get, "/hazard-areas/:id", s.getHazardArea, reader)
	s.handle(v1, p, put, "/hazard-areas/:id", s.updateHazardArea, manager)
	s.handle(v1, p, del, "/hazard-areas/:id", s.withdrawHazardArea, manager)
	s.handle(v1, p, get, "/hazard-areas/:id/history", s.hazardAreaHistory, reader)
	s.handle(v1, p, get, "/hazard-areas/:id/releases", s.hazardAreaReleases, reader)

	s.handle(v1, p, get, "/land-releases", s.listLandReleases, reader)
	s.handle(v1, p, post, "/land-releases", s.createLandRelease, manager)
	s.handle(v1, p, get, "/land-releases/:id", s.getLandRelease, reader)
	s.handle(v1, p, put, "/land-releases/:id", s.updateLandRelease, manager)
	s.handle(v1, p, del, "/land-releases/:id", s.withdrawLandRelease, manager)
	s.handle(v1, p, get, "/land-releases/:id/history", s.landReleaseHistory, reader)

	s.handle(v1, p, get, "/admin-units", s.listAdminUnits, reader)

	// A whole collection as a file (GeoPackage, Shapefile, KML, CSV, GeoJSON, FlatGeobuf), with the list's
	// filters (export.go).
	s.handle(v1, p, get, "/exports/:collection", s.export, reader, heavyWork)

	s.handle(v1, p, get, "/map/hazard-areas", s.mapHazardAreas, reader) // the map: a view simplified for its zoom (mapview.go)
	s.handle(v1, p, get, "/map/land-releases", s.mapLandReleases, reader)

	s.handle(v1, p, post, "/uploads", s.createUpload, uploader, heavyWork, upload(uploadParams))
	s.handle(v1, p, get, "/uploads", s.listUploads, uploader)
	s.handle(v1, p, get, "/uploads/:id", s.getUpload, uploader, heavyWork) // re-checked against the registry
	s.handle(v1, p, get, "/uploads/:id/body", s.uploadBody, uploader, streamed)
	s.handle(v1, p, post, "/uploads/:id/approve", s.approveUpload, manager, heavyWork)
	s.handle(v1, p, post, "/uploads/:id/reject", s.rejectUpload, manager)
	s.handle(v1, p, get, "/schema/upload", s.uploadSchema, open)
	// Property mappings saved by name, beside the presets (mapping.go).
	s.handle(v1, p, get, "/mappings", s.listMappings, uploader)
	s.handle(v1, p, get, "/mappings/:name", s.getMapping, uploader)
	s.handle(v1, p, put, "/mappings/:name", s.putMapping, uploader)
	s.handle(v1, p, del, "/mappings/:name", s.deleteMapping, manager)

	s.handle(v1, p, get, "/reports/article7", s.article7, reader, heavyWork)
	s.handle(v1, p, get, "/reports/article4", s.article4, reader, heavyWork)
	s.handle(v1, p, get, "/reports/workplan", s.workPlan, reader, heavyWork) // the costed work plan (workplan.go)
	// The draft of an Article 4 extension request and the text the reporting officer enters (extension.go).
	s.handle(v1, p, get, "/reports/extension-request", s.extensionRequest, reader, heavyWork)
	s.handle(v1, p, get, "/reports/extension-request/text", s.getExtensionText, reader)
	s.handle(v1, p, put, "/reports/extension-request/text", s.setExtensionText, reporter)
	// The completion of Article 4.1(c): the summary and the completion dates (completion.go).
	s.handle(v1, p, get, "/reports/completion", s.completionSummary, reader, heavyWork)
	s.handle(v1, p, get, "/completion", s.listCompletions, reader)
	s.handle(v1, p, put, "/completion/:scope", s.declareCompletion, manager, heavyWork) // an admin unit code, or state
	s.handle(v1, p, get, "/workplan/productivity", s.listProductivity, reader)
	s.handle(v1, p, put, "/workplan/productivity", s.setProductivity, manager)
	s.handle(v1, p, del, "/workplan/productivity", s.removeProductivity, manager)
	s.handle(v1, p, get, "/workplan/mix", s.getMix, reader, heavyWork) // measured from the registry's history
	s.handle(v1, p, put, "/workplan/mix", s.setMix, manager, heavyWork)
	s.handle(v1, p, del, "/workplan/mix/:kind", s.removeMix, manager)

	// The whole record in open formats, as a ZIP (archive.go).
	s.handle(v1, p, get, "/archive", s.archive, admin, heavyWork)

	s.handle(v1, p, get, "/audit", s.listAudit, admin) // the audit trail (audit.go)
	s.handle(v1, p, get, "/users", s.listUsers, admin) // accounts and tokens (users.go)
	s.handle(v1, p, post, "/users", s.createUser, admin)
	s.handle(v1, p, patch, "/users/:name", s.updateUser, admin)
	s.handle(v1, p, get, "/tokens", s.listTokens, admin)
	s.handle(v1, p, post, "/tokens", s.createToken, admin)
	s.handle(v1, p, del, "/tokens/:id", s.revokeToken, admin)
	s.handle(v1, p, anyMethod, "/*", s.notFound, open)

	if s.cfg.Web != nil {
		s.handle(root, "", get, "/*", echoHandler(s.cfg.Web), open) // the pages; what they read needs access
	}
}
