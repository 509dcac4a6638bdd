package app

import (
	"context"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Owners implements ports.OwnerService over the configured owner sources
// and the metadata store.
type Owners struct {
	sources []ports.OwnerSource
	store   ports.MetadataStore
}

var _ ports.OwnerService = (*Owners)(nil)

// NewOwners returns the owners use cases; sources keep their order in
// GET /owners/sources.
func NewOwners(sources []ports.OwnerSource, store ports.MetadataStore) *Owners {
	return &Owners{sources: sources, store: store}
}

func (o *Owners) source(name string) (ports.OwnerSource, error) {
	for _, s := range o.sources {
		if s.Name() == name {
			return s, nil
		}
	}
	return nil, domain.Errorf(domain.ErrOwnerSourceNotFound, "Owner source named '%s' not found", name)
}

// OwnerSources describes every source.
func (o *Owners) OwnerSources(context.Context) []ports.OwnerSourceDescriptor {
	out := make([]ports.OwnerSourceDescriptor, 0, len(o.sources))
	for _, s := range o.sources {
		out = append(out, ports.OwnerSourceDescriptor{Name: s.Name(), Autocomplete: s.Autocomplete(), Deprecated: s.Deprecated()})
	}
	return out
}

// SearchOwners searches one source.
func (o *Owners) SearchOwners(ctx context.Context, source, search string) ([]ports.Owner, error) {
	s, err := o.source(source)
	if err != nil {
		return nil, err
	}
	return s.Search(ctx, search)
}

// Owner returns one owner of one source.
func (o *Owners) Owner(ctx context.Context, source, id string) (ports.Owner, error) {
	s, err := o.source(source)
	if err != nil {
		return ports.Owner{}, err
	}
	return s.Owner(ctx, id)
}

// owner resolves (source, id) as Hermes's ownership endpoints do: the
// source must exist and know the id.
func (o *Owners) owner(ctx context.Context, source, id string) (domain.Owner, error) {
	s, err := o.source(source)
	if err != nil {
		return domain.Owner{}, err
	}
	ok, err := s.Exists(ctx, id)
	if err != nil {
		return domain.Owner{}, err
	}
	if !ok {
		return domain.Owner{}, domain.Errorf(domain.ErrOwnerNotFound, "Owner of id '%s' not found in source %s", id, source)
	}
	return domain.Owner{Source: s.Name(), ID: id}, nil
}

// TopicsOwnedBy returns the owner's topics.
func (o *Owners) TopicsOwnedBy(ctx context.Context, source, id string) ([]domain.Topic, error) {
	owner, err := o.owner(ctx, source, id)
	if err != nil {
		return nil, err
	}
	topics, err := storeTopics(ctx, o.store)
	if err != nil {
		return nil, err
	}
	out := []domain.Topic{}
	for _, t := range topics {
		if t.Owner != nil && *t.Owner == owner {
			out = append(out, t)
		}
	}
	return out, nil
}

// SubscriptionsOwnedBy returns the owner's subscriptions.
func (o *Owners) SubscriptionsOwnedBy(ctx context.Context, source, id string) ([]domain.Subscription, error) {
	owner, err := o.owner(ctx, source, id)
	if err != nil {
		return nil, err
	}
	subs, err := storeSubscriptions(ctx, o.store)
	if err != nil {
		return nil, err
	}
	out := []domain.Subscription{}
	for _, s := range subs {
		if s.Owner != nil && *s.Owner == owner {
			out = append(out, s)
		}
	}
	return out, nil
}
