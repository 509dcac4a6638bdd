package graphite

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.Metrics = (*Metrics)(nil)

// Config configures Metrics and its carbon backend. Zero fields take the
// defaults given.
type Config struct {
	// Address is carbon's plaintext line receiver, host:port. Default
	// "localhost:2003".
	Address string
	// Prefix starts every series path. Default "stats.tech.hermes".
	Prefix string
	// Interval between flushes. Default 10s.
	Interval time.Duration
	// MaxPending bounds the points waiting for carbon while it is away;
	// when full the oldest points are dropped and counted (see
	// Carbon.Dropped). Default 100000.
	MaxPending int
	// Timeout bounds each dial and each batch write to carbon. Default 2s.
	Timeout time.Duration
	// MinBackoff and MaxBackoff bound the exponential wait between
	// failed connection attempts; attempts happen only at flushes.
	// Defaults 1s and 1m.
	MinBackoff, MaxBackoff time.Duration
}

func (c Config) withDefaults() Config {
	set := func(p *time.Duration, d time.Duration) {
		if *p == 0 {
			*p = d
		}
	}
	if c.Address == "" {
		c.Address = "localhost:2003"
	}
	if c.Prefix == "" {
		c.Prefix = "stats.tech.hermes"
	}
	if c.MaxPending == 0 {
		c.MaxPending = 100000
	}
	set(&c.Interval, 10*time.Second)
	set(&c.Timeout, 2*time.Second)
	set(&c.MinBackoff, time.Second)
	set(&c.MaxBackoff, time.Minute)
	return c
}

// validate reports every problem of a defaulted config at once.
func (c Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Address); err != nil {
		errs = append(errs, fmt.Errorf("graphite: address %q: want host:port: %w: %w", c.Address, domain.ErrValidation, err))
	}
	for name, d := range map[string]time.Duration{"interval": c.Interval, "timeout": c.Timeout, "min_backoff": c.MinBackoff, "max_backoff": c.MaxBackoff} {
		if d < 0 {
			errs = append(errs, fmt.Errorf("graphite: %s %s: want a positive duration: %w", name, d, domain.ErrValidation))
		}
	}
	if c.MaxPending < 0 {
		errs = append(errs, fmt.Errorf("graphite: max_pending %d: want a positive number: %w", c.MaxPending, domain.ErrValidation))
	}
	return errors.Join(errs...)
}

// Backend stores what a flush produced. Write and Close are called from
// one goroutine at a time.
type Backend interface {
	// Write stores each series' value at ts (dotted series paths).
	Write(ts time.Time, points map[string]float64) error
	// Close releases the backend; Write is not called after it.
	Close() error
}

// Metrics is the Graphite ports.Metrics. Count, Observe, Record and Gauge
// only update in-memory aggregates under a mutex, never waiting for I/O; they
// are safe for concurrent use. Start begins the flushes; Close stops them
// after one last flush.
type Metrics struct {
	cfg     Config
	backend Backend
	log     *slog.Logger
	agg     *aggregates

	flushMu sync.Mutex // serialises flushes and the backend
	failing bool       // the last flush failed; guarded by flushMu
	closed  bool       // the backend is closed; guarded by flushMu

	startOnce, closeOnce sync.Once
	stop                 chan struct{}
	wg                   sync.WaitGroup
	closeErr             error
}

// New returns Metrics flushing to carbon at cfg.Address. Nothing is
// dialled before the first flush.
func New(cfg Config, log *slog.Logger) (*Metrics, error) {
	m, err := NewWithBackend(cfg, nil, log)
	if err != nil {
		return nil, err
	}
	m.backend = NewCarbon(m.cfg, log)
	return m, nil
}

// NewWithBackend returns Metrics flushing to b (e.g. the whisper package's
// Store). cfg.Address and the carbon fields are not used.
func NewWithBackend(cfg Config, b Backend, log *slog.Logger) (*Metrics, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Metrics{cfg: cfg, backend: b, log: log, agg: newAggregates(), stop: make(chan struct{})}, nil
}

// Path returns the series path of a metric without suffix (see the
// package doc), with the configured prefix.
func (m *Metrics) Path(name string, labels ports.Labels) string {
	return Path(m.cfg.Prefix, name, labels)
}

// Count implements ports.Metrics.
func (m *Metrics) Count(name string, labels ports.Labels, delta int64) {
	m.agg.count(seriesPath(m.cfg.Prefix, name, labels, countSuffix), delta)
}

// Observe implements ports.Metrics.
func (m *Metrics) Observe(name string, labels ports.Labels, d time.Duration) {
	m.agg.observe(m.Path(name, labels), d)
}

// Record implements ports.Metrics.
func (m *Metrics) Record(name string, labels ports.Labels, value float64) {
	m.agg.record(m.Path(name, labels), value)
}

// Gauge implements ports.Metrics.
func (m *Metrics) Gauge(name string, labels ports.Labels, value float64) {
	m.agg.gauge(m.Path(name, labels), value)
}

// Dropped returns how many points the backend dropped for lack of buffer
// space (Carbon.Dropped); 0 for backends that never drop.
func (m *Metrics) Dropped() int64 {
	if d, ok := m.backend.(interface{ Dropped() int64 }); ok {
		return d.Dropped()
	}
	return 0
}

// Start begins flushing every Config.Interval in a goroutine that Close
// stops. Calls after the first do nothing.
func (m *Metrics) Start() {
	m.startOnce.Do(func() {
		m.wg.Add(1)
		go m.loop()
	})
}

func (m *Metrics) loop() {
	defer m.wg.Done()
	tick := time.NewTicker(m.cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-tick.C:
			m.Flush()
		}
	}
}

// Flush hands the current values to the backend now. A failure is logged
// when it starts and when it ends, not at every flush; with carbon away the
// points wait in its bounded buffer. Safe to call concurrently with the
// flush loop.
func (m *Metrics) Flush() {
	m.flushMu.Lock()
	defer m.flushMu.Unlock()
	m.flushLocked()
}

func (m *Metrics) flushLocked() {
	if m.closed {
		return
	}
	err := m.backend.Write(time.Now(), m.agg.snapshot())
	switch {
	case err != nil && !m.failing:
		m.log.Warn("metrics flush failed; retrying at the next flushes", "err", err)
	case err == nil && m.failing:
		m.log.Info("metrics flush recovered")
	}
	m.failing = err != nil
}

// Close stops the flush loop, flushes once more and closes the backend.
// Calls after the first return the first result. Count, Observe, Record
// and Gauge stay safe to call after Close; their values are no longer written.
func (m *Metrics) Close() error {
	m.closeOnce.Do(func() {
		close(m.stop)
		m.wg.Wait()
		m.flushMu.Lock()
		defer m.flushMu.Unlock()
		m.flushLocked()
		m.closed = true
		m.closeErr = m.backend.Close()
	})
	return m.closeErr
}

var _ ports.SeriesMetrics = (*Metrics)(nil)

// counterSeries is a handle of one counter: its path, rendered once with
// countSuffix (the name it is flushed as), and its cell, found at the first
// Add (a series is flushed once used, never before). Adds after the first
// neither hash the path nor lock: a counter per delivered message.
type counterSeries struct {
	agg  *aggregates
	path string
	cell atomic.Pointer[atomic.Int64]
}

func (s *counterSeries) Add(delta int64) {
	c := s.cell.Load()
	if c == nil {
		c = s.agg.counterCell(s.path)
		s.cell.Store(c)
	}
	c.Add(delta)
}

// distributionSeries is a handle of one timer or distribution, found at
// its first use as counterSeries is; a value still takes its shard's lock.
type distributionSeries struct {
	agg   *aggregates
	path  string
	found atomic.Pointer[foundDistribution]
}

type foundDistribution struct {
	shard *aggregateShard
	d     *distribution
}

func (s *distributionSeries) Record(v float64) {
	f := s.found.Load()
	if f == nil {
		shard, d := s.agg.distributionOf(s.path)
		f = &foundDistribution{shard, d}
		s.found.Store(f)
	}
	f.shard.record(f.d, v)
}

func (s *distributionSeries) Observe(d time.Duration) {
	s.Record(float64(d) / float64(time.Millisecond))
}

// Counter implements ports.SeriesMetrics.
func (m *Metrics) Counter(name string, labels ports.Labels) ports.Counter {
	return &counterSeries{agg: m.agg, path: seriesPath(m.cfg.Prefix, name, labels, countSuffix)}
}

// Timer implements ports.SeriesMetrics.
func (m *Metrics) Timer(name string, labels ports.Labels) ports.Timer {
	return &distributionSeries{agg: m.agg, path: m.Path(name, labels)}
}

// Distribution implements ports.SeriesMetrics.
func (m *Metrics) Distribution(name string, labels ports.Labels) ports.Distribution {
	return &distributionSeries{agg: m.agg, path: m.Path(name, labels)}
}
