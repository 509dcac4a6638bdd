package app

import (
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
	running map[string]*signalTimes // by subscription
}

// signalTimes are when a worker last applied each signal, Unix ms, 0 for
// never: two fields, not a map by signal, as a map each was 350 bytes of
// every running subscription.
type signalTimes struct{ start, update int64 }

func (r *runningStatus) signal(key, signal string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.running == nil {
		r.running = map[string]*signalTimes{}
	}
	t := r.running[key]
	if t == nil {
		t = &signalTimes{}
		r.running[key] = t
	}
	now := time.Now().UnixMilli()
	if signal == signalStart {
		t.start = now
	} else {
		t.update = now
	}
}

// timesheet is t as Hermes's status shows it: signal -> Unix ms, for the
// signals applied.
func (t *signalTimes) timesheet() map[string]int64 {
	out := make(map[string]int64, 2)
	if t.start != 0 {
		out[signalStart] = t.start
	}
	if t.update != 0 {
		out[signalUpdate] = t.update
	}
	return out
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
	for key, t := range r.running {
		out = append(out, ports.RunningSubscriptionStatus{QualifiedName: key, SignalTimesheet: t.timesheet()})
	}
	slices.SortFunc(out, func(a, b ports.RunningSubscriptionStatus) int {
		return strings.Compare(strings.ToLower(a.QualifiedName), strings.ToLower(b.QualifiedName))
	})
	return out
}

var _ ports.ConsumersStatus = (*Deliverer)(nil)
