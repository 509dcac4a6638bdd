package app_test

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
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type workloadCluster struct {
	store    *memory.MetadataStore
	registry *memory.WorkloadRegistry
	metrics  *memory.Metrics // nil: none
}

// start runs instance id until the returned stop is called.
func (c workloadCluster) start(t *testing.T, id string, cfg app.WorkloadConfig) (*app.Workload, func()) {
	t.Helper()
	cfg.NodeID = id
	w := app.NewWorkload(cfg, c.registry, c.store, app.NewWorkloadConstraints(c.store), slog.New(slog.DiscardHandler))
	if c.metrics != nil {
		w.WithMetrics(c.metrics)
	}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() { _ = w.Run(ctx) })
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(stop)
	return w, stop
}

func (c workloadCluster) subscriptions(t *testing.T, n int) []string {
	t.Helper()
	ctx := t.Context()
	require.NoError(t, c.store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	tp := domain.NewTopic()
	tp.Name, tp.Owner = "g.t", &domain.Owner{Source: "Plaintext", ID: "team"}
	require.NoError(t, c.store.CreateTopic(ctx, tp))
	var out []string
	for i := range n {
		s := domain.NewSubscription()
		s.TopicName, s.Name, s.Endpoint, s.Owner = "g.t", fmt.Sprint("s", i), "http://localhost:1/x", &domain.Owner{Source: "Plaintext", ID: "team"}
		require.NoError(t, c.store.CreateSubscription(ctx, s))
		out = append(out, s.QualifiedName().String())
	}
	return out
}

func TestWorkloadFollowsInstancesAndSubscriptions(t *testing.T) {
	t.Parallel()
	c := workloadCluster{store: memory.NewMetadataStore(), registry: memory.NewWorkloadRegistry()}
	subs := c.subscriptions(t, 4)
	// A long interval: every step below must come from a watched change.
	cfg := app.WorkloadConfig{ConsumersPerSubscription: 1, MaxSubscriptionsPerConsumer: 200, RebalanceInterval: time.Hour}
	a, stopA := c.start(t, "a", cfg)
	require.Eventually(t, func() bool { return len(a.Status().Assigned) == 4 }, time.Minute, 10*time.Millisecond, "the only instance runs everything")
	assert.True(t, a.Status().IsLeader)

	b, _ := c.start(t, "b", cfg)
	require.Eventually(t, func() bool {
		return len(a.Status().Assigned) == 2 && len(b.Status().Assigned) == 2
	}, time.Minute, 10*time.Millisecond, "a new instance takes half")
	for _, s := range subs {
		assert.NotEqual(t, a.Assigned(s), b.Assigned(s), "%s runs on exactly one instance", s)
	}
	assert.Equal(t, "a", b.Status().Leader)

	_, err := c.store.UpdateSubscription(t.Context(), domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: "s0"},
		func(s domain.Subscription) (domain.Subscription, error) {
			s.State = domain.StateSuspended
			return s, nil
		})
	require.NoError(t, err)
	require.Eventually(t, func() bool { return !a.Assigned(subs[0]) && !b.Assigned(subs[0]) }, time.Minute, 10*time.Millisecond,
		"a suspended subscription runs nowhere")

	stopA() // deregisters: b leads and takes everything
	require.Eventually(t, func() bool {
		st := b.Status()
		return st.IsLeader && len(st.Assigned) == 3
	}, time.Minute, 10*time.Millisecond)
	all, err := c.registry.Assignments(t.Context(), nil)
	require.NoError(t, err)
	assert.NotContains(t, all, "a", "the leader removed the assignment of the instance that left")
}

func TestWorkloadHonoursConstraints(t *testing.T) {
	t.Parallel()
	c := workloadCluster{store: memory.NewMetadataStore(), registry: memory.NewWorkloadRegistry(), metrics: memory.NewMetrics()}
	subs := c.subscriptions(t, 2)
	_, err := app.NewWorkloadConstraints(c.store).SetSubscriptionConstraints(t.Context(), subs[1], domain.Constraints{ConsumersNumber: 1})
	require.NoError(t, err)
	cfg := app.WorkloadConfig{ConsumersPerSubscription: 2, MaxSubscriptionsPerConsumer: 200, RebalanceInterval: time.Hour}
	a, _ := c.start(t, "a", cfg)
	b, _ := c.start(t, "b", cfg)
	require.Eventually(t, func() bool {
		return a.Assigned(subs[0]) && b.Assigned(subs[0]) && a.Assigned(subs[1]) != b.Assigned(subs[1])
	}, time.Minute, 10*time.Millisecond, "s0 on both (consumers_per_subscription), s1 on one (its constraint)")
	require.Eventually(t, func() bool {
		all, _ := c.metrics.GaugeValue("workload.all-assignments", nil)
		return all == 3
	}, time.Minute, 10*time.Millisecond, "the leader reports its assignments")
	missing, ok := c.metrics.GaugeValue("workload.missing-resources", nil)
	assert.True(t, ok)
	assert.Zero(t, missing)
}

var _ ports.WorkloadStatusReporter = (*app.Deliverer)(nil)
