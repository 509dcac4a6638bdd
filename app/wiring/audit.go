package wiring

import "fmt"

// AuditConfig is security.audit: the management writes' audit log
// (docs/security.md, "Audit log"). Every write is logged; the newest are
// also kept for GET /audit.
type AuditConfig struct {
	// Retained is how many entries GET /audit can show (default 1000);
	// older ones are in the log only.
	Retained int `koanf:"retained"`
}

func (c AuditConfig) problems() []error {
	if c.Retained < 1 || c.Retained > 1_000_000 {
		return []error{fmt.Errorf("security.audit.retained %d: want 1 to 1000000, such as 1000", c.Retained)}
	}
	return nil
}
