package app

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
)

// idleConsumers hands out consumers that never receive anything.
type idleConsumers struct{ onePoll }

// A Deliverer with workload balancing runs only what its instance is
// assigned, and follows the assignment as instances come and go.
func TestDelivererRunsOnlyAssigned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	tp := domain.NewTopic()
	tp.Name, tp.Owner = "g.t", &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, store.CreateTopic(ctx, tp))
	for i := range 4 {
		s := domain.NewSubscription()
		s.TopicName, s.Name, s.Endpoint, s.Owner = "g.t", fmt.Sprint("s", i), "http://localhost:1/x", &domain.Owner{Source: "Plaintext", ID: "team"}
		require.NoError(t, store.CreateSubscription(ctx, s))
	}
	registry := memory.NewWorkloadRegistry()
	log := slog.New(slog.DiscardHandler)
	cfg := WorkloadConfig{ConsumersPerSubscription: 1, MaxSubscriptionsPerConsumer: 200, RebalanceInterval: time.Hour}
	run := func(id string, d *Deliverer) (*Workload, context.CancelFunc) {
		c := cfg
		c.NodeID = id
		w := NewWorkload(c, registry, store, nil, log)
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { _ = w.Run(runCtx) })
		if d != nil {
			d.WithWorkload(w)
			wg.Go(func() { _ = d.Run(runCtx) })
		}
		stop := func() { cancel(); wg.Wait() }
		t.Cleanup(stop)
		return w, stop
	}
	d := NewDeliverer(DeliveryConfig{}, store, fakeLag{}, &idleConsumers{}, heldSender{release: make(chan struct{})}, memory.NewMetrics(),
		memory.NewTracker(10), memory.NewUndeliveredLog(), log)
	running := func() []string {
		var out []string
		for _, r := range d.RunningSubscriptions() {
			out = append(out, r.QualifiedName)
		}
		return out
	}
	a, _ := run("a", d)
	_, stopB := run("b", nil)
	require.Eventually(t, func() bool {
		return len(a.Status().Assigned) == 2 && assert.ObjectsAreEqual(a.Status().Assigned, running())
	}, time.Minute, 10*time.Millisecond, "a runs its half: %v of %v", running, a.Status)
	ws, on := d.WorkloadStatus()
	require.True(t, on)
	assert.Equal(t, "a", ws.NodeID)

	stopB()
	require.Eventually(t, func() bool { return len(running()) == 4 }, time.Minute, 10*time.Millisecond, "a takes b's half over")
}
