package memory

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/ports"
)

var _ ports.Metrics = (*Metrics)(nil)

// Metrics is a ports.Metrics that keeps values in memory, for tests and
// for running without a metrics backend. Memory grows with the number of
// distinct name and label combinations only; timers and distributions
// keep a count and a sum.
type Metrics struct {
	mu            sync.Mutex
	counters      map[string]int64
	timers        map[string]Timer
	distributions map[string]Distribution
	gauges        map[string]float64
}

// Timer is what Metrics keeps of a timer.
type Timer struct {
	Count int64
	Sum   time.Duration
}

// Distribution is what Metrics keeps of a distribution of plain values.
type Distribution struct {
	Count int64
	Sum   float64
}

// NewMetrics returns empty metrics.
func NewMetrics() *Metrics {
	return &Metrics{counters: map[string]int64{}, timers: map[string]Timer{}, distributions: map[string]Distribution{}, gauges: map[string]float64{}}
}

// key renders name{k=v,...} with sorted label keys. It runs per metric
// call: up to eight labels are sorted on the stack.
func key(name string, labels ports.Labels) string {
	var arr [8]string
	keys := arr[:0]
	if len(labels) > len(arr) {
		keys = make([]string, 0, len(labels))
	}
	n := len(name) + 2
	for k, v := range labels {
		keys = append(keys, k)
		n += len(k) + len(v) + 2
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(n)
	b.WriteString(name)
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(labels[k])
	}
	b.WriteByte('}')
	return b.String()
}

// Count implements ports.Metrics.
func (m *Metrics) Count(name string, labels ports.Labels, delta int64) {
	series{m, key(name, labels)}.Add(delta)
}

// Observe implements ports.Metrics.
func (m *Metrics) Observe(name string, labels ports.Labels, d time.Duration) {
	series{m, key(name, labels)}.Observe(d)
}

// Record implements ports.Metrics.
func (m *Metrics) Record(name string, labels ports.Labels, value float64) {
	series{m, key(name, labels)}.Record(value)
}

// Gauge implements ports.Metrics.
func (m *Metrics) Gauge(name string, labels ports.Labels, value float64) {
	k := key(name, labels)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gauges[k] = value
}

// CounterValue returns a counter's total, 0 when never counted.
func (m *Metrics) CounterValue(name string, labels ports.Labels) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counters[key(name, labels)]
}

// TimerValue returns what a timer recorded, zero when never observed.
func (m *Metrics) TimerValue(name string, labels ports.Labels) Timer {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.timers[key(name, labels)]
}

// DistributionValue returns what a distribution recorded, zero when never
// recorded.
func (m *Metrics) DistributionValue(name string, labels ports.Labels) Distribution {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.distributions[key(name, labels)]
}

// GaugeValue returns a gauge's last value and whether it was ever set.
func (m *Metrics) GaugeValue(name string, labels ports.Labels) (float64, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.gauges[key(name, labels)]
	return v, ok
}

var _ ports.SeriesMetrics = (*Metrics)(nil)

// series is a handle of one series: its key, rendered once.
type series struct {
	m   *Metrics
	key string
}

// Counter implements ports.SeriesMetrics.
func (m *Metrics) Counter(name string, labels ports.Labels) ports.Counter {
	return series{m, key(name, labels)}
}

// Timer implements ports.SeriesMetrics.
func (m *Metrics) Timer(name string, labels ports.Labels) ports.Timer {
	return series{m, key(name, labels)}
}

// Distribution implements ports.SeriesMetrics.
func (m *Metrics) Distribution(name string, labels ports.Labels) ports.Distribution {
	return series{m, key(name, labels)}
}

func (s series) Add(delta int64) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	s.m.counters[s.key] += delta
}

func (s series) Observe(d time.Duration) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	t := s.m.timers[s.key]
	t.Count++
	t.Sum += d
	s.m.timers[s.key] = t
}

func (s series) Record(v float64) {
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	d := s.m.distributions[s.key]
	d.Count++
	d.Sum += v
	s.m.distributions[s.key] = d
}
