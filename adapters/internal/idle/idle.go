// Package idle is the socket timeout the HTTP adapters (sender, oauth)
// share: a shared transport cannot take a per-request socket timeout, so
// progress is observed on the request and response bodies instead.
package idle

import (
	"io"
	"sync/atomic"
	"time"
)

// Watch calls onIdle once no progress was reported for d: a chunk handed
// to the transport counts as written, a chunk read as received.
type Watch struct {
	d       time.Duration
	t       *time.Timer
	stopped atomic.Bool
}

// New starts a watch; d <= 0 returns a watch that never fires.
func New(d time.Duration, onIdle func()) *Watch {
	w := &Watch{d: d}
	if d > 0 {
		w.t = time.AfterFunc(d, onIdle)
	}
	return w
}

// NewPaused is New with the countdown not started: the first Touch
// starts it.
func NewPaused(d time.Duration, onIdle func()) *Watch {
	w := New(d, onIdle)
	if w.t != nil {
		w.t.Stop()
	}
	return w
}

// Touch reports progress, restarting the countdown.
func (w *Watch) Touch() {
	if w.t != nil && !w.stopped.Load() {
		w.t.Reset(w.d)
	}
}

// Stop disarms the watch; later touches are ignored.
func (w *Watch) Stop() {
	if w.t != nil {
		w.stopped.Store(true)
		w.t.Stop()
	}
}

// Reader returns r reporting every successful read as progress.
func (w *Watch) Reader(r io.Reader) io.Reader { return touchReader{r: r, w: w} }

type touchReader struct {
	r io.Reader
	w *Watch
}

func (t touchReader) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if n > 0 {
		t.w.Touch()
	}
	return n, err
}
