package wiring

import (
	"context"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/ports"
)

// fanout sends every measurement to each enabled writer.
type fanout []ports.Metrics

func (f fanout) Count(name string, labels ports.Labels, delta int64) {
	for _, m := range f {
		m.Count(name, labels, delta)
	}
}

func (f fanout) Observe(name string, labels ports.Labels, d time.Duration) {
	for _, m := range f {
		m.Observe(name, labels, d)
	}
}

func (f fanout) Gauge(name string, labels ports.Labels, value float64) {
	for _, m := range f {
		m.Gauge(name, labels, value)
	}
}

// metricsKinds is the effective writer list: a throwaway run keeps no
// whisper files.
func metricsKinds(cfg Config) []string {
	kinds := slices.Clone(cfg.Metrics.Kinds)
	if cfg.InMemory {
		for i, k := range kinds {
			if k == MetricsWhisper {
				kinds[i] = MetricsMemory
			}
		}
	}
	return kinds
}

// metricsWriters are the enabled writers, each annotated into a group.
type metricsWriters struct {
	fx.In
	Writers    []ports.Metrics     `group:"metrics"`
	Prometheus *prometheus.Metrics `optional:"true"`
}

func metricsModule(cfg Config) fx.Option {
	graphiteConfig := func(cfg Config) graphite.Config {
		return graphite.Config{Address: cfg.Metrics.GraphiteAddress, Prefix: cfg.Metrics.Prefix, Interval: cfg.Metrics.Interval}
	}
	startGraphite := func(lc fx.Lifecycle, m *graphite.Metrics) ports.Metrics {
		lc.Append(fx.Hook{OnStart: func(_ context.Context) error { m.Start(); return nil }, OnStop: func(context.Context) error { return m.Close() }})
		return m
	}
	writer := func(f any) fx.Option {
		return fx.Provide(fx.Annotate(f, fx.ResultTags(`group:"metrics"`)))
	}
	opts := []fx.Option{fx.Provide(func(w metricsWriters) ports.Metrics {
		if len(w.Writers) == 1 {
			return w.Writers[0]
		}
		return fanout(w.Writers)
	})}
	for _, kind := range metricsKinds(cfg) {
		switch kind {
		case MetricsMemory:
			opts = append(opts, writer(func() ports.Metrics { return memory.NewMetrics() }))
		case MetricsPrometheus:
			opts = append(opts,
				fx.Provide(func() *prometheus.Metrics { return prometheus.New(prometheus.Config{}, nil) }),
				writer(func(p *prometheus.Metrics) ports.Metrics { return p }))
		case MetricsGraphite:
			opts = append(opts, writer(func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (ports.Metrics, error) {
				m, err := graphite.New(graphiteConfig(cfg), log.With("component", "graphite"))
				if err != nil {
					return nil, err
				}
				return startGraphite(lc, m), nil
			}))
		case MetricsWhisper:
			opts = append(opts, writer(func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (ports.Metrics, error) {
				st, err := whisper.Open(whisper.Config{Dir: filepath.Join(cfg.DataDir, "metrics"), Retentions: cfg.Metrics.WhisperRetentions}, log.With("component", "whisper"))
				if err != nil {
					return nil, err
				}
				m, err := graphite.NewWithBackend(graphiteConfig(cfg), st, log.With("component", "whisper"))
				if err != nil {
					return nil, err
				}
				return startGraphite(lc, m), nil
			}))
		}
	}
	if len(metricsKinds(cfg)) == 0 {
		opts = append(opts, writer(func() ports.Metrics { return memory.NewMetrics() }))
	}
	return fx.Module("metrics", opts...)
}

// withPrometheus serves the Prometheus exposition next to h, at Hermes's
// /status/prometheus and the conventional /metrics, when it is enabled.
func withPrometheus(h http.Handler, w metricsWriters) http.Handler {
	if w.Prometheus == nil {
		return h
	}
	mux := http.NewServeMux()
	mux.Handle("/status/prometheus", w.Prometheus.Handler())
	mux.Handle("/metrics", w.Prometheus.Handler())
	mux.Handle("/", h)
	return mux
}
