// Package workloads is the in-process ports.WorkloadRegistry shared by
// the memory and file metadata adapters: every consumer instance lives in
// this process, so nothing is persisted (assignments are recomputed at
// start anyway).
package workloads

import (
	"context"
	"slices"
	"sync"

	"github.com/hermes-go/hermes/domain"
)

// Registry is an in-process workload registry. The first registered
// instance leads until it deregisters. The zero value is ready.
type Registry struct {
	mu       sync.Mutex
	order    []string // registered instances, in registration order
	assigned domain.WorkloadAssignment
	watchers map[chan struct{}]struct{}
}

// Register implements ports.WorkloadRegistry.
func (r *Registry) Register(ctx context.Context, nodeID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.order, nodeID) {
		r.order = append(r.order, nodeID)
		r.notify()
	}
	return nil
}

// Deregister implements ports.WorkloadRegistry.
func (r *Registry) Deregister(ctx context.Context, nodeID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.order, nodeID); i >= 0 {
		r.order = slices.Delete(r.order, i, i+1)
		r.notify()
	}
	return nil
}

// Nodes implements ports.WorkloadRegistry.
func (r *Registry) Nodes(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Sorted(slices.Values(r.order)), nil
}

// Leader implements ports.WorkloadRegistry.
func (r *Registry) Leader(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.order) == 0 {
		return "", domain.Errorf(domain.ErrNotFound, "no consumer instance is registered")
	}
	return r.order[0], nil
}

// Assignments implements ports.WorkloadRegistry.
func (r *Registry) Assignments(ctx context.Context, known []domain.SubscriptionName) (domain.WorkloadAssignment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	out := domain.WorkloadAssignment{}
	for id, subs := range r.assigned {
		out[id] = among(subs, known)
	}
	return out, nil
}

// Assignment implements ports.WorkloadRegistry.
func (r *Registry) Assignment(ctx context.Context, nodeID string, known []domain.SubscriptionName) ([]domain.SubscriptionName, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return among(r.assigned[nodeID], known), nil
}

func among(subs, known []domain.SubscriptionName) []domain.SubscriptionName {
	out := []domain.SubscriptionName{}
	for _, s := range subs {
		if slices.Contains(known, s) {
			out = append(out, s)
		}
	}
	return out
}

// SetAssignment implements ports.WorkloadRegistry.
func (r *Registry) SetAssignment(ctx context.Context, nodeID string, subs []domain.SubscriptionName) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.assigned == nil {
		r.assigned = domain.WorkloadAssignment{}
	}
	r.assigned[nodeID] = slices.Clone(subs)
	r.notify()
	return nil
}

// DeleteAssignment implements ports.WorkloadRegistry.
func (r *Registry) DeleteAssignment(ctx context.Context, nodeID string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.assigned[nodeID]; ok {
		delete(r.assigned, nodeID)
		r.notify()
	}
	return nil
}

// Changes implements ports.WorkloadRegistry. Every change of the
// registry signals every watcher (in-process, that is cheap).
func (r *Registry) Changes(ctx context.Context, _ string) <-chan struct{} {
	ch := make(chan struct{}, 1)
	r.mu.Lock()
	if r.watchers == nil {
		r.watchers = map[chan struct{}]struct{}{}
	}
	r.watchers[ch] = struct{}{}
	r.mu.Unlock()
	out := make(chan struct{}, 1)
	// The forwarding goroutine is owned by ctx: it ends, closing out,
	// when ctx does.
	go func() {
		defer close(out)
		defer func() {
			r.mu.Lock()
			delete(r.watchers, ch)
			r.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ch:
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}

// notify signals every watcher; r.mu is held.
func (r *Registry) notify() {
	for ch := range r.watchers {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
