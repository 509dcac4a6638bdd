package memory_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/test/contract/workload"
)

func TestWorkloadRegistryContract(t *testing.T) {
	workload.Run(t, func(*testing.T) workload.Harness {
		return workload.Harness{Registry: memory.NewWorkloadRegistry(), Store: memory.NewMetadataStore()}
	}, workload.Features{})
}
