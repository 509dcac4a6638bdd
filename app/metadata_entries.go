package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/hermes-go/hermes/ports"
)

// UnreadableEntriesMetric is the gauge of metadata entries the store
// cannot read.
const UnreadableEntriesMetric = "metadata.unreadable-entries"

// MetadataEntries watches for metadata entries the store cannot read (a
// truncated subscription.json, a znode with broken JSON). The store
// isolates them (ports.UnreadableMetadata); this use case makes them
// visible: each is logged at ERROR when first seen and at INFO when
// repaired, counted in UnreadableEntriesMetric, and listed by its health
// check (DEGRADED: the rest of the process works). Its periodic pass is
// also what lets the store notice a repair made outside it.
type MetadataEntries struct {
	store   ports.UnreadableMetadata // nil: the store cannot hold unreadable entries
	metrics ports.Metrics
	log     *slog.Logger

	mu   sync.Mutex
	last []ports.UnreadableEntry
}

// NewMetadataEntries returns the check for store; a store that does not
// implement ports.UnreadableMetadata (the memory store) is always UP.
func NewMetadataEntries(store ports.MetadataStore, metrics ports.Metrics, log *slog.Logger) *MetadataEntries {
	u, _ := store.(ports.UnreadableMetadata)
	return &MetadataEntries{store: u, metrics: metrics, log: log}
}

// Run checks at once and then every interval until ctx ends.
func (m *MetadataEntries) Run(ctx context.Context, interval time.Duration) {
	if m.store == nil {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		m.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check runs one pass.
func (m *MetadataEntries) Check(ctx context.Context) {
	if m.store == nil {
		return
	}
	now := m.store.Unreadable(ctx)
	if ctx.Err() != nil {
		return
	}
	m.mu.Lock()
	before := m.last
	m.last = now
	m.mu.Unlock()
	was := map[string]bool{}
	for _, e := range before {
		was[e.Kind+" "+e.Name] = true
	}
	is := map[string]bool{}
	for _, e := range now {
		key := e.Kind + " " + e.Name
		is[key] = true
		if !was[key] {
			m.log.Error("metadata entry is unreadable: it is left out until its stored data is repaired or it is deleted; the others are unaffected",
				"kind", e.Kind, "name", e.Name, "reason", e.Reason)
		}
	}
	for _, e := range before {
		if !is[e.Kind+" "+e.Name] {
			m.log.Info("metadata entry is readable again (or was deleted)", "kind", e.Kind, "name", e.Name)
		}
	}
	m.metrics.Gauge(UnreadableEntriesMetric, nil, float64(len(now)))
}

// maxListed bounds how many entries the health problem names.
const maxListed = 10

// Health implements ports.HealthCheck from the last pass.
func (m *MetadataEntries) Health() ports.HealthState {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := ports.HealthState{Name: "metadata_entries", Status: ports.HealthUp}
	if len(m.last) == 0 {
		return s
	}
	names := make([]string, 0, min(len(m.last), maxListed))
	for _, e := range m.last[:min(len(m.last), maxListed)] {
		names = append(names, fmt.Sprintf("%s %s (%s)", e.Kind, e.Name, e.Reason))
	}
	more := ""
	if len(m.last) > maxListed {
		more = fmt.Sprintf(" and %d more", len(m.last)-maxListed)
	}
	s.Status = ports.HealthDegraded
	s.Problem = fmt.Sprintf("%d unreadable metadata entries, left out until repaired or deleted: %s%s",
		len(m.last), strings.Join(names, "; "), more)
	return s
}
