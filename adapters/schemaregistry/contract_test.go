package schemaregistry_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/schemaregistry"
	"github.com/hermes-go/hermes/test/contract/schema"
)

// The suite runs against the fake registry of registry_test.go, with
// compatibility level NONE: the suite's versions change a field without a
// default, which a registry's default BACKWARD level refuses.
func TestSchemaRepositoryContract(t *testing.T) {
	schema.Run(t, func(t *testing.T) schema.Harness {
		return schema.Harness{Repo: newRegistry(t, newFakeRegistry(t).URL, schemaregistry.Config{})}
	}, schema.Features{})
}
