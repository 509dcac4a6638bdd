package tracking

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// store is a fake backend: it records batches, fails while broken and
// blocks writes while gate is held.
type store struct {
	mu      sync.Mutex
	written []int
	batches []int
	broken  bool
	gate    sync.RWMutex
}

func (s *store) write(ctx context.Context, batch []int) (int, error) {
	s.gate.RLock()
	defer s.gate.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.broken {
		return len(batch), errors.New("broken")
	}
	s.written = append(s.written, batch...)
	s.batches = append(s.batches, len(batch))
	return 0, ctx.Err()
}

func (s *store) snapshot() (written, batches []int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]int(nil), s.written...), append([]int(nil), s.batches...)
}

func start(t *testing.T, s *store, cfg Config) *Queue[int] {
	t.Helper()
	q := Start(cfg, slog.New(slog.DiscardHandler), s.write)
	t.Cleanup(q.Close)
	return q
}

func TestFlushWritesInBatchesInOrder(t *testing.T) {
	t.Parallel()
	s := &store{}
	q := start(t, s, Config{BatchSize: 3, FlushInterval: time.Hour})
	for i := range 7 {
		q.Offer(i)
	}
	require.NoError(t, q.Flush(t.Context()))
	written, batches := s.snapshot()
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6}, written)
	for _, n := range batches {
		assert.LessOrEqual(t, n, 3)
	}
	assert.Zero(t, q.Dropped())
}

func TestFlushIntervalWritesPartialBatch(t *testing.T) {
	t.Parallel()
	s := &store{}
	q := start(t, s, Config{BatchSize: 100, FlushInterval: 10 * time.Millisecond})
	q.Offer(1)
	require.Eventually(t, func() bool { w, _ := s.snapshot(); return len(w) == 1 }, 10*time.Second, 5*time.Millisecond)
}

func TestFullQueueDropsWithoutBlocking(t *testing.T) {
	t.Parallel()
	s := &store{}
	s.gate.Lock() // the writer blocks on its first batch
	q := start(t, s, Config{QueueSize: 10, BatchSize: 1, FlushInterval: time.Hour})
	for i := range 1000 {
		q.Offer(i)
	}
	// At most QueueSize queued plus the one batch held by the writer.
	assert.GreaterOrEqual(t, q.Dropped(), int64(1000-10-1))
	s.gate.Unlock()
	require.NoError(t, q.Flush(t.Context()))
	written, _ := s.snapshot()
	assert.Equal(t, int64(1000), q.Dropped()+int64(len(written)), "every item is written or counted")
}

func TestFailedWritesAreCounted(t *testing.T) {
	t.Parallel()
	s := &store{broken: true}
	q := start(t, s, Config{BatchSize: 4, FlushInterval: time.Hour})
	for i := range 10 {
		q.Offer(i)
	}
	require.NoError(t, q.Flush(t.Context()))
	assert.Equal(t, int64(10), q.Dropped())
}

func TestCloseFlushesThenDrops(t *testing.T) {
	t.Parallel()
	s := &store{}
	q := start(t, s, Config{BatchSize: 100, FlushInterval: time.Hour})
	for i := range 5 {
		q.Offer(i)
	}
	q.Close()
	written, _ := s.snapshot()
	assert.Equal(t, []int{0, 1, 2, 3, 4}, written, "Close flushes")
	q.Offer(99)
	assert.Equal(t, int64(1), q.Dropped(), "Offer after Close drops")
	require.NoError(t, q.Flush(t.Context()), "Flush after Close returns")
	q.Close() // idempotent
}

func TestCloseIsBoundedByCloseTimeout(t *testing.T) {
	t.Parallel()
	q := Start(Config{BatchSize: 2, FlushInterval: time.Hour, CloseTimeout: 50 * time.Millisecond, WriteTimeout: time.Hour},
		slog.New(slog.DiscardHandler), func(ctx context.Context, batch []int) (int, error) {
			<-ctx.Done() // a write that honours its context only
			return len(batch), ctx.Err()
		})
	for i := range 6 {
		q.Offer(i)
	}
	q.Close()
	assert.Equal(t, int64(6), q.Dropped())
}

// A write already in flight when Close is called is bounded by
// CloseTimeout too, not only by WriteTimeout.
func TestCloseBoundsAWriteInFlight(t *testing.T) {
	t.Parallel()
	started := make(chan struct{}, 1)
	q := Start(Config{BatchSize: 2, FlushInterval: time.Hour, CloseTimeout: 50 * time.Millisecond, WriteTimeout: time.Hour},
		slog.New(slog.DiscardHandler), func(ctx context.Context, batch []int) (int, error) {
			started <- struct{}{}
			<-ctx.Done()
			return len(batch), ctx.Err()
		})
	q.Offer(1)
	q.Offer(2)
	<-started
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		q.Close()
	}()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		require.FailNow(t, "Close waited for the write in flight")
	}
	assert.Equal(t, int64(2), q.Dropped())
}
