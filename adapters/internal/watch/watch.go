// Package watch fans metadata changes out to watchers with bounded queues;
// shared by the metadata adapters that notify in-process.
package watch

import (
	"context"
	"sync"

	"github.com/hermes-go/hermes/ports"
)

// Buffer is how many changes a watcher may fall behind before its
// pending changes are coalesced into one ports.ChangeResync.
const Buffer = 128

// Hub fans changes out to watchers. Publishing never blocks: each watcher
// has a bounded queue drained by its own goroutine, which ends (closing the
// watcher's channel) when the watch context ends.
type Hub struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
}

type watcher struct {
	out    chan ports.Change
	wake   chan struct{} // capacity 1: "the queue changed"
	queue  []ports.Change
	resync bool // changes were dropped; a ChangeResync is owed
}

// Watch registers a watcher until ctx ends.
func (h *Hub) Watch(ctx context.Context) <-chan ports.Change {
	w := &watcher{out: make(chan ports.Change), wake: make(chan struct{}, 1)}
	h.mu.Lock()
	if h.watchers == nil {
		h.watchers = map[*watcher]struct{}{}
	}
	h.watchers[w] = struct{}{}
	h.mu.Unlock()
	go h.serve(ctx, w)
	return w.out
}

// Publish queues c for every watcher; it never blocks.
func (h *Hub) Publish(c ports.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		switch {
		case w.resync:
			continue
		case len(w.queue) < Buffer:
			w.queue = append(w.queue, c)
		default:
			w.resync = true
		}
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// next pops the watcher's next change. The resync flag is cleared only when
// the ChangeResync is taken, so every change dropped before that point
// precedes the ChangeResync the reader receives.
func (h *Hub) next(w *watcher) (ports.Change, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(w.queue) > 0 {
		c := w.queue[0]
		w.queue = w.queue[1:]
		return c, true
	}
	if w.resync {
		w.resync = false
		return ports.Change{Kind: ports.ChangeResync}, true
	}
	return ports.Change{}, false
}

func (h *Hub) serve(ctx context.Context, w *watcher) {
	defer close(w.out)
	defer func() {
		h.mu.Lock()
		delete(h.watchers, w)
		h.mu.Unlock()
	}()
	for {
		c, ok := h.next(w)
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-w.wake:
				continue
			}
		}
		select {
		case w.out <- c:
		case <-ctx.Done():
			return
		}
	}
}
