// Package metrics is the contract suite of ports.Metrics: every adapter's
// contract_test.go calls Run. The suite writes through the port and reads
// back through the backend (a scrape, carbon's or the embedded whisper
// files), so it checks what a dashboard would see.
//
// Every test uses its own group and topic names, so the tests run in
// parallel and a harness may share one backend between tests.
package metrics

import (
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

// Harness gives the suite the adapter under test.
type Harness struct {
	// Metrics is the adapter under test.
	Metrics ports.Metrics
	// Flush makes what Metrics recorded so far reach the backend (nil when
	// reads see recorded values at once). Safe for concurrent use.
	Flush func()
	// Read returns what the backend holds for a metric: a counter's total,
	// a timer's number of observations, a distribution's number of recorded
	// values or a gauge's value; ok is false when
	// the backend has nothing for it (yet). It must not call t.Fatal: the
	// suite polls it from another goroutine.
	Read func(name string, labels ports.Labels) (value float64, ok bool)
	// Unreachable returns Metrics, running as in production, whose backend
	// cannot be reached. Required when Features.Backend.
	Unreachable func(t *testing.T) ports.Metrics
}

// Features are the capabilities of the adapter under test.
type Features struct {
	// Backend: the adapter pushes to a backend that can be away, and
	// Harness.Unreachable is set.
	Backend bool
}

// wait bounds every poll of the backend; generous for a real carbon-cache.
const wait = 15 * time.Second

var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

// topicLabels returns group and topic labels no other test uses.
func topicLabels() ports.Labels {
	return ports.Labels{"group": "contract" + runID, "topic": fmt.Sprintf("t%d", seq.Add(1))}
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
		skip bool
	}{
		{"NeverBlocksWhenBackendDown", testNeverBlocks, !f.Backend},
		{"UnwrittenSeriesIsAbsent", testAbsent, false},
		{"ConcurrentCountsAddUp", testConcurrentCounts, false},
		{"CountsAccumulateAcrossFlushes", testAccumulate, false},
		{"LabelsKeepSeriesApart", testLabelsApart, false},
		{"DottedLabelValuesStayApart", testDottedLabels, false},
		{"TimersRecordCount", testTimers, false},
		{"DistributionsRecordCount", testDistributions, false},
		{"GaugeKeepsLastValue", testGauge, false},
		{"SeriesHandlesAddToTheSameSeries", testSeriesHandles, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("feature not claimed")
			}
			t.Parallel()
			tc.run(t, newHarness(t))
		})
	}
}

func flush(h Harness) {
	if h.Flush != nil {
		h.Flush()
	}
}

// requireValue flushes and reads until the metric has want.
func requireValue(t *testing.T, h Harness, name string, labels ports.Labels, want float64) {
	t.Helper()
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		flush(h)
		v, ok := h.Read(name, labels)
		assert.True(c, ok, "%s %v not in the backend", name, labels)
		assert.Equal(c, want, v, "%s %v", name, labels)
	}, wait, 100*time.Millisecond)
}

func testNeverBlocks(t *testing.T, h Harness) {
	require.NotNil(t, h.Unreachable, "Features.Backend needs Harness.Unreachable")
	m := h.Unreachable(t)
	labels := topicLabels()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10000 {
			m.Count("topic.published", labels, 1)
			m.Observe("topic.latency", labels, time.Duration(i)*time.Microsecond)
			m.Record("topic.message-size-bytes", labels, float64(i))
			m.Gauge("subscription.inflight", labels, float64(i))
		}
	}()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Count/Observe/Record/Gauge did not complete while the backend is down")
	}
}

func testAbsent(t *testing.T, h Harness) {
	written, other := topicLabels(), topicLabels()
	h.Metrics.Count("topic.published", written, 1)
	requireValue(t, h, "topic.published", written, 1)
	_, ok := h.Read("topic.published", other)
	assert.False(t, ok, "a series never written must be absent")
}

func testConcurrentCounts(t *testing.T, h Harness) {
	labels := topicLabels()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			for range 100 {
				h.Metrics.Count("topic.requests", labels, 1)
				h.Metrics.Count("topic.volume", labels, 10)
			}
		})
	}
	// a flush racing with the counting must lose nothing
	wg.Go(func() {
		for range 5 {
			flush(h)
		}
	})
	wg.Wait()
	requireValue(t, h, "topic.requests", labels, 5000)
	requireValue(t, h, "topic.volume", labels, 50000)
}

func testAccumulate(t *testing.T, h Harness) {
	labels := topicLabels()
	h.Metrics.Count("topic.published", labels, 2)
	requireValue(t, h, "topic.published", labels, 2)
	h.Metrics.Count("topic.published", labels, 3)
	requireValue(t, h, "topic.published", labels, 5)
}

func testLabelsApart(t *testing.T, h Harness) {
	a, b := topicLabels(), topicLabels()
	subA := ports.Labels{"group": a["group"], "topic": a["topic"], "subscription": "s1"}
	subB := ports.Labels{"group": a["group"], "topic": a["topic"], "subscription": "s2"}
	h.Metrics.Count("topic.published", a, 3)
	h.Metrics.Count("topic.published", b, 7)
	h.Metrics.Count("subscription.delivered", subA, 4)
	h.Metrics.Count("subscription.delivered", subB, 6)
	h.Metrics.Count("subscription.http-status-codes.2xx", subA, 4)
	h.Metrics.Count("subscription.http-status-codes.5xx", subA, 1)
	requireValue(t, h, "topic.published", a, 3)
	requireValue(t, h, "topic.published", b, 7)
	requireValue(t, h, "subscription.delivered", subA, 4)
	requireValue(t, h, "subscription.delivered", subB, 6)
	requireValue(t, h, "subscription.http-status-codes.2xx", subA, 4)
	requireValue(t, h, "subscription.http-status-codes.5xx", subA, 1)
}

func testDottedLabels(t *testing.T, h Harness) {
	base := topicLabels()
	// unescaped, both would be <group>.x.y.published
	a := ports.Labels{"group": base["group"] + ".x", "topic": "y" + base["topic"]}
	b := ports.Labels{"group": base["group"], "topic": "x.y" + base["topic"]}
	sub := ports.Labels{"group": a["group"], "topic": a["topic"], "subscription": "with.dots"}
	h.Metrics.Count("topic.published", a, 2)
	h.Metrics.Count("topic.published", b, 9)
	h.Metrics.Count("subscription.delivered", sub, 4)
	requireValue(t, h, "topic.published", a, 2)
	requireValue(t, h, "topic.published", b, 9)
	requireValue(t, h, "subscription.delivered", sub, 4)
}

func testTimers(t *testing.T, h Harness) {
	a, b := topicLabels(), topicLabels()
	for i := range 5 {
		h.Metrics.Observe("topic.latency", a, time.Duration(i+1)*time.Millisecond)
	}
	h.Metrics.Observe("topic.latency", b, time.Second)
	requireValue(t, h, "topic.latency", a, 5)
	requireValue(t, h, "topic.latency", b, 1)
	h.Metrics.Observe("topic.latency", a, time.Millisecond)
	requireValue(t, h, "topic.latency", a, 6)
}

func testDistributions(t *testing.T, h Harness) {
	a, b := topicLabels(), topicLabels()
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 25 {
				// sizes far beyond any duration bucket still count
				h.Metrics.Record("topic.message-size-bytes", a, float64(i*25+j)*(1<<20))
			}
		})
	}
	wg.Wait()
	h.Metrics.Record("topic.message-size-bytes", b, 0.5)
	requireValue(t, h, "topic.message-size-bytes", a, 100)
	requireValue(t, h, "topic.message-size-bytes", b, 1)
	h.Metrics.Record("topic.message-size-bytes", a, 1)
	requireValue(t, h, "topic.message-size-bytes", a, 101)
}

func testGauge(t *testing.T, h Harness) {
	labels := topicLabels()
	labels["subscription"] = "s"
	h.Metrics.Gauge("subscription.inflight", labels, 1)
	h.Metrics.Gauge("subscription.inflight", labels, 42)
	requireValue(t, h, "subscription.inflight", labels, 42)
}

// testSeriesHandles checks the resolved-once handles (ports.CounterOf and
// the others, the adapter's own when it is a ports.SeriesMetrics): they
// write the same series as the calls, and a handle never used leaves its
// series absent.
func testSeriesHandles(t *testing.T, h Harness) {
	labels, unused := topicLabels(), topicLabels()
	sub := ports.Labels{"group": labels["group"], "topic": labels["topic"], "subscription": "s"}
	counter := ports.CounterOf(h.Metrics, "topic.published", labels)
	timer := ports.TimerOf(h.Metrics, "topic.latency", labels)
	sizes := ports.DistributionOf(h.Metrics, "topic.message-size-bytes", labels)
	codes := ports.NewCounterSet(h.Metrics, sub, []string{"subscription.http-status-codes.2xx", "subscription.http-status-codes.5xx"})
	ports.CounterOf(h.Metrics, "topic.published", unused)
	ports.TimerOf(h.Metrics, "topic.latency", unused)
	ports.DistributionOf(h.Metrics, "topic.message-size-bytes", unused)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			for range 10 {
				counter.Add(2)
				timer.Observe(time.Millisecond)
				sizes.Record(100)
				codes.Add(0, 1)
			}
		})
	}
	wg.Wait()
	h.Metrics.Count("topic.published", labels, 1)
	requireValue(t, h, "topic.published", labels, 201)
	requireValue(t, h, "topic.latency", labels, 100)
	requireValue(t, h, "topic.message-size-bytes", labels, 100)
	requireValue(t, h, "subscription.http-status-codes.2xx", sub, 100)
	for _, name := range []string{"topic.published", "topic.latency", "topic.message-size-bytes"} {
		_, ok := h.Read(name, unused)
		assert.False(t, ok, "%s: a handle never used adds no series", name)
	}
	_, ok := h.Read("subscription.http-status-codes.5xx", sub)
	assert.False(t, ok, "a counter of a set never added to has no series")
}
