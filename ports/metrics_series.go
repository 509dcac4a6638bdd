package ports

import (
	"sync/atomic"
	"time"
)

// Counter is one counter series of a Metrics writer, resolved once.
type Counter interface {
	// Add adds delta, as Metrics.Count with the series' name and labels.
	Add(delta int64)
}

// Timer is one timer series of a Metrics writer, resolved once.
type Timer interface {
	// Observe records d, as Metrics.Observe with the series' name and labels.
	Observe(d time.Duration)
}

// Distribution is one distribution series of a Metrics writer, resolved
// once.
type Distribution interface {
	// Record adds v, as Metrics.Record with the series' name and labels.
	Record(v float64)
}

// SeriesMetrics is implemented by Metrics writers that can resolve a
// series (a name and its labels) once for callers that record into it on
// every message: through a handle, a measurement costs no label sorting,
// path or key building and no allocation. Creating a handle records
// nothing (a series still appears at its first measurement); handles stay
// valid for the writer's lifetime and are safe for concurrent use. The
// labels must not be changed after the call.
type SeriesMetrics interface {
	Counter(name string, labels Labels) Counter
	Timer(name string, labels Labels) Timer
	Distribution(name string, labels Labels) Distribution
}

// CounterOf returns m's handle of a counter series: m's own when m is a
// SeriesMetrics, else one that calls m.Count.
func CounterOf(m Metrics, name string, labels Labels) Counter {
	if s, ok := m.(SeriesMetrics); ok {
		return s.Counter(name, labels)
	}
	return series{m, name, labels}
}

// TimerOf returns m's handle of a timer series: m's own when m is a
// SeriesMetrics, else one that calls m.Observe.
func TimerOf(m Metrics, name string, labels Labels) Timer {
	if s, ok := m.(SeriesMetrics); ok {
		return s.Timer(name, labels)
	}
	return series{m, name, labels}
}

// DistributionOf returns m's handle of a distribution series: m's own
// when m is a SeriesMetrics, else one that calls m.Record.
func DistributionOf(m Metrics, name string, labels Labels) Distribution {
	if s, ok := m.(SeriesMetrics); ok {
		return s.Distribution(name, labels)
	}
	return series{m, name, labels}
}

// series is the handle of a writer without handles of its own.
type series struct {
	m      Metrics
	name   string
	labels Labels
}

func (s series) Add(delta int64)         { s.m.Count(s.name, s.labels, delta) }
func (s series) Observe(d time.Duration) { s.m.Observe(s.name, s.labels, d) }
func (s series) Record(v float64)        { s.m.Record(s.name, s.labels, v) }

// CounterSet is a fixed set of counter series with the same labels (the
// status classes of a topic, say), each resolved at its first Add so that
// a series never counted has none. Safe for concurrent use.
type CounterSet struct {
	m       Metrics
	labels  Labels
	names   []string
	handles []atomic.Pointer[Counter]
}

// NewCounterSet returns the set of m's counters names with labels.
func NewCounterSet(m Metrics, labels Labels, names []string) *CounterSet {
	return &CounterSet{m: m, labels: labels, names: names, handles: make([]atomic.Pointer[Counter], len(names))}
}

// Add adds delta to the i-th counter; i must be in range.
func (s *CounterSet) Add(i int, delta int64) {
	h := s.handles[i].Load()
	if h == nil {
		c := CounterOf(s.m, s.names[i], s.labels)
		s.handles[i].CompareAndSwap(nil, &c)
		h = s.handles[i].Load()
	}
	(*h).Add(delta)
}
