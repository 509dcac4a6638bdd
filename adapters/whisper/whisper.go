// Package whisper stores Graphite series in local whisper files, as
// carbon-cache would, with github.com/go-graphite/go-whisper. Its Store is
// the embedded default backend of the graphite package's ports.Metrics
// (graphite.NewWithBackend), so Hermes-Go keeps metrics without running
// carbon, and Store.Read reads them back for the management endpoints.
//
// Series "a.b.c" is the file <Dir>/a/b/c.wsp. A file is created when its
// series is first written a value other than 0: series that never saw an
// event (most error counters, idle subscriptions' gauges) take no disk,
// and read as never written (0). Files are created with Config.Retentions
// (default DefaultRetentions: 10 s points for an hour, 1 min for a day,
// 10 min for 30 days), xFilesFactor 0 and this aggregation into the
// coarser archives:
//   - series ending in ".count" (cumulative totals): max, the newest total
//     of the bucket (sum, carbon's usual rule for per-interval counts,
//     would add up cumulative values);
//   - every other series: average.
//
// A file's schema is fixed when it is created; changing Retentions affects
// new series only.
package whisper

import (
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	gowhisper "github.com/go-graphite/go-whisper"

	"github.com/hermes-go/hermes/domain"
)

// DefaultRetentions is the retention schema of new files: 10 s points for
// an hour (what the readers use: the last minute's rate, the last ten
// minutes' total), 1 min for a day, 10 min for 30 days. Each file is then
// 6120 points, about 73 KB; carbon's usual "10s:6h,1m:7d,10m:1y" is 64800
// points, 777 KB per series, which made one subscription (about ten
// series) cost 7 MB. Set Config.Retentions for longer history.
const DefaultRetentions = "10s:1h,1m:1d,10m:30d"

// Config configures a Store.
type Config struct {
	// Dir holds the files. Required.
	Dir string
	// Retentions is the carbon-style retention schema of new files.
	// Default DefaultRetentions.
	Retentions string
	// Batch is how many writes of a series are held in memory and then
	// written to its file at once, as carbon-cache writes several points
	// per file: Read sees the held points, a crash loses them. Default
	// DefaultBatch; 1 writes every point through.
	Batch int
}

// DefaultBatch holds a minute of points at the default 10 s interval:
// rewriting each series' file every flush (open, read the header, write
// and propagate, close: about 55 µs, nearly all syscalls) was most of
// the idle CPU of a node with 10 000 subscriptions.
const DefaultBatch = 6

// MaxBatch bounds Config.Batch.
const MaxBatch = 30

// Point is one stored value.
type Point struct {
	Time  time.Time
	Value float64
}

// Store reads and writes series in whisper files. It is safe for
// concurrent use; writes and reads are serialised.
type Store struct {
	dir        string
	retentions gowhisper.Retentions
	batch      int
	log        *slog.Logger
	mu         sync.Mutex
	// series is every series written since Open, by name (the names are
	// the writer's own strings, so holding them costs no copy).
	series map[string]seriesState
}

// seriesState is what the Store keeps of a series between writes.
type seriesState struct {
	// held are the points not in the file yet, oldest first; its array
	// (Batch points) is kept for the next ones.
	held []gowhisper.TimeSeriesPoint
	// due is the len(held) at which the held points are written.
	due uint8
	// noFile: the series has no file and saw only zeros, which need none
	// (and no failed open each write).
	noFile bool
}

// Open returns a Store over cfg.Dir, creating the directory.
func Open(cfg Config, log *slog.Logger) (*Store, error) {
	if cfg.Retentions == "" {
		cfg.Retentions = DefaultRetentions
	}
	var errs []error
	if cfg.Dir == "" {
		errs = append(errs, fmt.Errorf("whisper: dir is empty: set the directory for metric files: %w", domain.ErrValidation))
	}
	ret, err := gowhisper.ParseRetentionDefs(cfg.Retentions)
	if err != nil {
		errs = append(errs, fmt.Errorf("whisper: retentions %q: want e.g. %q: %w: %w", cfg.Retentions, DefaultRetentions, domain.ErrValidation, err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("whisper: create %q: %w: %w", cfg.Dir, domain.ErrUnavailable, err)
	}
	batch := cfg.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	return &Store{dir: cfg.Dir, retentions: ret, batch: min(batch, MaxBatch), log: log, series: map[string]seriesState{}}, nil
}

// file returns the path of a series' file, or an ErrValidation for a
// name that is not a dotted path of non-empty segments without '/'.
func (s *Store) file(series string) (string, error) {
	segs := strings.Split(series, ".")
	for _, seg := range segs {
		if seg == "" || seg == ".." || strings.ContainsAny(seg, `/\`) {
			return "", fmt.Errorf("whisper: series %q: want dot-separated names without '/': %w", series, domain.ErrValidation)
		}
	}
	return filepath.Join(s.dir, filepath.Join(segs...)+".wsp"), nil
}

// Write stores each series' value at ts, creating missing files. A
// series' first write since Open and its first value other than 0 go to
// its file at once (so a file appears with its first such value); the
// next ones are held and written Batch at a time, each series at its own
// phase so that the writes spread over the flushes. It goes on past a
// failing series and returns every failure joined, each wrapping
// domain.ErrUnavailable (or ErrValidation for a bad name); a failed
// write drops the points it carried.
func (s *Store) Write(ts time.Time, points map[string]float64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for series, v := range points {
		if err := s.write(series, gowhisper.TimeSeriesPoint{Time: int(ts.Unix()), Value: v}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Store) write(series string, p gowhisper.TimeSeriesPoint) error {
	st, seen := s.series[series]
	if st.noFile && p.Value == 0 {
		return nil
	}
	if !seen {
		st.due = uint8(1 + phase(series, s.batch))
	}
	var err error
	if !seen || st.noFile || s.batch == 1 {
		err = s.flush(series, &st, []gowhisper.TimeSeriesPoint{p})
	} else {
		if st.held == nil {
			st.held = make([]gowhisper.TimeSeriesPoint, 0, s.batch)
		}
		st.held = append(st.held, p)
		if len(st.held) >= int(st.due) {
			err = s.flush(series, &st, st.held)
			st.held, st.due = st.held[:0], uint8(s.batch)
		}
	}
	s.series[series] = st
	return err
}

// flush writes pts to the series' file and notes in st whether it has none.
func (s *Store) flush(series string, st *seriesState, pts []gowhisper.TimeSeriesPoint) error {
	exists, err := s.update(series, pts)
	st.noFile = err == nil && !exists
	return err
}

// phase spreads the series over the batch: a series' first batch is
// written after 1 to batch points.
func phase(series string, batch int) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(series))
	return int(h.Sum32() % uint32(batch))
}

// update writes pts to the series' file, creating it unless every value
// is 0; exists reports whether there is a file now.
func (s *Store) update(series string, pts []gowhisper.TimeSeriesPoint) (exists bool, err error) {
	path, err := s.file(series)
	if err != nil {
		return false, err
	}
	w, err := gowhisper.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		if !slices.ContainsFunc(pts, func(p gowhisper.TimeSeriesPoint) bool { return p.Value != 0 }) {
			// Lazily created: a zero reads the same from a missing file.
			return false, nil
		}
		w, err = s.create(path, series)
	}
	if err != nil {
		return false, fmt.Errorf("whisper: open %q: %w: %w", path, domain.ErrUnavailable, err)
	}
	if len(pts) == 1 {
		err = w.Update(pts[0].Value, pts[0].Time)
	} else {
		ptrs := make([]*gowhisper.TimeSeriesPoint, len(pts))
		for i := range pts {
			ptrs[i] = &pts[i]
		}
		err = w.UpdateMany(ptrs)
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return true, fmt.Errorf("whisper: update %q: %w: %w", path, domain.ErrUnavailable, err)
	}
	return true, nil
}

func (s *Store) create(path, series string) (*gowhisper.Whisper, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	agg := gowhisper.Average
	if strings.HasSuffix(series, ".count") {
		agg = gowhisper.Max
	}
	// Sparse: the archives are a hole until written, which reads as empty
	// slots just as zeros do (carbon's WHISPER_SPARSE_CREATE). Writing the
	// zeros was most of the CPU of 10 000 new subscriptions' first flushes,
	// and 73 KB of disk per series however few points it holds.
	return gowhisper.CreateWithOptions(path, s.retentions, agg, 0, &gowhisper.Options{Sparse: true})
}

// Read returns the points of a series stored between from and until,
// oldest first, without empty slots, from the finest archive that covers
// from. A series never written is a domain.ErrNotFound.
func (s *Store) Read(series string, from, until time.Time) ([]Point, error) {
	path, err := s.file(series)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	points, err := ReadFile(path, from, until)
	st := s.series[series]
	if len(st.held) == 0 || (err != nil && !errors.Is(err, domain.ErrNotFound)) {
		return points, err
	}
	// The held points are newer than the file's: they follow it, in
	// whisper's slots (a point's time rounded down to the finest step), a
	// held one replacing a stored one of the same slot.
	step := int64(s.retentions[0].SecondsPerPoint())
	first := from.Unix() - from.Unix()%step
	for _, p := range st.held {
		slot := int64(p.Time) - int64(p.Time)%step
		t := time.Unix(slot, 0)
		if slot < first || t.After(until) {
			continue
		}
		if i := len(points) - 1; i >= 0 && !points[i].Time.Before(t) {
			points = slices.DeleteFunc(points, func(q Point) bool { return q.Time.Equal(t) })
		}
		points = append(points, Point{Time: t, Value: p.Value})
	}
	slices.SortStableFunc(points, func(a, b Point) int { return a.Time.Compare(b.Time) })
	return points, nil
}

// ReadFile reads a whisper file as Store.Read does, e.g. one that
// carbon-cache wrote.
func ReadFile(path string, from, until time.Time) ([]Point, error) {
	w, err := gowhisper.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		// The message may reach a client: the file's name, never its path.
		return nil, domain.Errorf(domain.ErrNotFound, "no data for series file %s", filepath.Base(path))
	}
	if err != nil {
		return nil, fmt.Errorf("whisper: open %q: %w: %w", path, domain.ErrUnavailable, err)
	}
	defer func() { _ = w.Close() }()
	ts, err := w.Fetch(int(from.Unix()), int(until.Unix()))
	if err != nil {
		return nil, fmt.Errorf("whisper: fetch %q: %w: %w", path, domain.ErrUnavailable, err)
	}
	if ts == nil { // the range is outside the retention
		return nil, nil
	}
	var out []Point
	for _, p := range ts.Points() {
		if !math.IsNaN(p.Value) {
			out = append(out, Point{Time: time.Unix(int64(p.Time), 0), Value: p.Value})
		}
	}
	return out, nil
}

// Close implements graphite.Backend: it writes the held points to their
// files. The Store holds no open files.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for series, st := range s.series {
		if len(st.held) == 0 {
			continue
		}
		if _, err := s.update(series, st.held); err != nil {
			errs = append(errs, err)
		}
		st.held = nil
		s.series[series] = st
	}
	return errors.Join(errs...)
}
