package app

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// queueConsumer returns one queued message per Poll (as a consumer does
// whose messages arrive one by one) and records commits.
type queueConsumer struct {
	mu        sync.Mutex
	queue     []ports.ReceivedMessage
	committed map[int32]int64
}

func (c *queueConsumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	if msgs := c.take(); msgs != nil {
		return msgs, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

// take takes the first queued message, nil when none is queued.
func (c *queueConsumer) take() []ports.ReceivedMessage {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.queue) == 0 {
		return nil
	}
	m := c.queue[0]
	c.queue = c.queue[1:]
	return []ports.ReceivedMessage{m}
}

func (c *queueConsumer) Commit(_ context.Context, offsets []ports.PartitionOffset) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range offsets {
		c.committed[o.Partition] = o.Offset
	}
	return nil
}

func (c *queueConsumer) committedAt(p int32) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.committed[p]
}

func (c *queueConsumer) Close() error { return nil }

// left is how many messages were not polled yet.
func (c *queueConsumer) left() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.queue)
}

// commits are the committed offsets by partition.
func (c *queueConsumer) commits() map[int32]int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.committed)
}

func (c *queueConsumer) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}

// failingFor answers 500 to the message whose body is fail, 200 to others.
type failingFor struct{ fail string }

func (s failingFor) Send(_ context.Context, req ports.SendRequest) domain.SendResult {
	if string(req.Body) == s.fail {
		return domain.SendResult{StatusCode: 500}
	}
	return domain.SendResult{StatusCode: 200}
}

// A message the subscriber keeps failing, retried for its messageTtl,
// holds one inflight slot only: the messages polled after it are
// delivered meanwhile (Hermes does the same), and the commit stops before
// it.
func TestRetryingMessageDoesNotHoldOtherSlots(t *testing.T) {
	t.Parallel()
	c := &queueConsumer{committed: map[int32]int64{}}
	for i, body := range []string{"stuck", "a", "b", "c"} {
		c.queue = append(c.queue, ports.ReceivedMessage{Message: domain.Message{ID: body, Body: []byte(body)}, Offset: int64(i), ReadAt: time.Now()})
	}
	m := memory.NewMetrics()
	cfg := DeliveryConfig{InflightSize: 4, CommitPeriod: 10 * time.Millisecond}
	d := NewDeliverer(cfg, nil, nil, c, failingFor{fail: "stuck"}, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	policy := domain.DefaultSubscriptionPolicy()
	policy.MessageTTL = 3600 // seconds: it retries for the whole test
	policy.MessageBackoff = 1
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/", Serial: &policy}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	t.Cleanup(func() { cancel(); <-done })

	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == 3 }, 10*time.Second, 5*time.Millisecond,
		"the messages after the retrying one are delivered while it retries")
	require.Eventually(t, func() bool { return m.CounterValue("subscription.retries", labels) > 0 }, 10*time.Second, 5*time.Millisecond)
	cancel()
	<-done
	assert.Zero(t, c.committedAt(0), "never committed past the undelivered message")
}

// A stopping delivery (suspension, removal, shutdown) gives its messages
// in flight RevokeWait to finish before it cancels them: the subscriber
// that is answering one is not sent it again after a restart. The stop
// used to cancel them at once, leaving them uncommitted.
func TestStopLetsMessagesInFlightFinish(t *testing.T) {
	t.Parallel()
	c := &queueConsumer{committed: map[int32]int64{}}
	c.queue = append(c.queue, ports.ReceivedMessage{Message: domain.Message{ID: "a", Body: []byte("{}")}, Offset: 0, ReadAt: time.Now()})
	s := heldSender{held: make(chan struct{}, 1), release: make(chan struct{})}
	d := NewDeliverer(DeliveryConfig{CommitPeriod: time.Hour, RevokeWait: time.Minute}, nil, nil, c, s, memory.NewMetrics(),
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/"}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	t.Cleanup(func() { cancel(); <-done })

	<-s.held
	cancel()
	close(s.release)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery did not stop")
	}
	assert.EqualValues(t, 1, c.committedAt(0), "the message that finished during the stop is committed")
}

// boundedConsumer is a queueConsumer that is a ports.BoundedPoller and
// records what each poll asked for.
type boundedConsumer struct {
	*queueConsumer
	amu   sync.Mutex
	asked []int
}

func (c *boundedConsumer) PollUpTo(ctx context.Context, n int) ([]ports.ReceivedMessage, error) {
	c.amu.Lock()
	c.asked = append(c.asked, n)
	c.amu.Unlock()
	c.mu.Lock()
	if k := min(n, len(c.queue)); k > 0 {
		out := slices.Clone(c.queue[:k])
		c.queue = c.queue[k:]
		c.mu.Unlock()
		return out, nil
	}
	c.mu.Unlock()
	<-ctx.Done()
	return nil, ctx.Err()
}

func (c *boundedConsumer) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}

// A serial loop polls no more messages than it has free in-flight slots
// (at least one), and no more than its room in the host's pool when its
// host is gated (poolQueue): the rest stay in the consumer's buffer
// rather than waiting in the loop or the pool.
func TestSerialLoopPollsWhatItCanStart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name              string
		inflight, perHost int
		most              int
	}{
		{"bounded by free slots", 3, 0, 3},
		{"bounded when the host is gated", 10, 1, poolQueue},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			const n = 20
			c := &boundedConsumer{queueConsumer: queued(n)}
			s := &steppedSender{step: make(chan struct{})}
			m := memory.NewMetrics()
			d := NewDeliverer(DeliveryConfig{InflightSize: tc.inflight, SendsPerHost: tc.perHost, CommitPeriod: 10 * time.Millisecond}, nil, nil, c, s, m,
				memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
			deliverAll(t, d, []domain.Subscription{{Name: "s", TopicName: "g.t", Endpoint: "http://host.example/"}})
			labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
			// One send per message (each succeeds): counting sends, not
			// deliveries, so the last step is not raced by its count.
			for sent := range n {
				select {
				case s.step <- struct{}{}:
				case <-time.After(10 * time.Second):
					t.Fatalf("sent %d of %d", sent, n)
				}
			}
			require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == n }, 10*time.Second, time.Millisecond)
			c.amu.Lock()
			defer c.amu.Unlock()
			require.NotEmpty(t, c.asked)
			assert.Equal(t, tc.most, slices.Max(c.asked), "the first poll takes what can start at once")
			if tc.perHost == 0 {
				// Sends are held until the test lets one go: all three
				// slots are taken before the next poll.
				assert.Contains(t, c.asked, 1, "with every slot taken, a poll takes one message")
			}
		})
	}
}
