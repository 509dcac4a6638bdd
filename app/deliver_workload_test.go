package app

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// idleConsumers hands out consumers that never receive anything.
type idleConsumers struct{ onePoll }

// A Deliverer with workload balancing runs only what its instance is
// assigned, and follows the assignment as instances come and go.
func TestDelivererRunsOnlyAssigned(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := workloadStore(t, "s0", "s1", "s2", "s3")
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

// shareConsumers records the share each subscription's newest consumer was
// opened with.
type shareConsumers struct {
	onePoll
	mu     sync.Mutex
	shares map[string]ports.PartitionShare
}

func (c *shareConsumers) Consumer(_ context.Context, _ domain.Topic, sub domain.SubscriptionName, opts ports.ConsumerOptions) (ports.MessageConsumer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shares[sub.String()] = opts.Share
	return &c.onePoll, nil
}

func (c *shareConsumers) share(key string) ports.PartitionShare {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.shares[key]
}

// With SplitPartitions (the shared consumer) the instances running a
// subscription split its partitions by id order, and a worker reopens its
// consumer when its share changes as instances come and go.
func TestDelivererSplitsPartitionsByShare(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := workloadStore(t, "s")
	key := "g.t$s"
	registry := memory.NewWorkloadRegistry()
	log := slog.New(slog.DiscardHandler)
	run := func(id string) (*shareConsumers, context.CancelFunc) {
		cf := &shareConsumers{shares: map[string]ports.PartitionShare{}}
		w := NewWorkload(WorkloadConfig{NodeID: id, ConsumersPerSubscription: 2, RebalanceInterval: time.Hour}, registry, store, nil, log)
		d := NewDeliverer(DeliveryConfig{SplitPartitions: true}, store, fakeLag{}, cf, heldSender{release: make(chan struct{})},
			memory.NewMetrics(), memory.NewTracker(10), memory.NewUndeliveredLog(), log).WithWorkload(w)
		runCtx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { _ = w.Run(runCtx) })
		wg.Go(func() { _ = d.Run(runCtx) })
		stop := func() { cancel(); wg.Wait() }
		t.Cleanup(stop)
		return cf, stop
	}
	wait := func(cf *shareConsumers, want ports.PartitionShare, msg string) {
		t.Helper()
		require.Eventually(t, func() bool { return cf.share(key) == want }, time.Minute, 10*time.Millisecond, msg)
	}
	a, _ := run("a")
	wait(a, ports.PartitionShare{Index: 0, Count: 1}, "alone, a reads every partition")
	b, stopB := run("b")
	wait(b, ports.PartitionShare{Index: 1, Count: 2}, "b reads the second half")
	wait(a, ports.PartitionShare{Index: 0, Count: 2}, "a reopens with the first half")
	stopB()
	wait(a, ports.PartitionShare{Index: 0, Count: 1}, "a takes every partition back")
}

// A share owns partition p when p mod Count is its Index; a Count under 2
// owns everything.
func TestPartitionShareOwns(t *testing.T) {
	t.Parallel()
	var owned [2][]int32
	for p := range int32(5) {
		for i := range 2 {
			if (ports.PartitionShare{Index: i, Count: 2}).Owns(p) {
				owned[i] = append(owned[i], p)
			}
		}
		assert.True(t, ports.PartitionShare{}.Owns(p))
	}
	assert.Equal(t, [2][]int32{{0, 2, 4}, {1, 3}}, owned)
}

// workloadStore is a metadata store with topic g.t and its subscriptions
// named subs.
func workloadStore(t *testing.T, subs ...string) *memory.MetadataStore {
	t.Helper()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(t.Context(), domain.Group{GroupName: "g"}))
	tp := domain.NewTopic()
	tp.Name, tp.Owner = "g.t", &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, store.CreateTopic(t.Context(), tp))
	for _, name := range subs {
		s := domain.NewSubscription()
		s.TopicName, s.Name, s.Endpoint, s.Owner = "g.t", name, "http://localhost:1/x", &domain.Owner{Source: "Plaintext", ID: "team"}
		require.NoError(t, store.CreateSubscription(t.Context(), s))
	}
	return store
}
