package memory_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/test/contract/metadata"
)

func TestMetadataStoreContract(t *testing.T) {
	metadata.Run(t, func(*testing.T) metadata.Harness {
		return metadata.Harness{Store: memory.NewMetadataStore()}
	}, metadata.Features{WatchBuffer: memory.WatchBuffer})
}
