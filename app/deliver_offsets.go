package app

import (
	"sync"

	"github.com/hermes-go/hermes/ports"
)

// offsetTracker tracks the polled messages of one consumer per partition
// and says how far each partition may be committed: up to (not including)
// its lowest unfinished message, so messages that finish out of order are
// never skipped (Hermes's lowest pending offset per partition). Safe for
// concurrent use.
type offsetTracker struct {
	mu         sync.Mutex
	partitions map[int32]*partitionOffsets
}

type partitionOffsets struct {
	pending   []int64 // unfinished prefix trimmed; offset order
	finished  map[int64]bool
	next      int64 // one past the finished prefix, -1 when none finished
	committed int64 // offset last handed out for commit, -1 when none
}

func newOffsetTracker() *offsetTracker {
	return &offsetTracker{partitions: map[int32]*partitionOffsets{}}
}

// add registers a poll's messages (each partition's in offset order).
func (t *offsetTracker) add(msgs []ports.ReceivedMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range msgs {
		p := t.partitions[m.Partition]
		if p == nil {
			p = &partitionOffsets{finished: map[int64]bool{}, next: -1, committed: -1}
			t.partitions[m.Partition] = p
		}
		p.pending = append(p.pending, m.Offset)
	}
}

// finish marks a message delivered, discarded or filtered.
func (t *offsetTracker) finish(m ports.ReceivedMessage) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.partitions[m.Partition]
	if p == nil {
		return
	}
	p.finished[m.Offset] = true
	for len(p.pending) > 0 && p.finished[p.pending[0]] {
		delete(p.finished, p.pending[0])
		p.next = p.pending[0] + 1
		p.pending = p.pending[1:]
	}
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
