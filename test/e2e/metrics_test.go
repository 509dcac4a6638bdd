package e2e

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A known workload on the embedded default (whisper files, read back by
// the management endpoints) with Prometheus enabled too: the metrics
// endpoints and the scraped counters show what was published and
// delivered.
func TestMetricsAfterAWorkload(t *testing.T) {
	t.Parallel()
	const n = 7
	h := startHermes(t, t.TempDir(), "HERMES_METRICS__KINDS=whisper,prometheus", "HERMES_METRICS__INTERVAL=200ms",
		"HERMES_CONSUMERS__RATE_SUPERVISOR_PERIOD=200ms") // lag and inflight gauges every 200 ms
	sub := newSubscriber(t)
	createTopic(t, h, "metrics", "orders")
	createSubscription(t, h, "metrics.orders", "s", sub.URL, "")

	var published int
	for i := range n {
		body := fmt.Sprintf(`{"n":%d}`, i)
		publish(t, h, "metrics.orders", body)
		published += len(body)
	}
	sub.waitFor(t, n)

	var topic map[string]any
	require.Eventually(t, func() bool {
		topic = nil
		return pollJSON(h.management+"/topics/metrics.orders/metrics", &topic) && topic["published"] == float64(n)
	}, 20*time.Second, 100*time.Millisecond, "topic metrics %v", topic)
	assert.Equal(t, float64(published), topic["volume"])
	assert.Equal(t, float64(1), topic["subscriptions"])
	for _, rate := range []string{"rate", "deliveryRate", "throughput"} {
		assert.Regexp(t, `^\d+\.\d+$`, topic[rate], "%s is a decimal string", rate)
	}

	var s map[string]any
	require.Eventually(t, func() bool {
		s = nil
		return pollJSON(h.management+"/topics/metrics.orders/subscriptions/s/metrics", &s) && s["delivered"] == float64(n)
	}, 20*time.Second, 100*time.Millisecond, "subscription metrics %v", s)
	assert.Equal(t, float64(0), s["discarded"])
	assert.Equal(t, float64(published), s["volume"])
	assert.Equal(t, "ACTIVE", s["state"])
	for _, rate := range []string{"rate", "codes2xx", "codes4xx", "codes5xx", "timeouts", "otherErrors", "retries", "throughput", "batchRate"} {
		assert.Regexp(t, `^\d+\.\d+$`, s[rate], "%s is a decimal string", rate)
	}
	// Lag is read from Kafka: nothing left once the delivered messages'
	// offsets are committed (every commit period).
	require.Eventually(t, func() bool {
		s = nil
		return pollJSON(h.management+"/topics/metrics.orders/subscriptions/s/metrics", &s) && s["lag"] == "0"
	}, 20*time.Second, 100*time.Millisecond, "lag %v", s["lag"])
	assert.JSONEq(t, fmt.Sprintf(`{"delivered":%d,"discarded":0,"volume":%d}`, n, published),
		mustCall(t, http.StatusOK, "GET", h.management+"/topics/metrics.orders/subscriptions/s/metrics/persistent", ""))

	// Hermes answers 200 with unavailable rates for a topic that does not
	// exist, and SUBSCRIPTION_NOT_EXISTS for a subscription.
	missing := getJSON(t, h.management+"/topics/metrics.missing/metrics")
	assert.Equal(t, "unavailable", missing["rate"])
	assert.Contains(t, mustCall(t, http.StatusBadRequest, "GET", h.management+"/topics/metrics.orders/subscriptions/nope/metrics", ""), "SUBSCRIPTION_NOT_EXISTS")

	// One body refused (400) and one publish to a topic that does not exist.
	const bad = `{"n":`
	mustCall(t, http.StatusBadRequest, "POST", h.frontend+"/topics/metrics.orders", bad)
	mustCall(t, http.StatusNotFound, "POST", h.frontend+"/topics/metrics.nope", `{}`)

	families := scrapePrometheus(t, h.frontend+"/status/prometheus")
	labels := map[string]string{"group": "metrics", "topic": "orders"}
	assert.Equal(t, float64(n), counterValue(families, "hermes_frontend_topic_published_total", labels))
	assert.Equal(t, float64(n), counterValue(families, "hermes_frontend_topic_http_status_codes_total", with(labels, "status_code", "2xx")))
	assert.Equal(t, float64(1), counterValue(families, "hermes_frontend_topic_http_status_codes_total", with(labels, "status_code", "4xx")))
	assert.Equal(t, float64(1), counterValue(families, "hermes_frontend_topic_not_found_total", map[string]string{}),
		"unknown topics count without their names")
	sizes := histogram(families, "hermes_frontend_topic_message_size_bytes", labels)
	assert.Equal(t, uint64(n+1), sizes.GetSampleCount(), "every body read")
	assert.Equal(t, float64(published+len(bad)), sizes.GetSampleSum(), "in bytes")
	assert.Equal(t, uint64(n+1), histogram(families, "hermes_frontend_topic_ack_leader_latency_seconds", labels).GetSampleCount(),
		"the whole request, every answer")
	assert.Equal(t, uint64(n), histogram(families, "hermes_frontend_topic_ack_leader_broker_latency_seconds", labels).GetSampleCount(),
		"the store's ack, refused bodies never reach it")

	sl := with(labels, "subscription", "s")
	assert.Equal(t, float64(n), counterValue(families, "hermes_consumers_subscription_delivered_total", sl))
	assert.Equal(t, uint64(n), histogram(families, "hermes_consumers_subscription_latency_seconds", sl).GetSampleCount())
	require.Eventually(t, func() bool {
		families := scrapePrometheus(t, h.frontend+"/status/prometheus")
		return gaugeValue(families, "hermes_consumers_subscription_lag", sl) == 0 &&
			gaugeValue(families, "hermes_consumers_subscription_inflight", sl) == 0
	}, 20*time.Second, 100*time.Millisecond, "lag and inflight gauges")
}

// with returns a copy of labels with k set to v.
func with(labels map[string]string, k, v string) map[string]string {
	out := maps.Clone(labels)
	out[k] = v
	return out
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", url, "")), &v))
	return v
}

func scrapePrometheus(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	body := mustCall(t, http.StatusOK, "GET", url, "")
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(body))
	require.NoError(t, err)
	return families
}

// series returns the metric of the family with exactly labels, or nil.
func series(families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Metric {
	for _, m := range families[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if fmt.Sprint(got) == fmt.Sprint(labels) {
			return m
		}
	}
	return nil
}

// counterValue returns the counter of the family with exactly labels, or
// -1 when there is none.
func counterValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m := series(families, name, labels); m != nil {
		return m.GetCounter().GetValue()
	}
	return -1
}

// gaugeValue is counterValue for gauges.
func gaugeValue(families map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	if m := series(families, name, labels); m != nil {
		return m.GetGauge().GetValue()
	}
	return -1
}

// histogram returns the histogram with exactly labels (empty when none).
func histogram(families map[string]*dto.MetricFamily, name string, labels map[string]string) *dto.Histogram {
	return series(families, name, labels).GetHistogram()
}
