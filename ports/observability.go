package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// Metrics records Hermes's measurements. Implementations never block the
// caller on I/O and are safe for concurrent use. Names are dotted Hermes
// metric names without prefix (e.g. "topic.published"); labels are the
// Hermes dimensions (group, topic, subscription, status_code).
type Metrics interface {
	// Count adds delta to a counter.
	Count(name string, labels Labels, delta int64)
	// Observe records one duration into a timer/histogram.
	Observe(name string, labels Labels, d time.Duration)
	// Record adds one value to a distribution (histogram/summary) of plain
	// numbers, e.g. sizes in bytes; writers keep the value's own unit.
	Record(name string, labels Labels, value float64)
	// Gauge sets a gauge.
	Gauge(name string, labels Labels, value float64)
}

// Labels are metric dimensions. Keep the set per metric name fixed.
type Labels map[string]string

// Tracker records message traces. Calls never block on I/O: traces go to
// a bounded queue and are dropped (and counted) when it is full.
type Tracker interface {
	// Published records a frontend event.
	Published(trace domain.PublishedMessageTrace)
	// Sent records a consumer event.
	Sent(trace domain.SentMessageTrace)
}

// TraceRepository reads traces back.
type TraceRepository interface {
	// MessageTraces returns the published traces of a message on the
	// subscription's topic and its sent traces for the subscription, oldest
	// first (both empty when none).
	MessageTraces(ctx context.Context, sub domain.SubscriptionName, messageID string) ([]domain.PublishedMessageTrace, []domain.SentMessageTrace, error)
	// Undelivered returns up to limit newest DISCARDED traces of a subscription.
	Undelivered(ctx context.Context, sub domain.SubscriptionName, limit int) ([]domain.SentMessageTrace, error)
}

// UndeliveredLog keeps the last undelivered message of each subscription,
// independent of tracking (Hermes keeps it in ZooKeeper).
type UndeliveredLog interface {
	// Add records an undelivered message. Never blocks on I/O.
	Add(trace domain.SentMessageTrace)
	// Last returns the newest undelivered message, or domain.ErrNotFound.
	Last(ctx context.Context, sub domain.SubscriptionName) (domain.SentMessageTrace, error)
}
