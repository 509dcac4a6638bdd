package memory_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/test/contract/maxrate"
)

func TestMaxRateRegistryContract(t *testing.T) {
	maxrate.Run(t, func(*testing.T) maxrate.Harness {
		return maxrate.Harness{Registry: memory.NewMaxRateRegistry()}
	}, maxrate.Features{})
}
