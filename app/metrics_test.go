package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeReader answers from maps keyed by name and labels; err fails every
// read. It counts reads.
type fakeReader struct {
	mu            sync.Mutex
	totals, rates map[string]float64
	err, rateErr  error
	reads         int
}

func readerKey(name string, l ports.Labels) string {
	return fmt.Sprintf("%s/%s/%s/%s", name, l["group"], l["topic"], l["subscription"])
}

func (f *fakeReader) get(m map[string]float64, name string, l ports.Labels) (float64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads++
	if f.err != nil {
		return 0, f.err
	}
	return m[readerKey(name, l)], nil
}

func (f *fakeReader) Total(_ context.Context, name string, l ports.Labels) (float64, error) {
	return f.get(f.totals, name, l)
}

func (f *fakeReader) Rate(_ context.Context, name string, l ports.Labels) (float64, error) {
	if f.rateErr != nil {
		return 0, f.rateErr
	}
	return f.get(f.rates, name, l)
}

// fakeLag is a message store whose Lag answers from a map keyed by
// subscription name; a missing subscription has no position.
type fakeLag struct {
	ports.MessageStoreAdmin
	lags map[string]int64
}

func (f fakeLag) Lag(_ context.Context, n domain.SubscriptionName) (int64, error) {
	v, ok := f.lags[n.String()]
	if !ok {
		return 0, fmt.Errorf("fake: %w", domain.ErrNotFound)
	}
	return v, nil
}

// metricsFixture stores topic g.t with subscriptions s1 and s2 (SUSPENDED).
func metricsFixture(t *testing.T) *memory.MetadataStore {
	t.Helper()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	topic := domain.NewTopic()
	topic.Name = "g.t"
	require.NoError(t, store.CreateTopic(ctx, topic))
	for _, name := range []string{"s1", "s2"} {
		s := domain.NewSubscription()
		s.TopicName, s.Name, s.Endpoint = "g.t", name, "http://localhost/"+name
		if name == "s2" {
			s.State = domain.StateSuspended
		}
		require.NoError(t, store.CreateSubscription(ctx, s))
	}
	return store
}

func TestTopicMetrics(t *testing.T) {
	t.Parallel()
	r := &fakeReader{
		totals: map[string]float64{"topic.published/g/t/": 42, "topic.volume/g/t/": 4200.4},
		rates: map[string]float64{
			"topic.requests/g/t/": 1.5, "topic.volume/g/t/": 150,
			"subscription.delivered/g/t/s1": 1, "subscription.delivered/g/t/s2": 0.25,
		},
	}
	q := NewQueryMetrics(metricsFixture(t), nil, r, nil)

	m, err := q.TopicMetrics(t.Context(), "g.t")
	require.NoError(t, err)
	assert.Equal(t, ports.TopicMetrics{
		Published: 42, Volume: 4200, Rate: ports.Decimal(1.5), DeliveryRate: ports.Decimal(1.25),
		Subscriptions: 2, Throughput: ports.Decimal(150),
	}, m)
	body, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"published":42,"volume":4200,"rate":"1.5","deliveryRate":"1.25","subscriptions":2,"throughput":"150.0"}`, string(body))
}

func TestTopicMetricsOfMissingTopicAreUnavailable(t *testing.T) {
	t.Parallel()
	r := &fakeReader{}
	q := NewQueryMetrics(metricsFixture(t), nil, r, nil)

	m, err := q.TopicMetrics(t.Context(), "g.missing")
	require.NoError(t, err, "Hermes answers 200 for a missing topic")
	body, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"published":0,"volume":0,"rate":"unavailable","deliveryRate":"unavailable","subscriptions":0,"throughput":"unavailable"}`, string(body))
	assert.Zero(t, r.reads)

	_, err = q.TopicMetrics(t.Context(), "nodot")
	assert.ErrorIs(t, err, domain.ErrValidation)
}

func TestSubscriptionMetrics(t *testing.T) {
	t.Parallel()
	const l = "/g/t/s2"
	r := &fakeReader{
		totals: map[string]float64{"subscription.delivered" + l: 10, "subscription.discarded" + l: 2, "subscription.throughput" + l: 999},
		rates: map[string]float64{
			"subscription.delivered" + l: 3, "subscription.timeouts" + l: 0.5, "subscription.other-errors" + l: 0.25,
			"subscription.http-status-codes.2xx" + l: 3, "subscription.http-status-codes.4xx" + l: 0.1,
			"subscription.http-status-codes.5xx" + l: 0.2, "subscription.retries" + l: 0.3, "subscription.throughput" + l: 300,
		},
	}
	q := NewQueryMetrics(metricsFixture(t), fakeLag{lags: map[string]int64{"g.t$s2": 5}}, r, nil)

	m, err := q.SubscriptionMetrics(t.Context(), "g.t", "s2")
	require.NoError(t, err)
	body, err := json.Marshal(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"delivered":10,"discarded":2,"volume":999,"timeouts":"0.5","otherErrors":"0.25",
		"codes2xx":"3.0","codes4xx":"0.1","codes5xx":"0.2","retries":"0.3","rate":"3.0","throughput":"300.0",
		"batchRate":"0.0","lag":"5","state":"SUSPENDED"}`, string(body))

	p, err := q.PersistentSubscriptionMetrics(t.Context(), "g.t", "s2")
	require.NoError(t, err)
	assert.Equal(t, ports.PersistentSubscriptionMetrics{Delivered: 10, Discarded: 2, Volume: 999}, p)
}

func TestSubscriptionMetricsErrors(t *testing.T) {
	t.Parallel()
	q := NewQueryMetrics(metricsFixture(t), nil, &fakeReader{}, nil)

	_, err := q.SubscriptionMetrics(t.Context(), "g.t", "missing")
	assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound)
	_, err = q.PersistentSubscriptionMetrics(t.Context(), "g.missing", "s1")
	assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound)
	_, err = q.SubscriptionMetrics(t.Context(), "nodot", "s1")
	assert.ErrorIs(t, err, domain.ErrValidation)
}

func TestUnreadableMetricsAreUnavailable(t *testing.T) {
	t.Parallel()
	store := metricsFixture(t)
	for name, r := range map[string]ports.MetricsReader{
		"backend down": &fakeReader{err: fmt.Errorf("fake: %w", domain.ErrUnavailable)},
		"no reader":    nil,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := NewQueryMetrics(store, fakeLag{}, r, nil) // no position: lag unavailable too
			sm, err := q.SubscriptionMetrics(t.Context(), "g.t", "s1")
			require.NoError(t, err)
			assert.Equal(t, ports.SubscriptionMetrics{Delivered: -1, Discarded: -1, Volume: -1, State: domain.StatePending}, sm)
			tm, err := q.TopicMetrics(t.Context(), "g.t")
			require.NoError(t, err)
			assert.Equal(t, ports.TopicMetrics{Published: -1, Volume: -1, Subscriptions: 2}, tm)
			if f, ok := r.(*fakeReader); ok {
				assert.Equal(t, 4, f.reads, "per request one failed total and one failed rate; the rest is not waited for")
			}
		})
	}
}

// TestTotalsWithoutRates: a reader with totals but no history (the memory
// writer's) still gives the totals.
func TestTotalsWithoutRates(t *testing.T) {
	t.Parallel()
	r := &fakeReader{
		totals:  map[string]float64{"topic.published/g/t/": 3, "subscription.delivered/g/t/s1": 2},
		rateErr: fmt.Errorf("fake: %w", domain.ErrUnavailable),
	}
	q := NewQueryMetrics(metricsFixture(t), nil, r, nil)
	tm, err := q.TopicMetrics(t.Context(), "g.t")
	require.NoError(t, err)
	assert.Equal(t, ports.TopicMetrics{Published: 3, Subscriptions: 2}, tm)
	sm, err := q.SubscriptionMetrics(t.Context(), "g.t", "s1")
	require.NoError(t, err)
	assert.Equal(t, int64(2), sm.Delivered)
	assert.False(t, sm.Rate.Available)
}
