package memory_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/ports"
)

// BenchmarkCount is one metric call as a publish makes four of.
func BenchmarkCount(b *testing.B) {
	m := memory.NewMetrics()
	labels := ports.Labels{"group": "pl.allegro.bench", "topic": "orders"}
	b.ReportAllocs()
	for b.Loop() {
		m.Count("topic.published", labels, 1)
	}
}

// BenchmarkCounterHandle is the same count through a handle resolved once.
func BenchmarkCounterHandle(b *testing.B) {
	c := ports.CounterOf(memory.NewMetrics(), "topic.published", ports.Labels{"group": "pl.allegro.bench", "topic": "orders"})
	b.ReportAllocs()
	for b.Loop() {
		c.Add(1)
	}
}
