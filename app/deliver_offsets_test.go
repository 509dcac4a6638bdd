package app

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func msg(partition int32, offset int64) ports.ReceivedMessage {
	return ports.ReceivedMessage{Partition: partition, Offset: offset}
}

func TestOffsetTrackerCommitsOnlyUpToLowestUnfinished(t *testing.T) {
	t.Parallel()
	tr := newOffsetTracker(t.Context())
	tr.add([]ports.ReceivedMessage{msg(0, 10), msg(1, 5), msg(0, 11), msg(0, 13), msg(1, 6)})
	assert.Empty(t, tr.committable(), "nothing finished")

	tr.finish(msg(0, 11))
	tr.finish(msg(0, 13))
	tr.finish(msg(1, 6))
	assert.Empty(t, tr.committable(), "finished out of order: the lowest of each partition is still in flight")

	tr.finish(msg(0, 10))
	assert.Equal(t, []ports.PartitionOffset{{Partition: 0, Offset: 14}}, tr.committable(), "one past the last, across the gap at 12")
	assert.Empty(t, tr.committable(), "handed out once")

	tr.add([]ports.ReceivedMessage{msg(1, 7)})
	tr.finish(msg(1, 5))
	assert.Equal(t, []ports.PartitionOffset{{Partition: 1, Offset: 7}}, tr.committable(), "next poll's 7 unfinished")

	tr.failed([]ports.PartitionOffset{{Partition: 1, Offset: 7}})
	assert.Equal(t, []ports.PartitionOffset{{Partition: 1, Offset: 7}}, tr.committable(), "a failed commit is handed out again")
}

func TestRateLimiterSpacesPermitsAndAdapts(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	s.SlowModeDelay = 50 * time.Millisecond
	l := newRateLimiter(s, 1000)
	assert.Equal(t, domain.RateNormal, l.current().Mode)

	for range 3 {
		l.record(true)
	}
	assert.Equal(t, domain.OutputRate{Rate: 20, Mode: domain.RateSlow}, l.adjust(), "majority of failures: slow rate")
	start := time.Now()
	for range 4 {
		require.True(t, l.acquire(t.Context(), nil))
	}
	assert.GreaterOrEqual(t, time.Since(start), 3*50*time.Millisecond, "permits spaced at the slow rate")

	l.record(false)
	assert.Equal(t, domain.RateNormal, l.adjust().Mode, "only successes: back to normal")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.False(t, l.acquire(ctx, nil), "a cancelled wait fails")
}

// Waiters that reserved their permits at the HEARTBEAT rate follow the
// rate up when the subscriber recovers, instead of keeping their slots an
// hour apart (the stalls of the 1 000-subscription bench).
func TestRateLimiterWaitersFollowARateIncrease(t *testing.T) {
	t.Parallel()
	s := domain.DefaultRateSettings()
	s.SlowModeDelay, s.HeartbeatModeDelay = time.Millisecond, time.Hour
	l := newRateLimiter(s, 1000)
	for _, want := range []domain.RateMode{domain.RateSlow, domain.RateHeartbeat} {
		for range 3 {
			l.record(true)
		}
		require.Equal(t, want, l.adjust().Mode)
	}
	const waiters = 5
	var acquired atomic.Int32
	for range waiters {
		go func() {
			if l.acquire(t.Context(), nil) {
				acquired.Add(1)
			}
		}()
	}
	require.Eventually(t, func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return time.Until(l.next) > (waiters-1)*time.Hour
	}, 30*time.Second, time.Millisecond, "every waiter reserved a permit an hour after the previous one")

	l.record(false)
	require.Equal(t, domain.RateSlow, l.adjust().Mode, "only successes: slow mode, 1 000 a second")
	require.Eventually(t, func() bool { return acquired.Load() == waiters }, 30*time.Second, time.Millisecond,
		"the waiters get their permits at the new rate")
}

// TestOffsetTrackerAgreesWithTheLowestUnfinishedRule polls batches of one
// partition and finishes them in a shuffled order, some late, over many
// rounds (so pending wraps around its array many times), and checks each
// commit against the rule computed from scratch.
func TestOffsetTrackerAgreesWithTheLowestUnfinishedRule(t *testing.T) {
	t.Parallel()
	rnd := rand.New(rand.NewPCG(1, 2))
	tr := newOffsetTracker(t.Context())
	finished := map[int64]bool{}
	var next, committed int64 // next offset to poll; last commit
	var open []int64          // polled, not finished
	for range 2000 {
		batch := make([]ports.ReceivedMessage, rnd.IntN(40))
		for i := range batch {
			batch[i] = msg(0, next)
			open = append(open, next)
			next++
		}
		tr.add(batch)
		rnd.Shuffle(len(open), func(i, j int) { open[i], open[j] = open[j], open[i] })
		k := rnd.IntN(len(open) + 1)
		for _, o := range open[:k] {
			tr.finish(msg(0, o))
			finished[o] = true
		}
		open = open[k:]
		want := committed
		for finished[want] {
			want++
		}
		got := tr.committable()
		if want > committed {
			require.Equal(t, []ports.PartitionOffset{{Partition: 0, Offset: want}}, got)
			committed = want
		} else {
			require.Empty(t, got)
		}
	}
}

func TestOffsetTrackerAllocatesNothingWhileDeliveringSteadily(t *testing.T) {
	tr := newOffsetTracker(t.Context())
	batch := make([]ports.ReceivedMessage, 100)
	var next int64
	round := func() {
		for i := range batch {
			batch[i] = msg(0, next)
			next++
		}
		tr.add(batch)
		for _, m := range batch {
			tr.finish(m)
		}
	}
	for range 10 {
		round() // grows the partition's arrays to the batch size
	}
	assert.Zero(t, testing.AllocsPerRun(100, round))
}
