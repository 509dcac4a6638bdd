package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func TestWorkloadConstraints(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	w := app.NewWorkloadConstraints(store)

	created, err := w.SetTopicConstraints(ctx, "g.t", domain.Constraints{ConsumersNumber: 2, Reason: "big"})
	require.NoError(t, err)
	assert.True(t, created)
	created, err = w.SetTopicConstraints(ctx, "g.t", domain.Constraints{ConsumersNumber: 3})
	require.NoError(t, err)
	assert.False(t, created, "second PUT replaces")
	_, err = w.SetSubscriptionConstraints(ctx, "g.t$s", domain.Constraints{ConsumersNumber: 1})
	require.NoError(t, err)

	all, err := w.AllWorkloadConstraints(ctx)
	require.NoError(t, err)
	assert.Equal(t, map[string]domain.Constraints{"g.t": {ConsumersNumber: 3}}, all.TopicConstraints)
	assert.Equal(t, map[string]domain.Constraints{"g.t$s": {ConsumersNumber: 1}}, all.SubscriptionConstraints)

	raw, err := store.Node(ctx, ports.NodeWorkloadConstraints, "g.t$s")
	require.NoError(t, err)
	assert.JSONEq(t, `{"consumersNumber":1,"reason":""}`, string(raw), "Hermes's node and JSON")

	_, err = w.SetTopicConstraints(ctx, "g.t", domain.Constraints{ConsumersNumber: 0})
	assert.ErrorIs(t, err, domain.ErrValidation)
	// Hermes parses the names while reading the body: a bad one is a
	// FORMAT_ERROR there.
	_, err = w.SetSubscriptionConstraints(ctx, "g.t", domain.Constraints{ConsumersNumber: 1})
	assert.ErrorIs(t, err, domain.ErrFormat, "subscription name needs topic$subscription")
	_, err = w.SetTopicConstraints(ctx, "nodot", domain.Constraints{ConsumersNumber: 1})
	assert.ErrorIs(t, err, domain.ErrFormat)

	require.NoError(t, w.DeleteSubscriptionConstraints(ctx, "g.t", "s"))
	require.NoError(t, w.DeleteTopicConstraints(ctx, "g.t"))
	require.NoError(t, w.DeleteTopicConstraints(ctx, "g.t"), "deleting absent constraints is fine, as in Hermes")
	all, err = w.AllWorkloadConstraints(ctx)
	require.NoError(t, err)
	assert.Empty(t, all.TopicConstraints)
	assert.Empty(t, all.SubscriptionConstraints)
}

func TestOAuthProviders(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	o := app.NewOAuthProviders(store)
	n := func(v int) *int { return &v }
	p := domain.OAuthProvider{Name: "auth", TokenEndpoint: "http://auth/token", ClientID: "c", ClientSecret: "s3cret",
		TokenRequestInitialDelay: n(100), TokenRequestMaxDelay: n(1000), RequestTimeout: n(1000)}

	_, err := o.OAuthProvider(ctx, "auth")
	assert.ErrorIs(t, err, domain.ErrOAuthProviderNotFound)
	assert.ErrorIs(t, o.DeleteOAuthProvider(ctx, "auth"), domain.ErrOAuthProviderNotFound)
	bad := p
	bad.RequestTimeout = n(5)
	assert.ErrorIs(t, o.CreateOAuthProvider(ctx, bad), domain.ErrValidation)

	require.NoError(t, o.CreateOAuthProvider(ctx, p))
	assert.ErrorIs(t, o.CreateOAuthProvider(ctx, p), domain.ErrOAuthProviderAlreadyExists)
	got, err := o.OAuthProvider(ctx, "auth")
	require.NoError(t, err)
	assert.Equal(t, "s3cret", got.ClientSecret, "stored as Hermes stores it")
	assert.Equal(t, 0, *got.SocketTimeout, "Hermes's default")

	require.NoError(t, o.UpdateOAuthProvider(ctx, "auth", []byte(`{"clientId":"c2"}`)))
	got, err = o.OAuthProvider(ctx, "auth")
	require.NoError(t, err)
	assert.Equal(t, "c2", got.ClientID)
	assert.Equal(t, "s3cret", got.ClientSecret, "a patch keeps what it does not name")
	assert.ErrorIs(t, o.UpdateOAuthProvider(ctx, "auth", []byte(`{"requestTimeout":1}`)), domain.ErrValidation)
	assert.ErrorIs(t, o.UpdateOAuthProvider(ctx, "auth", []byte(`{"name":"other"}`)), domain.ErrValidation)

	names, err := o.OAuthProviderNames(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"auth"}, names)
	require.NoError(t, o.DeleteOAuthProvider(ctx, "auth"))
	names, err = o.OAuthProviderNames(ctx)
	require.NoError(t, err)
	assert.Empty(t, names)
}
