package filestore

import (
	"github.com/hermes-go/hermes/adapters/internal/workloads"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.WorkloadRegistry = (*WorkloadRegistry)(nil)

// WorkloadRegistry is the ports.WorkloadRegistry next to the file store.
// A data directory is locked by one process, so every consumer instance
// is in this process (it is the only one, and leads) and nothing is
// written to disk: the registrations would end with the process, and the
// leader recomputes the assignments at start. The zero value is ready.
type WorkloadRegistry struct{ workloads.Registry }

// NewWorkloadRegistry returns an empty registry.
func NewWorkloadRegistry() *WorkloadRegistry { return &WorkloadRegistry{} }
