// Package workload is the contract suite of ports.WorkloadRegistry: every
// adapter's contract_test.go runs it with Run.
package workload

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
	Registry ports.WorkloadRegistry
	// Store is the metadata store beside the registry: subscriptions an
	// assignment names are created there first (a backend may store them
	// by an id the store gives).
	Store ports.MetadataStore
	// Other opens the registry of another process on the same backend and
	// returns it with a func that ends that process (its session); nil
	// when the backend is in-process only.
	Other func(t *testing.T) (ports.WorkloadRegistry, func())
}

// Features are the capabilities an adapter has. None yet: cross-process
// behaviour runs when Harness.Other is set.
type Features struct{}

var (
	runID = strconv.FormatInt(time.Now().UnixNano()%(1<<40), 36)
	seq   atomic.Int64
)

func unique(prefix string) string { return fmt.Sprint(prefix, runID, "-", seq.Add(1)) }

// subscriptions creates n subscriptions of a new topic.
func subscriptions(t *testing.T, h Harness, n int) []domain.SubscriptionName {
	t.Helper()
	ctx := t.Context()
	g := unique("workload")
	require.NoError(t, h.Store.CreateGroup(ctx, domain.Group{GroupName: g}))
	topic := domain.TopicName{Group: g, Name: "t"}
	tp := domain.NewTopic()
	tp.Name, tp.ContentType = topic.String(), domain.ContentTypeJSON
	tp.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, h.Store.CreateTopic(ctx, tp))
	out := make([]domain.SubscriptionName, n)
	for i := range out {
		out[i] = domain.SubscriptionName{Topic: topic, Name: fmt.Sprint("s", i)}
		sub := domain.NewSubscription()
		sub.TopicName, sub.Name, sub.Endpoint = topic.String(), out[i].Name, "http://localhost:1/x"
		sub.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
		require.NoError(t, h.Store.CreateSubscription(ctx, sub))
	}
	return out
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, _ Features) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"NothingRegistered", testNothingRegistered},
		{"CancelledContext", testCancelledContext},
		{"RegisterAndLead", testRegisterAndLead},
		{"Assignments", testAssignments},
		{"Changes", testChanges},
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
	ctx := t.Context()
	nodes, err := h.Registry.Nodes(ctx)
	require.NoError(t, err)
	assert.Empty(t, nodes)
	_, err = h.Registry.Leader(ctx)
	assert.ErrorIs(t, err, domain.ErrNotFound)
	all, err := h.Registry.Assignments(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, all)
	mine, err := h.Registry.Assignment(ctx, "a", nil)
	require.NoError(t, err)
	assert.Empty(t, mine)
	require.NoError(t, h.Registry.Deregister(ctx, "a"), "absent is no error")
	require.NoError(t, h.Registry.DeleteAssignment(ctx, "a"), "absent is no error")
}

func testCancelledContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	assert.ErrorIs(t, h.Registry.Register(ctx, "a"), context.Canceled)
	_, err := h.Registry.Nodes(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, h.Registry.SetAssignment(ctx, "a", nil), context.Canceled)
}

func testRegisterAndLead(t *testing.T, h Harness) {
	ctx := t.Context()
	r := h.Registry
	require.NoError(t, r.Register(ctx, "a"))
	require.NoError(t, r.Register(ctx, "b"))
	require.NoError(t, r.Register(ctx, "a"), "idempotent")
	nodes, err := r.Nodes(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, nodes)
	leader, err := r.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "a", leader, "the first candidate leads")

	require.NoError(t, r.Deregister(ctx, "a"))
	nodes, err = r.Nodes(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, nodes)
	leader, err = r.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "b", leader, "leadership passes on")

	require.NoError(t, r.Register(ctx, "a"))
	leader, err = r.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "b", leader, "a returning candidate queues behind the leader")
}

func testAssignments(t *testing.T, h Harness) {
	ctx := t.Context()
	r := h.Registry
	subs := subscriptions(t, h, 3)
	require.NoError(t, r.SetAssignment(ctx, "a", subs[:2]))
	require.NoError(t, r.SetAssignment(ctx, "b", subs[1:]))

	mine, err := r.Assignment(ctx, "a", subs)
	require.NoError(t, err)
	assert.Equal(t, subs[:2], mine)
	mine, err = r.Assignment(ctx, "a", subs[1:])
	require.NoError(t, err)
	assert.Equal(t, subs[1:2], mine, "only known subscriptions are named")
	all, err := r.Assignments(ctx, subs)
	require.NoError(t, err)
	assert.Equal(t, domain.WorkloadAssignment{"a": subs[:2], "b": subs[1:]}, all, "also of instances not registered")

	require.NoError(t, r.SetAssignment(ctx, "a", subs[2:]))
	mine, err = r.Assignment(ctx, "a", subs)
	require.NoError(t, err)
	assert.Equal(t, subs[2:], mine, "replaced")
	require.NoError(t, r.SetAssignment(ctx, "a", nil))
	mine, err = r.Assignment(ctx, "a", subs)
	require.NoError(t, err)
	assert.Empty(t, mine)

	require.NoError(t, r.DeleteAssignment(ctx, "b"))
	all, err = r.Assignments(ctx, subs)
	require.NoError(t, err)
	assert.NotContains(t, all, "b")
}

// waitSignal waits for a signal on ch.
func waitSignal(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case _, ok := <-ch:
		require.True(t, ok, "channel closed while waiting for %s", what)
	case <-t.Context().Done():
		t.Fatalf("no signal for %s", what)
	}
}

// drainSignals empties ch, so the next wait sees only new signals.
func drainSignals(ch <-chan struct{}) {
	for {
		select {
		case <-ch:
		default:
			return
		}
	}
}

func testChanges(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	r := h.Registry
	subs := subscriptions(t, h, 1)
	require.NoError(t, r.Register(ctx, "a"))
	ch := r.Changes(ctx, "a")
	// Watches are set asynchronously: repeat the change until seen.
	require.Eventually(t, func() bool {
		drainSignals(ch)
		require.NoError(t, r.Register(ctx, unique("b")))
		select {
		case <-ch:
			return true
		case <-time.After(200 * time.Millisecond):
			return false
		}
	}, time.Minute, time.Millisecond, "a new instance is signalled")
	drainSignals(ch)
	require.NoError(t, r.SetAssignment(ctx, "a", subs))
	waitSignal(t, ch, "a's assignment")
	drainSignals(ch)
	require.NoError(t, r.Deregister(ctx, "a"))
	waitSignal(t, ch, "a leaving (and the leadership with it)")

	cancel()
	for range ch { //nolint:revive // wait for the close
	}
}

func testOtherProcess(t *testing.T, h Harness) {
	if h.Other == nil {
		t.Skip("the backend is in-process only")
	}
	ctx := t.Context()
	subs := subscriptions(t, h, 2)
	other, end := h.Other(t)
	require.NoError(t, other.Register(ctx, "o"))
	require.NoError(t, h.Registry.Register(ctx, "a"))
	leader, err := h.Registry.Leader(ctx)
	require.NoError(t, err)
	assert.Equal(t, "o", leader)
	require.NoError(t, h.Registry.SetAssignment(ctx, "o", subs))
	theirs, err := other.Assignment(ctx, "o", subs)
	require.NoError(t, err)
	assert.Equal(t, subs, theirs, "the leader's writes reach the other process")

	end() // the process dies: its registration and candidacy go with it
	require.Eventually(t, func() bool {
		nodes, err := h.Registry.Nodes(ctx)
		require.NoError(t, err)
		leader, err := h.Registry.Leader(ctx)
		require.NoError(t, err)
		return len(nodes) == 1 && nodes[0] == "a" && leader == "a"
	}, time.Minute, 20*time.Millisecond)
	all, err := h.Registry.Assignments(ctx, subs)
	require.NoError(t, err)
	assert.Equal(t, subs, all["o"], "an assignment outlives its instance until the leader removes it")
}
