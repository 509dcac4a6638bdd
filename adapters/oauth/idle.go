package oauth

import (
	"context"
	"errors"
	"io"
	"time"
)

// errIdle is the cause of a request cancelled by its socket timeout.
var errIdle = errors.New("socket timeout")

// idleWatch cancels a request that receives nothing for its socket
// timeout, as Hermes's Jetty client's idle timeout does. The zero value
// (no timeout) watches nothing.
type idleWatch struct {
	timer   *time.Timer
	timeout time.Duration
	cancel  context.CancelCauseFunc
}

func watchIdle(ctx context.Context, timeout time.Duration) (context.Context, *idleWatch) {
	if timeout <= 0 {
		return ctx, &idleWatch{}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	w := &idleWatch{timeout: timeout, cancel: cancel}
	w.timer = time.AfterFunc(timeout, func() { cancel(errIdle) })
	return ctx, w
}

// progress restarts the timeout: bytes arrived.
func (w *idleWatch) progress() {
	if w.timer != nil {
		w.timer.Reset(w.timeout)
	}
}

// reader counts every read of r as progress.
func (w *idleWatch) reader(r io.Reader) io.Reader {
	if w.timer == nil {
		return r
	}
	return readerFunc(func(p []byte) (int, error) {
		n, err := r.Read(p)
		w.progress()
		return n, err
	})
}

func (w *idleWatch) stop() {
	if w.timer != nil {
		w.timer.Stop()
		w.cancel(nil)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }
