package app

import (
	"context"
	"errors"
	"log/slog"
	"math"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// QueryMetrics is the management API's metrics use case
// (ports.MetricsService): Hermes's TopicMetrics and SubscriptionMetrics
// computed from the counters the core writes (see publish.go and
// deliver_*.go), read back through a ports.MetricsReader.
//
// Totals (published, delivered, discarded, volume) are the counters'
// newest cumulative values; Hermes reads them from ZooKeeper counters that
// survive restarts, ours restart from 0 with the writing process. Rates
// are per second over the last minute, as Hermes's irate(...[1m]). Lag is
// read from the message store (ports.MessageStoreAdmin.Lag) on every
// request, "unavailable" when it cannot be read.
type QueryMetrics struct {
	store  ports.MetadataStore
	admin  ports.MessageStoreAdmin
	reader ports.MetricsReader
	log    *slog.Logger
}

var _ ports.MetricsService = (*QueryMetrics)(nil)

// NewQueryMetrics returns the metrics use case. A nil reader (no metrics
// backend to read from) makes every figure but lag unavailable; a nil
// admin makes lag unavailable.
func NewQueryMetrics(store ports.MetadataStore, admin ports.MessageStoreAdmin, reader ports.MetricsReader, log *slog.Logger) *QueryMetrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &QueryMetrics{store: store, admin: admin, reader: reader, log: log}
}

// TopicMetrics implements ports.MetricsService.
func (q *QueryMetrics) TopicMetrics(ctx context.Context, topic string) (ports.TopicMetrics, error) {
	name, err := domain.ParseTopicName(topic)
	if err != nil {
		return ports.TopicMetrics{}, err
	}
	subs, err := q.store.Subscriptions(ctx, name)
	if errors.Is(err, domain.ErrTopicNotFound) {
		return ports.TopicMetrics{}, nil // all zero values: unavailable rates, 0 counts
	}
	if err != nil {
		return ports.TopicMetrics{}, err
	}
	r := q.reading(ctx, topic)
	labels := topicLabels(name)
	m := ports.TopicMetrics{
		Published:     r.total("topic.published", labels),
		Volume:        r.total("topic.volume", labels),
		Rate:          r.rate("topic.requests", labels),
		Throughput:    r.rate("topic.volume", labels),
		DeliveryRate:  ports.Decimal(0),
		Subscriptions: len(subs),
	}
	for _, s := range subs {
		d := r.rate("subscription.delivered", subscriptionLabels(domain.SubscriptionName{Topic: name, Name: s.Name}))
		m.DeliveryRate = ports.MetricDecimal{Value: m.DeliveryRate.Value + d.Value, Available: m.DeliveryRate.Available && d.Available}
	}
	return m, nil
}

// SubscriptionMetrics implements ports.MetricsService.
func (q *QueryMetrics) SubscriptionMetrics(ctx context.Context, topic, subscription string) (ports.SubscriptionMetrics, error) {
	sub, r, labels, err := q.subscription(ctx, topic, subscription)
	if err != nil {
		return ports.SubscriptionMetrics{}, err
	}
	totals := r.totals(labels)
	return ports.SubscriptionMetrics{
		Delivered:   totals.Delivered,
		Discarded:   totals.Discarded,
		Volume:      totals.Volume,
		Timeouts:    r.rate("subscription.timeouts", labels),
		OtherErrors: r.rate("subscription.other-errors", labels),
		Codes2xx:    r.rate("subscription.http-status-codes.2xx", labels),
		Codes4xx:    r.rate("subscription.http-status-codes.4xx", labels),
		Codes5xx:    r.rate("subscription.http-status-codes.5xx", labels),
		Retries:     r.rate("subscription.retries", labels),
		Rate:        r.rate("subscription.delivered", labels),
		Throughput:  r.rate("subscription.throughput", labels),
		BatchRate:   r.rate("subscription.batches", labels),
		Lag:         q.lag(ctx, sub.QualifiedName()),
		State:       sub.State,
	}, nil
}

// lag is the subscription's lag in the message store, unavailable when it
// cannot be read (no position yet, store down).
func (q *QueryMetrics) lag(ctx context.Context, n domain.SubscriptionName) ports.MetricLong {
	if q.admin == nil {
		return ports.MetricLong{}
	}
	v, err := q.admin.Lag(ctx, n)
	if err != nil {
		q.log.Warn("lag cannot be read; answering unavailable", "subscription", n.String(), "err", err)
		return ports.MetricLong{}
	}
	return ports.MetricLong{Value: v, Available: true}
}

// PersistentSubscriptionMetrics implements ports.MetricsService.
func (q *QueryMetrics) PersistentSubscriptionMetrics(ctx context.Context, topic, subscription string) (ports.PersistentSubscriptionMetrics, error) {
	_, r, labels, err := q.subscription(ctx, topic, subscription)
	if err != nil {
		return ports.PersistentSubscriptionMetrics{}, err
	}
	return r.totals(labels), nil
}

// subscription loads a subscription and prepares reading its figures.
func (q *QueryMetrics) subscription(ctx context.Context, topic, subscription string) (domain.Subscription, *reading, ports.Labels, error) {
	name, err := subscriptionName(topic, subscription)
	if err != nil {
		return domain.Subscription{}, nil, nil, err
	}
	sub, err := q.store.Subscription(ctx, name)
	if err != nil {
		return domain.Subscription{}, nil, nil, err
	}
	return sub, q.reading(ctx, name.String()), subscriptionLabels(name), nil
}

func subscriptionLabels(n domain.SubscriptionName) ports.Labels {
	return ports.Labels{"group": n.Topic.Group, "topic": n.Topic.Name, "subscription": n.Name}
}

// reading reads the figures of one request. After the first failure of
// Total (or of Rate) it reads no more totals (rates): they are unavailable
// too, and a backend that times out is waited for once per kind, not once
// per figure. The kinds fail apart because some readers have totals but
// no rates.
type reading struct {
	ctx    context.Context
	reader ports.MetricsReader
	log    *slog.Logger
	failed [2]bool // [total, rate]
}

func (q *QueryMetrics) reading(ctx context.Context, entity string) *reading {
	none := q.reader == nil
	return &reading{ctx: ctx, reader: q.reader, log: q.log.With("entity", entity), failed: [2]bool{none, none}}
}

func (r *reading) read(name string, labels ports.Labels, rate bool) (float64, bool) {
	kind, f := 0, ports.MetricsReader.Total
	if rate {
		kind, f = 1, ports.MetricsReader.Rate
	}
	if r.failed[kind] {
		return 0, false
	}
	v, err := f(r.reader, r.ctx, name, labels)
	if err != nil {
		r.failed[kind] = true
		r.log.Warn("metrics cannot be read; answering unavailable", "metric", name, "err", err)
		return 0, false
	}
	return v, true
}

// total is a counter's total, -1 when unknown (as Hermes answers when its
// ZooKeeper counters cannot be read).
func (r *reading) total(name string, labels ports.Labels) int64 {
	v, ok := r.read(name, labels, false)
	if !ok {
		return -1
	}
	return int64(math.Round(v))
}

func (r *reading) rate(name string, labels ports.Labels) ports.MetricDecimal {
	v, ok := r.read(name, labels, true)
	return ports.MetricDecimal{Value: v, Available: ok}
}

func (r *reading) totals(labels ports.Labels) ports.PersistentSubscriptionMetrics {
	return ports.PersistentSubscriptionMetrics{
		Delivered: r.total("subscription.delivered", labels),
		Discarded: r.total("subscription.discarded", labels),
		Volume:    r.total("subscription.throughput", labels),
	}
}
