package prometheus

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// family is one metric name with one set of label names: a
// prometheus.Collector whose series (one per set of label values) are
// kept as bare values and turned into client metrics only when scraped.
//
// Why not client_golang's vectors: a vector's child keeps its label
// pairs as protobuf messages, its label values and, for a histogram, two
// copies of its buckets, about 550 bytes for a counter and 1.1 KB for a
// histogram of three labels. A subscription has about a dozen series, so
// the vectors were 6.7 KB of every idle subscription's memory. Here a
// counter or gauge is a map entry under its label values (one copy of
// them for all families, see interner) and 8 bytes, a histogram that and
// its bucket counts. The scrape output is the same
// (testdata/exposition.txt pins it); the scrape allocates the client
// metrics, as the registry's Gather already did for the vectors' children.
type family struct {
	kind   kind
	desc   *prometheus.Desc
	labels int       // how many label names
	upper  []float64 // a histogram's bucket upper bounds, ascending, without +Inf
	keys   *interner // the Metrics', shared by its families

	mu     sync.RWMutex
	values map[string]*scalar    // counters and gauges, by labelKey
	hists  map[string]*histogram // histograms, by labelKey
}

var _ prometheus.Collector = (*family)(nil)

// labelSep separates the label values of a family's map keys: a byte
// that valid UTF-8, and so a valid label value, never holds.
const labelSep = "\xff"

// errBucketLabel is the registration error of a histogram with a label
// named "le", which its buckets use.
var errBucketLabel = errors.New(`"le" is not a valid label name of a histogram`)

func newFamily(keys *interner, k kind, name, help string, labelNames []string, upper []float64) (*family, error) {
	f := &family{kind: k, labels: len(labelNames), keys: keys, values: map[string]*scalar{}, hists: map[string]*histogram{}}
	if k == timer || k == distribution {
		for _, l := range labelNames {
			if l == "le" {
				return nil, errBucketLabel
			}
		}
		for i := 1; i < len(upper); i++ {
			if upper[i] <= upper[i-1] {
				return nil, fmt.Errorf("histogram buckets %v: want increasing bounds", upper)
			}
		}
		f.upper = upper
		if n := len(upper); n > 0 && math.IsInf(upper[n-1], 1) {
			f.upper = upper[:n-1] // the scrape adds +Inf
		}
	}
	f.desc = prometheus.NewDesc(name, help, labelNames, nil)
	return f, nil
}

// Describe implements prometheus.Collector.
func (f *family) Describe(ch chan<- *prometheus.Desc) { ch <- f.desc }

// Collect implements prometheus.Collector. The series are copied out
// under the lock and sent after it, so a slow scrape never holds up a
// series being added.
func (f *family) Collect(ch chan<- prometheus.Metric) {
	type point struct {
		key string
		v   float64
		h   histogramPoint
	}
	f.mu.RLock()
	points := make([]point, 0, len(f.values)+len(f.hists))
	for key, v := range f.values {
		points = append(points, point{key: key, v: v.load()})
	}
	for key, h := range f.hists {
		points = append(points, point{key: key, h: h.point()})
	}
	f.mu.RUnlock()
	for _, p := range points {
		var values []string
		if f.labels > 0 {
			values = strings.Split(p.key, labelSep)
		}
		var (
			m   prometheus.Metric
			err error
		)
		switch f.kind {
		case counter:
			m, err = prometheus.NewConstMetric(f.desc, prometheus.CounterValue, p.v, values...)
		case gauge:
			m, err = prometheus.NewConstMetric(f.desc, prometheus.GaugeValue, p.v, values...)
		default:
			buckets := make(map[float64]uint64, len(f.upper))
			var cumulative uint64
			for i, bound := range f.upper {
				cumulative += p.h.counts[i]
				buckets[bound] = cumulative
			}
			m, err = prometheus.NewConstHistogram(f.desc, p.h.count, p.h.sum, buckets, values...)
		}
		if err != nil {
			m = prometheus.NewInvalidMetric(f.desc, err)
		}
		ch <- m
	}
}

// labelKey is the map key of a series: the values of labels under keys
// (the family's label names before sanitising, in order) joined by
// labelSep, appended to buf. ok is false when a value is not valid UTF-8,
// which Prometheus refuses (the series is dropped, as client_golang's
// vectors refuse it).
func labelKey(buf []byte, keys []string, labels map[string]string) (key []byte, ok bool) {
	for i, k := range keys {
		v := labels[k]
		if !utf8.ValidString(v) {
			return nil, false
		}
		if i > 0 {
			buf = append(buf, labelSep...)
		}
		buf = append(buf, v...)
	}
	return buf, true
}

// scalar returns the counter or gauge of key, adding it at zero.
func (f *family) scalar(key []byte) *scalar {
	return lookup(f, f.values, key, func() *scalar { return &scalar{} })
}

// histogram returns the histogram of key, adding it empty.
func (f *family) histogram(key []byte) *histogram {
	return lookup(f, f.hists, key, func() *histogram {
		return &histogram{upper: f.upper, counts: make([]uint64, len(f.upper))}
	})
}

// lookup returns the series of key in m, one of f's maps, adding the one
// made by add when there is none.
func lookup[T any](f *family, m map[string]*T, key []byte, add func() *T) *T {
	f.mu.RLock()
	v := m[string(key)]
	f.mu.RUnlock()
	if v != nil {
		return v
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if v = m[string(key)]; v == nil {
		v = add()
		m[f.keys.intern(key)] = v
	}
	return v
}

// scalar is a counter's or gauge's float64, as bits.
type scalar struct{ bits atomic.Uint64 }

func (v *scalar) load() float64 { return math.Float64frombits(v.bits.Load()) }

func (v *scalar) set(x float64) { v.bits.Store(math.Float64bits(x)) }

func (v *scalar) add(d float64) {
	for {
		old := v.bits.Load()
		if v.bits.CompareAndSwap(old, math.Float64bits(math.Float64frombits(old)+d)) {
			return
		}
	}
}

// histogram is one series of a timer or distribution. A mutex, not
// client_golang's lock-free hot and cold halves: it keeps one copy of the
// counts, and a scrape reads count, sum and buckets consistent with each
// other as the client's does.
type histogram struct {
	upper []float64 // the family's

	mu     sync.Mutex
	count  uint64
	sum    float64
	counts []uint64 // per bucket (not cumulative); above the last bound only in count
}

// histogramPoint is a histogram's state at a scrape.
type histogramPoint struct {
	count  uint64
	sum    float64
	counts []uint64
}

func (h *histogram) observe(x float64) {
	i := sort.SearchFloat64s(h.upper, x) // the first bound >= x: buckets are "less or equal"
	h.mu.Lock()
	h.count++
	h.sum += x
	if i < len(h.counts) {
		h.counts[i]++
	}
	h.mu.Unlock()
}

func (h *histogram) point() histogramPoint {
	h.mu.Lock()
	defer h.mu.Unlock()
	return histogramPoint{count: h.count, sum: h.sum, counts: append([]uint64(nil), h.counts...)}
}

// interner keeps one copy of each label key: a subscription's label
// values are the key of a dozen families' series, and a copy each was
// most of what those series cost. Keys are never dropped, as series are
// not.
type interner struct {
	mu   sync.Mutex
	keys map[string]string
}

// intern returns the one string equal to key.
func (in *interner) intern(key []byte) string {
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.keys[string(key)]; ok {
		return s
	}
	if in.keys == nil {
		in.keys = map[string]string{}
	}
	s := string(key)
	in.keys[s] = s
	return s
}
