package api

// routes registers every route of the service: a URL from a bug report leads here, then to its handler.
func (s *Server) routes() {
	e := s.echo
	e.GET("/healthz", s.health)

	v1 := e.Group("/api/v1")
	v1.GET("", s.index) // the landing page of OGC API - Features (ogc.go)
	v1.GET("/conformance", s.conformance)
	v1.GET("/collections", s.listCollections)
	v1.GET("/collections/:collection", s.getCollection)
	v1.GET("/collections/:collection/items", s.collectionItems)
	v1.GET("/collections/:collection/items/:id", s.collectionItem)

	v1.POST("/session", s.signIn)
	v1.GET("/session", s.session)
	v1.DELETE("/session", s.signOut)

	v1.GET("/hazard-areas", s.listHazardAreas)
	v1.POST("/hazard-areas", s.createHazardArea)
	v1.POST("/hazard-areas/intersecting", s.intersecting)
	v1.GET("/hazard-areas/:id", s.getHazardArea)
	v1.PUT("/hazard-areas/:id", s.updateHazardArea)
	v1.DELETE("/hazard-areas/:id", s.withdrawHazardArea)
	v1.GET("/hazard-areas/:id/history", s.hazardAreaHistory)
	v1.GET("/hazard-areas/:id/releases", s.hazardAreaReleases)

	v1.GET("/land-releases", s.listLandReleases)
	v1.POST("/land-releases", s.createLandRelease)
	v1.GET("/land-releases/:id", s.getLandRelease)
	v1.PUT("/land-releases/:id", s.updateLandRelease)
	v1.DELETE("/land-releases/:id", s.withdrawLandRelease)
	v1.GET("/land-releases/:id/history", s.landReleaseHistory)

	v1.GET("/admin-units", s.listAdminUnits)

	v1.GET("/map/hazard-areas", s.mapHazardAreas) // the map: a view simplified for its zoom (mapview.go)
	v1.GET("/map/land-releases", s.mapLandReleases)

	v1.POST("/uploads", s.createUpload)
	v1.GET("/uploads", s.listUploads)
	v1.GET("/uploads/:id", s.getUpload)
	v1.GET("/uploads/:id/body", s.uploadBody)
	v1.POST("/uploads/:id/approve", s.approveUpload)
	v1.POST("/uploads/:id/reject", s.rejectUpload)
	v1.GET("/schema/upload", s.uploadSchema)

	v1.GET("/reports/article7", s.article7)
	v1.GET("/reports/article4", s.article4)
	v1.Any("/*", s.notFound)

	if s.cfg.Web != nil {
		e.GET("/*", echoHandler(s.cfg.Web))
	}
}
