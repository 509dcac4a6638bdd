package app

import (
	"context"
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

// orderedSender is a steppedSender that records the endpoint of every
// send in the order they started.
type orderedSender struct {
	steppedSender
	omu   sync.Mutex
	order []string
}

func (s *orderedSender) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	s.omu.Lock()
	s.order = append(s.order, req.Endpoint)
	s.omu.Unlock()
	return s.steppedSender.Send(ctx, req)
}

func (s *orderedSender) sent() []string {
	s.omu.Lock()
	defer s.omu.Unlock()
	return append([]string(nil), s.order...)
}

// hostPoolOf is the pool of the Deliverer's host for endpoint.
func hostPoolOf(d *Deliverer, endpoint string) *hostPool {
	return d.hosts.pool(domain.Subscription{Endpoint: endpoint})
}

// Busy subscriptions of one host take its sends in turn: each has at
// most poolQueue messages queued in the host's pool, so none sends more
// than poolQueue+1 in a row while the other has messages waiting.
func TestHostPoolServesItsSubscriptionsInTurn(t *testing.T) {
	t.Parallel()
	const each = 40
	consumers := queueConsumers{"a": queued(each), "b": queued(each)}
	subs := []domain.Subscription{
		{Name: "a", TopicName: "g.t", Endpoint: "http://host.example/a"},
		{Name: "b", TopicName: "g.t", Endpoint: "http://host.example/b"},
	}
	s := &orderedSender{steppedSender: steppedSender{step: make(chan struct{})}}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{InflightSize: each, SendsPerHost: 1, CommitPeriod: 10 * time.Millisecond}, nil, nil, consumers, s, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	// a fills its share of the queue first (this consumer polls one
	// message at a time: one goes to the pool's goroutine, which holds it
	// in the sender, then the loop polls until poolRefill+1 wait), then b
	// queues behind it.
	deliverAll(t, d, subs[:1])
	require.Eventually(t, func() bool { return s.held() == 1 && consumers["a"].left() <= each-(poolRefill+2) }, 10*time.Second, time.Millisecond)
	deliverAll(t, d, subs[1:])
	require.Eventually(t, func() bool { return consumers["b"].left() <= each-(poolRefill+1) }, 10*time.Second, time.Millisecond)
	assert.Equal(t, each-(poolRefill+2), consumers["a"].left(), "a waits for room in the queue, not polling more")
	for range 2 * each {
		select {
		case s.step <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatalf("sent %d of %d", len(s.sent()), 2*each)
		}
	}
	order := s.sent()
	require.Len(t, order, 2*each)
	run, longest := 0, 0
	for i, e := range order[:each] {
		if i > 0 && e == order[i-1] {
			run++
		} else {
			run = 1
		}
		longest = max(longest, run)
	}
	assert.LessOrEqual(t, longest, poolQueue+1, "sends in a row to one subscription: %s", strings.Join(order[:each], " "))
}

// A subscription that stops while its messages wait in its host's pool
// behind another subscription's takes them off the queue unsent: the stop
// does not wait for them (RevokeWait here is an hour), none is sent
// afterwards, and none is committed, so they are delivered after a resume.
func TestStoppingSubscriptionWithdrawsWhatWaitsForItsHost(t *testing.T) {
	t.Parallel()
	consumers := queueConsumers{"busy": queued(20), "stopping": queued(20)}
	busy := domain.Subscription{Name: "busy", TopicName: "g.t", Endpoint: "http://host.example/busy"}
	stopping := domain.Subscription{Name: "stopping", TopicName: "g.t", Endpoint: "http://host.example/stopping"}
	s := &orderedSender{steppedSender: steppedSender{step: make(chan struct{})}}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{InflightSize: 10, SendsPerHost: 1, CommitPeriod: 10 * time.Millisecond, RevokeWait: time.Hour}, nil, nil, consumers, s, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, []domain.Subscription{busy})
	t.Cleanup(func() { close(s.step) }) // lets every send go, should the test fail
	require.Eventually(t, func() bool { return s.held() == 1 }, 10*time.Second, time.Millisecond, "busy holds the host's one send")

	ctx, stop := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.consume(ctx, &domain.Topic{Name: "g.t"}, &stopping, ports.PartitionShare{})
	}()
	require.Eventually(t, func() bool { return consumers["stopping"].left() == 20-(poolRefill+1) }, 10*time.Second, time.Millisecond,
		"the stopping subscription's messages wait in the host's pool")
	stop()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the stop waits for messages that were never sent")
	}

	for range 20 {
		s.step <- struct{}{}
	}
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "busy"}
	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == 20 }, 10*time.Second, time.Millisecond)
	for _, e := range s.sent() {
		assert.Equal(t, busy.Endpoint, e, "nothing of the stopped subscription is sent")
	}
	assert.Empty(t, consumers["stopping"].commits(), "nothing of the stopped subscription is committed")
	p := hostPoolOf(d, busy.Endpoint)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Empty(t, p.queue[p.head:], "the pool's queue is empty")
}

// A host's pool runs no goroutine once its subscriptions went idle for
// SendWorkerIdle: an idle host costs none.
func TestHostPoolGoroutinesLeaveWhenIdle(t *testing.T) {
	t.Parallel()
	const n = 30
	consumers := queueConsumers{"s": queued(n)}
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://host.example/s"}
	m := memory.NewMetrics()
	d := NewDeliverer(DeliveryConfig{InflightSize: 10, SendsPerHost: 4, CommitPeriod: 10 * time.Millisecond, SendWorkerIdle: 20 * time.Millisecond}, nil, nil, consumers,
		answerBy{fail: "none"}, m, memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, []domain.Subscription{sub})
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", labels) == n }, 10*time.Second, time.Millisecond)
	p := hostPoolOf(d, sub.Endpoint)
	require.Eventually(t, func() bool {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.attached == 0 && len(p.idlers) == 0
	}, 10*time.Second, time.Millisecond, "the pool's goroutines left")
}

// revokingConsumer is a queueConsumer whose Poll, once its queue is
// empty, revokes the partitions the test sends it, as a consumer group
// does inside Poll (under the client's context, ctx, not the Poll's).
type revokingConsumer struct {
	*queueConsumer
	ctx     context.Context
	opts    ports.ConsumerOptions
	revoke  chan []int32
	revoked chan struct{} // closed once the revoke returned
}

func (c *revokingConsumer) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	if c.left() > 0 {
		return c.queueConsumer.Poll(ctx)
	}
	select {
	case parts := <-c.revoke:
		c.opts.Revoked(c.ctx, parts, false)
		close(c.revoked)
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// revokingConsumers give "moving" a revokingConsumer and the others
// their queueConsumer.
type revokingConsumers struct {
	queueConsumers
	moving *revokingConsumer
}

func (r revokingConsumers) Consumer(ctx context.Context, t domain.Topic, s domain.SubscriptionName, opts ports.ConsumerOptions) (ports.MessageConsumer, error) {
	if s.Name == "moving" {
		r.moving.opts = opts
		return r.moving, nil
	}
	return r.queueConsumers.Consumer(ctx, t, s, opts)
}

// A revoked partition's messages that wait in the host's pool are taken
// off it unsent: the revoke does not wait RevokeWait (an hour here) for
// them, and the next owner delivers them (nothing is committed).
func TestRevokeWithdrawsWhatWaitsForTheHost(t *testing.T) {
	t.Parallel()
	moving := &revokingConsumer{queueConsumer: queued(poolRefill), ctx: t.Context(), revoke: make(chan []int32), revoked: make(chan struct{})}
	consumers := revokingConsumers{queueConsumers: queueConsumers{"busy": queued(20)}, moving: moving}
	busy := domain.Subscription{Name: "busy", TopicName: "g.t", Endpoint: "http://host.example/busy"}
	s := &orderedSender{steppedSender: steppedSender{step: make(chan struct{})}}
	d := NewDeliverer(DeliveryConfig{InflightSize: 10, SendsPerHost: 1, CommitPeriod: 10 * time.Millisecond, RevokeWait: time.Hour}, nil, nil, consumers, s, memory.NewMetrics(),
		memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler))
	deliverAll(t, d, []domain.Subscription{busy})
	t.Cleanup(func() { close(s.step) }) // lets every send go
	require.Eventually(t, func() bool { return s.held() == 1 }, 10*time.Second, time.Millisecond, "busy holds the host's one send")
	deliverAll(t, d, []domain.Subscription{{Name: "moving", TopicName: "g.t", Endpoint: "http://host.example/moving"}})
	require.Eventually(t, func() bool { return moving.left() == 0 }, 10*time.Second, time.Millisecond, "moving's messages wait in the pool")

	select {
	case moving.revoke <- []int32{0}:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop does not poll")
	}
	select {
	case <-moving.revoked:
	case <-time.After(10 * time.Second):
		t.Fatal("the revoke waits for messages that were never sent")
	}
	for _, e := range s.sent() {
		assert.Equal(t, busy.Endpoint, e, "nothing of the revoked partition is sent")
	}
	assert.Empty(t, moving.commits(), "nothing of the revoked partition is committed")
}

// A host's queue that never empties (busy subscriptions refill it while
// it is served) does not grow behind its head, and a burst's large queue
// is dropped once empty.
func TestHostPoolQueueStaysBounded(t *testing.T) {
	t.Parallel()
	p := newHostPool(1, time.Second)
	run := &serialRun{pooled: pooled{room: make(chan struct{}, 1)}}
	job := poolJob{run: run, job: sendJob{ctx: t.Context()}}
	p.mu.Lock()
	defer p.mu.Unlock()
	const live = 10
	for range live {
		p.push(job)
	}
	for range 10_000 {
		p.push(job)
		_, ok := p.pop()
		require.True(t, ok)
	}
	assert.LessOrEqual(t, cap(p.queue), 4*live, "the queue's array holds about what is queued")
	assert.Len(t, p.queue[p.head:], live)

	for range 10 * poolKept {
		p.push(job)
	}
	for {
		if _, ok := p.pop(); !ok {
			break
		}
	}
	assert.Nil(t, p.queue, "an empty queue keeps no large array")
}
