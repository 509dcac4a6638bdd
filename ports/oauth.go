package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// OAuthProviderService is the driving port of Hermes's /oauth/providers.
type OAuthProviderService interface {
	// OAuthProviderNames lists the names, sorted.
	OAuthProviderNames(ctx context.Context) ([]string, error)
	// OAuthProvider returns one, secret unmasked (the HTTP adapter masks);
	// domain.ErrOAuthProviderNotFound.
	OAuthProvider(ctx context.Context, name string) (domain.OAuthProvider, error)
	// CreateOAuthProvider validates and stores p;
	// domain.ErrOAuthProviderAlreadyExists.
	CreateOAuthProvider(ctx context.Context, p domain.OAuthProvider) error
	// UpdateOAuthProvider merge-patches the stored JSON and re-validates.
	UpdateOAuthProvider(ctx context.Context, name string, patch []byte) error
	// DeleteOAuthProvider removes it; domain.ErrOAuthProviderNotFound.
	DeleteOAuthProvider(ctx context.Context, name string) error
}
