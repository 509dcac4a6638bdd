package whisper_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// testPath renders "prefix.<name>.<topic>" as a writer's path function would.
func testPath(name string, labels ports.Labels) string {
	return "prefix." + name + "." + labels["topic"]
}

func newReader(t *testing.T) (*whisper.Store, *whisper.Reader) {
	t.Helper()
	store, err := whisper.Open(whisper.Config{Dir: t.TempDir()}, testLogger())
	require.NoError(t, err)
	return store, whisper.NewReader(store, testPath)
}

func TestReaderNeverWrittenReadsZero(t *testing.T) {
	t.Parallel()
	_, r := newReader(t)
	labels := ports.Labels{"topic": "t"}
	total, err := r.Total(t.Context(), "published", labels)
	require.NoError(t, err)
	assert.Zero(t, total)
	rate, err := r.Rate(t.Context(), "published", labels)
	require.NoError(t, err)
	assert.Zero(t, rate)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = r.Total(ctx, "published", labels)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestReaderTotalAndRate(t *testing.T) {
	t.Parallel()
	store, r := newReader(t)
	now := time.Now()
	// Cumulative totals, with a writer restart (20 -> 5) in between; an
	// old point outside the rate window, and a series of another topic.
	writes := []struct {
		ago   time.Duration
		value float64
	}{{5 * time.Minute, 7}, {50 * time.Second, 10}, {35 * time.Second, 20}, {20 * time.Second, 5}, {5 * time.Second, 15}}
	for _, w := range writes {
		require.NoError(t, store.Write(now.Add(-w.ago), map[string]float64{
			"prefix.published.t.count": w.value, "prefix.published.other.count": 1000,
		}))
	}
	labels := ports.Labels{"topic": "t"}

	total, err := r.Total(t.Context(), "published", labels)
	require.NoError(t, err)
	assert.InDelta(t, 15, total, 1e-9, "the newest total")

	rate, err := r.Rate(t.Context(), "published", labels)
	require.NoError(t, err)
	slot := func(ago time.Duration) time.Time { return now.Add(-ago).Truncate(10 * time.Second) }
	span := slot(5 * time.Second).Sub(slot(50 * time.Second)).Seconds()
	assert.InDelta(t, (10+5+10)/span, rate, 1e-9, "increase 10->20, restart to 5, 5->15 within the last minute")
}

func TestReaderTotalOfAnOldSeries(t *testing.T) {
	t.Parallel()
	store, r := newReader(t)
	require.NoError(t, store.Write(time.Now().Add(-3*time.Hour), map[string]float64{"prefix.published.t.count": 42}))
	total, err := r.Total(t.Context(), "published", ports.Labels{"topic": "t"})
	require.NoError(t, err)
	assert.InDelta(t, 42, total, 1e-9, "a total written long ago still reads")
}
