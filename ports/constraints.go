package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// WorkloadConstraintsService is the driving port of Hermes's
// /workload-constraints.
type WorkloadConstraintsService interface {
	// AllWorkloadConstraints returns every constraint.
	AllWorkloadConstraints(ctx context.Context) (domain.WorkloadConstraints, error)
	// SetTopicConstraints creates (created true) or replaces a qualified
	// topic's constraints; domain.ErrValidation on bad constraints or name.
	SetTopicConstraints(ctx context.Context, topic string, c domain.Constraints) (created bool, err error)
	// SetSubscriptionConstraints is SetTopicConstraints for
	// "group.topic$subscription".
	SetSubscriptionConstraints(ctx context.Context, subscription string, c domain.Constraints) (created bool, err error)
	// DeleteTopicConstraints removes them; absent ones are no error.
	DeleteTopicConstraints(ctx context.Context, topic string) error
	// DeleteSubscriptionConstraints removes them; absent ones are no error.
	DeleteSubscriptionConstraints(ctx context.Context, topic, subscription string) error
}

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
