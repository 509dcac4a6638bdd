package ports

import (
	"context"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"github.com/hermes-go/hermes/domain"
)

// MetricsReader reads back the counters that a Metrics writer recorded,
// from wherever that writer keeps them (whisper files, graphite-web,
// Prometheus). Implementations are safe for concurrent use.
//
// name and labels are exactly those passed to Metrics.Count (e.g.
// "subscription.delivered" with group, topic and subscription); a reader
// maps them to its backend's series the way its writer does. Values of all
// the series a backend holds for them (e.g. one per scraped instance) are
// summed. A counter never recorded reads 0 with a nil error. Errors wrap
// domain.ErrUnavailable (backend unreachable or answering nonsense, ctx
// ended).
type MetricsReader interface {
	// Total returns the counter's newest cumulative value. Writers count
	// from 0 when their process starts, so a total covers the writing
	// processes' lifetimes, not all time as Hermes's ZooKeeper counters do.
	Total(ctx context.Context, name string, labels Labels) (float64, error)
	// Rate returns the counter's increase per second over about the last
	// minute (0 when it did not change or was not written in that minute).
	Rate(ctx context.Context, name string, labels Labels) (float64, error)
}

// MetricDecimal is a decimal figure that may be unknown; it renders as
// Hermes's MetricDecimalValue: a JSON string such as "12.5", or
// "unavailable".
type MetricDecimal struct {
	Value     float64
	Available bool
}

// Decimal returns an available decimal figure.
func Decimal(v float64) MetricDecimal { return MetricDecimal{Value: v, Available: true} }

// MarshalJSON renders the value as Java's Double.toString does for the
// values rates take ("0.0", "12.5"), without an exponent.
func (d MetricDecimal) MarshalJSON() ([]byte, error) {
	if !d.Available || math.IsNaN(d.Value) || math.IsInf(d.Value, 0) {
		return json.Marshal(unavailable)
	}
	s := strconv.FormatFloat(d.Value, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return json.Marshal(s)
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *MetricDecimal) UnmarshalJSON(b []byte) error {
	s, err := unquoteMetric(b)
	if err != nil || s == unavailable {
		*d = MetricDecimal{}
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return domain.Errorf(domain.ErrFormat, "metric value %q is not a decimal", s)
	}
	*d = Decimal(v)
	return nil
}

// MetricLong is an integer figure that may be unknown; it renders as
// Hermes's MetricLongValue: a JSON string such as "42", or "unavailable".
type MetricLong struct {
	Value     int64
	Available bool
}

// MarshalJSON implements json.Marshaler.
func (l MetricLong) MarshalJSON() ([]byte, error) {
	if !l.Available {
		return json.Marshal(unavailable)
	}
	return json.Marshal(strconv.FormatInt(l.Value, 10))
}

// UnmarshalJSON reads what MarshalJSON writes.
func (l *MetricLong) UnmarshalJSON(b []byte) error {
	s, err := unquoteMetric(b)
	if err != nil || s == unavailable {
		*l = MetricLong{}
		return err
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return domain.Errorf(domain.ErrFormat, "metric value %q is not an integer", s)
	}
	*l = MetricLong{Value: v, Available: true}
	return nil
}

const unavailable = "unavailable"

func unquoteMetric(b []byte) (string, error) {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", domain.Errorf(domain.ErrFormat, "metric value %s is not a JSON string", b)
	}
	return s, nil
}

// TopicMetrics is Hermes's TopicMetrics JSON. Published and Volume are
// totals (-1 when they cannot be read); the rest are per-second rates over
// the last minute.
type TopicMetrics struct {
	Published     int64         `json:"published"`
	Volume        int64         `json:"volume"`
	Rate          MetricDecimal `json:"rate"`
	DeliveryRate  MetricDecimal `json:"deliveryRate"`
	Subscriptions int           `json:"subscriptions"`
	Throughput    MetricDecimal `json:"throughput"`
}

// SubscriptionMetrics is Hermes's SubscriptionMetrics JSON. Delivered,
// Discarded and Volume are totals (-1 when they cannot be read); the
// decimals are per-second rates over the last minute, as in Hermes (so
// timeouts is timeouts per second).
type SubscriptionMetrics struct {
	Delivered   int64         `json:"delivered"`
	Discarded   int64         `json:"discarded"`
	Volume      int64         `json:"volume"`
	Timeouts    MetricDecimal `json:"timeouts"`
	OtherErrors MetricDecimal `json:"otherErrors"`
	Codes2xx    MetricDecimal `json:"codes2xx"`
	Codes4xx    MetricDecimal `json:"codes4xx"`
	Codes5xx    MetricDecimal `json:"codes5xx"`
	Retries     MetricDecimal `json:"retries"`
	Rate        MetricDecimal `json:"rate"`
	Throughput  MetricDecimal `json:"throughput"`
	BatchRate   MetricDecimal `json:"batchRate"`
	Lag         MetricLong    `json:"lag"`
	State       domain.State  `json:"state,omitempty"`
}

// PersistentSubscriptionMetrics is Hermes's PersistentSubscriptionMetrics
// JSON: the totals of SubscriptionMetrics.
type PersistentSubscriptionMetrics struct {
	Delivered int64 `json:"delivered"`
	Discarded int64 `json:"discarded"`
	Volume    int64 `json:"volume"`
}

// MetricsService is the management API's metrics use case. Names are
// qualified topic names as in URLs (domain.ErrValidation when malformed).
type MetricsService interface {
	// TopicMetrics returns a topic's figures. As in Hermes, a topic that
	// does not exist is not an error: its rates are unavailable and its
	// counts 0.
	TopicMetrics(ctx context.Context, topic string) (TopicMetrics, error)
	// SubscriptionMetrics returns a subscription's figures:
	// domain.ErrSubscriptionNotFound when it does not exist. Figures that
	// cannot be read are unavailable, never an error.
	SubscriptionMetrics(ctx context.Context, topic, subscription string) (SubscriptionMetrics, error)
	// PersistentSubscriptionMetrics returns only the totals, with the same
	// errors as SubscriptionMetrics.
	PersistentSubscriptionMetrics(ctx context.Context, topic, subscription string) (PersistentSubscriptionMetrics, error)
}
