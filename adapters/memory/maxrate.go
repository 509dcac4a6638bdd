package memory

import (
	"github.com/hermes-go/hermes/adapters/internal/maxrates"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MaxRateRegistry = (*MaxRateRegistry)(nil)

// MaxRateRegistry is a ports.MaxRateRegistry for the consumer instances
// of one process (several Deliverers in tests). The zero value is ready.
type MaxRateRegistry struct{ maxrates.Registry }

// NewMaxRateRegistry returns an empty registry.
func NewMaxRateRegistry() *MaxRateRegistry { return &MaxRateRegistry{} }
