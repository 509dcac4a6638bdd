package graphite_test

import (
	"testing"
	"time"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/ports"
)

// BenchmarkCount is one metric call as a publish makes four of.
func BenchmarkCount(b *testing.B) {
	m, err := graphite.New(graphite.Config{Interval: time.Hour}, testLogger())
	if err != nil {
		b.Fatal(err)
	}
	labels := ports.Labels{"group": "pl.allegro.bench", "topic": "orders"}
	b.ReportAllocs()
	for b.Loop() {
		m.Count("topic.published", labels, 1)
	}
}

func BenchmarkPath(b *testing.B) {
	labels := ports.Labels{"group": "pl.allegro.bench", "topic": "orders", "subscription": "s"}
	b.ReportAllocs()
	for b.Loop() {
		graphite.Path("stats.tech.hermes", "subscription.delivered", labels)
	}
}

// BenchmarkCounterHandle is BenchmarkCount through a handle resolved once.
func BenchmarkCounterHandle(b *testing.B) {
	m, err := graphite.New(graphite.Config{Interval: time.Hour}, testLogger())
	if err != nil {
		b.Fatal(err)
	}
	c := ports.CounterOf(m, "topic.published", ports.Labels{"group": "pl.allegro.bench", "topic": "orders"})
	b.ReportAllocs()
	for b.Loop() {
		c.Add(1)
	}
}
