package filestore_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/filestore"
	"github.com/hermes-go/hermes/test/contract/workload"
)

func TestWorkloadRegistryContract(t *testing.T) {
	workload.Run(t, func(t *testing.T) workload.Harness {
		return workload.Harness{Registry: filestore.NewWorkloadRegistry(), Store: open(t, t.TempDir())}
	}, workload.Features{})
}
