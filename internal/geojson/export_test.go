package geojson

import "github.com/landrelease/landrelease/internal/landrelease"

// What the external tests of the cache (cache_test.go) read of its inside.

const CacheShards = cacheShards

var (
	EncodesSame   = encodesSame
	SharesPolygon = sharesPolygon
)

// Get is the cache's lookup: the open feature of h.
func (c *FeatureCache) Get(h *landrelease.HazardArea, rem bool) ([]byte, error) { return c.get(h, rem) }

// Holds returns the value the entry of (id, rem) keeps, nil without an entry.
func (c *FeatureCache) Holds(id int64, rem bool) *landrelease.HazardArea {
	sh := &c.shards[uint64(id)%cacheShards]
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	if e := sh.m[cacheKey{id, rem}]; e != nil {
		return e.h.Load()
	}
	return nil
}

// ShardUsage is what one shard of the cache counts and holds.
type ShardUsage struct {
	Counted, Held, Entries int
}

// Usage returns each shard's usage and the byte budget of a shard.
func (c *FeatureCache) Usage() ([]ShardUsage, int) {
	out := make([]ShardUsage, len(c.shards))
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.RLock()
		out[i].Counted, out[i].Entries = sh.bytes, len(sh.m)
		for _, e := range sh.m {
			out[i].Held += e.cost
		}
		sh.mu.RUnlock()
	}
	return out, c.budget
}
