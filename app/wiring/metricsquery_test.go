package wiring

import (
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/ports"
)

func TestMetricsQueryKindIsChosenByConfig(t *testing.T) {
	tests := []struct {
		name    string
		query   MetricsQueryConfig
		writers []string
		want    string
	}{
		{"default: whisper writer", MetricsQueryConfig{}, []string{MetricsWhisper, MetricsPrometheus}, MetricsWhisper},
		{"prometheus url", MetricsQueryConfig{PrometheusURL: "http://p:9090", GraphiteURL: "http://g"}, []string{MetricsWhisper}, MetricsPrometheus},
		{"graphite url", MetricsQueryConfig{GraphiteURL: "http://g"}, []string{MetricsWhisper}, MetricsGraphite},
		{"memory writer", MetricsQueryConfig{}, []string{MetricsMemory}, MetricsMemory},
		{"no writer is the memory writer", MetricsQueryConfig{}, nil, MetricsMemory},
		{"nothing readable", MetricsQueryConfig{}, []string{MetricsPrometheus}, MetricsQueryNone},
		{"explicit", MetricsQueryConfig{Kind: MetricsQueryNone, PrometheusURL: "http://p:9090"}, []string{MetricsWhisper}, MetricsQueryNone},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.query.kind(tt.writers), tt.name)
	}
}

func TestValidateMetricsQuery(t *testing.T) {
	cfg := Defaults()
	cfg.Metrics.Query = MetricsQueryConfig{Kind: MetricsPrometheus}
	cfg.Metrics.Kinds = []string{MetricsWhisper}
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "metrics.query.prometheus_url: empty")
	assert.Contains(t, err.Error(), "metrics.query.timeout 0s")

	cfg.Metrics.Query = MetricsQueryConfig{Kind: MetricsGraphite, Timeout: 1}
	assert.ErrorContains(t, cfg.Validate(), "metrics.query.graphite_url: empty")
	cfg.Metrics.Query.Kind = MetricsMemory
	assert.ErrorContains(t, cfg.Validate(), "add memory to metrics.kinds")
	cfg.Metrics.Query.Kind = "influx"
	assert.ErrorContains(t, cfg.Validate(), `metrics.query.kind "influx"`)
}

func TestOptionsValidateForMetricsReaders(t *testing.T) {
	for _, q := range []MetricsQueryConfig{
		{}, {Kind: MetricsWhisper}, {Kind: MetricsQueryNone},
		{PrometheusURL: "http://127.0.0.1:1"}, {GraphiteURL: "http://127.0.0.1:1"},
	} {
		cfg := Defaults()
		cfg.Metrics.Kinds = []string{MetricsPrometheus}
		cfg.Metrics.Query.Kind, cfg.Metrics.Query.PrometheusURL, cfg.Metrics.Query.GraphiteURL = q.Kind, q.PrometheusURL, q.GraphiteURL
		cfg.DataDir = t.TempDir()
		require.NoError(t, cfg.Validate(), q)
		require.NoError(t, fx.ValidateApp(Options(cfg)), q)
	}
}

// TestMetricsReaderOfEachKind builds each reader.
func TestMetricsReaderOfEachKind(t *testing.T) {
	cfg := Defaults()
	cfg.Metrics.Query.PrometheusURL, cfg.Metrics.Query.GraphiteURL = "http://127.0.0.1:1", "http://127.0.0.1:2"
	store, err := whisper.Open(whisper.Config{Dir: t.TempDir()}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	for kind, want := range map[string]ports.MetricsReader{
		MetricsWhisper: &whisper.Reader{}, MetricsGraphite: &graphite.Render{}, MetricsPrometheus: &prometheus.Query{},
		MetricsMemory: memoryReader{}, MetricsQueryNone: nil,
	} {
		var r ports.MetricsReader
		app := fx.New(fx.NopLogger, fx.Supply(cfg, store, memory.NewMetrics()), metricsReader(kind), fx.Populate(&r))
		require.NoError(t, app.Err(), kind)
		assert.IsType(t, want, r, kind)
	}
}
