package filestore

import (
	"github.com/hermes-go/hermes/adapters/internal/maxrates"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MaxRateRegistry = (*MaxRateRegistry)(nil)

// MaxRateRegistry is the ports.MaxRateRegistry next to the file store. A
// data directory is locked by one process, so every consumer instance is
// in this process and nothing is written to disk: the leases would end
// with the process anyway. The zero value is ready.
type MaxRateRegistry struct{ maxrates.Registry }

// NewMaxRateRegistry returns an empty registry.
func NewMaxRateRegistry() *MaxRateRegistry { return &MaxRateRegistry{} }
