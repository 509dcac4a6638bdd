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
// watcher's channel) when the watch context ends or the hub is closed.
// The zero Hub is ready to use.
type Hub struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
	closed   bool
	wg       sync.WaitGroup // the watchers' goroutines
}

type watcher struct {
	out    chan ports.Change
	wake   chan struct{} // capacity 1: "the queue changed"
	queue  []ports.Change
	resync bool // changes were dropped; a ChangeResync is owed
	stop   context.CancelFunc
}

// Watch registers a watcher until ctx ends, stop is called or the hub is
// closed; then the returned channel is closed. On a closed hub the channel
// comes back closed.
func (h *Hub) Watch(ctx context.Context) (changes <-chan ports.Change, stop context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	w := &watcher{out: make(chan ports.Change), wake: make(chan struct{}, 1), stop: cancel}
	// Under mu, so no goroutine is added to wg once Close has begun.
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		cancel()
		close(w.out)
		return w.out, cancel
	}
	if h.watchers == nil {
		h.watchers = map[*watcher]struct{}{}
	}
	h.watchers[w] = struct{}{}
	h.wg.Go(func() {
		defer cancel()
		h.serve(ctx, w)
	})
	return w.out, cancel
}

// Close ends every watcher, waits for their goroutines, and makes later
// Watch calls return a closed channel. It is safe to call more than once.
func (h *Hub) Close() {
	h.mu.Lock()
	h.closed = true
	for w := range h.watchers {
		w.stop()
	}
	h.mu.Unlock()
	h.wg.Wait()
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
		w.signal()
	}
}

// Resync owes every watcher a ports.ChangeResync, for a backend that may
// have missed changes (a lost connection); it never blocks.
func (h *Hub) Resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		w.resync = true
		w.signal()
	}
}

func (w *watcher) signal() {
	select {
	case w.wake <- struct{}{}:
	default:
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
