// Package maxrates is the in-process ports.MaxRateRegistry shared by the
// memory and filestore adapters: one process holds every instance, so a
// lease ends only with Leave (or the process).
package maxrates

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MaxRateRegistry = (*Registry)(nil)

// Registry keeps histories and maxes by subscription. The zero value is
// ready.
type Registry struct {
	mu sync.Mutex
	// subs holds each subscription's instances, in no order: a slice, not
	// a map by consumer id, as a subscription has one or a few instances
	// and a map each was 450 bytes of every subscription on a node.
	subs map[domain.SubscriptionName][]*domain.InstanceRate
}

// instance is consumerID's entry of sub, nil if none. Called with mu held.
func (r *Registry) instance(sub domain.SubscriptionName, consumerID string) *domain.InstanceRate {
	for _, in := range r.subs[sub] {
		if in.ConsumerID == consumerID {
			return in
		}
	}
	return nil
}

// WriteHistory implements ports.MaxRateRegistry.
func (r *Registry) WriteHistory(ctx context.Context, sub domain.SubscriptionName, consumerID string, history []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs == nil {
		r.subs = map[domain.SubscriptionName][]*domain.InstanceRate{}
	}
	in := r.instance(sub, consumerID)
	if in == nil {
		in = &domain.InstanceRate{ConsumerID: consumerID}
		r.subs[sub] = append(r.subs[sub], in)
	}
	in.History = slices.Clone(history)
	return nil
}

// Leave implements ports.MaxRateRegistry.
func (r *Registry) Leave(ctx context.Context, sub domain.SubscriptionName, consumerID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	left := slices.DeleteFunc(r.subs[sub], func(in *domain.InstanceRate) bool { return in.ConsumerID == consumerID })
	if len(left) == 0 {
		delete(r.subs, sub)
	} else {
		r.subs[sub] = left
	}
	return nil
}

// Instances implements ports.MaxRateRegistry.
func (r *Registry) Instances(ctx context.Context, sub domain.SubscriptionName) ([]domain.InstanceRate, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]domain.InstanceRate, 0, len(r.subs[sub]))
	for _, in := range r.subs[sub] {
		c := *in
		c.History = slices.Clone(in.History)
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b domain.InstanceRate) int { return strings.Compare(a.ConsumerID, b.ConsumerID) })
	return out, nil
}

// SetMaxRates implements ports.MaxRateRegistry. Maxes live with the
// instance's entry, so those of instances that left are already gone.
func (r *Registry) SetMaxRates(ctx context.Context, sub domain.SubscriptionName, maxRates map[string]float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for id, m := range maxRates {
		if in := r.instance(sub, id); in != nil {
			in.MaxRate = m
		}
	}
	return nil
}

// MaxRate implements ports.MaxRateRegistry.
func (r *Registry) MaxRate(ctx context.Context, sub domain.SubscriptionName, consumerID string) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if in := r.instance(sub, consumerID); in != nil && in.MaxRate > 0 {
		return in.MaxRate, nil
	}
	return 0, domain.Errorf(domain.ErrNotFound, "no max rate assigned to consumer %s for subscription %s", consumerID, sub)
}
