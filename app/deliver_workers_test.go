package app

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

// slotted submits jobs to w as serialLoop does: each holds one of size
// slots from before submit until it ran.
type slotted struct {
	slots chan struct{}
	w     *sendWorkers
}

func newSlotted(size int, idle time.Duration, run func(sendJob)) *slotted {
	s := &slotted{slots: make(chan struct{}, size)}
	s.w = newSendWorkers(size, idle, func(j sendJob) {
		defer func() { <-s.slots }()
		run(j)
	})
	return s
}

func (s *slotted) submit(offset int64) {
	s.slots <- struct{}{}
	s.w.submit(sendJob{ctx: context.Background(), m: ports.ReceivedMessage{Offset: offset}})
}

func TestSendWorkersStartNoneUntilAMessageComes(t *testing.T) {
	t.Parallel()
	s := newSlotted(4, time.Hour, func(sendJob) {})
	assert.Zero(t, s.w.workers(), "an idle subscription runs no send goroutine")
	s.w.close()
	s.w.wait()
}

func TestSendWorkersRunEveryJobOnAtMostSizeGoroutines(t *testing.T) {
	t.Parallel()
	const size, jobs = 3, 200
	var (
		mu       sync.Mutex
		ran      = map[int64]bool{}
		now, top atomic.Int64
	)
	s := newSlotted(size, time.Hour, func(j sendJob) {
		n := now.Add(1)
		for {
			if old := top.Load(); n <= old || top.CompareAndSwap(old, n) {
				break
			}
		}
		mu.Lock()
		ran[j.m.Offset] = true
		mu.Unlock()
		now.Add(-1)
	})
	for i := range int64(jobs) {
		s.submit(i)
		assert.LessOrEqual(t, s.w.workers(), size)
	}
	s.w.close()
	s.w.wait()
	assert.Len(t, ran, jobs)
	assert.LessOrEqual(t, top.Load(), int64(size))
	assert.Zero(t, s.w.workers())
}

func TestSendWorkersRunJobsInParallelUpToSize(t *testing.T) {
	t.Parallel()
	const size = 4
	release := make(chan struct{})
	var started atomic.Int64
	s := newSlotted(size, time.Hour, func(sendJob) {
		started.Add(1)
		<-release
	})
	for i := range int64(size) {
		s.submit(i)
	}
	// A retried message holds its worker; the others still run.
	require.Eventually(t, func() bool { return started.Load() == size }, 10*time.Second, time.Millisecond)
	assert.Equal(t, size, s.w.workers())
	close(release)
	s.w.close()
	s.w.wait()
}

func TestSendWorkersKeepOrderWithOneSlot(t *testing.T) {
	t.Parallel()
	var got []int64
	s := newSlotted(1, time.Hour, func(j sendJob) { got = append(got, j.m.Offset) })
	for i := range int64(50) {
		s.submit(i)
	}
	s.w.close()
	s.w.wait()
	want := make([]int64, 50)
	for i := range want {
		want[i] = int64(i)
	}
	assert.Equal(t, want, got)
}

func TestSendWorkersLeaveWhenIdleAndComeBack(t *testing.T) {
	t.Parallel()
	var ran atomic.Int64
	s := newSlotted(8, time.Millisecond, func(sendJob) { ran.Add(1) })
	for i := range int64(20) {
		s.submit(i)
	}
	require.Eventually(t, func() bool { return s.w.workers() == 0 }, 10*time.Second, time.Millisecond,
		"idle send goroutines end")
	s.submit(20)
	require.Eventually(t, func() bool { return ran.Load() == 21 }, 10*time.Second, time.Millisecond,
		"a message after the workers left starts one again")
	s.w.close()
	s.w.wait()
	assert.Zero(t, s.w.workers())
}

func TestSendWorkersCloseRunsTheQueuedJobs(t *testing.T) {
	t.Parallel()
	const size = 4
	release := make(chan struct{})
	var ran atomic.Int64
	s := newSlotted(size, time.Hour, func(sendJob) {
		<-release
		ran.Add(1)
	})
	for i := range int64(size) {
		s.submit(i)
	}
	s.w.close()
	close(release)
	s.w.wait()
	assert.Equal(t, int64(size), ran.Load(), "every queued job ran (and so gave back its slot)")
}

func TestSendWorkersHoldNoQueueWhileIdle(t *testing.T) {
	t.Parallel()
	var ran atomic.Int64
	s := newSlotted(8, time.Millisecond, func(sendJob) { ran.Add(1) })
	assert.False(t, s.w.queued(), "an idle subscription holds no send queue")
	for i := range int64(20) {
		s.submit(i)
	}
	require.Eventually(t, func() bool { return s.w.workers() == 0 }, 10*time.Second, time.Millisecond,
		"idle send goroutines end")
	assert.False(t, s.w.queued(), "the last worker to leave drops the queue")
	for i := range int64(20) {
		s.submit(20 + i)
	}
	require.Eventually(t, func() bool { return ran.Load() == 40 }, 10*time.Second, time.Millisecond,
		"messages after the queue went get a new one")
	s.w.close()
	s.w.wait()
	assert.Zero(t, s.w.workers())
}
