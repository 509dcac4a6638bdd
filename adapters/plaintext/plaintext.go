// Package plaintext is Hermes's "Plaintext" owner source (ports.OwnerSource):
// an owner id is free text that names the owner itself, so every id exists
// and there is nothing to search.
package plaintext

import (
	"context"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Name is the source name Hermes registers by default.
const Name = "Plaintext"

// OwnerSource is a plaintext owner source.
type OwnerSource struct {
	name string
}

var _ ports.OwnerSource = (*OwnerSource)(nil)

// New returns a plaintext owner source called name ("" means Name).
func New(name string) *OwnerSource {
	if name == "" {
		name = Name
	}
	return &OwnerSource{name: name}
}

// Name returns the source's name.
func (s *OwnerSource) Name() string { return s.name }

// Deprecated is false.
func (s *OwnerSource) Deprecated() bool { return false }

// Exists is true for every id: a plaintext id is the owner's name.
func (s *OwnerSource) Exists(ctx context.Context, _ string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return true, nil
}

// Owner returns the owner named id.
func (s *OwnerSource) Owner(ctx context.Context, id string) (ports.Owner, error) {
	if err := ctx.Err(); err != nil {
		return ports.Owner{}, err
	}
	return ports.Owner{ID: id, Name: id}, nil
}

// Autocomplete is false: free text has no list to search.
func (s *OwnerSource) Autocomplete() bool { return false }

// Search returns domain.ErrOwnerAutocompleteUnsupported.
func (s *OwnerSource) Search(context.Context, string) ([]ports.Owner, error) {
	return nil, domain.Errorf(domain.ErrOwnerAutocompleteUnsupported, "Owner source '%s' doesn't support autocomplete", s.name)
}
