package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// AuditLog records management writes and answers GET /audit. Safe for
// concurrent use.
type AuditLog interface {
	// RecordAudit logs e and keeps it; it never blocks on I/O beyond the
	// log line and never fails. The entry must already be masked.
	RecordAudit(ctx context.Context, e domain.AuditEntry)
	// AuditEntries returns the kept entries q selects, newest first. A
	// bounded number is kept: older ones are dropped.
	AuditEntries(ctx context.Context, q domain.AuditQuery) ([]domain.AuditEntry, error)
}
