package app

import (
	"context"
	"fmt"
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

// holdSender holds the message whose body is "hold" until hold closes
// and answers 200 to every other.
type holdSender struct{ hold chan struct{} }

func (h holdSender) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	if string(req.Body) == `"hold"` {
		select {
		case <-h.hold:
		case <-ctx.Done():
			return domain.SendResult{Err: ctx.Err()}
		}
	}
	return domain.SendResult{StatusCode: 200}
}

// While a subscription delivers, its tick commits follow the node's
// commit pace: with the pace at one commit in 1 000 s, a message that
// finished while another is in flight stays uncommitted. Once nothing is
// in flight and nothing is left to poll, what finished is committed at
// once and the subscription rests (so a burst's end is committed
// promptly however many subscriptions run). A resting subscription is
// not counted, and stopping commits without waiting for the pace.
func TestCommitsFollowTheNodesPaceWhileDelivering(t *testing.T) {
	t.Parallel()
	c := &notifyingConsumer{queueConsumer: queueConsumer{committed: map[int32]int64{}}}
	msg := func(partition int32, offset int64, body string) ports.ReceivedMessage {
		return ports.ReceivedMessage{Message: domain.Message{ID: fmt.Sprint(partition, offset), Body: []byte(body)},
			Partition: partition, Offset: offset, ReadAt: time.Now()}
	}
	c.queue = append(c.queue, msg(0, 0, "{}"))
	hold := holdSender{hold: make(chan struct{})}
	d, delivered, cancel, done := startSubscription(t, c, DeliveryConfig{CommitPeriod: 10 * time.Millisecond, MaxCommitRate: 0.001}, hold)
	require.Eventually(t, func() bool { return delivered(1)() && c.committedAt(0) == 1 && c.resting() }, 10*time.Second, 5*time.Millisecond,
		"caught up: committed at once, then resting")
	assert.Zero(t, d.commits.running.Load(), "a resting subscription is not counted")

	c.push(msg(1, 0, `"hold"`))
	c.push(msg(0, 1, "{}"))
	require.Eventually(t, delivered(2), 10*time.Second, 5*time.Millisecond)
	assert.EqualValues(t, 1, d.commits.running.Load())
	assert.Never(t, func() bool { return c.committedAt(0) == 2 || c.resting() }, 300*time.Millisecond, 10*time.Millisecond,
		"30 ticks later, with a message in flight, the next commit is still not due")

	close(hold.hold)
	require.Eventually(t, func() bool { return delivered(3)() && c.committedAt(0) == 2 && c.committedAt(1) == 1 && c.resting() }, 10*time.Second, 5*time.Millisecond,
		"nothing in flight: what finished is committed at once")

	c.push(msg(1, 1, `"hold"`))
	require.Eventually(t, func() bool { return !c.resting() }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	assert.Zero(t, d.commits.running.Load())
}

// A subscription on a consumer that cannot rest (the group consumer)
// commits what finished as soon as a poll finds nothing with nothing in
// flight, whatever the pace.
func TestCaughtUpSubscriptionCommitsAtOnceWithoutResting(t *testing.T) {
	t.Parallel()
	c := &recheckingConsumer{queued(1)}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{CommitPeriod: 10 * time.Millisecond, MaxCommitRate: 0.001}, nil, nil, c, failingFor{}, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, []domain.Subscription{{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/"}})
	require.Eventually(t, func() bool { return c.committedAt(0) == 1 }, 10*time.Second, 5*time.Millisecond)
	c.mu.Lock()
	c.queue = append(c.queue, ports.ReceivedMessage{Message: domain.Message{ID: "1", Body: []byte("{}")}, Offset: 1, ReadAt: time.Now()})
	c.mu.Unlock()
	require.Eventually(t, func() bool { return c.committedAt(0) == 2 }, 10*time.Second, 5*time.Millisecond,
		"caught up: committed without waiting for the pace")
}

// recheckingConsumer is a queueConsumer whose Poll sees messages queued
// while it waits.
type recheckingConsumer struct{ *queueConsumer }

func (c *recheckingConsumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	for {
		if msgs := c.take(); msgs != nil {
			return msgs, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

func (c *recheckingConsumer) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}
