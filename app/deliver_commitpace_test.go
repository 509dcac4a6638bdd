package app

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func TestCommitPace(t *testing.T) {
	t.Parallel()
	p := &commitPace{period: time.Second, rate: 200}
	p.running.Store(1)
	assert.Equal(t, time.Second, p.every(), "few subscriptions commit every period")
	p.running.Store(200)
	assert.Equal(t, time.Second, p.every())
	p.running.Store(1000)
	assert.Equal(t, 5*time.Second, p.every(), "1 000 share 200 commits a second")

	t0 := time.Unix(1000, 0)
	assert.True(t, p.due(time.Time{}, t0), "the first commit is due at once")
	assert.False(t, p.due(t0, t0.Add(4*time.Second)))
	assert.True(t, p.due(t0, t0.Add(4600*time.Millisecond)), "a tick half a period early commits")
	assert.True(t, p.due(t0, t0.Add(5*time.Second)))

	unbounded := &commitPace{period: time.Second}
	unbounded.running.Store(1_000_000)
	assert.Equal(t, time.Second, unbounded.every())
}

// A subscription's tick commits follow the node's commit pace: with the
// pace at one commit in 1 000 s, a message delivered after the first
// commit stays uncommitted (so the subscription does not rest) until the
// delivery stops, whose commit is not paced. A resting subscription is
// not counted.
func TestTickCommitsFollowTheNodesPace(t *testing.T) {
	t.Parallel()
	c := &notifyingConsumer{queueConsumer: queueConsumer{committed: map[int32]int64{}}}
	msg := func(i int) ports.ReceivedMessage {
		return ports.ReceivedMessage{Message: domain.Message{ID: string(rune('a' + i)), Body: []byte("{}")}, Offset: int64(i), ReadAt: time.Now()}
	}
	c.queue = append(c.queue, msg(0))
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{CommitPeriod: 10 * time.Millisecond, MaxCommitRate: 0.001}, nil, nil, c, failingFor{}, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/"}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go d.start(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}, func() { close(done) })
	t.Cleanup(func() { cancel(); <-done })

	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	delivered := func(n int) func() bool {
		return func() bool { return m.CounterValue("subscription.delivered", labels) == int64(n) }
	}
	require.Eventually(t, func() bool { return delivered(1)() && c.committedAt(0) == 1 && c.resting() }, 10*time.Second, 5*time.Millisecond,
		"the first commit is due at once; then the subscription rests")
	assert.Zero(t, d.commits.running.Load(), "a resting subscription is not counted")

	c.push(msg(1))
	require.Eventually(t, delivered(2), 10*time.Second, 5*time.Millisecond)
	assert.EqualValues(t, 1, d.commits.running.Load())
	assert.Never(t, func() bool { return c.committedAt(0) == 2 || c.resting() }, 300*time.Millisecond, 10*time.Millisecond,
		"30 ticks later the next commit is still not due")

	cancel()
	<-done
	assert.EqualValues(t, 2, c.committedAt(0), "stopping commits what was delivered")
	assert.Zero(t, d.commits.running.Load())
}
