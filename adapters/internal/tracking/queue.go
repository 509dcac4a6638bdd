package tracking

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config's zero fields.
const (
	DefaultQueueSize     = 10000
	DefaultBatchSize     = 100
	DefaultFlushInterval = time.Second
	DefaultCloseTimeout  = 5 * time.Second
	DefaultWriteTimeout  = 5 * time.Second
)

// Config bounds the queue; zero fields take the defaults above.
type Config struct {
	// QueueSize is how many items may wait; more are dropped.
	QueueSize int
	// BatchSize is the most items one write gets.
	BatchSize int
	// FlushInterval is the longest an item waits for a batch to fill.
	FlushInterval time.Duration
	// CloseTimeout bounds the final flush of Close.
	CloseTimeout time.Duration
	// WriteTimeout bounds one write.
	WriteTimeout time.Duration
}

func (c Config) withDefaults() Config {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.QueueSize, DefaultQueueSize)
	def(&c.BatchSize, DefaultBatchSize)
	defDur(&c.FlushInterval, DefaultFlushInterval)
	defDur(&c.CloseTimeout, DefaultCloseTimeout)
	defDur(&c.WriteTimeout, DefaultWriteTimeout)
	return c
}

// WriteFunc stores a batch. It returns how many items were not stored
// (all of them when err is a whole-batch failure) and an error describing
// the failure; the queue never retries.
type WriteFunc[T any] func(ctx context.Context, batch []T) (failed int, err error)

// Queue is a bounded write-behind queue with one writer goroutine.
type Queue[T any] struct {
	cfg     Config
	write   WriteFunc[T]
	log     *slog.Logger
	items   chan T
	flushes chan chan struct{}
	stop    chan struct{}
	done    chan struct{}
	closed  atomic.Bool
	dropped atomic.Int64
	once    sync.Once
	failing bool // owned by the writer goroutine: the last write failed
	// base is the parent of every write's context; Close cancels it after
	// CloseTimeout, so a write in flight when Close is called is bounded too.
	base       context.Context
	cancelBase context.CancelFunc
}

// Start starts the writer goroutine; Close stops it.
func Start[T any](cfg Config, log *slog.Logger, write WriteFunc[T]) *Queue[T] {
	cfg = cfg.withDefaults()
	q := &Queue[T]{
		cfg:     cfg,
		write:   write,
		log:     log,
		items:   make(chan T, cfg.QueueSize),
		flushes: make(chan chan struct{}),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	q.base, q.cancelBase = context.WithCancel(context.Background())
	go q.run()
	return q
}

// Offer enqueues v without blocking. When the queue is full or closed, v
// is dropped and counted.
func (q *Queue[T]) Offer(v T) {
	if q.closed.Load() {
		q.dropped.Add(1)
		return
	}
	select {
	case q.items <- v:
	default:
		q.dropped.Add(1)
	}
}

// Dropped returns how many items were lost so far: refused by a full or
// closed queue, or in a write that failed.
func (q *Queue[T]) Dropped() int64 { return q.dropped.Load() }

// Flush writes everything enqueued before the call and returns when that
// write has ended (successfully or not), when ctx ends or when the queue is
// closed. Meant for tests and orderly shutdown; it does not make a failed
// write succeed.
func (q *Queue[T]) Flush(ctx context.Context) error {
	reply := make(chan struct{})
	select {
	case q.flushes <- reply:
	case <-q.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-reply:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops accepting items, writes what is queued within CloseTimeout
// (what is left after it is dropped and counted) and waits for the writer
// goroutine. It is idempotent.
func (q *Queue[T]) Close() {
	q.once.Do(func() {
		q.closed.Store(true)
		close(q.stop)
	})
	deadline := time.AfterFunc(q.cfg.CloseTimeout, q.cancelBase)
	defer deadline.Stop()
	<-q.done
}

func (q *Queue[T]) run() {
	defer close(q.done)
	base := q.base
	defer q.cancelBase()
	ticker := time.NewTicker(q.cfg.FlushInterval)
	defer ticker.Stop()
	batch := make([]T, 0, q.cfg.BatchSize)
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			q.writeBatch(ctx, batch)
			batch = batch[:0]
		}
	}
	for {
		select {
		case v := <-q.items:
			if batch = append(batch, v); len(batch) == q.cfg.BatchSize {
				flush(base)
			}
		case <-ticker.C:
			flush(base)
		case reply := <-q.flushes:
			batch = q.drain(base, batch, len(q.items))
			flush(base)
			close(reply)
		case <-q.stop:
			ctx, stop := context.WithTimeout(base, q.cfg.CloseTimeout)
			batch = q.drain(ctx, batch, len(q.items))
			flush(ctx)
			stop()
			for len(q.items) > 0 { // offered while closing
				<-q.items
				q.dropped.Add(1)
			}
			return
		}
	}
}

// drain moves n queued items into batch, writing each full batch, and
// returns the partial remainder.
func (q *Queue[T]) drain(ctx context.Context, batch []T, n int) []T {
	for range n {
		batch = append(batch, <-q.items)
		if len(batch) == q.cfg.BatchSize {
			q.writeBatch(ctx, batch)
			batch = batch[:0]
		}
	}
	return batch
}

// writeBatch writes one batch, counting what was not stored. It logs the
// first failure and the recovery, not every failed batch of an outage.
func (q *Queue[T]) writeBatch(parent context.Context, batch []T) {
	if parent.Err() != nil { // Close's deadline passed: do not even try
		q.dropped.Add(int64(len(batch)))
		return
	}
	ctx, cancel := context.WithTimeout(parent, q.cfg.WriteTimeout)
	failed, err := q.write(ctx, batch)
	cancel()
	q.dropped.Add(int64(failed))
	switch {
	case err != nil && !q.failing:
		q.failing = true
		q.log.Warn("trace writes failing, traces are dropped until the store recovers", "batch", len(batch), "failed", failed, "err", err)
	case err == nil && q.failing:
		q.failing = false
		q.log.Info("trace writes recovered", "dropped_total", q.dropped.Load())
	}
}
