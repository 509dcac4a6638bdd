package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// OAuthProviders implements ports.OAuthProviderService over the metadata
// store's nodes, in Hermes's layout (oauth-providers/{name}, the
// provider's JSON with its secret, as Hermes stores it).
type OAuthProviders struct {
	nodes ports.NodeStore
}

var _ ports.OAuthProviderService = (*OAuthProviders)(nil)

// NewOAuthProviders returns the OAuth provider use cases.
func NewOAuthProviders(nodes ports.NodeStore) *OAuthProviders {
	return &OAuthProviders{nodes: nodes}
}

func providerNotFound(name string) error {
	return domain.Errorf(domain.ErrOAuthProviderNotFound, "OAuth provider %s does not exist", name)
}

// OAuthProviderNames lists the providers.
func (o *OAuthProviders) OAuthProviderNames(ctx context.Context) ([]string, error) {
	return o.nodes.Children(ctx, ports.NodeOAuthProviders)
}

// OAuthProvider reads one provider.
func (o *OAuthProviders) OAuthProvider(ctx context.Context, name string) (domain.OAuthProvider, error) {
	if !domain.NamePattern.MatchString(name) {
		return domain.OAuthProvider{}, providerNotFound(name)
	}
	b, err := o.nodes.Node(ctx, ports.NodeOAuthProviders, name)
	if errors.Is(err, domain.ErrNotFound) {
		return domain.OAuthProvider{}, providerNotFound(name)
	}
	if err != nil {
		return domain.OAuthProvider{}, err
	}
	var p domain.OAuthProvider
	if err := json.Unmarshal(b, &p); err != nil {
		return domain.OAuthProvider{}, fmt.Errorf("oauth provider %s: stored JSON unreadable: %w", name, err)
	}
	return p.WithDefaults(), nil
}

// CreateOAuthProvider stores a new provider.
func (o *OAuthProviders) CreateOAuthProvider(ctx context.Context, p domain.OAuthProvider) error {
	p = p.WithDefaults()
	if err := p.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("oauth provider: encode: %w", err)
	}
	err = o.nodes.CreateNode(ctx, ports.NodeOAuthProviders, p.Name, b)
	if errors.Is(err, domain.ErrAlreadyExists) {
		return domain.Errorf(domain.ErrOAuthProviderAlreadyExists, "OAuth Provider %s already exists", p.Name)
	}
	return err
}

// UpdateOAuthProvider patches a provider; its name cannot change.
func (o *OAuthProviders) UpdateOAuthProvider(ctx context.Context, name string, patch []byte) error {
	current, err := o.OAuthProvider(ctx, name)
	if err != nil {
		return err
	}
	merged, err := mergePatch(current, patch)
	if err != nil {
		return err
	}
	var updated domain.OAuthProvider
	if err := json.Unmarshal(merged, &updated); err != nil {
		return domain.Errorf(domain.ErrFormat, "Malformed JSON: %s", err.Error())
	}
	if updated.Name != name {
		return domain.Errorf(domain.ErrValidation, "name cannot be changed")
	}
	// A client writing back what GET showed sends the masked secret.
	if updated, err = updated.KeepMaskedSecret(current); err != nil {
		return err
	}
	updated = updated.WithDefaults()
	if err := updated.Validate(); err != nil {
		return err
	}
	b, err := json.Marshal(updated)
	if err != nil {
		return fmt.Errorf("oauth provider: encode: %w", err)
	}
	_, err = o.nodes.SetNode(ctx, ports.NodeOAuthProviders, name, b)
	return err
}

// DeleteOAuthProvider removes a provider.
func (o *OAuthProviders) DeleteOAuthProvider(ctx context.Context, name string) error {
	if !domain.NamePattern.MatchString(name) {
		return providerNotFound(name)
	}
	err := o.nodes.DeleteNode(ctx, ports.NodeOAuthProviders, name)
	if errors.Is(err, domain.ErrNotFound) {
		return providerNotFound(name)
	}
	return err
}
