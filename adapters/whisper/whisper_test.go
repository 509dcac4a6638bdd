package whisper_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	gowhisper "github.com/go-graphite/go-whisper"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/domain"
)

func TestOpenValidates(t *testing.T) {
	t.Parallel()
	_, err := whisper.Open(whisper.Config{Retentions: "10s:forever"}, testLogger())
	require.ErrorIs(t, err, domain.ErrValidation)
}

func TestReadErrors(t *testing.T) {
	t.Parallel()
	store, err := whisper.Open(whisper.Config{Dir: t.TempDir()}, testLogger())
	require.NoError(t, err)
	_, err = store.Read("never.written.count", time.Now().Add(-time.Minute), time.Now())
	require.ErrorIs(t, err, domain.ErrNotFound)
	for _, bad := range []string{"a..b", "a/b", "..", "", "a.b."} {
		_, err = store.Read(bad, time.Now().Add(-time.Minute), time.Now())
		require.ErrorIs(t, err, domain.ErrValidation, bad)
		require.ErrorIs(t, store.Write(time.Now(), map[string]float64{bad: 1}), domain.ErrValidation, bad)
	}
}

// TestFilesAndSchema: series a.b.c is <dir>/a/b/c.wsp with the documented
// retentions, max for cumulative counts and average for the rest.
func TestFilesAndSchema(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir}, testLogger())
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, store.Write(now.Add(-time.Minute), map[string]float64{"p.topic.g.t.published.count": 3, "p.topic.g.t.latency.p99": 1.5}))
	require.NoError(t, store.Write(now, map[string]float64{"p.topic.g.t.published.count": 5}))

	points, err := store.Read("p.topic.g.t.published.count", now.Add(-time.Hour), now)
	require.NoError(t, err)
	require.Len(t, points, 2)
	assert.Equal(t, []float64{3, 5}, []float64{points[0].Value, points[1].Value})
	assert.Equal(t, now.Add(-time.Minute).Unix()/10*10, points[0].Time.Unix())

	for series, agg := range map[string]gowhisper.AggregationMethod{"p/topic/g/t/published/count.wsp": gowhisper.Max, "p/topic/g/t/latency/p99.wsp": gowhisper.Average} {
		w, err := gowhisper.Open(filepath.Join(dir, series))
		require.NoError(t, err, series)
		assert.Equal(t, agg, w.AggregationMethod(), series)
		assert.Equal(t, float32(0), w.XFilesFactor())
		var got []string
		for _, r := range w.Retentions() {
			got = append(got, r.String())
		}
		assert.Equal(t, []string{"10s:1h", "1m:1d", "10m:30d"}, got)
		require.NoError(t, w.Close())
	}
}

// TestWriteGoesOnPastFailures: one bad series does not stop the others.
func TestWriteGoesOnPastFailures(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir}, testLogger())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blocked"), nil, 0o600))
	err = store.Write(time.Now(), map[string]float64{"blocked.x.count": 1, "ok.count": 2})
	require.ErrorIs(t, err, domain.ErrUnavailable)
	points, err := store.Read("ok.count", time.Now().Add(-time.Minute), time.Now())
	require.NoError(t, err)
	require.Len(t, points, 1)
	assert.Equal(t, 2.0, points[0].Value)
}

// A series is created at its first value other than 0, and files are
// small enough to keep thousands of subscriptions (issue 15: 777 KB per
// series, 17 MB for one topic and one subscription).
func TestSeriesAreCreatedLazilyAndSmall(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir}, testLogger())
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, store.Write(now.Add(-20*time.Second), map[string]float64{"p.errors.count": 0, "p.gauge": 0, "p.delivered.count": 0}))
	assert.NoFileExists(t, filepath.Join(dir, "p", "errors", "count.wsp"), "a series that only saw zeros takes no disk")
	_, err = store.Read("p.errors.count", now.Add(-time.Minute), now)
	require.ErrorIs(t, err, domain.ErrNotFound, "and reads as never written")

	require.NoError(t, store.Write(now.Add(-10*time.Second), map[string]float64{"p.delivered.count": 4}))
	require.NoError(t, store.Write(now, map[string]float64{"p.delivered.count": 0}))
	points, err := store.Read("p.delivered.count", now.Add(-time.Minute), now)
	require.NoError(t, err)
	assert.Equal(t, []float64{4, 0}, []float64{points[0].Value, points[1].Value}, "once created, zeros are written")

	info, err := os.Stat(filepath.Join(dir, "p", "delivered", "count.wsp"))
	require.NoError(t, err)
	assert.Less(t, info.Size(), int64(80*1024), "a series file of the default retention")
}

// New files are sparse: the archives take disk only where points were
// written (creating them used to write 73 KB of zeros per series), and
// the holes read as empty slots.
func TestNewFilesAreSparse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir}, testLogger())
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, store.Write(now, map[string]float64{"a.b.count": 7}))

	fi, err := os.Stat(filepath.Join(dir, "a", "b", "count.wsp"))
	require.NoError(t, err)
	st, ok := fi.Sys().(*syscall.Stat_t)
	require.True(t, ok, "a Linux file system")
	assert.Less(t, st.Blocks*512, fi.Size()/2, "allocated %d bytes of %d", st.Blocks*512, fi.Size())
	pts, err := store.Read("a.b.count", now.Add(-time.Hour), now.Add(time.Second))
	require.NoError(t, err)
	require.Len(t, pts, 1, "one point; the holes are empty slots")
	assert.Equal(t, 7.0, pts[0].Value)
}

// A series' file is written Batch points at a time after its first
// write; Read sees the points held meanwhile, and Close writes them.
func TestWritesAreBatched(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir, Batch: 3}, testLogger())
	require.NoError(t, err)
	path := filepath.Join(dir, "p", "delivered", "count.wsp")
	start := time.Now().Add(-10 * time.Minute).Truncate(10 * time.Second)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * 10 * time.Second) }
	inFile := func() []float64 {
		points, err := whisper.ReadFile(path, start.Add(-time.Minute), time.Now())
		require.NoError(t, err)
		var vs []float64
		for _, p := range points {
			vs = append(vs, p.Value)
		}
		return vs
	}
	read := func() []float64 {
		points, err := store.Read("p.delivered.count", start.Add(-time.Minute), time.Now())
		require.NoError(t, err)
		var vs []float64
		for _, p := range points {
			vs = append(vs, p.Value)
		}
		return vs
	}

	require.NoError(t, store.Write(at(0), map[string]float64{"p.delivered.count": 1}))
	assert.Equal(t, []float64{1}, inFile(), "the first write goes to the file")
	// The first batch holds 1 to 3 points (the series' phase); the next
	// ones 3. After 7 more writes at most 3 are held.
	for i := 1; i <= 7; i++ {
		require.NoError(t, store.Write(at(i), map[string]float64{"p.delivered.count": float64(i + 1)}))
		assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8}[:i+1], read(), "Read sees every point after write %d", i)
	}
	held := 8 - len(inFile())
	assert.True(t, held >= 0 && held < 3, "%d points held", held)
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8}[:8-held], inFile(), "the file has the oldest, in order")

	require.NoError(t, store.Close())
	assert.Equal(t, []float64{1, 2, 3, 4, 5, 6, 7, 8}, inFile(), "Close writes what was held")
}

// Batch 1 writes every point through, as before batching.
func TestBatchOneWritesThrough(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	store, err := whisper.Open(whisper.Config{Dir: dir, Batch: 1}, testLogger())
	require.NoError(t, err)
	now := time.Now()
	for i := range 3 {
		require.NoError(t, store.Write(now.Add(time.Duration(i-3)*10*time.Second), map[string]float64{"a.count": float64(i + 1)}))
	}
	points, err := whisper.ReadFile(filepath.Join(dir, "a", "count.wsp"), now.Add(-time.Minute), now)
	require.NoError(t, err)
	assert.Len(t, points, 3)
}
