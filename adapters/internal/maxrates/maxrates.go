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

// Registry keeps histories and maxes in maps. The zero value is ready.
type Registry struct {
	mu   sync.Mutex
	subs map[domain.SubscriptionName]map[string]*domain.InstanceRate
}

// WriteHistory implements ports.MaxRateRegistry.
func (r *Registry) WriteHistory(ctx context.Context, sub domain.SubscriptionName, consumerID string, history []float64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subs == nil {
		r.subs = map[domain.SubscriptionName]map[string]*domain.InstanceRate{}
	}
	if r.subs[sub] == nil {
		r.subs[sub] = map[string]*domain.InstanceRate{}
	}
	in := r.subs[sub][consumerID]
	if in == nil {
		in = &domain.InstanceRate{ConsumerID: consumerID}
		r.subs[sub][consumerID] = in
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
	delete(r.subs[sub], consumerID)
	if len(r.subs[sub]) == 0 {
		delete(r.subs, sub)
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
		if in := r.subs[sub][id]; in != nil {
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
	if in := r.subs[sub][consumerID]; in != nil && in.MaxRate > 0 {
		return in.MaxRate, nil
	}
	return 0, domain.Errorf(domain.ErrNotFound, "no max rate assigned to consumer %s for subscription %s", consumerID, sub)
}
