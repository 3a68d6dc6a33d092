package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/landrelease/landrelease/internal/geojson"
	"github.com/landrelease/landrelease/internal/landrelease"
)

// Pages of hazard areas from the index are written from the Server's geojson.FeatureCache (the features encoded
// once per value), into response buffers the Server recycles.

// featureCacheBytes bounds the memory of a Server's cache of encoded features.
const featureCacheBytes = 256 << 20

// newBodies returns the pool of response buffers of the index path.
func newBodies() *sync.Pool {
	return &sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}
}

// writeCollection writes geojson.HazardCollection(hs, rem, dist, links, timeStamp) as geoJSON does, from the
// cached features. When that fails it leaves the response alone and reports false, for the caller to take the
// reference path.
func (s *Server) writeCollection(c echo.Context, hs []*landrelease.HazardArea, rem bool, dist map[int64]float64, links []geojson.Link, timeStamp string) (bool, error) {
	bp := s.bodies.Get().(*[]byte)
	buf, err := s.features.AppendCollection((*bp)[:0], hs, rem, dist, links, timeStamp)
	if err != nil {
		*bp = buf[:0]
		s.bodies.Put(bp)
		return false, nil
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, mediaGeoJSON)
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(buf)))
	c.Response().WriteHeader(http.StatusOK)
	_, err = c.Response().Write(buf)
	if cap(buf) <= 4<<20 { // do not keep the buffers of huge pages
		*bp = buf[:0]
		s.bodies.Put(bp)
	}
	return true, err
}

// timeStamp is the timeStamp of a page written now, by the server's clock.
func (s *Server) timeStamp() string { return s.cfg.Now().UTC().Format(time.RFC3339) }
