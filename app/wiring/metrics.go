package wiring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/graphite"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/prometheus"
	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
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

func (f fanout) Record(name string, labels ports.Labels, value float64) {
	for _, m := range f {
		m.Record(name, labels, value)
	}
}

func (f fanout) Gauge(name string, labels ports.Labels, value float64) {
	for _, m := range f {
		m.Gauge(name, labels, value)
	}
}

var _ ports.SeriesMetrics = fanout(nil)

// Counter implements ports.SeriesMetrics with each writer's own handle.
func (f fanout) Counter(name string, labels ports.Labels) ports.Counter {
	hs := make(fanoutCounter, len(f))
	for i, m := range f {
		hs[i] = ports.CounterOf(m, name, labels)
	}
	return hs
}

// Timer implements ports.SeriesMetrics with each writer's own handle.
func (f fanout) Timer(name string, labels ports.Labels) ports.Timer {
	hs := make(fanoutTimer, len(f))
	for i, m := range f {
		hs[i] = ports.TimerOf(m, name, labels)
	}
	return hs
}

// Distribution implements ports.SeriesMetrics with each writer's own handle.
func (f fanout) Distribution(name string, labels ports.Labels) ports.Distribution {
	hs := make(fanoutDistribution, len(f))
	for i, m := range f {
		hs[i] = ports.DistributionOf(m, name, labels)
	}
	return hs
}

// fanoutCounter, fanoutTimer and fanoutDistribution hold one handle per
// writer: a type per kind, as a subscription keeps about a dozen handles
// and one struct of all three kinds per writer tripled their size.
type (
	fanoutCounter      []ports.Counter
	fanoutTimer        []ports.Timer
	fanoutDistribution []ports.Distribution
)

func (hs fanoutCounter) Add(delta int64) {
	for _, h := range hs {
		h.Add(delta)
	}
}

func (hs fanoutTimer) Observe(d time.Duration) {
	for _, h := range hs {
		h.Observe(d)
	}
}

func (hs fanoutDistribution) Record(v float64) {
	for _, h := range hs {
		h.Record(v)
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
	kinds := metricsKinds(cfg)
	if len(kinds) == 0 {
		kinds = []string{MetricsMemory}
	}
	seen := map[string]bool{} // each writer once, whatever the config repeats
	kinds = slices.DeleteFunc(kinds, func(k string) bool { dup := seen[k]; seen[k] = true; return dup })
	queryKind := cfg.Metrics.Query.kind(kinds)
	if slices.Contains(kinds, MetricsWhisper) || queryKind == MetricsWhisper {
		opts = append(opts, fx.Provide(func(cfg Config, dir dataDir, log *slog.Logger) (*whisper.Store, error) {
			return whisper.Open(whisper.Config{Dir: dir.path("metrics"), Retentions: cfg.Metrics.WhisperRetentions, Batch: cfg.Metrics.WhisperBatch}, log.With("component", "whisper"))
		}))
	}
	for _, kind := range kinds {
		switch kind {
		case MetricsMemory:
			opts = append(opts, fx.Provide(memory.NewMetrics), writer(func(m *memory.Metrics) ports.Metrics { return m }))
		case MetricsPrometheus:
			opts = append(opts,
				fx.Provide(func(log *slog.Logger) *prometheus.Metrics {
					return prometheus.New(prometheus.Config{}, log.With("component", "prometheus"))
				}),
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
			opts = append(opts, writer(func(lc fx.Lifecycle, cfg Config, st *whisper.Store, log *slog.Logger) (ports.Metrics, error) {
				m, err := graphite.NewWithBackend(graphiteConfig(cfg), st, log.With("component", "whisper"))
				if err != nil {
					return nil, err
				}
				return startGraphite(lc, m), nil
			}))
		}
	}
	opts = append(opts, metricsReader(queryKind), fx.Provide(
		func(store ports.MetadataStore, admin ports.MessageStoreAdmin, r ports.MetricsReader, log *slog.Logger) *app.QueryMetrics {
			return app.NewQueryMetrics(store, admin, r, log.With("component", "metrics_query"))
		}))
	return fx.Module("metrics", opts...)
}

// metricsReader provides the ports.MetricsReader of kind (a resolved
// MetricsQueryConfig kind); none provides a nil reader.
func metricsReader(kind string) fx.Option {
	switch kind {
	case MetricsWhisper:
		return fx.Provide(func(cfg Config, st *whisper.Store) ports.MetricsReader {
			return whisper.NewReader(st, func(name string, labels ports.Labels) string { return graphite.Path(cfg.Metrics.Prefix, name, labels) })
		})
	case MetricsGraphite:
		return fx.Provide(func(cfg Config) (ports.MetricsReader, error) {
			q := cfg.Metrics.Query
			return graphite.NewRender(graphite.RenderConfig{URL: q.GraphiteURL, Prefix: cfg.Metrics.Prefix, Timeout: q.Timeout})
		})
	case MetricsPrometheus:
		return fx.Provide(func(cfg Config) (ports.MetricsReader, error) {
			q := cfg.Metrics.Query
			return prometheus.NewQuery(prometheus.QueryConfig{URL: q.PrometheusURL, Timeout: q.Timeout})
		})
	case MetricsMemory:
		return fx.Provide(func(m *memory.Metrics) ports.MetricsReader { return memoryReader{m} })
	}
	return fx.Provide(func() ports.MetricsReader { return nil })
}

// memoryReader reads this process's memory writer: totals only, since it
// keeps no history to take rates from.
type memoryReader struct{ m *memory.Metrics }

func (r memoryReader) Total(_ context.Context, name string, labels ports.Labels) (float64, error) {
	return float64(r.m.CounterValue(name, labels)), nil
}

func (memoryReader) Rate(context.Context, string, ports.Labels) (float64, error) {
	return 0, fmt.Errorf("memory metrics keep no history for rates: %w", domain.ErrUnavailable)
}

// kind resolves an automatic kind for the effective writer kinds.
func (q MetricsQueryConfig) kind(writers []string) string {
	switch {
	case q.Kind != MetricsQueryAuto:
		return q.Kind
	case q.PrometheusURL != "":
		return MetricsPrometheus
	case q.GraphiteURL != "":
		return MetricsGraphite
	case slices.Contains(writers, MetricsWhisper):
		return MetricsWhisper
	case len(writers) == 0 || slices.Contains(writers, MetricsMemory):
		return MetricsMemory
	}
	return MetricsQueryNone
}

// validate reports the problems of the reader config, with the fix.
func (q MetricsQueryConfig) validate(writers []string) []error {
	var errs []error
	switch q.kind(writers) {
	case MetricsPrometheus:
		if q.PrometheusURL == "" {
			errs = append(errs, errors.New("metrics.query.prometheus_url: empty: kind prometheus needs the Prometheus server's URL, e.g. http://prometheus:9090"))
		}
	case MetricsGraphite:
		if q.GraphiteURL == "" {
			errs = append(errs, errors.New("metrics.query.graphite_url: empty: kind graphite needs graphite-web's URL, e.g. http://graphite:8080"))
		}
	case MetricsMemory:
		if len(writers) > 0 && !slices.Contains(writers, MetricsMemory) {
			errs = append(errs, errors.New("metrics.query.kind memory: reads the memory writer: add memory to metrics.kinds"))
		}
	case MetricsWhisper, MetricsQueryNone:
	default:
		errs = append(errs, fmt.Errorf("metrics.query.kind %q: want whisper, graphite, prometheus, memory, none or empty (automatic)", q.Kind))
	}
	if q.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("metrics.query.timeout %s: want a positive duration such as 5s", q.Timeout))
	}
	return errs
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
