package app

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// notifyingConsumer is a queueConsumer that calls back (ports.ReadyNotifier)
// and counts the Polls that could block and whether it was closed.
type notifyingConsumer struct {
	queueConsumer
	nmu      sync.Mutex
	ready    func()
	waiting  int // Polls in progress with a live context
	closed   bool
	restings int
}

func (c *notifyingConsumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	live := ctx.Err() == nil
	c.nmu.Lock()
	if live {
		c.waiting++
	}
	c.nmu.Unlock()
	defer func() {
		if live {
			c.nmu.Lock()
			c.waiting--
			c.nmu.Unlock()
		}
	}()
	return c.queueConsumer.Poll(ctx)
}

func (c *notifyingConsumer) NotifyReady(ready func()) func() bool {
	c.mu.Lock()
	now := len(c.queue) > 0
	c.mu.Unlock()
	if now {
		ready()
		return func() bool { return false }
	}
	c.nmu.Lock()
	defer c.nmu.Unlock()
	c.ready = ready
	c.restings++
	return func() bool {
		c.nmu.Lock()
		defer c.nmu.Unlock()
		pending := c.ready != nil
		c.ready = nil
		return pending
	}
}

// push queues a message and calls back a pending NotifyReady.
func (c *notifyingConsumer) push(m ports.ReceivedMessage) {
	c.mu.Lock()
	c.queue = append(c.queue, m)
	c.mu.Unlock()
	c.nmu.Lock()
	ready := c.ready
	c.ready = nil
	c.nmu.Unlock()
	if ready != nil {
		ready()
	}
}

// resting reports whether a NotifyReady is pending and no Poll waits.
func (c *notifyingConsumer) resting() bool {
	c.nmu.Lock()
	defer c.nmu.Unlock()
	return c.ready != nil && c.waiting == 0
}

func (c *notifyingConsumer) Close() error {
	c.nmu.Lock()
	defer c.nmu.Unlock()
	c.closed = true
	return nil
}

func (c *notifyingConsumer) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}

// A subscription with nothing to deliver rests on a consumer that can call
// back: nothing waits in Poll, what was delivered is committed, a message
// that comes resumes it, and stopping it while it rests closes the
// consumer and ends the delivery.
func TestIdleSubscriptionRestsWithoutWaitingInPoll(t *testing.T) {
	t.Parallel()
	c := &notifyingConsumer{queueConsumer: queueConsumer{committed: map[int32]int64{}}}
	msg := func(i int) ports.ReceivedMessage {
		return ports.ReceivedMessage{Message: domain.Message{ID: string(rune('a' + i)), Body: []byte("{}")}, Offset: int64(i), ReadAt: time.Now()}
	}
	c.queue = append(c.queue, msg(0), msg(1))
	_, delivered, cancel, done := startSubscription(t, c, DeliveryConfig{CommitPeriod: 10 * time.Millisecond}, failingFor{})
	require.Eventually(t, delivered(2), 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, c.resting, 10*time.Second, 5*time.Millisecond, "rests: a call back pending, no Poll waiting")
	assert.EqualValues(t, 2, c.committedAt(0), "what was delivered is committed before resting")

	c.push(msg(2))
	require.Eventually(t, delivered(3), 10*time.Second, 5*time.Millisecond, "a message resumes the subscription")
	require.Eventually(t, func() bool { return c.resting() && c.committedAt(0) == 3 }, 10*time.Second, 5*time.Millisecond)

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the resting delivery did not end with its context")
	}
	c.nmu.Lock()
	defer c.nmu.Unlock()
	assert.True(t, c.closed, "the consumer is closed")
	assert.Nil(t, c.ready, "the call back is stopped")
	assert.GreaterOrEqual(t, c.restings, 2)
}

// startSubscription delivers subscription g.t/s from consumers with cfg
// and sender until cancel (then done closes; the test's end cancels
// too). delivered(n) reports whether exactly n messages were delivered.
func startSubscription(t *testing.T, consumers ports.MessageConsumerFactory, cfg DeliveryConfig, sender ports.Sender) (
	d *Deliverer, delivered func(n int) func() bool, cancel context.CancelFunc, done <-chan struct{}) {
	t.Helper()
	m := memory.NewMetrics()
	d = NewDeliverer(cfg, nil, nil, consumers, sender, m, memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/"}
	ctx, cancel := context.WithCancel(t.Context())
	ended := make(chan struct{})
	go d.start(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}, func() { close(ended) })
	t.Cleanup(func() { cancel(); <-ended })
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	delivered = func(n int) func() bool {
		return func() bool { return m.CounterValue("subscription.delivered", labels) == int64(n) }
	}
	return d, delivered, cancel, ended
}
