package memory

import (
	"github.com/hermes-go/hermes/adapters/internal/workloads"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.WorkloadRegistry = (*WorkloadRegistry)(nil)

// WorkloadRegistry is a ports.WorkloadRegistry for the consumer instances
// of one process (several Deliverers in tests). The zero value is ready.
type WorkloadRegistry struct{ workloads.Registry }

// NewWorkloadRegistry returns an empty registry.
func NewWorkloadRegistry() *WorkloadRegistry { return &WorkloadRegistry{} }
