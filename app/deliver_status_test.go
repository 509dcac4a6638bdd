package app

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunningStatusKeepsEachSignalsLastTime(t *testing.T) {
	t.Parallel()
	d := &Deliverer{}
	d.status.signal("g.t.a", signalStart)
	d.status.signal("g.t.b", signalStart)
	d.status.signal("g.t.b", signalUpdate)
	d.status.stopped("g.t.c") // never started: nothing to forget
	got := d.RunningSubscriptions()
	require.Len(t, got, 2)
	assert.Equal(t, "g.t.a", got[0].QualifiedName)
	assert.Equal(t, []string{signalStart}, slices.Sorted(maps.Keys(got[0].SignalTimesheet)), "a worker only started has no update time")
	assert.Equal(t, "g.t.b", got[1].QualifiedName)
	assert.Equal(t, []string{signalStart, signalUpdate}, slices.Sorted(maps.Keys(got[1].SignalTimesheet)))
	assert.LessOrEqual(t, got[1].SignalTimesheet[signalStart], got[1].SignalTimesheet[signalUpdate])
	d.status.stopped("g.t.a")
	assert.Len(t, d.RunningSubscriptions(), 1)
}
