package memory_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/ports"
)

func TestMetrics(t *testing.T) {
	t.Parallel()
	m := memory.NewMetrics()
	a := ports.Labels{"group": "g", "topic": "t"}
	b := ports.Labels{"group": "g", "topic": "u"}

	assert.Zero(t, m.CounterValue("topic.published", a))
	m.Count("topic.published", a, 2)
	m.Count("topic.published", ports.Labels{"topic": "t", "group": "g"}, 3)
	m.Count("topic.published", b, 7)
	assert.EqualValues(t, 5, m.CounterValue("topic.published", a))
	assert.EqualValues(t, 7, m.CounterValue("topic.published", b))

	m.Observe("topic.latency", a, time.Second)
	m.Observe("topic.latency", a, 2*time.Second)
	assert.Equal(t, memory.Timer{Count: 2, Sum: 3 * time.Second}, m.TimerValue("topic.latency", a))

	assert.Zero(t, m.DistributionValue("topic.message-size-bytes", a))
	m.Record("topic.message-size-bytes", a, 100)
	m.Record("topic.message-size-bytes", a, 28.5)
	m.Record("topic.message-size-bytes", b, 7)
	assert.Equal(t, memory.Distribution{Count: 2, Sum: 128.5}, m.DistributionValue("topic.message-size-bytes", a))
	assert.Equal(t, memory.Distribution{Count: 1, Sum: 7}, m.DistributionValue("topic.message-size-bytes", b))
	assert.Zero(t, m.TimerValue("topic.message-size-bytes", a), "distributions are not timers")

	_, ok := m.GaugeValue("consumer.inflight", nil)
	assert.False(t, ok)
	m.Gauge("consumer.inflight", nil, 1.5)
	m.Gauge("consumer.inflight", nil, 4)
	v, ok := m.GaugeValue("consumer.inflight", nil)
	assert.True(t, ok)
	assert.InDelta(t, 4.0, v, 0)
}
