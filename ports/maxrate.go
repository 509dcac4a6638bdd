package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// MaxRateRegistry shares a serial subscription's rate among the consumer
// instances serving it (Hermes's MaxRateRegistry, hermes-api.md §4.5).
// Every instance publishes its used-ratio history; the instance with the
// lowest ConsumerID among those serving the subscription balances
// (domain.MaxRateSettings.Balance) and writes everyone's max; each
// instance reads its own.
//
// An instance's entries are leased: they go when it calls Leave, or when
// its process or backend session ends (ZooKeeper ephemeral nodes), so a
// dead instance stops holding a share. All methods are safe for concurrent
// use, also across processes sharing one backend, and return
// domain.ErrUnavailable when the backend cannot be reached, or ctx's error.
type MaxRateRegistry interface {
	// WriteHistory registers consumerID as serving sub and stores its used
	// ratios, newest first (empty to only register). It creates the entry
	// when missing, also after the backend lost it with a session, so
	// calling it periodically keeps the lease. Idempotent.
	WriteHistory(ctx context.Context, sub domain.SubscriptionName, consumerID string, history []float64) error
	// Leave removes consumerID's history and max for sub. Absent entries
	// are no error.
	Leave(ctx context.Context, sub domain.SubscriptionName, consumerID string) error
	// Instances returns the instances serving sub sorted by ConsumerID,
	// each with its history and assigned max (0 when none); empty when
	// none.
	Instances(ctx context.Context, sub domain.SubscriptionName) ([]domain.InstanceRate, error)
	// SetMaxRates stores the max of each listed instance of sub, ignoring
	// instances that no longer serve it, and drops the maxes of instances
	// that left. Maxes of instances not listed stay.
	SetMaxRates(ctx context.Context, sub domain.SubscriptionName, maxRates map[string]float64) error
	// MaxRate returns consumerID's assigned max for sub, or
	// domain.ErrNotFound when none is assigned.
	MaxRate(ctx context.Context, sub domain.SubscriptionName, consumerID string) (float64, error)
}
