package prometheus

import (
	"io"
	"log/slog"
	"maps"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

// TestFamiliesShareLabelKeys: the series of one label set in different
// families hold one copy of its key, and another label set its own.
func TestFamiliesShareLabelKeys(t *testing.T) {
	t.Parallel()
	m := New(Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	sub := ports.Labels{"group": "g", "topic": "t", "subscription": "s"}
	m.Count("subscription.delivered", sub, 1)
	m.Gauge("subscription.lag", ports.Labels{"group": "g", "topic": "t", "subscription": "s"}, 2) // an equal map, not the same
	m.Observe("subscription.latency", sub, 1)
	m.Count("subscription.delivered", ports.Labels{"group": "g", "topic": "t", "subscription": "other"}, 1)

	var keys []string
	m.families.Range(func(_, f any) bool {
		f.(*family).mu.RLock()
		defer f.(*family).mu.RUnlock()
		keys = append(keys, slices.Collect(maps.Keys(f.(*family).values))...)
		keys = append(keys, slices.Collect(maps.Keys(f.(*family).hists))...)
		return true
	})
	require.Len(t, keys, 4)
	data := map[string]map[*byte]bool{}
	for _, k := range keys {
		if data[k] == nil {
			data[k] = map[*byte]bool{}
		}
		data[k][unsafe.StringData(k)] = true
	}
	require.Len(t, data, 2, "two label sets")
	for k, copies := range data {
		assert.Len(t, copies, 1, "one copy of %q", k)
	}
}
