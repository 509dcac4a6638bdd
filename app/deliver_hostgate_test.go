package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// queueConsumers give each subscription its own queueConsumer.
type queueConsumers map[string]*queueConsumer

func (q queueConsumers) Consumer(_ context.Context, _ domain.Topic, s domain.SubscriptionName, _ ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return q[s.Name], nil
}

// steppedSender holds every send until the test lets one go, and
// records the most sends it held at once.
type steppedSender struct {
	step chan struct{}
	mu   sync.Mutex
	cur  int
	most int
}

func (s *steppedSender) Send(ctx context.Context, _ ports.SendRequest) domain.SendResult {
	s.mu.Lock()
	s.cur++
	s.most = max(s.most, s.cur)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.cur--
		s.mu.Unlock()
	}()
	select {
	case <-s.step:
		return domain.SendResult{StatusCode: 200}
	case <-ctx.Done():
		return domain.SendResult{Err: ctx.Err()}
	}
}

func (s *steppedSender) held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// deliverAll runs one delivery per subscription until t ends.
func deliverAll(t *testing.T, d *Deliverer, subs []domain.Subscription) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for i := range subs {
		wg.Go(func() { d.consume(ctx, &domain.Topic{Name: "g.t"}, &subs[i], ports.PartitionShare{}) })
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
}

// queued is a consumer of n messages.
func queued(n int) *queueConsumer {
	c := &queueConsumer{committed: map[int32]int64{}}
	for i := range n {
		c.queue = append(c.queue, ports.ReceivedMessage{Message: domain.Message{ID: fmt.Sprint(i), Body: []byte("{}")}, Offset: int64(i), ReadAt: time.Now()})
	}
	return c
}

// Subscriptions to one host have at most SendsPerHost attempts in flight
// to it together, however many messages their inflightSize lets them
// have: the others wait for a token, not inside the sender. Endpoints
// that differ only in case and a default port are one host.
func TestSendsPerHostBoundTheAttemptsToAHost(t *testing.T) {
	t.Parallel()
	const subsN, each, perHost = 5, 10, 2
	consumers := queueConsumers{}
	var subs []domain.Subscription
	for i := range subsN {
		name := fmt.Sprintf("s%d", i)
		consumers[name] = queued(each)
		endpoint := fmt.Sprintf("http://host.example/%d", i)
		if i%2 == 1 {
			endpoint = fmt.Sprintf("http://HOST.example:80/%d", i)
		}
		subs = append(subs, domain.Subscription{Name: name, TopicName: "g.t", Endpoint: endpoint})
	}
	s := &steppedSender{step: make(chan struct{})}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{InflightSize: each, SendsPerHost: perHost, CommitPeriod: 10 * time.Millisecond}, nil, nil, consumers, s, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, subs)

	for left := subsN * each; left > 0; left-- {
		require.Eventually(t, func() bool { return s.held() == min(perHost, left) }, 10*time.Second, time.Millisecond,
			"%d messages left: the host has %d sends in flight", left, min(perHost, left))
		s.step <- struct{}{}
	}
	for _, sub := range subs {
		labels := ports.Labels{"group": "g", "topic": "t", "subscription": sub.Name}
		require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == each }, 10*time.Second, time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	assert.Equal(t, perHost, s.most, "never more sends to the host than SendsPerHost")
}

// answerBy answers 500 to the endpoints under fail and 200 to the others.
type answerBy struct{ fail string }

func (a answerBy) Send(_ context.Context, req ports.SendRequest) domain.SendResult {
	if strings.HasPrefix(req.Endpoint, a.fail) {
		return domain.SendResult{StatusCode: 500}
	}
	return domain.SendResult{StatusCode: 200}
}

// A subscription whose messages wait for their retries (and, slowed by
// its failures, for its output rate) holds none of its host's tokens
// meanwhile: another subscription to that host, with a single token
// between them, still delivers (the Hermes #1862 failure mode, where one
// slow subscription stalls those that share its client).
func TestRetryingSubscriptionLeavesItsHostToOthers(t *testing.T) {
	t.Parallel()
	failing := domain.DefaultSubscriptionPolicy()
	failing.MessageTTL = 3600
	failing.MessageBackoff = 600_000 // ten minutes between attempts
	consumers := queueConsumers{"failing": queued(10), "fine": queued(10)}
	subs := []domain.Subscription{
		{Name: "failing", TopicName: "g.t", Endpoint: "http://host.example/failing", Serial: &failing},
		{Name: "fine", TopicName: "g.t", Endpoint: "http://host.example/fine"},
	}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{InflightSize: 10, SendsPerHost: 1, CommitPeriod: 10 * time.Millisecond, RevokeWait: 10 * time.Millisecond}, nil, nil, consumers,
		answerBy{fail: "http://host.example/failing"}, m, memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, subs)

	labels := func(s string) ports.Labels { return ports.Labels{"group": "g", "topic": "t", "subscription": s} }
	require.Eventually(t, func() bool { return m.CounterValue("subscription.retries", labels("failing")) == 10 }, 10*time.Second, time.Millisecond,
		"every message of the failing subscription failed once and waits for its retry")
	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels("fine")) == 10 }, 10*time.Second, time.Millisecond,
		"the other subscription of the host delivers meanwhile")
}

// The bound is per host: a host whose sends are all held does not hold
// back another; HTTP/2, BROADCAST and templated hosts are not bounded.
func TestHostGates(t *testing.T) {
	t.Parallel()
	g := hostGates{size: 2}
	a := g.pool(domain.Subscription{Endpoint: "http://a.example/x"})
	require.NotNil(t, a)
	assert.Equal(t, a, g.pool(domain.Subscription{Endpoint: "http://user:pw@A.example:80/y"}))
	b := g.pool(domain.Subscription{Endpoint: "https://a.example/x"})
	require.NotNil(t, b)
	assert.NotEqual(t, a, b, "another scheme and port, another host")
	assert.Nil(t, g.pool(domain.Subscription{Endpoint: "http://a.example/x", HTTP2Enabled: true}))
	assert.Nil(t, g.pool(domain.Subscription{Endpoint: "http://a.example/x", Mode: domain.ModeBroadcast}))
	assert.Nil(t, g.pool(domain.Subscription{Endpoint: "http://{host}/x"}))
	assert.Nil(t, (&hostGates{}).pool(domain.Subscription{Endpoint: "http://a.example/x"}), "no bound configured")

	ctx, cancel := context.WithCancel(t.Context())
	full := []*hostToken{{gate: a.gate}, {gate: a.gate}}
	for _, tok := range full {
		require.True(t, tok.take(ctx))
	}
	other := &hostToken{gate: b.gate}
	require.True(t, other.take(ctx), "another host has its own tokens")
	cancel()
	assert.False(t, (&hostToken{gate: a.gate}).take(ctx), "a full host: the wait ends with ctx")
	full[0].release()
	full[0].release() // twice gives back one token
	assert.True(t, (&hostToken{gate: a.gate}).take(t.Context()))
	var none *hostToken
	assert.True(t, none.take(t.Context()))
	none.release()
}
