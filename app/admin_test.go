package app_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/plaintext"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func ownedTopic(name, source, id string) domain.Topic {
	t := domain.NewTopic()
	t.Name = name
	d := "d"
	t.Description = &d
	t.Owner = &domain.Owner{Source: source, ID: id}
	t.RetentionTime = &domain.RetentionTime{Duration: 1, RetentionUnit: domain.Days}
	t.ContentType = domain.ContentTypeJSON
	return t
}

func ownedSubscription(topic, name, source, id string) domain.Subscription {
	s := domain.NewSubscription()
	s.TopicName, s.Name, s.Endpoint = topic, name, "http://localhost:1/"+name
	s.Owner = &domain.Owner{Source: source, ID: id}
	return s
}

func TestOwnersLists(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.a", "Plaintext", "team")))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.b", "Plaintext", "other")))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.c", "Custom", "team")))
	require.NoError(t, store.CreateSubscription(ctx, ownedSubscription("g.b", "s1", "Plaintext", "team")))
	require.NoError(t, store.CreateSubscription(ctx, ownedSubscription("g.b", "s2", "Plaintext", "other")))
	o := app.NewOwners([]ports.OwnerSource{plaintext.New(""), plaintext.New("Custom")}, store)

	assert.Equal(t, []ports.OwnerSourceDescriptor{{Name: "Plaintext"}, {Name: "Custom"}}, o.OwnerSources(ctx))

	topics, err := o.TopicsOwnedBy(ctx, "Plaintext", "team")
	require.NoError(t, err)
	require.Len(t, topics, 1, "only the source and id given")
	assert.Equal(t, "g.a", topics[0].Name)

	subs, err := o.SubscriptionsOwnedBy(ctx, "Plaintext", "team")
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "s1", subs[0].Name)

	none, err := o.TopicsOwnedBy(ctx, "Plaintext", "nobody")
	require.NoError(t, err)
	assert.NotNil(t, none, "an owner without topics gets an empty list")
	assert.Empty(t, none)

	owner, err := o.Owner(ctx, "Custom", "x")
	require.NoError(t, err)
	assert.Equal(t, ports.Owner{ID: "x", Name: "x"}, owner)

	_, err = o.TopicsOwnedBy(ctx, "Missing", "team")
	assert.ErrorIs(t, err, domain.ErrOwnerSourceNotFound)
	_, err = o.SubscriptionsOwnedBy(ctx, "Missing", "team")
	assert.ErrorIs(t, err, domain.ErrOwnerSourceNotFound)
	_, err = o.Owner(ctx, "Missing", "team")
	assert.ErrorIs(t, err, domain.ErrOwnerSourceNotFound)
	_, err = o.SearchOwners(ctx, "Plaintext", "te")
	assert.ErrorIs(t, err, domain.ErrOwnerAutocompleteUnsupported)
}

func TestModeRefusesUnknownAndRemembersAdminReadOnly(t *testing.T) {
	t.Parallel()
	m := app.NewManagementMode()
	assert.Equal(t, ports.ModeReadWrite, m.Mode())
	assert.False(t, m.ReadOnly())
	assert.ErrorIs(t, m.SetMode(t.Context(), "readonly"), domain.ErrValidation, "mode names are case-sensitive")
	require.NoError(t, m.SetMode(t.Context(), ports.ModeReadOnly))
	assert.Equal(t, ports.ModeReadOnlyAdmin, m.Mode(), "an operator's read-only is readOnlyAdmin, as in Hermes")
	assert.True(t, m.ReadOnly())
	require.NoError(t, m.SetMode(t.Context(), ports.ModeReadWrite))
	assert.False(t, m.ReadOnly())
}

func TestAllowAllRoles(t *testing.T) {
	t.Parallel()
	var r app.AllowAllRoles
	for _, tc := range []struct {
		topic, sub string
		want       []string
	}{
		{"", "", []string{"admin", "any"}},
		{"g.t", "", []string{"admin", "any", "topicOwner"}},
		{"g.t", "s", []string{"admin", "any", "topicOwner", "subscriptionOwner"}},
	} {
		got, err := r.Roles(t.Context(), tc.topic, tc.sub)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func TestConsoleFillsDerivedValues(t *testing.T) {
	t.Parallel()
	c := app.NewConsole(ports.ConsoleConfig{}).ConsoleConfiguration(t.Context())
	assert.Equal(t, []ports.ConsoleOption{{Value: "AVRO", Label: "AVRO"}, {Value: "JSON", Label: "JSON"}}, c.Topic.ContentTypes)
	assert.NotNil(t, c.Console.KnownEnvironments)
	assert.NotNil(t, c.Owner.Sources)
	assert.NotNil(t, c.Subscription.EndpointAddressResolverMetadata)
}

// TestAdminImplementsItsPorts guards the facade: an embedded field named
// like a promoted method (a type Mode with method Mode) would hide it.
func TestAdminImplementsItsPorts(t *testing.T) {
	t.Parallel()
	var a any = &app.Admin{}
	_, ok := a.(ports.ConsoleService)
	assert.True(t, ok, "ConsoleService")
	_, ok = a.(ports.OwnerService)
	assert.True(t, ok, "OwnerService")
	_, ok = a.(ports.RoleService)
	assert.True(t, ok, "RoleService")
	_, ok = a.(ports.ModeService)
	assert.True(t, ok, "ModeService")
	_, ok = a.(ports.WorkloadConstraintsService)
	assert.True(t, ok, "WorkloadConstraintsService")
	_, ok = a.(ports.OAuthProviderService)
	assert.True(t, ok, "OAuthProviderService")
	for name, ok := range map[string]bool{
		"StatsService":                 is[ports.StatsService](a),
		"ReadinessService":             is[ports.ReadinessService](a),
		"ConsistencyService":           is[ports.ConsistencyService](a),
		"OfflineRetransmissionService": is[ports.OfflineRetransmissionService](a),
		"LinkService":                  is[ports.LinkService](a),
		"InactiveTopicsService":        is[ports.InactiveTopicsService](a),
	} {
		assert.True(t, ok, name)
	}
}

func is[T any](v any) bool {
	_, ok := v.(T)
	return ok
}

type fakeHealth struct{ status ports.HealthStatus }

func (f *fakeHealth) Health() ports.HealthState {
	return ports.HealthState{Name: "metadata", Status: f.status}
}

func TestModeFollowsStorageHealth(t *testing.T) {
	t.Parallel()
	h := &fakeHealth{status: ports.HealthUp}
	m := app.NewManagementMode().FollowStorage(h)
	assert.Equal(t, ports.ModeReadWrite, m.Mode())
	h.status = ports.HealthDown
	assert.Equal(t, ports.ModeReadOnly, m.Mode(), "storage down: read-only, as Hermes's health check sets")
	assert.True(t, m.ReadOnly())
	h.status = ports.HealthUp
	assert.Equal(t, ports.ModeReadWrite, m.Mode(), "back when storage is")
	require.NoError(t, m.SetMode(t.Context(), ports.ModeReadOnlyAdmin))
	assert.Equal(t, ports.ModeReadOnlyAdmin, m.Mode(), "an operator's read-only stays")
}
