package jsonpath_test

import (
	"testing"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/ports"
	suite "github.com/hermes-go/hermes/test/contract/jsonpath"
)

func TestContract(t *testing.T) {
	t.Parallel()
	suite.Run(t, func(*testing.T) ports.JSONPathCompiler { return jsonpath.New() })
}
