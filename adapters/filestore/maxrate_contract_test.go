package filestore_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/filestore"
	"github.com/hermes-go/hermes/test/contract/maxrate"
)

func TestMaxRateRegistryContract(t *testing.T) {
	maxrate.Run(t, func(*testing.T) maxrate.Harness {
		return maxrate.Harness{Registry: filestore.NewMaxRateRegistry()}
	}, maxrate.Features{})
}
