package app_test

import (
	"context"
	"log/slog"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// denyHost refuses endpoints whose URL host is its host (as the real
// guard reads one URL) and records what it saw.
type denyHost struct {
	host string
	seen []string
}

func (g *denyHost) CheckEndpoint(_ context.Context, endpoint string) error {
	g.seen = append(g.seen, endpoint)
	if u, err := url.Parse(endpoint); err == nil && u.Hostname() == g.host {
		return domain.Errorf(domain.ErrValidation, "Subscription endpoint refused: %s", g.host)
	}
	return nil
}

func TestEndpointGuardAtCreateAndUpdate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.t", "Plaintext", "team")))
	guard := &denyHost{host: "169.254.169.254"}
	mgmt := app.NewManagement(app.ManagementConfig{OwnerSources: []string{"Plaintext"}, EndpointProtocols: []string{"http"}},
		store, fuzzAdmin{}, nil, nil, slog.New(slog.DiscardHandler)).WithEndpointGuard(guard)

	desc := "d"
	bad := ownedSubscription("g.t", "bad", "Plaintext", "team")
	bad.Endpoint, bad.Description = "http://169.254.169.254/latest/meta-data/", &desc
	err := mgmt.CreateSubscription(ctx, "g.t", bad)
	require.ErrorIs(t, err, domain.ErrValidation)
	assert.Contains(t, domain.ErrorMessage(err), "refused")
	_, err = store.Subscription(ctx, bad.QualifiedName())
	require.ErrorIs(t, err, domain.ErrSubscriptionNotFound, "a refused subscription is not stored")

	broadcast := ownedSubscription("g.t", "broadcast", "Plaintext", "team")
	broadcast.Mode, broadcast.Description = domain.ModeBroadcast, &desc
	broadcast.Endpoint = "http://localhost:1/a;http://169.254.169.254/b"
	err = mgmt.CreateSubscription(ctx, "g.t", broadcast)
	require.ErrorIs(t, err, domain.ErrValidation, "a denied second address")
	assert.Contains(t, domain.ErrorMessage(err), "refused")

	good := ownedSubscription("g.t", "good", "Plaintext", "team")
	good.Description = &desc
	require.NoError(t, mgmt.CreateSubscription(ctx, "g.t", good))

	err = mgmt.UpdateSubscription(ctx, "g.t", "good", []byte(`{"endpoint":"http://169.254.169.254/"}`))
	require.ErrorIs(t, err, domain.ErrValidation)
	assert.Contains(t, domain.ErrorMessage(err), "refused")
	got, err := store.Subscription(ctx, good.QualifiedName())
	require.NoError(t, err)
	assert.Equal(t, good.Endpoint, got.Endpoint)

	guard.seen = nil
	require.NoError(t, mgmt.UpdateSubscription(ctx, "g.t", "good", []byte(`{"description":"no endpoint in the patch"}`)))
	assert.Empty(t, guard.seen, "a patch without an endpoint keeps the checked one")
}
