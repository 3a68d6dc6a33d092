package spatial

// idMap is a persistent (path-copying) map from ID to item: a
// radix trie of 32-way nodes over the bits of the ID, most significant
// first, whose height grows with the largest ID. A set copies one node per
// level (at most 13), so a one-item Apply costs O(log n) whatever the size
// of the index, and older snapshots keep their own map for free.
type idMap struct {
	root   *idNode
	height int    // levels; keys below 1<<(idBits*height) fit
	n      int    // items
	gen    uint64 // nodes of this generation belong to the writer and are changed in place
}

// forWriter returns m with generation gen: nodes shared with published
// snapshots are copied before they change, new nodes are then changed in
// place until the next call.
//
// gen must differ from the generation of every node m holds, which are the
// generations of earlier writers. The Index owns the counter (Index.gen,
// under its writers' mutex): the nodes of its maps are only ever shared
// between snapshots of that one index, each built by one of its writers from
// the one before (or from nothing, in Replace), so a count per index that
// only goes up is enough, and two indexes in one process need nothing in
// common. Generations start at 1; no node has generation 0.
func (m idMap) forWriter(gen uint64) idMap {
	m.gen = gen
	return m
}

const (
	idBits = 5
	idFan  = 1 << idBits
	idMask = idFan - 1
)

type idNode struct {
	gen   uint64
	kids  *[idFan]*idNode // inner node
	items *[idFan]*Item   // leaf node
}

func fits(k uint64, height int) bool {
	return idBits*height >= 64 || k>>(idBits*height) == 0
}

func (m idMap) get(id int64) *Item {
	k := uint64(id)
	if m.root == nil || !fits(k, m.height) {
		return nil
	}
	n := m.root
	for level := m.height - 1; level > 0; level-- {
		n = n.kids[(k>>(idBits*level))&idMask]
		if n == nil {
			return nil
		}
	}
	return n.items[k&idMask]
}

// set returns a map with id bound to it, or without id when it is nil.
func (m idMap) set(id int64, it *Item) idMap {
	k := uint64(id)
	if m.root == nil {
		if it == nil {
			return m
		}
		m.root, m.height = &idNode{gen: m.gen, items: new([idFan]*Item)}, 1
	}
	for !fits(k, m.height) {
		if it == nil {
			return m
		}
		r := &idNode{gen: m.gen, kids: new([idFan]*idNode)}
		r.kids[0] = m.root
		m.root, m.height = r, m.height+1
	}
	var old *Item
	m.root, old = setNode(m.gen, m.root, m.height-1, k, it)
	switch {
	case old == nil && it != nil:
		m.n++
	case old != nil && it == nil:
		m.n--
	}
	return m
}

func setNode(gen uint64, n *idNode, level int, k uint64, it *Item) (*idNode, *Item) {
	if level == 0 {
		c := n
		if c == nil || c.gen != gen {
			c = &idNode{gen: gen, items: new([idFan]*Item)}
			if n != nil {
				*c.items = *n.items
			}
		}
		i := k & idMask
		old := c.items[i]
		c.items[i] = it
		return c, old
	}
	c := n
	if c == nil || c.gen != gen {
		c = &idNode{gen: gen, kids: new([idFan]*idNode)}
		if n != nil {
			*c.kids = *n.kids
		}
	}
	i := (k >> (idBits * level)) & idMask
	var old *Item
	c.kids[i], old = setNode(gen, c.kids[i], level-1, k, it)
	return c, old
}
