package zookeeper

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/ports"
)

// eventBacklog bounds the ZooKeeper events waiting for the cache; beyond
// it they are dropped and the cache rescans the whole tree instead.
const eventBacklog = 4096

// cache mirrors which groups, topics and subscriptions exist (and their
// mzxid) from ZooKeeper watches, and publishes the differences it sees, so
// Watch reports the changes of every process. It is primed by the first
// Watch; until then it costs nothing.
//
// ZooKeeper watches are one-shot: every read of a node re-arms its watch,
// and the events arrive through the connection's callback (enqueue) rather
// than the per-call channels. Changes made between an event and the re-read
// are coalesced, so a reader may see Created without an Updated in between.
type cache struct {
	s *Store

	mu       sync.Mutex
	wanted   bool
	events   []zk.Event
	overflow bool

	wake      chan struct{} // capacity 1: events or the first watcher arrived
	ready     chan struct{} // closed once primed
	startOnce sync.Once

	root entry
	emit bool // false while priming
}

// entry is a cached node: its last seen mzxid and its children by name.
type entry struct {
	mzxid int64
	kids  map[string]*entry
}

func newCache(s *Store) *cache {
	return &cache{s: s, wake: make(chan struct{}, 1), ready: make(chan struct{}), root: entry{kids: map[string]*entry{}}}
}

// enqueue is the connection's event callback: it must not block.
func (c *cache) enqueue(ev zk.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.wanted {
		return
	}
	if len(c.events) >= eventBacklog {
		c.overflow = true
	} else {
		c.events = append(c.events, ev)
	}
	signal(c.wake)
}

// start asks the cache to prime itself; ready is closed when it has.
func (c *cache) start() <-chan struct{} {
	c.startOnce.Do(func() {
		c.mu.Lock()
		c.wanted = true
		c.mu.Unlock()
		signal(c.wake)
	})
	return c.ready
}

func (c *cache) take() ([]zk.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	evs, overflow := c.events, c.overflow
	c.events, c.overflow = nil, false
	return evs, overflow
}

// run is the cache's goroutine; it ends when the store closes.
func (c *cache) run() {
	rescan, lost := true, false
	var retry <-chan time.Time
	for {
		select {
		case <-c.s.done:
			return
		case <-c.wake:
		case <-retry:
			retry = nil
		}
		evs, overflow := c.take()
		c.mu.Lock()
		wanted := c.wanted
		c.mu.Unlock()
		if !wanted {
			continue
		}
		rescan = rescan || overflow
		for _, ev := range evs {
			switch {
			case ev.Type == zk.EventSession && (ev.State == zk.StateDisconnected || ev.State == zk.StateExpired):
				if !lost {
					c.s.log.Warn("zookeeper connection lost; watchers will resync", "state", ev.State.String())
				}
				lost = true
			case ev.Type == zk.EventSession && ev.State == zk.StateHasSession && lost:
				// Watches may have fired unseen (or died with an expired
				// session): tell readers, then rebuild and re-arm everything.
				lost, rescan = false, true
				c.s.hub.Resync()
				c.s.log.Info("zookeeper connection back; watchers resynced")
			case ev.Type == zk.EventNotWatching:
				rescan = true
			case ev.Type != zk.EventSession && !rescan:
				if err := c.refresh(ev.Path); err != nil {
					rescan = true
				}
			}
		}
		if rescan && retry == nil {
			if err := c.sync(nil, &c.root, true); err != nil {
				c.s.log.Debug("zookeeper tree cache rescan failed; retrying", "err", err)
				retry = time.After(time.Second)
				continue
			}
			rescan = false
			if !c.emit {
				c.emit = true
				close(c.ready)
			}
		}
	}
}

// refresh re-reads the node an event names (re-arming its watch).
func (c *cache) refresh(path string) error {
	names, isKids, ok := c.s.paths.parse(path)
	if !ok {
		return nil
	}
	e := c.lookup(names)
	if e == nil {
		return nil // the parent's listing will pick it up
	}
	if isKids {
		return c.sync(names, e, false)
	}
	return c.read(names, e)
}

func (c *cache) lookup(names []string) *entry {
	e := &c.root
	for _, n := range names {
		if e = e.kids[n]; e == nil {
			return nil
		}
	}
	return e
}

// read re-reads a known node's stat: gone means deleted, a new mzxid
// means updated.
func (c *cache) read(names []string, e *entry) error {
	_, stat, _, err := c.s.conn.GetW(c.s.paths.node(names))
	switch {
	case errors.Is(err, zk.ErrNoNode):
		c.drop(names[:len(names)-1], names[len(names)-1])
		return nil
	case err != nil:
		return err
	}
	if e.mzxid != stat.Mzxid {
		e.mzxid = stat.Mzxid
		c.publish(ports.ChangeUpdated, names)
	}
	return nil
}

// sync re-lists the children of names (re-arming the watch), reporting
// new and vanished ones; deep also re-reads the children already known.
func (c *cache) sync(names []string, e *entry, deep bool) error {
	if len(names) > len(containers) {
		return nil
	}
	kids, err := c.children(c.s.paths.kids(names))
	if err != nil {
		return err
	}
	for _, gone := range slices.Sorted(maps.Keys(e.kids)) {
		if !slices.Contains(kids, gone) {
			c.drop(names, gone)
		}
	}
	slices.Sort(kids)
	for _, k := range kids {
		child := append(slices.Clip(names), k)
		ke, known := e.kids[k]
		if known && !deep {
			continue
		}
		if !known {
			_, stat, _, err := c.s.conn.GetW(c.s.paths.node(child))
			if errors.Is(err, zk.ErrNoNode) {
				continue // deleted since the listing
			} else if err != nil {
				return err
			}
			ke = &entry{mzxid: stat.Mzxid, kids: map[string]*entry{}}
			e.kids[k] = ke
			c.publish(ports.ChangeCreated, child)
			if stat.Mzxid != stat.Czxid {
				c.publish(ports.ChangeUpdated, child)
			}
		} else if err := c.read(child, ke); err != nil {
			return err
		}
		if e.kids[k] == ke {
			if err := c.sync(child, ke, deep); err != nil {
				return err
			}
		}
	}
	return nil
}

// children lists path with a watch. A missing container (a tree not
// written by Hermes) gets an existence watch instead and has no children.
func (c *cache) children(path string) ([]string, error) {
	for {
		kids, _, _, err := c.s.conn.ChildrenW(path)
		if !errors.Is(err, zk.ErrNoNode) {
			return kids, err
		}
		exists, _, _, err := c.s.conn.ExistsW(path)
		if err != nil || !exists {
			return nil, err
		}
	}
}

// drop forgets a child and its subtree, reporting the deletions bottom-up.
func (c *cache) drop(parent []string, name string) {
	p := c.lookup(parent)
	if p == nil || p.kids[name] == nil {
		return
	}
	names := append(slices.Clip(parent), name)
	for _, k := range slices.Sorted(maps.Keys(p.kids[name].kids)) {
		c.drop(names, k)
	}
	delete(p.kids, name)
	c.publish(ports.ChangeDeleted, names)
}

func (c *cache) publish(kind ports.ChangeKind, names []string) {
	if c.emit {
		c.s.hub.Publish(changeOf(kind, names))
	}
}
