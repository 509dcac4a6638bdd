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

// onePoll is a consumer whose first Poll returns msgs and whose later
// Polls wait for ctx to end.
type onePoll struct {
	mu   sync.Mutex
	msgs []ports.ReceivedMessage
}

func (c *onePoll) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	c.mu.Lock()
	msgs := c.msgs
	c.msgs = nil
	c.mu.Unlock()
	if msgs != nil {
		return msgs, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (c *onePoll) Commit(context.Context, []ports.PartitionOffset) error { return nil }
func (c *onePoll) Close() error                                          { return nil }

func (c *onePoll) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}

// heldSender answers 200 once release is closed; when held is set, it
// reports each send there first.
type heldSender struct{ held, release chan struct{} }

func (s heldSender) Send(ctx context.Context, _ ports.SendRequest) domain.SendResult {
	if s.held != nil {
		s.held <- struct{}{}
	}
	select {
	case <-s.release:
		return domain.SendResult{StatusCode: 200}
	case <-ctx.Done():
		return domain.SendResult{Err: ctx.Err()}
	}
}

// A serial subscription reports how many messages are in flight (at most
// its inflightSize) and its lag, every supervisor period.
func TestDeliveryReportsInflightAndLag(t *testing.T) {
	t.Parallel()
	name := domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s"}
	msgs := make([]ports.ReceivedMessage, 3)
	for i := range msgs {
		msgs[i] = ports.ReceivedMessage{Message: domain.Message{ID: string(rune('a' + i)), Body: []byte(`{}`)}, Offset: int64(i), ReadAt: time.Now()}
	}
	m := memory.NewMetrics()
	sender := heldSender{release: make(chan struct{})}
	cfg := DeliveryConfig{RateSupervisorPeriod: 10 * time.Millisecond, InflightSize: 2}
	d := NewDeliverer(cfg, nil, fakeLag{lags: map[string]int64{name.String(): 42}}, &onePoll{msgs: msgs}, sender, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/"}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	periodic := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	go func() { defer close(periodic); d.periodic.run(ctx, cfg.RateSupervisorPeriod) }()
	t.Cleanup(func() { cancel(); <-done; <-periodic })

	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	gauge := func(metric string) float64 {
		v, ok := m.GaugeValue(metric, labels)
		if !ok {
			return -1
		}
		return v
	}
	require.Eventually(t, func() bool { return gauge("subscription.inflight") == 2 }, 10*time.Second, 5*time.Millisecond, "inflightSize messages in flight")
	// reportOnce sets the lag gauge just after the inflight one: wait for it.
	require.Eventually(t, func() bool { return gauge("subscription.lag") == 42 }, 10*time.Second, 5*time.Millisecond, "the lag is reported")
	close(sender.release)
	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == 3 }, 10*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool { return gauge("subscription.inflight") == 0 }, 10*time.Second, 5*time.Millisecond)
}

// reportOnce leaves the lag gauge unset while the subscription has no
// position, and batch subscriptions report no inflight gauge.
func TestDeliveryReportWithoutPosition(t *testing.T) {
	t.Parallel()
	m := memory.NewMetrics()
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "batch"}
	dl := &delivery{Deliverer: &Deliverer{metrics: m, admin: fakeLag{}, log: slog.New(slog.DiscardHandler)},
		sub: domain.Subscription{Name: "batch", TopicName: "g.t"}, labels: labels, log: slog.New(slog.DiscardHandler)}
	dl.reportOnce(t.Context())
	_, ok := m.GaugeValue("subscription.lag", labels)
	assert.False(t, ok, "no position: no lag")
	_, ok = m.GaugeValue("subscription.inflight", labels)
	assert.False(t, ok, "batch: no inflight")
}
