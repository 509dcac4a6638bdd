package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/test/bench/internal/send"
)

// Body returns a JSON document of exactly size bytes (at least 40) whose
// first field "t" is sent's Unix time in nanoseconds, which the Sink reads
// for end-to-end latency.
func Body(size int, sent time.Time) []byte {
	head := `{"t":` + strconv.FormatInt(sent.UnixNano(), 10) + `,"pad":"`
	pad := max(size-len(head)-2, 0)
	return []byte(head + strings.Repeat("x", pad) + `"}`)
}

// Load is a closed-loop HTTP load: Clients keep-alive clients POST Body to
// URL back to back until Requests were sent or Duration passed.
type Load struct {
	URL      string
	Body     []byte
	Clients  int
	Requests int
	Duration time.Duration
}

// LoadResult is what a Load measured.
type LoadResult struct {
	OK, Failed int
	Elapsed    time.Duration
	Latencies  []time.Duration // of successful requests, sorted
}

// Rate is successful requests per second.
func (r LoadResult) Rate() float64 { return float64(r.OK) / r.Elapsed.Seconds() }

// RunLoad runs l; only 2xx answers count as successful.
func RunLoad(ctx context.Context, l Load) LoadResult {
	tr := &http.Transport{MaxIdleConnsPerHost: l.Clients, MaxConnsPerHost: l.Clients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()
	var (
		sent   atomic.Int64
		failed atomic.Int64
		mu     sync.Mutex
		lat    []time.Duration
		wg     sync.WaitGroup
	)
	start := time.Now()
	for range l.Clients {
		wg.Go(func() {
			mine := make([]time.Duration, 0, l.Requests/l.Clients+1)
			for ctx.Err() == nil && sent.Add(1) <= int64(l.Requests) {
				t := time.Now()
				if send.Post(ctx, client, l.URL, l.Body) {
					mine = append(mine, time.Since(t))
				} else if ctx.Err() == nil {
					failed.Add(1)
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	return LoadResult{OK: len(lat), Failed: int(failed.Load()), Elapsed: time.Since(start), Latencies: lat}
}

// Quantile returns the q-quantile (0..1) of sorted durations.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

// Sink is a local subscriber endpoint answering 200 to every POST and
// recording, per request path, arrivals and the end-to-end latency from
// the "t" field Body wrote.
type Sink struct {
	URL string
	srv *http.Server
	wg  sync.WaitGroup

	mu    sync.Mutex
	paths map[string]*Arrivals
}

// Arrivals is what one path of a Sink received.
type Arrivals struct {
	Count       int
	First, Last time.Time
	Latencies   []time.Duration
}

// Rate is arrivals per second between the first and the last one.
func (a Arrivals) Rate() float64 {
	if a.Count < 2 {
		return 0
	}
	return float64(a.Count-1) / a.Last.Sub(a.First).Seconds()
}

// StartSink listens on a free 127.0.0.1 port.
func StartSink() (*Sink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Sink{URL: "http://" + ln.Addr().String(), paths: map[string]*Arrivals{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 10 * time.Second}
	s.wg.Go(func() { _ = s.srv.Serve(ln) })
	return s, nil
}

func (s *Sink) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	now := time.Now()
	var lat time.Duration
	if rest, ok := bytes.CutPrefix(body, []byte(`{"t":`)); ok {
		if end := bytes.IndexByte(rest, ','); end > 0 {
			if ns, err := strconv.ParseInt(string(rest[:end]), 10, 64); err == nil {
				lat = now.Sub(time.Unix(0, ns))
			}
		}
	}
	s.mu.Lock()
	a := s.paths[r.URL.Path]
	if a == nil {
		a = &Arrivals{First: now}
		s.paths[r.URL.Path] = a
	}
	a.Count++
	a.Last = now
	a.Latencies = append(a.Latencies, lat)
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// Arrivals sums what every path starting with prefix received (latencies
// sorted).
func (s *Sink) Arrivals(prefix string) Arrivals {
	s.mu.Lock()
	defer s.mu.Unlock()
	var sum Arrivals
	for p, a := range s.paths {
		if !strings.HasPrefix(p, prefix) {
			continue
		}
		if sum.Count == 0 || a.First.Before(sum.First) {
			sum.First = a.First
		}
		if a.Last.After(sum.Last) {
			sum.Last = a.Last
		}
		sum.Count += a.Count
		sum.Latencies = append(sum.Latencies, a.Latencies...)
	}
	slices.Sort(sum.Latencies)
	return sum
}

// Reset forgets what paths starting with prefix received.
func (s *Sink) Reset(prefix string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p := range s.paths {
		if strings.HasPrefix(p, prefix) {
			delete(s.paths, p)
		}
	}
}

// Wait polls until paths starting with prefix received n requests; it
// reports whether they did before timeout.
func (s *Sink) Wait(ctx context.Context, prefix string, n int, timeout time.Duration) bool {
	return poll(ctx, timeout, func() bool { return s.Count(prefix) >= n })
}

// Count is how many requests paths starting with prefix received.
func (s *Sink) Count(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p, a := range s.paths {
		if strings.HasPrefix(p, prefix) {
			n += a.Count
		}
	}
	return n
}

// Paths is how many paths starting with prefix received at least one
// request.
func (s *Sink) Paths(prefix string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.paths {
		if strings.HasPrefix(p, prefix) {
			n++
		}
	}
	return n
}

// Short is how many of the paths starting with prefix received fewer
// than want requests, with up to three of them and their counts; paths
// that received nothing are not known to the sink and not counted.
func (s *Sink) Short(prefix string, want int) (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	var some []string
	for p, a := range s.paths {
		if strings.HasPrefix(p, prefix) && a.Count < want {
			n++
			if len(some) < 3 {
				some = append(some, fmt.Sprintf("%s: %d", p, a.Count))
			}
		}
	}
	return n, some
}

// Close stops the sink.
func (s *Sink) Close() {
	_ = s.srv.Close()
	s.wg.Wait()
}

// poll checks cond every 5 ms until it holds, ctx ends or timeout passes.
func poll(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if ctx.Err() != nil || time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
	return true
}
