// Package maxrate is the contract suite of ports.MaxRateRegistry: every
// adapter's contract_test.go runs it with Run.
package maxrate

import (
	"context"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness is one registry under test.
type Harness struct {
	Registry ports.MaxRateRegistry
	// Other opens the registry of another process on the same backend and
	// returns it with a func that ends that process (its session); nil
	// when the backend is in-process only.
	Other func(t *testing.T) (ports.MaxRateRegistry, func())
}

// Features are the capabilities an adapter has. None yet: cross-process
// behaviour runs when Harness.Other is set.
type Features struct{}

// runID keeps names unique across runs against a shared backend.
var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

func uniqueSub() domain.SubscriptionName {
	n := seq.Add(1)
	return domain.SubscriptionName{Topic: domain.TopicName{Group: "maxrate" + runID, Name: fmt.Sprint("t", n)}, Name: fmt.Sprint("s", n)}
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, _ Features) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"NothingRegistered", testNothingRegistered},
		{"CancelledContext", testCancelledContext},
		{"RegisterAndList", testRegisterAndList},
		{"MaxRates", testMaxRates},
		{"Leave", testLeave},
		{"SubscriptionsAreSeparate", testSubscriptionsAreSeparate},
		{"OtherProcess", testOtherProcess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newHarness(t))
		})
	}
}

func testNothingRegistered(t *testing.T, h Harness) {
	ctx, sub := t.Context(), uniqueSub()
	_, err := h.Registry.MaxRate(ctx, sub, "c1")
	require.ErrorIs(t, err, domain.ErrNotFound)
	got, err := h.Registry.Instances(ctx, sub)
	require.NoError(t, err)
	assert.Empty(t, got)
	require.NoError(t, h.Registry.Leave(ctx, sub, "c1"), "leaving twice is no error")
	require.NoError(t, h.Registry.SetMaxRates(ctx, sub, map[string]float64{"ghost": 5}))
	_, err = h.Registry.MaxRate(ctx, sub, "ghost")
	require.ErrorIs(t, err, domain.ErrNotFound, "no max for an instance that does not serve the subscription")
}

func testCancelledContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	sub := uniqueSub()
	assert.ErrorIs(t, h.Registry.WriteHistory(ctx, sub, "c1", nil), context.Canceled)
	_, err := h.Registry.Instances(ctx, sub)
	assert.ErrorIs(t, err, context.Canceled)
	_, err = h.Registry.MaxRate(ctx, sub, "c1")
	assert.ErrorIs(t, err, context.Canceled)
}

func testRegisterAndList(t *testing.T, h Harness) {
	ctx, sub := t.Context(), uniqueSub()
	r := h.Registry
	require.NoError(t, r.WriteHistory(ctx, sub, "c2", []float64{0.5}))
	require.NoError(t, r.WriteHistory(ctx, sub, "c1", nil))
	got, err := r.Instances(ctx, sub)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, "c1", got[0].ConsumerID, "sorted by id")
	assert.Empty(t, got[0].History)
	assert.Zero(t, got[0].MaxRate, "no max assigned yet")
	assert.Equal(t, domain.InstanceRate{ConsumerID: "c2", History: []float64{0.5}}, got[1])

	require.NoError(t, r.WriteHistory(ctx, sub, "c2", []float64{0.7, 0.5}))
	require.NoError(t, r.WriteHistory(ctx, sub, "c2", []float64{0.7, 0.5}), "idempotent")
	got, err = r.Instances(ctx, sub)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []float64{0.7, 0.5}, got[1].History)
}

func testMaxRates(t *testing.T, h Harness) {
	ctx, sub := t.Context(), uniqueSub()
	r := h.Registry
	require.NoError(t, r.WriteHistory(ctx, sub, "c1", nil))
	require.NoError(t, r.WriteHistory(ctx, sub, "c2", nil))
	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c1": 30, "c2": 70, "ghost": 1}))
	for id, want := range map[string]float64{"c1": 30, "c2": 70} {
		got, err := r.MaxRate(ctx, sub, id)
		require.NoError(t, err)
		assert.InDelta(t, want, got, 1e-9, id)
	}
	_, err := r.MaxRate(ctx, sub, "ghost")
	require.ErrorIs(t, err, domain.ErrNotFound)

	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c2": 60.5}))
	got, err := r.Instances(ctx, sub)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.InDelta(t, 30, got[0].MaxRate, 1e-9, "an instance not listed keeps its max")
	assert.InDelta(t, 60.5, got[1].MaxRate, 1e-9)

	require.NoError(t, r.WriteHistory(ctx, sub, "c1", []float64{1}))
	m, err := r.MaxRate(ctx, sub, "c1")
	require.NoError(t, err)
	assert.InDelta(t, 30, m, 1e-9, "writing history keeps the max")
}

func testLeave(t *testing.T, h Harness) {
	ctx, sub := t.Context(), uniqueSub()
	r := h.Registry
	require.NoError(t, r.WriteHistory(ctx, sub, "c1", []float64{0.2}))
	require.NoError(t, r.WriteHistory(ctx, sub, "c2", nil))
	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c1": 50, "c2": 50}))
	require.NoError(t, r.Leave(ctx, sub, "c1"))

	got, err := r.Instances(ctx, sub)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "c2", got[0].ConsumerID)
	_, err = r.MaxRate(ctx, sub, "c1")
	require.ErrorIs(t, err, domain.ErrNotFound)

	require.NoError(t, r.WriteHistory(ctx, sub, "c1", nil))
	_, err = r.MaxRate(ctx, sub, "c1")
	require.ErrorIs(t, err, domain.ErrNotFound, "a returning instance waits for a new max")

	require.NoError(t, r.Leave(ctx, sub, "c1"))
	require.NoError(t, r.Leave(ctx, sub, "c2"))
	got, err = r.Instances(ctx, sub)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testSubscriptionsAreSeparate(t *testing.T, h Harness) {
	ctx, a, b := t.Context(), uniqueSub(), uniqueSub()
	r := h.Registry
	require.NoError(t, r.WriteHistory(ctx, a, "c1", []float64{1}))
	require.NoError(t, r.SetMaxRates(ctx, a, map[string]float64{"c1": 10}))
	got, err := r.Instances(ctx, b)
	require.NoError(t, err)
	assert.Empty(t, got)
	_, err = r.MaxRate(ctx, b, "c1")
	require.ErrorIs(t, err, domain.ErrNotFound)
}

func testOtherProcess(t *testing.T, h Harness) {
	if h.Other == nil {
		t.Skip("in-process registry")
	}
	ctx, sub := t.Context(), uniqueSub()
	r := h.Registry
	other, end := h.Other(t)
	require.NoError(t, r.WriteHistory(ctx, sub, "c1", []float64{1}))
	require.NoError(t, other.WriteHistory(ctx, sub, "c2", []float64{0.1}))
	got, err := r.Instances(ctx, sub)
	require.NoError(t, err)
	require.Len(t, got, 2, "both processes are seen")
	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c1": 80, "c2": 20}))
	m, err := other.MaxRate(ctx, sub, "c2")
	require.NoError(t, err)
	assert.InDelta(t, 20, m, 1e-9, "the other process reads the max written for it")

	end()
	require.Eventually(t, func() bool {
		got, err := r.Instances(ctx, sub)
		return err == nil && len(got) == 1 && got[0].ConsumerID == "c1"
	}, 20*time.Second, 20*time.Millisecond, "a dead process's lease ends")
	require.NoError(t, r.SetMaxRates(ctx, sub, map[string]float64{"c1": 100}))
	_, err = r.MaxRate(ctx, sub, "c2")
	require.ErrorIs(t, err, domain.ErrNotFound, "balancing drops the max of the dead instance")
	require.NoError(t, r.Leave(ctx, sub, "c1"))
}
