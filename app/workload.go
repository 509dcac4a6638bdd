package app

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// WorkloadConfig tunes workload balancing (Hermes's consumer.workload.*).
type WorkloadConfig struct {
	// NodeID names this instance in the registry; unique per process.
	NodeID string
	// ConsumersPerSubscription is how many instances run a subscription
	// without a constraint (default 2, as Hermes).
	ConsumersPerSubscription int
	// MaxSubscriptionsPerConsumer caps what one instance runs (default
	// 200, as Hermes).
	MaxSubscriptionsPerConsumer int
	// RebalanceInterval is how often the leader rebalances besides the
	// changes it is told of (default 30s, as Hermes).
	RebalanceInterval time.Duration
	// DeadAfter is how long an instance that left the registry keeps its
	// assignment before the leader hands it out (Hermes's deadAfter,
	// default 120s there; 0 here: at once).
	DeadAfter time.Duration
	// RetryBackoff is the pause after a failed round (default 1s).
	RetryBackoff time.Duration
}

func (c WorkloadConfig) withDefaults() WorkloadConfig {
	if c.ConsumersPerSubscription <= 0 {
		c.ConsumersPerSubscription = 2
	}
	if c.MaxSubscriptionsPerConsumer <= 0 {
		c.MaxSubscriptionsPerConsumer = 200
	}
	if c.RebalanceInterval <= 0 {
		c.RebalanceInterval = 30 * time.Second
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = time.Second
	}
	return c
}

// Workload shares the subscriptions among the consumer instances, as
// Hermes's WorkloadSupervisor with its BalancingJob: it registers this
// instance, and while this instance leads, assigns every active
// subscription to instances (domain.BalanceWorkload) whenever instances
// come or go, subscriptions are created, removed, suspended or resumed,
// and every RebalanceInterval. Every instance follows its own assignment;
// the Deliverer runs only what it is assigned (Deliverer.WithWorkload).
type Workload struct {
	cfg         WorkloadConfig
	registry    ports.WorkloadRegistry
	store       ports.MetadataStore
	constraints ports.WorkloadConstraintsService // nil: none
	metrics     ports.Metrics                    // nil: none
	log         *slog.Logger

	lastSeen map[string]time.Time // leader's view of live instances; Run's goroutine

	mu       sync.Mutex
	assigned map[string]ports.PartitionShare // this instance's subscriptions, by qualified name
	leader   string
	changed  chan struct{} // capacity 1: the assignment changed
}

// NewWorkload returns the workload balancing of instance cfg.NodeID;
// constraints may be nil.
func NewWorkload(cfg WorkloadConfig, registry ports.WorkloadRegistry, store ports.MetadataStore, constraints ports.WorkloadConstraintsService, log *slog.Logger) *Workload {
	return &Workload{cfg: cfg.withDefaults(), registry: registry, store: store, constraints: constraints, log: log,
		lastSeen: map[string]time.Time{}, assigned: map[string]ports.PartitionShare{}, changed: make(chan struct{}, 1)}
}

// WithMetrics reports the balancing in m (Hermes's workload.* metrics);
// call it before Run.
func (w *Workload) WithMetrics(m ports.Metrics) *Workload {
	w.metrics = m
	return w
}

// gauge sets a workload gauge when metrics are on.
func (w *Workload) gauge(name string, v int) {
	if w.metrics != nil {
		w.metrics.Gauge(name, nil, float64(v))
	}
}

// Assigned reports whether this instance should run the subscription
// named key (group.topic$name).
func (w *Workload) Assigned(key string) bool {
	_, ok := w.Share(key)
	return ok
}

// Share returns this instance's part of the partitions of the
// subscription named key; ok is false when it is not assigned here.
func (w *Workload) Share(key string) (share ports.PartitionShare, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	share, ok = w.assigned[key]
	return share, ok
}

// Changed signals (coalesced) when this instance's assignment changed.
func (w *Workload) Changed() <-chan struct{} { return w.changed }

// Status reports this instance's part in the balancing.
func (w *Workload) Status() ports.WorkloadStatus {
	w.mu.Lock()
	defer w.mu.Unlock()
	return ports.WorkloadStatus{NodeID: w.cfg.NodeID, Leader: w.leader, IsLeader: w.leader == w.cfg.NodeID,
		Assigned: slices.Sorted(maps.Keys(w.assigned))}
}

// Run balances and follows the assignment until ctx ends, then
// deregisters this instance (so the others take its work over at once).
func (w *Workload) Run(ctx context.Context) error {
	defer func() {
		stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := w.registry.Deregister(stop, w.cfg.NodeID); err != nil {
			w.log.Warn("leaving the consumers registry failed", "err", err)
		}
	}()
	changes := w.registry.Changes(ctx, w.cfg.NodeID)
	defer func() {
		for range changes { // its goroutine ends with ctx
		}
	}()
	registry := changes // nil once closed (the registry closed): no busy loop
	var metadata <-chan ports.Change
	tick := time.NewTicker(w.cfg.RebalanceInterval)
	defer tick.Stop()
	for ctx.Err() == nil {
		if metadata == nil {
			ch, err := w.store.Watch(ctx)
			if err != nil {
				w.log.Error("metadata watch failed", "err", err)
			} else {
				metadata = ch
			}
		}
		if err := w.round(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("workload round failed", "node_id", w.cfg.NodeID, "err", err)
			sleep(ctx, w.cfg.RetryBackoff)
			continue
		}
		select {
		case <-ctx.Done():
		case _, ok := <-registry:
			if !ok {
				registry = nil
			}
		case _, ok := <-metadata:
			if !ok {
				metadata = nil
			}
			drain(metadata)
		case <-tick.C:
		}
	}
	return nil
}

// drain takes what is pending on ch without waiting, so a burst of
// metadata changes costs one round.
func drain(ch <-chan ports.Change) {
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		default:
			return
		}
	}
}

// round registers, balances while leading, and reads this instance's
// assignment.
func (w *Workload) round(ctx context.Context) error {
	if err := w.registry.Register(ctx, w.cfg.NodeID); err != nil {
		return err
	}
	known, active, err := w.subscriptions(ctx)
	if err != nil {
		return err
	}
	leader, err := w.registry.Leader(ctx)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	w.mu.Lock()
	w.leader = leader
	w.mu.Unlock()
	if leader == w.cfg.NodeID {
		if err := w.balance(ctx, known, active); err != nil {
			return err
		}
	}
	all, err := w.registry.Assignments(ctx, known)
	if err != nil {
		return err
	}
	w.follow(all[w.cfg.NodeID], shares(all, w.cfg.NodeID))
	return nil
}

// shares is, for each subscription assigned to nodeID, its part of the
// subscription's partitions: the instances assigned the subscription,
// sorted by id, take partitions round-robin (see ports.PartitionShare).
func shares(all domain.WorkloadAssignment, nodeID string) map[string]ports.PartitionShare {
	holders := all.Holders()
	out := make(map[string]ports.PartitionShare, len(all[nodeID]))
	for _, s := range all[nodeID] {
		nodes := holders[s]
		out[s.String()] = ports.PartitionShare{Index: slices.Index(nodes, nodeID), Count: len(nodes)}
	}
	return out
}

// subscriptions lists every subscription (known) and those to deliver
// (active: not suspended; PENDING ones are activated by their first
// consumer). A topic whose listing fails fails the round: balancing on a
// partial listing would take its subscriptions away.
func (w *Workload) subscriptions(ctx context.Context) (known, active []domain.SubscriptionName, err error) {
	topics, err := w.store.Topics(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	for _, qualified := range topics {
		t, err := domain.ParseTopicName(qualified)
		if err != nil {
			continue
		}
		subs, err := w.store.Subscriptions(ctx, t)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for _, s := range subs {
			known = append(known, s.QualifiedName())
			if s.State != domain.StateSuspended {
				active = append(active, s.QualifiedName())
			}
		}
	}
	return known, active, nil
}

// balance is the leader's BalancingJob: it writes the assignments that
// change and deletes those of instances that are gone.
func (w *Workload) balance(ctx context.Context, known, active []domain.SubscriptionName) error {
	started := time.Now()
	nodes, err := w.registry.Nodes(ctx)
	if err != nil {
		return err
	}
	now := time.Now()
	for _, n := range nodes {
		w.lastSeen[n] = now
	}
	var alive []string
	for n, seen := range w.lastSeen {
		if slices.Contains(nodes, n) || now.Sub(seen) < w.cfg.DeadAfter {
			alive = append(alive, n)
		} else {
			delete(w.lastSeen, n)
		}
	}
	current, err := w.registry.Assignments(ctx, known)
	if err != nil {
		return err
	}
	limits := domain.WorkloadLimits{ConsumersPerSubscription: w.cfg.ConsumersPerSubscription, MaxSubscriptionsPerConsumer: w.cfg.MaxSubscriptionsPerConsumer}
	if w.constraints != nil {
		if limits.Constraints, err = w.constraints.AllWorkloadConstraints(ctx); err != nil {
			return err
		}
	}
	result := domain.BalanceWorkload(active, alive, current, limits)
	changed := current.Changed(result.Assignment)
	for _, n := range changed {
		subs, live := result.Assignment[n]
		if !live {
			err = w.registry.DeleteAssignment(ctx, n)
		} else {
			err = w.registry.SetAssignment(ctx, n, subs)
		}
		if err != nil {
			return err
		}
	}
	all, created, deleted := 0, 0, 0
	for n, subs := range result.Assignment {
		all += len(subs)
		created += len(subtract(subs, current[n]))
	}
	for n, subs := range current {
		deleted += len(subtract(subs, result.Assignment[n]))
	}
	w.gauge("workload.all-assignments", all)
	w.gauge("workload.missing-resources", result.Missing)
	w.gauge("workload.created-assignments", created)
	w.gauge("workload.deleted-assignments", deleted)
	if w.metrics != nil {
		w.metrics.Observe("workload.rebalance-duration", nil, time.Since(started))
	}
	if len(changed) > 0 {
		w.log.Info("workload balanced", "subscriptions", len(active), "instances", len(alive), "changed_instances", len(changed), "missing", result.Missing)
	} else if result.Missing > 0 {
		w.log.Debug("workload short of instances", "missing", result.Missing)
	}
	return nil
}

// subtract returns the subscriptions of a that are not in b.
func subtract(a, b []domain.SubscriptionName) []domain.SubscriptionName {
	in := make(map[domain.SubscriptionName]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []domain.SubscriptionName
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	return out
}

// follow makes next (this instance's subscriptions with their shares)
// its assignment, telling the Deliverer when it changed.
func (w *Workload) follow(subs []domain.SubscriptionName, next map[string]ports.PartitionShare) {
	w.mu.Lock()
	same := maps.Equal(next, w.assigned)
	if !same {
		w.assigned = next
	}
	w.mu.Unlock()
	w.gauge("workload.subscriptions.assigned", len(next))
	if !same {
		w.log.Info("workload assignment changed", "node_id", w.cfg.NodeID, "subscriptions", len(subs))
		select {
		case w.changed <- struct{}{}:
		default:
		}
	}
}

// WithWorkload makes the Deliverer run only the subscriptions w assigns
// to this instance, following its changes; call it before Run (and run w
// beside it). Without it every subscription runs here.
func (d *Deliverer) WithWorkload(w *Workload) *Deliverer {
	d.workload = w
	return d
}

// assignmentChanged signals when the workload assignment changed; nil
// (never) without workload balancing.
func (d *Deliverer) assignmentChanged() <-chan struct{} {
	if d.workload == nil {
		return nil
	}
	return d.workload.Changed()
}

// WorkloadStatus implements ports.WorkloadStatusReporter.
func (d *Deliverer) WorkloadStatus() (ports.WorkloadStatus, bool) {
	if d.workload == nil {
		return ports.WorkloadStatus{}, false
	}
	return d.workload.Status(), true
}

var _ ports.WorkloadStatusReporter = (*Deliverer)(nil)
