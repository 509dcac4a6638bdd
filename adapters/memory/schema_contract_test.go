package memory_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/test/contract/schema"
)

func TestSchemaRepositoryContract(t *testing.T) {
	schema.Run(t, func(*testing.T) schema.Harness {
		return schema.Harness{Repo: memory.NewSchemaRepository()}
	}, schema.Features{IDIsVersion: true})
}
