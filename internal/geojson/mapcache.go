package geojson

import (
	"sync"

	"github.com/landrelease/landrelease/internal/landrelease"
)

// MapCache keeps the map features (AppendMapHazard) of the index's hazard areas per scale. An entry is valid for
// the *HazardArea value it was encoded from (the index hands out a new value whenever anything of an area
// changes). Its size is bounded by a byte budget; when full it is emptied, and the views asked for next fill it
// again. It is safe for concurrent use; the server that draws the map from the index owns one.
type MapCache struct {
	mu     sync.RWMutex
	m      map[mapCacheKey]mapCacheEntry
	bytes  int
	budget int
}

type mapCacheKey struct {
	id   int64
	zoom int
	band float64
}

type mapCacheEntry struct {
	h *landrelease.HazardArea
	b []byte
}

// NewMapCache returns an empty cache that holds about budget bytes.
func NewMapCache(budget int) *MapCache {
	return &MapCache{m: map[mapCacheKey]mapCacheEntry{}, budget: budget}
}

// Get returns AppendMapHazard(nil, h, sc); band is the latitude band sc was computed for, which tells scales of
// one zoom apart. The caller must not modify the result.
func (c *MapCache) Get(h *landrelease.HazardArea, sc MapScale, band float64) []byte {
	k := mapCacheKey{h.ID, sc.Zoom, band}
	c.mu.RLock()
	e, ok := c.m[k]
	c.mu.RUnlock()
	if ok && e.h == h {
		return e.b
	}
	b := AppendMapHazard(nil, h, sc)
	c.mu.Lock()
	if c.bytes+len(b) > c.budget {
		clear(c.m)
		c.bytes = 0
	}
	if old, ok := c.m[k]; ok {
		c.bytes -= len(old.b) + 64
	}
	c.m[k] = mapCacheEntry{h: h, b: b}
	c.bytes += len(b) + 64
	c.mu.Unlock()
	return b
}
