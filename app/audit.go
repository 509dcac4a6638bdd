package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// AuditTrail implements ports.AuditLog: every entry is one INFO line of
// its logger (the durable record, wherever logs are shipped) and is kept
// in a ring of the newest entries for GET /audit. The ring is per
// process and lost at restart.
type AuditTrail struct {
	log *slog.Logger

	mu      sync.Mutex
	ring    []domain.AuditEntry // len grows to cap, then wraps
	next    int                 // where the next entry goes once full
	retains int
}

var _ ports.AuditLog = (*AuditTrail)(nil)

// NewAuditTrail keeps the newest retained entries (at least 1) and logs
// every entry to log.
func NewAuditTrail(retained int, log *slog.Logger) *AuditTrail {
	retained = max(retained, 1)
	return &AuditTrail{log: log, retains: retained, ring: make([]domain.AuditEntry, 0, min(retained, 64))}
}

// RecordAudit logs and keeps e; past the bound the oldest entry goes.
func (a *AuditTrail) RecordAudit(ctx context.Context, e domain.AuditEntry) {
	a.log.LogAttrs(ctx, slog.LevelInfo, "management write",
		slog.String("principal", e.Principal), slog.String("auth_method", e.AuthMethod),
		slog.String("operation", e.Operation), slog.String("kind", e.Kind), slog.String("name", e.Name),
		slog.String("http_method", e.Method), slog.String("path", e.Path), slog.Int("status", e.Status),
		slog.String("before", rawOrNull(e.Before)), slog.String("after", rawOrNull(e.After)))
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.ring) < a.retains {
		a.ring = append(a.ring, e)
		return
	}
	a.ring[a.next] = e
	a.next = (a.next + 1) % a.retains
}

// AuditEntries returns the kept entries q selects, newest first.
func (a *AuditTrail) AuditEntries(_ context.Context, q domain.AuditQuery) ([]domain.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := []domain.AuditEntry{}
	n := len(a.ring)
	for i := range n {
		// Newest first: the one before next, backwards.
		e := a.ring[(a.next-1-i+2*n)%n]
		if (!q.Since.IsZero() && e.Time.Before(q.Since)) || (q.Principal != "" && e.Principal != q.Principal) {
			continue
		}
		out = append(out, e)
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
	}
	return out, nil
}

func rawOrNull(b []byte) string {
	if len(b) == 0 {
		return "null"
	}
	return string(b)
}
