// Package owners is the contract suite of ports.OwnerSource: every owner
// source adapter's contract_test.go calls Run.
package owners

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness is what one test gets.
type Harness struct {
	// Source is the source under test.
	Source ports.OwnerSource
	// KnownID names an owner the source has.
	KnownID string
	// UnknownID names no owner; "" when every id exists (Plaintext).
	UnknownID string
	// Search finds KnownID when Features.Autocomplete.
	Search string
}

// Features are the capabilities an adapter claims.
type Features struct {
	// Autocomplete: Search is supported and finds Harness.KnownID.
	Autocomplete bool
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"CancelledContext", testCancelledContext},
		{"UnknownOwner", testUnknownOwner},
		{"KnownOwner", testKnownOwner},
		{"Search", func(t *testing.T, h Harness) { testSearch(t, h, f) }},
		{"Describes", func(t *testing.T, h Harness) { testDescribes(t, h, f) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newHarness(t))
		})
	}
}

func testCancelledContext(t *testing.T, h Harness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := h.Source.Exists(ctx, h.KnownID)
	assert.ErrorIs(t, err, context.Canceled, "Exists")
	_, err = h.Source.Owner(ctx, h.KnownID)
	assert.ErrorIs(t, err, context.Canceled, "Owner")
}

func testUnknownOwner(t *testing.T, h Harness) {
	if h.UnknownID == "" {
		t.Skip("every id names an owner in this source")
	}
	ok, err := h.Source.Exists(t.Context(), h.UnknownID)
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = h.Source.Owner(t.Context(), h.UnknownID)
	assert.ErrorIs(t, err, domain.ErrOwnerNotFound)
}

func testKnownOwner(t *testing.T, h Harness) {
	ok, err := h.Source.Exists(t.Context(), h.KnownID)
	require.NoError(t, err)
	assert.True(t, ok)
	o, err := h.Source.Owner(t.Context(), h.KnownID)
	require.NoError(t, err)
	assert.Equal(t, h.KnownID, o.ID, "owner id is the id asked for")
	assert.NotEmpty(t, o.Name)
}

func testSearch(t *testing.T, h Harness, f Features) {
	assert.Equal(t, f.Autocomplete, h.Source.Autocomplete(), "Autocomplete reports the feature")
	found, err := h.Source.Search(t.Context(), h.Search)
	if !f.Autocomplete {
		assert.ErrorIs(t, err, domain.ErrOwnerAutocompleteUnsupported)
		return
	}
	require.NoError(t, err)
	ids := make([]string, 0, len(found))
	for _, o := range found {
		ids = append(ids, o.ID)
	}
	assert.Contains(t, ids, h.KnownID)
}

func testDescribes(t *testing.T, h Harness, _ Features) {
	assert.NotEmpty(t, h.Source.Name(), "a source has a name")
	// Deprecated is the adapter's to choose; asking it must not block.
	_ = h.Source.Deprecated()
}
