// Package prometheus implements ports.Metrics with the Prometheus client:
// every metric lives in the Metrics' own registry, served in the
// exposition format by Handler (Hermes serves it at /status/prometheus).
//
// Names follow what Hermes's Micrometer registry exposes, so Hermes
// dashboards and the management queries (hermes-api.md §6) work unchanged:
//   - names starting with "topic" get Config.FrontendPrefix
//     ("hermes_frontend"), all others Config.ConsumersPrefix
//     ("hermes_consumers");
//   - dots and dashes become '_'; counters end in "_total", timers are
//     histograms in seconds ending in "_seconds", distributions (Record)
//     are histograms in the values' own unit with Config.ValueBuckets and
//     keep the name (topic.message-size-bytes is
//     hermes_frontend_topic_message_size_bytes, Hermes's summary name), and
//     gauges keep the name;
//   - Hermes-Go names that differ from Hermes's are renamed: topic.volume
//     is topic_throughput_bytes_total, subscription.throughput is
//     subscription_throughput_bytes_total, subscription.filtered is
//     subscription_filtered_out_total and subscription.output-rate is
//     max_rate_output_rate;
//   - a last segment after "http-status-codes." becomes the status_code
//     label: subscription.http-status-codes.2xx is
//     hermes_consumers_subscription_http_status_codes_total{status_code="2xx"}.
//
// Labels become Prometheus labels ([^a-zA-Z0-9_] in keys becomes '_').
package prometheus

import (
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hermes-go/hermes/ports"
)

var _ ports.Metrics = (*Metrics)(nil)

// Config configures Metrics; zero fields take the defaults given.
type Config struct {
	// FrontendPrefix starts the names of topic metrics. Default
	// "hermes_frontend".
	FrontendPrefix string
	// ConsumersPrefix starts every other name. Default "hermes_consumers".
	ConsumersPrefix string
	// Buckets are the buckets of timer histograms, in seconds. Default
	// prometheus.DefBuckets (5 ms to 10 s).
	Buckets []float64
	// ValueBuckets are the buckets of distribution histograms (Record), in
	// the values' unit. The default suits sizes in bytes: 64 B to 16 MiB,
	// each 4 times the previous.
	ValueBuckets []float64
}

// renames maps Hermes-Go names to Hermes's where they differ.
var renames = map[string]string{
	"topic.volume":             "topic.throughput-bytes",
	"subscription.throughput":  "subscription.throughput-bytes",
	"subscription.filtered":    "subscription.filtered-out",
	"subscription.output-rate": "max-rate.output-rate",
}

const statusCodes = ".http-status-codes."

type kind byte

const (
	counter kind = iota
	timer
	distribution
	gauge
)

// Metrics is the Prometheus ports.Metrics. A family (collector.go) is
// registered on first use per name and label-key set, and a series on its
// first measurement; all methods are safe for concurrent use and never
// block on I/O.
type Metrics struct {
	cfg      Config
	log      *slog.Logger
	registry *prometheus.Registry
	families sync.Map // cache key -> *family; nil when it cannot be registered
	keys     interner // the families' label keys
	mu       sync.Mutex
}

// New returns Metrics with an empty registry of its own.
func New(cfg Config, log *slog.Logger) *Metrics {
	if cfg.FrontendPrefix == "" {
		cfg.FrontendPrefix = "hermes_frontend"
	}
	if cfg.ConsumersPrefix == "" {
		cfg.ConsumersPrefix = "hermes_consumers"
	}
	if len(cfg.Buckets) == 0 {
		cfg.Buckets = prometheus.DefBuckets
	}
	if len(cfg.ValueBuckets) == 0 {
		cfg.ValueBuckets = prometheus.ExponentialBuckets(64, 4, 10)
	}
	return &Metrics{cfg: cfg, log: log, registry: prometheus.NewRegistry()}
}

// Handler serves the registry in the Prometheus exposition format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// Registry returns the registry, e.g. to add Go runtime collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.registry }

// Count implements ports.Metrics. Negative deltas are ignored: Prometheus
// counters only go up.
func (m *Metrics) Count(name string, labels ports.Labels, delta int64) {
	if delta < 0 {
		return
	}
	if c, ok := m.metric(counter, name, labels).(*scalar); ok {
		c.add(float64(delta))
	}
}

// Observe implements ports.Metrics, in seconds.
func (m *Metrics) Observe(name string, labels ports.Labels, d time.Duration) {
	if h, ok := m.metric(timer, name, labels).(*histogram); ok {
		h.observe(d.Seconds())
	}
}

// Record implements ports.Metrics.
func (m *Metrics) Record(name string, labels ports.Labels, value float64) {
	if h, ok := m.metric(distribution, name, labels).(*histogram); ok {
		h.observe(value)
	}
}

// Gauge implements ports.Metrics.
func (m *Metrics) Gauge(name string, labels ports.Labels, value float64) {
	if g, ok := m.metric(gauge, name, labels).(*scalar); ok {
		g.set(value)
	}
}

// Series returns the Prometheus name of a metric (before the "_total" or
// "_seconds" suffix of counters and timers) and its labels, as the package
// doc describes.
func (m *Metrics) Series(name string, labels ports.Labels) (string, ports.Labels) {
	if head, code, ok := strings.Cut(name, statusCodes); ok {
		if _, has := labels["status_code"]; !has {
			labels = maps.Clone(labels)
			if labels == nil {
				labels = ports.Labels{}
			}
			labels["status_code"] = code
		}
		name = head + statusCodes[:len(statusCodes)-1]
	}
	if r, ok := renames[name]; ok {
		name = r
	}
	prefix := m.cfg.ConsumersPrefix
	if strings.HasPrefix(name, "topic") {
		prefix = m.cfg.FrontendPrefix
	}
	return prefix + "_" + sanitize(name), labels
}

// metric returns the series of name and labels (a *scalar for counters
// and gauges, a *histogram for timers and distributions), or nil when the
// family cannot be registered or a label value is invalid.
func (m *Metrics) metric(k kind, name string, labels ports.Labels) any {
	name, labels = m.Series(name, labels)
	keys := slices.Sorted(maps.Keys(labels))
	f := m.family(k, name, keys)
	if f == nil {
		return nil
	}
	var buf [128]byte
	key, ok := labelKey(buf[:0], keys, labels)
	if !ok {
		return nil
	}
	if k == timer || k == distribution {
		return f.histogram(key)
	}
	return f.scalar(key)
}

func (m *Metrics) family(k kind, name string, keys []string) *family {
	cacheKey := string(rune('0'+k)) + name + "\x00" + strings.Join(keys, "\x00")
	if f, ok := m.families.Load(cacheKey); ok {
		return f.(*family)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if f, ok := m.families.Load(cacheKey); ok {
		return f.(*family)
	}
	labelNames := make([]string, len(keys))
	for i, key := range keys {
		labelNames[i] = sanitize(key)
	}
	fqName, buckets := name, []float64(nil)
	switch k {
	case counter:
		fqName += "_total"
	case timer:
		fqName, buckets = name+"_seconds", m.cfg.Buckets
	case distribution:
		buckets = m.cfg.ValueBuckets
	}
	f, err := newFamily(&m.keys, k, fqName, "Hermes metric "+name+".", labelNames, buckets)
	if err == nil {
		err = m.registry.Register(f)
	}
	if err != nil {
		m.log.Error("metric cannot be registered; dropping its values", "metric", name, "labels", keys, "err", err)
		f = nil
	}
	m.families.Store(cacheKey, f)
	return f
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			return r
		}
		return '_'
	}, s)
}

var _ ports.SeriesMetrics = (*Metrics)(nil)

// lazy is a handle of one series. The series is looked up at the first
// measurement, not when the handle is made: a series exists (and is
// exported, at zero) from its lookup on, and a handle made for a series
// that is never measured must not add one. Without a sync.Once and an
// interface value it is 48 bytes: a subscription keeps about ten.
type lazy[T scalar | histogram] struct {
	m       *Metrics
	name    string
	labels  ports.Labels
	v       atomic.Pointer[T] // nil until looked up
	kind    kind
	dropped atomic.Bool // the series cannot be made (logged by family)
}

// resolve returns the series, nil when it is dropped. Concurrent first
// calls look it up each and get the same one.
func (l *lazy[T]) resolve() *T {
	if v := l.v.Load(); v != nil {
		return v
	}
	if l.dropped.Load() {
		return nil
	}
	v, _ := l.m.metric(l.kind, l.name, l.labels).(*T)
	if v == nil {
		l.dropped.Store(true)
		return nil
	}
	l.v.Store(v)
	return v
}

// counterSeries is a Counter handle.
type counterSeries struct{ lazy[scalar] }

// histogramSeries is a Timer or Distribution handle.
type histogramSeries struct{ lazy[histogram] }

// Counter implements ports.SeriesMetrics.
func (m *Metrics) Counter(name string, labels ports.Labels) ports.Counter {
	return &counterSeries{lazy[scalar]{m: m, name: name, labels: labels, kind: counter}}
}

// Timer implements ports.SeriesMetrics.
func (m *Metrics) Timer(name string, labels ports.Labels) ports.Timer {
	return &histogramSeries{lazy[histogram]{m: m, name: name, labels: labels, kind: timer}}
}

// Distribution implements ports.SeriesMetrics.
func (m *Metrics) Distribution(name string, labels ports.Labels) ports.Distribution {
	return &histogramSeries{lazy[histogram]{m: m, name: name, labels: labels, kind: distribution}}
}

// Add implements ports.Counter; negative deltas are ignored, as by Count.
func (s *counterSeries) Add(delta int64) {
	if delta < 0 {
		return
	}
	if c := s.resolve(); c != nil {
		c.add(float64(delta))
	}
}

// Observe implements ports.Timer, in seconds.
func (s *histogramSeries) Observe(d time.Duration) {
	if h := s.resolve(); h != nil {
		h.observe(d.Seconds())
	}
}

// Record implements ports.Distribution.
func (s *histogramSeries) Record(v float64) {
	if h := s.resolve(); h != nil {
		h.observe(v)
	}
}
