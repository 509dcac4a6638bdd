package app

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/ports"
)

// Hermes's consumer signal types that Hermes-Go's delivery applies.
const (
	signalStart  = "START"
	signalUpdate = "UPDATE_SUBSCRIPTION"
)

// runningStatus records the running workers for the consumers status
// server: Run's goroutine writes, status requests read.
type runningStatus struct {
	mu      sync.Mutex
	running map[string]map[string]int64 // subscription -> signal -> Unix ms
}

func (r *runningStatus) signal(key, signal string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.running = map[string]map[string]int64{}
	}
	if r.running[key] == nil {
		r.running[key] = map[string]int64{}
	}
	r.running[key][signal] = time.Now().UnixMilli()
}

func (r *runningStatus) stopped(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.running, key)
}

// RunningSubscriptions implements ports.ConsumersStatus.
func (d *Deliverer) RunningSubscriptions() []ports.RunningSubscriptionStatus {
	r := &d.status
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]ports.RunningSubscriptionStatus, 0, len(r.running))
	for key, signals := range r.running {
		out = append(out, ports.RunningSubscriptionStatus{QualifiedName: key, SignalTimesheet: maps.Clone(signals)})
	}
	slices.SortFunc(out, func(a, b ports.RunningSubscriptionStatus) int {
		return strings.Compare(strings.ToLower(a.QualifiedName), strings.ToLower(b.QualifiedName))
	})
	return out
}

var _ ports.ConsumersStatus = (*Deliverer)(nil)
