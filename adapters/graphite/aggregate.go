package graphite

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// ReservoirSize bounds the observations a timer keeps per interval for its
// percentiles; beyond it a uniform sample is kept (Vitter's algorithm R),
// while count and mean stay exact.
const ReservoirSize = 1028

// timer is one timer's state: a cumulative count and the current interval.
type timer struct {
	total   int64
	n       int64
	sum     time.Duration
	samples []time.Duration
}

func (t *timer) observe(d time.Duration) {
	t.total++
	t.n++
	t.sum += d
	if len(t.samples) < ReservoirSize {
		t.samples = append(t.samples, d)
	} else if i := rand.Int64N(t.n); i < ReservoirSize {
		t.samples[i] = d
	}
}

// aggregates holds every series between flushes. Memory grows with the
// number of distinct series only (timers keep at most ReservoirSize
// samples each).
type aggregates struct {
	mu       sync.Mutex
	counters map[string]int64
	timers   map[string]*timer
	gauges   map[string]float64
}

func newAggregates() *aggregates {
	return &aggregates{counters: map[string]int64{}, timers: map[string]*timer{}, gauges: map[string]float64{}}
}

func (a *aggregates) count(path string, delta int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counters[path] += delta
}

func (a *aggregates) observe(path string, d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	t := a.timers[path]
	if t == nil {
		t = &timer{}
		a.timers[path] = t
	}
	t.observe(d)
}

func (a *aggregates) gauge(path string, v float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gauges[path] = v
}

// snapshot returns every series' value and starts a new timer interval.
func (a *aggregates) snapshot() map[string]float64 {
	a.mu.Lock()
	points := make(map[string]float64, len(a.counters)+4*len(a.timers)+len(a.gauges))
	for p, v := range a.counters {
		points[p+".count"] = float64(v)
	}
	for p, v := range a.gauges {
		points[p] = v
	}
	type interval struct {
		path    string
		n       int64
		sum     time.Duration
		samples []time.Duration
	}
	var intervals []interval
	for p, t := range a.timers {
		points[p+".count"] = float64(t.total)
		if t.n > 0 {
			intervals = append(intervals, interval{p, t.n, t.sum, t.samples})
			t.n, t.sum, t.samples = 0, 0, make([]time.Duration, 0, min(len(t.samples), ReservoirSize))
		}
	}
	a.mu.Unlock()
	// sorting happens outside the lock, so Observe is not held up by it
	for _, iv := range intervals {
		slices.Sort(iv.samples)
		points[iv.path+".mean"] = millis(iv.sum) / float64(iv.n)
		points[iv.path+".p50"] = millis(quantile(iv.samples, 0.5))
		points[iv.path+".p99"] = millis(quantile(iv.samples, 0.99))
	}
	return points
}

// quantile returns the nearest-rank q-quantile of sorted, non-empty s.
func quantile(s []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
