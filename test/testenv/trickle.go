package testenv

import (
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Trickler sends a request body one byte per tick, as a slow client does,
// so that a test can check the server answers (408) while the body is
// still arriving rather than after its end. Its goroutine is owned by the
// caller, who must call Stop.
type Trickler struct {
	sentAll  atomic.Bool
	stop     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
}

// Trickle starts writing n body bytes (spaces) to w, one every interval.
// With chunked each byte goes as its own chunk of size 1; the caller
// writes the request head, and no final chunk is sent. It stops early at
// the first write error (the server closed the connection) or on Stop.
func Trickle(w io.Writer, n int, every time.Duration, chunked bool) *Trickler {
	tr := &Trickler{stop: make(chan struct{})}
	piece := " "
	if chunked {
		piece = "1\r\n \r\n"
	}
	tr.wg.Add(1)
	go func() {
		defer tr.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for range n {
			select {
			case <-tr.stop:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(w, piece); err != nil {
				return
			}
		}
		tr.sentAll.Store(true)
	}()
	return tr
}

// SentAll reports whether all n bytes have been written.
func (tr *Trickler) SentAll() bool { return tr.sentAll.Load() }

// Stop ends the writing, if it is still going, and waits for the
// goroutine to return. It may be called more than once.
func (tr *Trickler) Stop() {
	tr.stopOnce.Do(func() { close(tr.stop) })
	tr.wg.Wait()
}
