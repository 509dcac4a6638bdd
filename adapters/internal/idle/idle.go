package sender

import (
	"io"
	"sync/atomic"
	"time"
)

// idleWatch calls onIdle once no progress was reported for d. A shared
// transport cannot take a per-request socket timeout, so progress is
// observed on the request and response bodies instead of the socket:
// a chunk handed to the transport counts as written.
type idleWatch struct {
	d       time.Duration
	t       *time.Timer
	stopped atomic.Bool
}

// newIdleWatch starts a watch; d <= 0 returns a watch that never fires.
func newIdleWatch(d time.Duration, onIdle func()) *idleWatch {
	w := &idleWatch{d: d}
	if d > 0 {
		w.t = time.AfterFunc(d, onIdle)
	}
	return w
}

// touch reports progress, restarting the countdown.
func (w *idleWatch) touch() {
	if w.t != nil && !w.stopped.Load() {
		w.t.Reset(w.d)
	}
}

// stop disarms the watch; later touches are ignored.
func (w *idleWatch) stop() {
	if w.t != nil {
		w.stopped.Store(true)
		w.t.Stop()
	}
}

// reader returns r reporting every successful read as progress.
func (w *idleWatch) reader(r io.Reader) io.Reader { return touchReader{r: r, w: w} }

type touchReader struct {
	r io.Reader
	w *idleWatch
}

func (t touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.w.touch()
	}
	return n, err
}
