package tracking

import (
	"context"
	"log/slog"

	"github.com/hermes-go/hermes/domain"
)

// Recorder is the ports.Tracker half the trackers share: Published and Sent
// queue Hermes's documents on a Queue written by write. A tracker embeds
// it and calls Close from its own Close.
type Recorder struct{ queue *Queue[Item] }

// NewRecorder starts the Queue's writer goroutine; Close stops it.
func NewRecorder(cfg Config, log *slog.Logger, write WriteFunc[Item]) *Recorder {
	return &Recorder{queue: Start(cfg, log, write)}
}

// Published implements ports.Tracker; it never blocks.
func (r *Recorder) Published(trace domain.PublishedMessageTrace) {
	r.queue.Offer(PublishedItem(trace))
}

// Sent implements ports.Tracker; it never blocks.
func (r *Recorder) Sent(trace domain.SentMessageTrace) { r.queue.Offer(SentItem(trace)) }

// Dropped returns how many traces were lost: refused by a full queue or in
// a write the store did not take.
func (r *Recorder) Dropped() int64 { return r.queue.Dropped() }

// Flush writes the traces queued so far and returns when that write ended.
func (r *Recorder) Flush(ctx context.Context) error { return r.queue.Flush(ctx) }

// Close flushes what is queued (bounded by Config.CloseTimeout) and stops
// the writer. Traces recorded after Close are dropped.
func (r *Recorder) Close() { r.queue.Close() }
