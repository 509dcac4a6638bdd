package zookeeper

import (
	"context"
	"sync"

	"github.com/hermes-go/hermes/ports"
)

// WatchBuffer is how many changes a watcher may fall behind before its
// pending changes are dropped and replaced by one ports.ChangeResync.
const WatchBuffer = 128

// hub fans changes out to watchers without ever blocking the publisher.
type hub struct {
	mu       sync.Mutex
	watchers map[*watcher]struct{}
	done     <-chan struct{} // closed by Store.Close
}

type watcher struct {
	queue chan ports.Change // WatchBuffer changes
	lost  chan struct{}     // capacity 1: a ChangeResync is owed
}

// watch registers a watcher whose goroutine (owned by wg) forwards its
// queue to the returned channel until ctx or the hub ends; then it calls
// cancel, which ends ctx. It returns false once the hub has ended.
func (h *hub) watch(ctx context.Context, cancel context.CancelFunc, wg *sync.WaitGroup) (<-chan ports.Change, bool) {
	w := &watcher{queue: make(chan ports.Change, WatchBuffer), lost: make(chan struct{}, 1)}
	out := make(chan ports.Change)
	// Under mu, so no goroutine is added to wg once close has run.
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.done:
		return nil, false
	default:
	}
	if h.watchers == nil {
		h.watchers = map[*watcher]struct{}{}
	}
	h.watchers[w] = struct{}{}
	wg.Go(func() {
		defer cancel()
		defer close(out)
		defer h.remove(w)
		h.serve(ctx, w, out)
	})
	return out, true
}

// close ends every watcher and refuses new ones.
func (h *hub) close(done chan struct{}) {
	h.mu.Lock()
	defer h.mu.Unlock()
	close(done)
}

func (h *hub) remove(w *watcher) {
	h.mu.Lock()
	delete(h.watchers, w)
	h.mu.Unlock()
}

func (h *hub) serve(ctx context.Context, w *watcher, out chan<- ports.Change) {
	for {
		var c ports.Change
		select {
		case c = <-w.queue:
		case <-w.lost:
			// The queued changes happened before the loss was noticed: the
			// ChangeResync covers them.
			for len(w.queue) > 0 {
				<-w.queue
			}
			c = ports.Change{Kind: ports.ChangeResync}
		case <-ctx.Done():
			return
		case <-h.done:
			return
		}
		select {
		case out <- c:
		case <-ctx.Done():
			return
		case <-h.done:
			return
		}
	}
}

// publish queues c for every watcher; a full queue owes a ChangeResync.
func (h *hub) publish(c ports.Change) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		select {
		case w.queue <- c:
		default:
			signal(w.lost)
		}
	}
}

// resync tells every watcher that changes may have been missed.
func (h *hub) resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for w := range h.watchers {
		signal(w.lost)
	}
}

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
