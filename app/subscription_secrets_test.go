package app_test

import (
	"encoding/json"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// Writing back what GET shows (credentials masked) keeps the stored
// secrets: before, the mask itself became the password.
func TestUpdateWithMaskedSecretsKeepsTheStoredOnes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.t", "Plaintext", "team")))
	mgmt := app.NewManagement(app.ManagementConfig{OwnerSources: []string{"Plaintext"}, EndpointProtocols: []string{"http"}},
		store, admin{}, nil, nil, slog.New(slog.DiscardHandler))
	s := ownedSubscription("g.t", "s", "Plaintext", "team")
	s.Endpoint = "http://alice:s3cret@localhost:1/hook"
	d := "d"
	s.Description = &d
	require.NoError(t, store.CreateSubscription(ctx, s))
	stored := func() domain.Subscription {
		got, err := mgmt.GetSubscription(ctx, "g.t", "s")
		require.NoError(t, err)
		return got
	}

	shown := stored().Masked()
	require.Equal(t, "http://alice:*****@localhost:1/hook", shown.Endpoint)
	desc := "changed"
	shown.Description = &desc
	put, err := json.Marshal(shown)
	require.NoError(t, err)
	require.NoError(t, mgmt.UpdateSubscription(ctx, "g.t", "s", put))
	assert.Equal(t, "http://alice:s3cret@localhost:1/hook", stored().Endpoint, "PUT of the GET body")
	assert.Equal(t, "changed", *stored().Description)

	require.NoError(t, mgmt.UpdateSubscription(ctx, "g.t", "s", []byte(`{"endpoint":"http://alice:*****@localhost:2/other"}`)))
	assert.Equal(t, "http://alice:s3cret@localhost:2/other", stored().Endpoint, "a new address, the same account")

	err = mgmt.UpdateSubscription(ctx, "g.t", "s", []byte(`{"endpoint":"http://bob:*****@localhost:2/other"}`))
	require.ErrorIs(t, err, domain.ErrValidation, "another account's password cannot be a mask")
	assert.Equal(t, "http://alice:s3cret@localhost:2/other", stored().Endpoint)

	require.NoError(t, mgmt.UpdateSubscription(ctx, "g.t", "s", []byte(`{"endpoint":"http://bob:n3w@localhost:2/other"}`)))
	assert.Equal(t, "http://bob:n3w@localhost:2/other", stored().Endpoint, "a real new password is taken")
}

// The same for an OAuth provider's client secret, which GET masks too.
func TestOAuthProviderUpdateWithMaskedSecretKeepsTheStoredOne(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	o := app.NewOAuthProviders(memory.NewMetadataStore())
	n := func(v int) *int { return &v }
	p := domain.OAuthProvider{Name: "auth", TokenEndpoint: "http://auth/token", ClientID: "c", ClientSecret: "s3cret",
		TokenRequestInitialDelay: n(100), TokenRequestMaxDelay: n(1000), RequestTimeout: n(1000)}
	require.NoError(t, o.CreateOAuthProvider(ctx, p))
	got, err := o.OAuthProvider(ctx, "auth")
	require.NoError(t, err)
	shown, err := json.Marshal(got.Masked())
	require.NoError(t, err)

	require.NoError(t, o.UpdateOAuthProvider(ctx, "auth", shown))
	got, err = o.OAuthProvider(ctx, "auth")
	require.NoError(t, err)
	assert.Equal(t, "s3cret", got.ClientSecret, "PUT of the GET body")

	err = o.UpdateOAuthProvider(ctx, "auth", []byte(`{"clientId":"other","clientSecret":"******"}`))
	require.ErrorIs(t, err, domain.ErrValidation, "another client's secret cannot be a mask")
	got, err = o.OAuthProvider(ctx, "auth")
	require.NoError(t, err)
	assert.Equal(t, "c", got.ClientID)
}
