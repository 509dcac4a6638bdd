package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// Owner is Hermes's api.Owner: one owner as an owner source describes it.
type Owner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// URL links to the owner's page; absent when the source has none.
	URL string `json:"url,omitempty"`
}

// OwnerSource is where owner ids of one kind (owner.source) are resolved,
// Hermes's OwnerSource. Implementations are safe for concurrent use.
type OwnerSource interface {
	// Name is the owner.source value that selects this source.
	Name() string
	// Deprecated reports a source kept only for existing topics.
	Deprecated() bool
	// Exists reports whether id names an owner. Errors wrap
	// domain.ErrUnavailable when the source cannot be asked.
	Exists(ctx context.Context, id string) (bool, error)
	// Owner returns the owner of id, or domain.ErrOwnerNotFound.
	Owner(ctx context.Context, id string) (Owner, error)
	// Autocomplete reports whether Search is supported.
	Autocomplete() bool
	// Search returns the owners matching search (its rules are the
	// source's), or domain.ErrOwnerAutocompleteUnsupported.
	Search(ctx context.Context, search string) ([]Owner, error)
}

// OwnerSourceDescriptor is one entry of GET /owners/sources.
type OwnerSourceDescriptor struct {
	Name         string `json:"name"`
	Autocomplete bool   `json:"autocomplete"`
	Deprecated   bool   `json:"deprecated"`
}

// OwnerService is the driving port of Hermes's owners endpoints.
// Unknown sources give domain.ErrOwnerSourceNotFound.
type OwnerService interface {
	// OwnerSources lists the configured sources in configuration order.
	OwnerSources(ctx context.Context) []OwnerSourceDescriptor
	// SearchOwners searches one source; domain.ErrOwnerAutocompleteUnsupported.
	SearchOwners(ctx context.Context, source, search string) ([]Owner, error)
	// Owner returns one owner; domain.ErrOwnerNotFound.
	Owner(ctx context.Context, source, id string) (Owner, error)
	// TopicsOwnedBy returns the topics whose owner is (source, id), sorted
	// by name; domain.ErrOwnerNotFound when the source has no such owner.
	TopicsOwnedBy(ctx context.Context, source, id string) ([]domain.Topic, error)
	// SubscriptionsOwnedBy is TopicsOwnedBy for subscriptions (unmasked:
	// the HTTP adapter masks credentials).
	SubscriptionsOwnedBy(ctx context.Context, source, id string) ([]domain.Subscription, error)
}
