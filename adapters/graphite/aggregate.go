package graphite

import (
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
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

// aggregateShards is how many independently locked parts the series are
// spread over, by path.
const aggregateShards = 64

// aggregates holds every series between flushes. Memory grows with the
// number of distinct series only (timers and distributions keep at most
// ReservoirSize samples each). The series are sharded by path, each shard
// under its own mutex: with one mutex for all, the send workers of 1 000
// active subscriptions (40 000 goroutines) queued on it, and the garbage
// collector spent half the CPU walking that queue.
type aggregates struct {
	shards [aggregateShards]aggregateShard
}

type aggregateShard struct {
	mu sync.Mutex
	// counters are by the name they are flushed as (countSuffix
	// included), so a flush makes no new name for them: at 10 000
	// subscriptions those names were a tenth of the live heap while a
	// flush ran, which at that count is most of the time.
	// A series, once made, stays for good: handles keep its counter or
	// distribution (see counterCell, distributionOf).
	counters      map[string]*atomic.Int64
	distributions map[string]*distribution
	gauges        map[string]float64
}

func newAggregates() *aggregates {
	a := &aggregates{}
	for i := range a.shards {
		a.shards[i] = aggregateShard{counters: map[string]*atomic.Int64{}, distributions: map[string]*distribution{}, gauges: map[string]float64{}}
	}
	return a
}

// shard is path's shard (FNV-1a of the path).
func (a *aggregates) shard(path string) *aggregateShard {
	h := uint32(2166136261)
	for i := 0; i < len(path); i++ {
		h = (h ^ uint32(path[i])) * 16777619
	}
	return &a.shards[h%aggregateShards]
}

// countSuffix ends the flushed name of counters and of the cumulative
// count of timers and distributions.
const countSuffix = ".count"

// count adds delta to the counter flushed as name (countSuffix included).
func (a *aggregates) count(name string, delta int64) {
	a.counterCell(name).Add(delta)
}

// counterCell is the counter flushed as name, made at its first use.
func (a *aggregates) counterCell(name string) *atomic.Int64 {
	s := a.shard(name)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.counters[name]
	if c == nil {
		c = new(atomic.Int64)
		s.counters[name] = c
	}
	return c
}

// observe records a timer's duration in milliseconds.
func (a *aggregates) observe(path string, d time.Duration) {
	a.record(path, float64(d)/float64(time.Millisecond))
}

func (a *aggregates) record(path string, v float64) {
	s, d := a.distributionOf(path)
	s.record(d, v)
}

// record adds v to d, one of the shard's distributions, under its mutex.
func (s *aggregateShard) record(d *distribution, v float64) {
	s.mu.Lock()
	d.record(v)
	s.mu.Unlock()
}

// distributionOf is the timer or distribution of path, made at its first
// use, and the shard whose mutex guards it.
func (a *aggregates) distributionOf(path string) (*aggregateShard, *distribution) {
	s := a.shard(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.distributions[path]
	if d == nil {
		d = &distribution{}
		s.distributions[path] = d
	}
	return s, d
}

func (a *aggregates) gauge(path string, v float64) {
	s := a.shard(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gauges[path] = v
}

// interval is one timer's or distribution's values of the interval that
// a snapshot ended.
type interval struct {
	path    string
	n       int64
	sum     float64
	samples []float64
}

// snapshot returns every series' value and starts a new interval of the
// timers and distributions.
func (a *aggregates) snapshot() map[string]float64 {
	points := map[string]float64{}
	var intervals []interval
	for i := range a.shards {
		intervals = a.shards[i].snapshot(points, intervals)
	}
	// sorting happens outside the locks, so Observe and Record are not
	// held up by it
	for _, iv := range intervals {
		slices.Sort(iv.samples)
		points[iv.path+".mean"] = iv.sum / float64(iv.n)
		points[iv.path+".p50"] = quantile(iv.samples, 0.5)
		points[iv.path+".p99"] = quantile(iv.samples, 0.99)
	}
	return points
}

// snapshot adds the shard's series to points and its ended intervals to
// intervals, which it returns.
func (s *aggregateShard) snapshot(points map[string]float64, intervals []interval) []interval {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, c := range s.counters {
		points[name] = float64(c.Load())
	}
	for p, v := range s.gauges {
		points[p] = v
	}
	for p, d := range s.distributions {
		points[p+countSuffix] = float64(d.total)
		if d.n > 0 {
			intervals = append(intervals, interval{p, d.n, d.sum, d.samples})
			d.n, d.sum, d.samples = 0, 0, make([]float64, 0, min(len(d.samples), ReservoirSize))
		}
	}
	return intervals
}

// quantile returns the nearest-rank q-quantile of sorted, non-empty s.
func quantile(s []float64, q float64) float64 {
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
