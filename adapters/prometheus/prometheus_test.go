package prometheus_test

import (
	"math"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/ports"
)

// TestHermesNames checks the names the Hermes management queries and
// dashboards use (hermes-api.md §6).
func TestHermesNames(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	topic := ports.Labels{"group": "pl.shop", "topic": "orders"}
	sub := ports.Labels{"group": "pl.shop", "topic": "orders", "subscription": "s"}
	m.Count("topic.requests", topic, 1)
	m.Count("topic.volume", topic, 100)
	m.Observe("topic.ack-leader.latency", topic, 20*time.Millisecond)
	m.Observe("topic.ack-all.broker-latency", topic, 10*time.Millisecond)
	m.Count("topic.http-status-codes.4xx", topic, 1)
	m.Record("topic.message-size-bytes", topic, 1000)
	m.Count("topic-not-found", nil, 1)
	for _, name := range []string{"delivered", "discarded", "retries", "timeouts", "other-errors", "batches", "filtered"} {
		m.Count("subscription."+name, sub, 1)
	}
	m.Count("subscription.throughput", sub, 100)
	m.Count("subscription.http-status-codes.2xx", sub, 1)
	m.Observe("subscription.latency", sub, time.Millisecond)
	for _, name := range []string{"inflight", "lag", "output-rate"} {
		m.Gauge("subscription."+name, sub, 3)
	}

	fams, err := scrape(m)
	require.NoError(t, err)
	want := map[string]dto.MetricType{
		"hermes_frontend_topic_requests_total":                  dto.MetricType_COUNTER,
		"hermes_frontend_topic_throughput_bytes_total":          dto.MetricType_COUNTER,
		"hermes_frontend_topic_ack_leader_latency_seconds":      dto.MetricType_HISTOGRAM,
		"hermes_frontend_topic_ack_all_broker_latency_seconds":  dto.MetricType_HISTOGRAM,
		"hermes_frontend_topic_http_status_codes_total":         dto.MetricType_COUNTER,
		"hermes_frontend_topic_message_size_bytes":              dto.MetricType_HISTOGRAM,
		"hermes_frontend_topic_not_found_total":                 dto.MetricType_COUNTER,
		"hermes_consumers_subscription_filtered_out_total":      dto.MetricType_COUNTER,
		"hermes_consumers_subscription_latency_seconds":         dto.MetricType_HISTOGRAM,
		"hermes_consumers_subscription_lag":                     dto.MetricType_GAUGE,
		"hermes_consumers_max_rate_output_rate":                 dto.MetricType_GAUGE,
		"hermes_consumers_subscription_delivered_total":         dto.MetricType_COUNTER,
		"hermes_consumers_subscription_discarded_total":         dto.MetricType_COUNTER,
		"hermes_consumers_subscription_retries_total":           dto.MetricType_COUNTER,
		"hermes_consumers_subscription_timeouts_total":          dto.MetricType_COUNTER,
		"hermes_consumers_subscription_other_errors_total":      dto.MetricType_COUNTER,
		"hermes_consumers_subscription_batches_total":           dto.MetricType_COUNTER,
		"hermes_consumers_subscription_throughput_bytes_total":  dto.MetricType_COUNTER,
		"hermes_consumers_subscription_http_status_codes_total": dto.MetricType_COUNTER,
		"hermes_consumers_subscription_inflight":                dto.MetricType_GAUGE,
	}
	for name, typ := range want {
		if assert.Contains(t, fams, name) {
			assert.Equal(t, typ, fams[name].GetType(), name)
		}
	}
	assert.Len(t, fams, len(want))
	codes := fams["hermes_consumers_subscription_http_status_codes_total"].GetMetric()
	require.Len(t, codes, 1)
	labels := map[string]string{}
	for _, l := range codes[0].GetLabel() {
		labels[l.GetName()] = l.GetValue()
	}
	assert.Equal(t, map[string]string{"group": "pl.shop", "topic": "orders", "subscription": "s", "status_code": "2xx"}, labels)
	h := fams["hermes_frontend_topic_ack_leader_latency_seconds"].GetMetric()[0].GetHistogram()
	assert.InDelta(t, 0.02, h.GetSampleSum(), 1e-9, "timers are in seconds")
	size := fams["hermes_frontend_topic_message_size_bytes"].GetMetric()[0].GetHistogram()
	assert.InDelta(t, 1000, size.GetSampleSum(), 1e-9, "sizes are in bytes")
	assert.Equal(t, 1024.0, size.GetBucket()[2].GetUpperBound(), "size buckets are in bytes")
	assert.Equal(t, uint64(1), size.GetBucket()[2].GetCumulativeCount())
}

// TestValueBucketsFromConfig: distributions take Config.ValueBuckets,
// timers keep Config.Buckets.
func TestValueBucketsFromConfig(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{Buckets: []float64{1}, ValueBuckets: []float64{10, 100}}, testLogger())
	topic := ports.Labels{"group": "g", "topic": "t"}
	m.Record("topic.message-size-bytes", topic, 50)
	m.Record("topic.message-size-bytes", topic, 5)
	m.Observe("topic.ack-all.latency", topic, 2*time.Second)
	fams, err := scrape(m)
	require.NoError(t, err)
	size := fams["hermes_frontend_topic_message_size_bytes"].GetMetric()[0].GetHistogram()
	assert.Equal(t, uint64(2), size.GetSampleCount())
	assert.InDelta(t, 55, size.GetSampleSum(), 1e-9)
	var bounds []float64
	var counts []uint64
	for _, b := range size.GetBucket() {
		bounds, counts = append(bounds, b.GetUpperBound()), append(counts, b.GetCumulativeCount())
	}
	assert.Equal(t, []float64{10, 100, math.Inf(1)}, bounds, "the scrape adds +Inf")
	assert.Equal(t, []uint64{1, 2, 2}, counts)
	latency := fams["hermes_frontend_topic_ack_all_latency_seconds"].GetMetric()[0].GetHistogram()
	require.Len(t, latency.GetBucket(), 2)
	assert.Equal(t, 1.0, latency.GetBucket()[0].GetUpperBound())
	assert.Zero(t, latency.GetBucket()[0].GetCumulativeCount())
}

// TestBadInputIsDropped: what Prometheus cannot take is dropped, never a
// panic, and the other series are unaffected.
func TestBadInputIsDropped(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	topic := ports.Labels{"group": "g", "topic": "t"}
	m.Count("topic.published", topic, 2)
	m.Count("topic.published", ports.Labels{"group": "g"}, 5)                  // another label set for the name
	m.Count("topic.published", topic, -1)                                      // counters only go up
	m.Count("topic.published", ports.Labels{"group": "g", "topic": "\xff"}, 1) // invalid UTF-8
	m.Count("topic.published", topic, 1)
	v, ok := read(m, "topic.published", topic)
	require.True(t, ok)
	assert.Equal(t, 3.0, v)
	_, ok = read(m, "topic.published", ports.Labels{"group": "g"})
	assert.False(t, ok)
}

// TestConcurrentFirstUse: many goroutines creating the same and different
// series at once all land in one registry.
func TestConcurrentFirstUse(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			for _, name := range []string{"topic.requests", "topic.published", "subscription.delivered"} {
				m.Count(name, ports.Labels{"group": "g", "topic": "t"}, 1)
				m.Observe(name, ports.Labels{"group": "g", "topic": "t"}, time.Millisecond)
			}
		})
	}
	wg.Wait()
	for _, name := range []string{"topic.requests", "topic.published", "subscription.delivered"} {
		v, ok := read(m, name, ports.Labels{"group": "g", "topic": "t"})
		require.True(t, ok, name)
		assert.Equal(t, 20.0, v, name)
	}
}

// TestHistogramLabelLeIsDropped: a timer with a label named "le" (which
// its buckets use) is dropped with an error logged, not a panic.
func TestHistogramLabelLeIsDropped(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	m.Observe("subscription.latency", ports.Labels{"le": "x"}, time.Millisecond)
	m.Timer("subscription.latency", ports.Labels{"le": "x"}).Observe(time.Millisecond)
	m.Count("subscription.delivered", ports.Labels{"le": "x"}, 1) // a counter may have it
	v, ok := read(m, "subscription.delivered", ports.Labels{"le": "x"})
	require.True(t, ok)
	assert.Equal(t, 1.0, v)
	_, ok = read(m, "subscription.latency", ports.Labels{"le": "x"})
	assert.False(t, ok)
}

// TestConcurrentObservations: every observation of one histogram from
// many goroutines is counted, in its bucket and in the sum.
func TestConcurrentObservations(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{Buckets: []float64{0.01, 1}}, testLogger())
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	timer := m.Timer("subscription.latency", labels)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 500 {
				timer.Observe(time.Millisecond)
				m.Observe("subscription.latency", labels, 2*time.Second)
				m.Count("subscription.delivered", labels, 1)
			}
		})
	}
	wg.Wait()
	fams, err := scrape(m)
	require.NoError(t, err)
	h := fams["hermes_consumers_subscription_latency_seconds"].GetMetric()[0].GetHistogram()
	assert.Equal(t, uint64(8000), h.GetSampleCount())
	assert.InDelta(t, 4000*0.001+4000*2.0, h.GetSampleSum(), 1e-6)
	assert.Equal(t, uint64(4000), h.GetBucket()[0].GetCumulativeCount())
	assert.Equal(t, uint64(4000), h.GetBucket()[1].GetCumulativeCount())
	delivered, ok := read(m, "subscription.delivered", labels)
	require.True(t, ok)
	assert.Equal(t, 4000.0, delivered)
}

// TestHandles: a handle adds its series at its first measurement, from
// any number of goroutines at once, and a handle of a series Prometheus
// cannot take drops its values.
func TestHandles(t *testing.T) {
	t.Parallel()
	m := prometheus.New(prometheus.Config{}, testLogger())
	labels := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	delivered := m.Counter("subscription.delivered", labels)
	latency := m.Timer("subscription.latency", labels)
	_, ok := read(m, "subscription.delivered", labels)
	require.False(t, ok, "no series before the first measurement")
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			delivered.Add(1)
			latency.Observe(time.Millisecond)
		})
	}
	wg.Wait()
	v, ok := read(m, "subscription.delivered", labels)
	require.True(t, ok)
	assert.Equal(t, 16.0, v)
	v, ok = read(m, "subscription.latency", labels)
	require.True(t, ok)
	assert.Equal(t, 16.0, v, "the timer's sample count")

	bad := ports.Labels{"group": "g", "topic": "\xff", "subscription": "s"}
	c := m.Counter("subscription.delivered", bad)
	c.Add(1)
	c.Add(1)
	m.Distribution("subscription.batch-size", bad).Record(3)
	fams, err := scrape(m)
	require.NoError(t, err)
	assert.Len(t, fams["hermes_consumers_subscription_delivered_total"].GetMetric(), 1, "the invalid label set is dropped")
	assert.NotContains(t, fams, "hermes_consumers_subscription_batch_size")
}
