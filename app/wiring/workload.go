package wiring

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// WorkloadConfig is Hermes's consumer.workload.*: how the consumer
// instances share the subscriptions (docs/configuration.md).
type WorkloadConfig struct {
	// Enabled turns balancing on: each instance runs only the
	// subscriptions the leader assigns it. Unset (the default): on with
	// the ZooKeeper metadata store, off with the file and memory stores,
	// whose single process then runs every subscription, without the
	// max_subscriptions_per_consumer cap.
	Enabled *bool `koanf:"enabled"`
	// ConsumersPerSubscription is how many instances run a subscription
	// without a /workload-constraints entry (default 2, as Hermes).
	ConsumersPerSubscription int `koanf:"consumers_per_subscription"`
	// MaxSubscriptionsPerConsumer caps what one instance runs (default
	// 200, as Hermes).
	MaxSubscriptionsPerConsumer int `koanf:"max_subscriptions_per_consumer"`
	// RebalanceInterval is how often the leader rebalances besides the
	// changes it watches (default 30s, as Hermes).
	RebalanceInterval time.Duration `koanf:"rebalance_interval"`
	// DeadAfter is how long the leader keeps the work of an instance
	// that left the registry before handing it out (default 0s: at once;
	// Hermes: 120s).
	DeadAfter time.Duration `koanf:"dead_after"`
}

func defaultWorkload() WorkloadConfig {
	return WorkloadConfig{ConsumersPerSubscription: 2, MaxSubscriptionsPerConsumer: 200, RebalanceInterval: 30 * time.Second}
}

func (w WorkloadConfig) validate() []error {
	var errs []error
	if w.ConsumersPerSubscription < 1 {
		errs = append(errs, fmt.Errorf("consumers.workload.consumers_per_subscription %d: want at least 1", w.ConsumersPerSubscription))
	}
	if w.MaxSubscriptionsPerConsumer < 1 {
		errs = append(errs, fmt.Errorf("consumers.workload.max_subscriptions_per_consumer %d: want at least 1", w.MaxSubscriptionsPerConsumer))
	}
	if w.RebalanceInterval <= 0 {
		errs = append(errs, fmt.Errorf("consumers.workload.rebalance_interval %s: want above 0, e.g. 30s", w.RebalanceInterval))
	}
	if w.DeadAfter < 0 {
		errs = append(errs, fmt.Errorf("consumers.workload.dead_after %s: want 0 or more", w.DeadAfter))
	}
	return errs
}

// workloadEnabled applies the default of WorkloadConfig.Enabled.
func (c Config) workloadEnabled() bool {
	if e := c.Consumers.Workload.Enabled; e != nil {
		return *e
	}
	return c.Metadata.Kind == MetadataZooKeeper && !c.InMemory
}

func (c Config) workload(nodeID string) app.WorkloadConfig {
	w := c.Consumers.Workload
	return app.WorkloadConfig{NodeID: nodeID, ConsumersPerSubscription: w.ConsumersPerSubscription,
		MaxSubscriptionsPerConsumer: w.MaxSubscriptionsPerConsumer, RebalanceInterval: w.RebalanceInterval, DeadAfter: w.DeadAfter}
}

// newWorkload wires workload balancing into d when it is enabled and
// returns it (nil when off); its Run goes beside d.Run, stopped by the
// same context.
func newWorkload(cfg Config, nodeID string, wr ports.WorkloadRegistry, store ports.MetadataStore, m ports.Metrics, d *app.Deliverer, log *slog.Logger) *app.Workload {
	if !cfg.workloadEnabled() {
		return nil
	}
	var constraints ports.WorkloadConstraintsService
	if nodes, ok := store.(ports.NodeStore); ok {
		constraints = app.NewWorkloadConstraints(nodes)
	}
	w := app.NewWorkload(cfg.workload(nodeID), wr, store, constraints, log.With("component", "workload")).WithMetrics(m)
	d.WithWorkload(w)
	return w
}
