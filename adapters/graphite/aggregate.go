package graphite

import (
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// ReservoirSize bounds the values a timer or distribution keeps per
// interval for its percentiles; beyond it a uniform sample is kept
// (Vitter's algorithm R), while count and mean stay exact.
const ReservoirSize = 1028

// distribution is one timer's or distribution's state: a cumulative count
// and the current interval. Timers hold milliseconds, distributions the
// recorded values' own unit.
type distribution struct {
	total   int64
	n       int64
	sum     float64
	samples []float64
}

func (d *distribution) record(v float64) {
	d.total++
	d.n++
	d.sum += v
	if len(d.samples) < ReservoirSize {
		d.samples = append(d.samples, v)
	} else if i := rand.Int64N(d.n); i < ReservoirSize {
		d.samples[i] = v
	}
}

// aggregates holds every series between flushes. Memory grows with the
// number of distinct series only (timers and distributions keep at most
// ReservoirSize samples each).
type aggregates struct {
	mu            sync.Mutex
	counters      map[string]int64
	distributions map[string]*distribution
	gauges        map[string]float64
}

func newAggregates() *aggregates {
	return &aggregates{counters: map[string]int64{}, distributions: map[string]*distribution{}, gauges: map[string]float64{}}
}

func (a *aggregates) count(path string, delta int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.counters[path] += delta
}

// observe records a timer's duration in milliseconds.
func (a *aggregates) observe(path string, d time.Duration) {
	a.record(path, float64(d)/float64(time.Millisecond))
}

func (a *aggregates) record(path string, v float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	d := a.distributions[path]
	if d == nil {
		d = &distribution{}
		a.distributions[path] = d
	}
	d.record(v)
}

func (a *aggregates) gauge(path string, v float64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gauges[path] = v
}

// snapshot returns every series' value and starts a new interval of the
// timers and distributions.
func (a *aggregates) snapshot() map[string]float64 {
	a.mu.Lock()
	points := make(map[string]float64, len(a.counters)+4*len(a.distributions)+len(a.gauges))
	for p, v := range a.counters {
		points[p+".count"] = float64(v)
	}
	for p, v := range a.gauges {
		points[p] = v
	}
	type interval struct {
		path    string
		n       int64
		sum     float64
		samples []float64
	}
	var intervals []interval
	for p, d := range a.distributions {
		points[p+".count"] = float64(d.total)
		if d.n > 0 {
			intervals = append(intervals, interval{p, d.n, d.sum, d.samples})
			d.n, d.sum, d.samples = 0, 0, make([]float64, 0, min(len(d.samples), ReservoirSize))
		}
	}
	a.mu.Unlock()
	// sorting happens outside the lock, so Observe and Record are not held
	// up by it
	for _, iv := range intervals {
		slices.Sort(iv.samples)
		points[iv.path+".mean"] = iv.sum / float64(iv.n)
		points[iv.path+".p50"] = quantile(iv.samples, 0.5)
		points[iv.path+".p99"] = quantile(iv.samples, 0.99)
	}
	return points
}

// quantile returns the nearest-rank q-quantile of sorted, non-empty s.
func quantile(s []float64, q float64) float64 {
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
