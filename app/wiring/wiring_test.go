package wiring

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/ports"
)

// Every adapter combination and module subset builds a complete fx graph.
func TestOptionsValidateForEveryCombination(t *testing.T) {
	moduleSets := [][]string{
		{ModuleFrontend, ModuleConsumers, ModuleManagement},
		{ModuleFrontend}, {ModuleConsumers}, {ModuleManagement},
	}
	for _, store := range []string{MessageStoreEmbedded, MessageStoreKafka} {
		for _, meta := range []string{MetadataFile, MetadataMemory, MetadataZooKeeper} {
			for _, inMemory := range []bool{false, true} {
				for _, modules := range moduleSets {
					cfg := Defaults()
					cfg.MessageStore.Kind, cfg.Metadata.Kind, cfg.InMemory, cfg.Modules = store, meta, inMemory, modules
					cfg.MessageStore.Brokers = []string{"127.0.0.1:1"}
					cfg.Metadata.ZooKeeper.Servers = []string{"127.0.0.1:1"}
					cfg.DataDir = t.TempDir()
					t.Run(fmt.Sprintf("%s/%s/inmemory=%v/%v", store, meta, inMemory, modules), func(t *testing.T) {
						require.NoError(t, cfg.Validate())
						require.NoError(t, fx.ValidateApp(Options(cfg)))
					})
				}
			}
		}
	}
}

func TestOptionsValidateForEveryTracker(t *testing.T) {
	for _, tracker := range []string{TrackerMemory, TrackerMongo, TrackerElasticsearch} {
		t.Run(tracker, func(t *testing.T) {
			cfg := Defaults()
			cfg.Tracker.Kind = tracker
			cfg.DataDir = t.TempDir()
			require.NoError(t, cfg.Validate())
			require.NoError(t, fx.ValidateApp(Options(cfg)))
		})
	}
}

func TestOptionsValidateForEverySchemaRepository(t *testing.T) {
	for _, meta := range []string{MetadataFile, MetadataMemory, MetadataZooKeeper} {
		for _, repo := range []string{SchemaRepositoryMetadata, SchemaRepositoryRegistry} {
			t.Run(meta+"/"+repo, func(t *testing.T) {
				cfg := Defaults()
				cfg.Metadata.Kind, cfg.Schema.Repository = meta, repo
				cfg.Metadata.ZooKeeper.Servers = []string{"127.0.0.1:1"}
				cfg.Schema.RegistryURL = "http://127.0.0.1:1"
				cfg.DataDir = t.TempDir()
				require.NoError(t, cfg.Validate())
				require.NoError(t, fx.ValidateApp(Options(cfg)))
			})
		}
	}
}

func TestSchemaConfigIsValidated(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*SchemaConfig)
	}{
		{"unknown repository", func(c *SchemaConfig) { c.Repository = "confluent" }},
		{"registry without URL", func(c *SchemaConfig) { c.Repository = SchemaRepositoryRegistry }},
		{"registry URL without scheme", func(c *SchemaConfig) {
			c.Repository, c.RegistryURL = SchemaRepositoryRegistry, "localhost:8081"
		}},
		{"zero cache TTL", func(c *SchemaConfig) { c.CacheTTL = 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Defaults()
			tc.edit(&cfg.Schema)
			assert.Error(t, cfg.Validate())
		})
	}
}

func TestOptionsValidateForMetricsWriters(t *testing.T) {
	for _, kinds := range [][]string{
		{MetricsWhisper}, {MetricsGraphite}, {MetricsPrometheus}, {MetricsMemory}, {},
		{MetricsWhisper, MetricsGraphite, MetricsPrometheus},
	} {
		t.Run(fmt.Sprint(kinds), func(t *testing.T) {
			cfg := Defaults()
			cfg.Metrics.Kinds = kinds
			cfg.DataDir = t.TempDir()
			require.NoError(t, cfg.Validate())
			require.NoError(t, fx.ValidateApp(Options(cfg)))
		})
	}
}

func TestFanoutHandlesReachEveryWriter(t *testing.T) {
	a, b := memory.NewMetrics(), memory.NewMetrics()
	f := fanout{a, b}
	labels := ports.Labels{"group": "g", "topic": "t"}
	ports.CounterOf(f, "topic.published", labels).Add(2)
	ports.TimerOf(f, "topic.latency", labels).Observe(time.Millisecond)
	ports.DistributionOf(f, "topic.message-size-bytes", labels).Record(42)
	for _, m := range []*memory.Metrics{a, b} {
		assert.Equal(t, int64(2), m.CounterValue("topic.published", labels))
		assert.Equal(t, int64(1), m.TimerValue("topic.latency", labels).Count)
		assert.Equal(t, memory.Distribution{Count: 1, Sum: 42}, m.DistributionValue("topic.message-size-bytes", labels))
	}
}

func TestFanoutReachesEveryWriter(t *testing.T) {
	a, b := memory.NewMetrics(), memory.NewMetrics()
	f := fanout{a, b}
	labels := ports.Labels{"group": "g", "topic": "t"}
	f.Count("topic.published", labels, 2)
	f.Observe("topic.latency", labels, time.Millisecond)
	f.Record("topic.message-size-bytes", labels, 42)
	f.Gauge("topic.inflight", labels, 3)
	for _, m := range []*memory.Metrics{a, b} {
		assert.Equal(t, int64(2), m.CounterValue("topic.published", labels))
		assert.Equal(t, int64(1), m.TimerValue("topic.latency", labels).Count)
		assert.Equal(t, memory.Distribution{Count: 1, Sum: 42}, m.DistributionValue("topic.message-size-bytes", labels))
		v, ok := m.GaugeValue("topic.inflight", labels)
		assert.True(t, ok)
		assert.Equal(t, 3.0, v)
	}
}
