package plaintext_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/adapters/plaintext"
	"github.com/hermes-go/hermes/test/contract/owners"
)

func TestContract(t *testing.T) {
	owners.Run(t, func(*testing.T) owners.Harness {
		return owners.Harness{Source: plaintext.New(""), KnownID: "Team Orders", Search: "Team"}
	}, owners.Features{})
}

func TestOwnerIsTheID(t *testing.T) {
	s := plaintext.New("")
	assert.Equal(t, plaintext.Name, s.Name())
	o, err := s.Owner(t.Context(), "Team Orders")
	assert.NoError(t, err)
	assert.Equal(t, "Team Orders", o.Name)
	assert.Equal(t, "Custom", plaintext.New("Custom").Name())
}
