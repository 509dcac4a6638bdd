package domain

import "errors"

// Sentinels of the management features beyond groups, topics and
// subscriptions: owners, read-only mode, workload constraints, OAuth
// providers, offline retransmission and the optional integrations.
var (
	// ErrAlreadyExists is returned when creating a node that exists (the
	// use cases turn it into the specific sentinel of what it holds).
	ErrAlreadyExists = errors.New("already exists")
	// ErrOwnerSourceNotFound is returned when no owner source has the name.
	ErrOwnerSourceNotFound = errors.New("owner source not found")
	// ErrOwnerNotFound is returned when an owner source has no such owner.
	ErrOwnerNotFound = errors.New("owner not found")
	// ErrOwnerAutocompleteUnsupported is returned when searching an owner
	// source that cannot search.
	ErrOwnerAutocompleteUnsupported = errors.New("owner source does not support autocomplete")
	// ErrReadOnly is returned for a change refused in read-only mode.
	ErrReadOnly = errors.New("read-only mode")
	// ErrImplementationAbsent is returned for an optional integration
	// (offline clients, dashboards, tracking URLs) that is not configured.
	ErrImplementationAbsent = errors.New("implementation absent")
	// ErrOAuthProviderNotFound is returned when an OAuth provider does not exist.
	ErrOAuthProviderNotFound = errors.New("oauth provider not found")
	// ErrOAuthProviderAlreadyExists is returned when creating an OAuth
	// provider that exists.
	ErrOAuthProviderAlreadyExists = errors.New("oauth provider already exists")
	// ErrTopicConstraintsAlreadyExist is returned when creating workload
	// constraints of a topic that has them.
	ErrTopicConstraintsAlreadyExist = errors.New("topic constraints already exist")
	// ErrTopicConstraintsNotFound is returned when a topic has no workload constraints.
	ErrTopicConstraintsNotFound = errors.New("topic constraints do not exist")
	// ErrSubscriptionConstraintsAlreadyExist is the subscription twin of
	// ErrTopicConstraintsAlreadyExist.
	ErrSubscriptionConstraintsAlreadyExist = errors.New("subscription constraints already exist")
	// ErrSubscriptionConstraintsNotFound is the subscription twin of
	// ErrTopicConstraintsNotFound.
	ErrSubscriptionConstraintsNotFound = errors.New("subscription constraints do not exist")
)
