package app

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hermes-go/hermes/ports"
)

// offsetTracker tracks the polled messages of one consumer per partition
// and says how far each partition may be committed: up to (not including)
// its lowest unfinished message, so messages that finish out of order are
// never skipped (Hermes's lowest pending offset per partition). It also
// knows which messages are being delivered, so a revoked partition can
// wait for them or abandon them. Safe for concurrent use.
type offsetTracker struct {
	mu         sync.Mutex
	base       context.Context // parent of the partitions' contexts
	partitions map[int32]*partitionOffsets
}

type partitionOffsets struct {
	pending []int64 // unfinished, finished prefix trimmed; ascending
	// buf is pending's backing array from its start: trimming the finished
	// prefix moves pending along it (see appendPending).
	buf       []int64
	finished  map[int64]bool
	next      int64 // one past the finished prefix, -1 when none finished
	committed int64 // offset last handed out for commit, -1 when none
	// inflight counts started deliveries not yet ended; drained, when set,
	// is closed as it reaches 0 (a revoke waits for it).
	inflight int
	drained  chan struct{}
	// ctx is what the partition's deliveries run under: cancelled when the
	// partition is revoked, so an abandoned message stops retrying.
	ctx    context.Context
	cancel context.CancelFunc
}

func newOffsetTracker(ctx context.Context) *offsetTracker {
	return &offsetTracker{base: ctx, partitions: map[int32]*partitionOffsets{}}
}

// add registers a poll's messages. A partition that was revoked starts
// afresh.
func (t *offsetTracker) add(msgs []ports.ReceivedMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range msgs {
		p := t.partitions[m.Partition]
		if p == nil {
			p = &partitionOffsets{finished: map[int64]bool{}, next: -1, committed: -1}
			p.ctx, p.cancel = context.WithCancel(t.base)
			t.partitions[m.Partition] = p
		}
		// Consumers poll each partition in offset order; insert in place
		// anyway, since the prefix rule relies on the order.
		if n := len(p.pending); n == 0 || p.pending[n-1] < m.Offset {
			p.appendPending(m.Offset)
		} else if i, found := slices.BinarySearch(p.pending, m.Offset); !found {
			c := cap(p.pending)
			p.pending = slices.Insert(p.pending, i, m.Offset)
			if cap(p.pending) != c {
				p.buf = p.pending[:0] // a new array
			}
		}
	}
}

// appendPending appends offset to pending. When pending reached the end
// of buf and uses at most half of it, it moves back to buf's start
// instead of growing into a new array: a partition delivering steadily
// then never allocates.
func (p *partitionOffsets) appendPending(offset int64) {
	n := len(p.pending)
	switch {
	case n < cap(p.pending):
		p.pending = append(p.pending, offset)
	case 2*n < cap(p.buf):
		p.buf = p.buf[:n]
		copy(p.buf, p.pending)
		p.pending = append(p.buf, offset)
	default:
		p.pending = append(p.pending, offset) // a new array
		p.buf = p.pending[:0]
	}
}

// start marks m as being delivered and returns the context its delivery
// runs under; ok is false when m's partition is no longer here.
func (t *offsetTracker) start(m ports.ReceivedMessage) (ctx context.Context, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.partitions[m.Partition]
	if p == nil {
		return nil, false
	}
	p.inflight++
	return p.ctx, true
}

// end undoes start for m, once its delivery returned (finished or not).
func (t *offsetTracker) end(ctx context.Context, m ports.ReceivedMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.partitions[m.Partition]
	if p == nil || p.ctx != ctx {
		return // revoked since it started: the revoke stopped waiting for it
	}
	p.inflight--
	if p.inflight == 0 && p.drained != nil {
		close(p.drained)
		p.drained = nil
	}
}

// finish marks a message delivered, discarded or filtered. A message that
// is not pending (its partition was revoked since) changes nothing.
func (t *offsetTracker) finish(m ports.ReceivedMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.partitions[m.Partition]
	if p == nil {
		return
	}
	if _, found := slices.BinarySearch(p.pending, m.Offset); !found {
		return
	}
	p.finished[m.Offset] = true
	for len(p.pending) > 0 && p.finished[p.pending[0]] {
		delete(p.finished, p.pending[0])
		p.next = p.pending[0] + 1
		p.pending = p.pending[1:]
	}
}

// busy reports whether a message is being delivered or finished offsets
// wait for a commit: the loop then polls in CommitPeriod steps.
func (t *offsetTracker) busy() bool {
	return t.anyPartition(func(p *partitionOffsets) bool { return p.inflight > 0 || p.next > p.committed })
}

// delivering reports whether a message is being delivered.
func (t *offsetTracker) delivering() bool {
	return t.anyPartition(func(p *partitionOffsets) bool { return p.inflight > 0 })
}

// anyPartition reports whether some partition satisfies f, under t.mu.
func (t *offsetTracker) anyPartition(f func(*partitionOffsets) bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.partitions {
		if f(p) {
			return true
		}
	}
	return false
}

// committable returns, for each partition that advanced since the last
// call, the next offset to read: its lowest unfinished message, or one past
// its last message when all finished.
func (t *offsetTracker) committable() []ports.PartitionOffset {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []ports.PartitionOffset
	for part, p := range t.partitions {
		if p.next < 0 {
			continue
		}
		next := p.next
		if len(p.pending) > 0 {
			next = p.pending[0]
		}
		if next > p.committed {
			p.committed = next
			out = append(out, ports.PartitionOffset{Partition: part, Offset: next})
		}
	}
	return out
}

// failed forgets that offsets were handed out, so the next committable
// call returns them again (their commit failed).
func (t *offsetTracker) failed(offsets []ports.PartitionOffset) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, o := range offsets {
		if p := t.partitions[o.Partition]; p != nil && p.committed == o.Offset {
			p.committed = -1
		}
	}
}

// drainAll is drain of every partition.
func (t *offsetTracker) drainAll(ctx context.Context, wait time.Duration) {
	t.mu.Lock()
	all := slices.Collect(maps.Keys(t.partitions))
	t.mu.Unlock()
	t.drain(ctx, all, wait)
}

// drain waits, up to wait or until ctx ends, for the deliveries of
// partitions to end, then cancels those still running (abandoned: they
// stay unfinished, so no commit passes them).
func (t *offsetTracker) drain(ctx context.Context, partitions []int32, wait time.Duration) {
	var waits []chan struct{}
	t.mu.Lock()
	for _, part := range partitions {
		if p := t.partitions[part]; p != nil && p.inflight > 0 {
			if p.drained == nil {
				p.drained = make(chan struct{})
			}
			waits = append(waits, p.drained)
		}
	}
	t.mu.Unlock()
	timer := time.NewTimer(wait)
	defer timer.Stop()
	defer t.cancel(partitions)
	for _, w := range waits {
		select {
		case <-w:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		}
	}
}

// cancel stops the deliveries of partitions (all when nil).
func (t *offsetTracker) cancel(partitions []int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for part, p := range t.partitions {
		if partitions == nil || slices.Contains(partitions, part) {
			p.cancel()
		}
	}
}

// forget drops partitions: their later finishes change nothing, and a
// later add of them starts afresh.
func (t *offsetTracker) forget(partitions []int32) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, part := range partitions {
		if p := t.partitions[part]; p != nil {
			p.cancel()
			delete(t.partitions, part)
		}
	}
}
