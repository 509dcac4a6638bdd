package app_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// The callers of the permission matrix: g.t is owned by team-t, its
// subscription s by team-s.
var (
	anonymous  = domain.Principal{}
	plainUser  = domain.Principal{Name: "user", Method: "token"}
	topicOwner = domain.Principal{Name: "t", OwnerIDs: []string{"team-t"}, Method: "token"}
	subOwner   = domain.Principal{Name: "s", OwnerIDs: []string{"team-s"}, Method: "token"}
	adminUser  = domain.Principal{Name: "root", Roles: []string{"admin"}, Method: "token"}
)

func accessStore(t *testing.T) *memory.MetadataStore {
	t.Helper()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.t", "Plaintext", "team-t")))
	require.NoError(t, store.CreateSubscription(ctx, described("g.t", "s", "team-s")))
	return store
}

// described is a valid subscription of topic owned by owner.
func described(topic, name, owner string) domain.Subscription {
	s := ownedSubscription(topic, name, "Plaintext", owner)
	d := "d"
	s.Description = &d
	return s
}

func as(ctx context.Context, p domain.Principal) context.Context { return domain.WithPrincipal(ctx, p) }

// TestManagementAccessMatrix walks access level x caller on g.t and g.t/s.
func TestManagementAccessMatrix(t *testing.T) {
	t.Parallel()
	a := app.NewManagementAccess(app.AccessConfig{Enabled: true, OpenReads: true}, accessStore(t))
	const (
		ok     = "ok"
		unauth = "401"
		denied = "403"
	)
	callers := []struct {
		name string
		p    domain.Principal
	}{{"anonymous", anonymous}, {"user", plainUser}, {"topic owner", topicOwner}, {"subscription owner", subOwner}, {"admin", adminUser}}
	for _, tc := range []struct {
		access ports.Access
		want   [5]string // by callers
	}{
		{ports.AccessPublic, [5]string{ok, ok, ok, ok, ok}},
		{ports.AccessRead, [5]string{ok, ok, ok, ok, ok}},
		{ports.AccessLoggedIn, [5]string{unauth, ok, ok, ok, ok}},
		{ports.AccessTopicOwner, [5]string{unauth, denied, ok, denied, ok}},
		{ports.AccessSubscriptionOwner, [5]string{unauth, denied, ok, ok, ok}},
		{ports.AccessAdmin, [5]string{unauth, denied, denied, denied, ok}},
	} {
		for i, c := range callers {
			err := a.Authorize(as(t.Context(), c.p), tc.access, "g.t", "s")
			switch tc.want[i] {
			case ok:
				assert.NoError(t, err, "%s as %s", tc.access, c.name)
			case unauth:
				assert.ErrorIs(t, err, domain.ErrUnauthenticated, "%s as %s", tc.access, c.name)
			case denied:
				assert.ErrorIs(t, err, domain.ErrPermissionDenied, "%s as %s", tc.access, c.name)
			}
		}
	}
}

func TestManagementAccessOptions(t *testing.T) {
	t.Parallel()
	store := accessStore(t)
	ctx := t.Context()

	off := app.NewManagementAccess(app.AccessConfig{}, store)
	assert.NoError(t, off.Authorize(ctx, ports.AccessAdmin, "", ""), "off: everything is allowed")
	assert.False(t, off.IsAdmin(as(ctx, adminUser)), "off: nobody is an admin, so read-only mode refuses everyone")

	closed := app.NewManagementAccess(app.AccessConfig{Enabled: true}, store)
	assert.ErrorIs(t, closed.Authorize(ctx, ports.AccessRead, "", ""), domain.ErrUnauthenticated, "reads closed")
	assert.NoError(t, closed.Authorize(as(ctx, plainUser), ports.AccessRead, "", ""))
	assert.NoError(t, closed.Authorize(ctx, ports.AccessPublic, "", ""))

	custom := app.NewManagementAccess(app.AccessConfig{Enabled: true, AdminRole: "hermes-admins"}, store)
	assert.ErrorIs(t, custom.Authorize(as(ctx, adminUser), ports.AccessAdmin, "", ""), domain.ErrPermissionDenied, "admin is not the admin role here")
	root := domain.Principal{Name: "r", Roles: []string{"hermes-admins"}}
	assert.NoError(t, custom.Authorize(as(ctx, root), ports.AccessAdmin, "", ""))
	assert.True(t, custom.IsAdmin(as(ctx, root)))

	assert.ErrorIs(t, closed.Authorize(as(ctx, topicOwner), ports.AccessTopicOwner, "g.missing", ""), domain.ErrTopicNotFound)
	assert.NoError(t, closed.Authorize(as(ctx, adminUser), ports.AccessTopicOwner, "g.missing", ""), "an admin needs no lookup")
}

func TestManagementAccessRoles(t *testing.T) {
	t.Parallel()
	a := app.NewManagementAccess(app.AccessConfig{Enabled: true, OpenReads: true}, accessStore(t))
	for _, tc := range []struct {
		p          domain.Principal
		topic, sub string
		want       []string
	}{
		{anonymous, "g.t", "s", []string{}},
		{plainUser, "", "", []string{"any"}},
		{plainUser, "g.t", "s", []string{"any"}},
		{topicOwner, "g.t", "", []string{"any", "topicOwner"}},
		{topicOwner, "g.t", "s", []string{"any", "topicOwner"}},
		{subOwner, "g.t", "s", []string{"any", "subscriptionOwner"}},
		{subOwner, "g.t", "", []string{"any"}},
		{adminUser, "", "", []string{"admin", "any"}},
		{topicOwner, "g.missing", "", []string{"any"}},
		{topicOwner, "nodot", "x", []string{"any"}},
	} {
		got, err := a.Roles(as(t.Context(), tc.p), tc.topic, tc.sub)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%s on %q/%q", tc.p.Name, tc.topic, tc.sub)
	}
	off, err := app.NewManagementAccess(app.AccessConfig{}, nil).Roles(t.Context(), "g.t", "s")
	require.NoError(t, err)
	assert.Equal(t, []string{"admin", "any", "topicOwner", "subscriptionOwner"}, off, "off: every role, as Hermes's AllowAll")
}

type positions struct{ admin }

func (positions) CreateSubscriptionPosition(context.Context, domain.SubscriptionName) error {
	return nil
}

// TestCreatorRules: what Hermes's validators ask of non-admins once
// they are past the endpoint's role.
func TestCreatorRules(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := accessStore(t)
	restricted := ownedTopic("g.r", "Plaintext", "team-t")
	restricted.SubscribingRestricted = true
	require.NoError(t, store.CreateTopic(ctx, restricted))
	access := app.NewManagementAccess(app.AccessConfig{Enabled: true, OpenReads: true}, store)
	m := app.NewManagement(app.ManagementConfig{EndpointProtocols: []string{"http"}}, store, positions{}, nil, nil, slog.New(slog.DiscardHandler)).WithAccess(access)

	t.Run("groups", func(t *testing.T) {
		t.Parallel()
		err := m.CreateGroup(as(ctx, plainUser), domain.Group{GroupName: "g2"})
		assert.ErrorIs(t, err, domain.ErrPermissionDenied)
		assert.EqualError(t, err, "You are not allowed to create groups")
		assert.NoError(t, m.CreateGroup(as(ctx, adminUser), domain.Group{GroupName: "g3"}))
		open := app.NewManagement(app.ManagementConfig{}, store, positions{}, nil, nil, slog.New(slog.DiscardHandler)).
			WithAccess(app.NewManagementAccess(app.AccessConfig{Enabled: true, NonAdminGroupCreation: true}, store))
		assert.NoError(t, open.CreateGroup(as(ctx, plainUser), domain.Group{GroupName: "g4"}))
	})
	t.Run("topics", func(t *testing.T) {
		t.Parallel()
		err := m.CreateTopic(as(ctx, plainUser), ownedTopic("g.other", "Plaintext", "team-t"))
		assert.ErrorIs(t, err, domain.ErrValidation)
		assert.EqualError(t, err, "Provide an owner that includes you, you would not be able to manage this topic later")
		assert.NoError(t, m.CreateTopic(as(ctx, topicOwner), ownedTopic("g.mine", "Plaintext", "team-t")))
		assert.NoError(t, m.CreateTopic(as(ctx, adminUser), ownedTopic("g.admins", "Plaintext", "someone")))
	})
	t.Run("admin-only topic fields", func(t *testing.T) {
		t.Parallel()
		fallback := ownedTopic("g.fallback", "Plaintext", "team-t")
		fallback.FallbackToRemoteDatacenterEnabled = true
		assert.EqualError(t, m.CreateTopic(as(ctx, topicOwner), fallback), "User is not allowed to set non-default fallback to remote datacenter for this topic")
		require.NoError(t, m.CreateTopic(as(ctx, adminUser), fallback))
		assert.EqualError(t, m.UpdateTopic(as(ctx, topicOwner), "g.fallback", []byte(`{"fallbackToRemoteDatacenterEnabled":false}`)),
			"User is not allowed to disable fallback to remote datacenter for this topic")
		assert.NoError(t, m.UpdateTopic(as(ctx, topicOwner), "g.fallback", []byte(`{"description":"other"}`)), "other changes of such a topic pass")

		chaos := ownedTopic("g.chaos", "Plaintext", "team-t")
		chaos.Chaos.Mode = "GLOBAL"
		assert.EqualError(t, m.CreateTopic(as(ctx, topicOwner), chaos), "User is not allowed to set chaos policy for this topic")

		long := ownedTopic("g.long", "Plaintext", "team-t")
		long.RetentionTime = &domain.RetentionTime{Duration: 3, RetentionUnit: domain.Days}
		assert.EqualError(t, m.CreateTopic(as(ctx, topicOwner), long), "Retention time larger than 2 days can't be configured by non admin users")
		require.NoError(t, m.CreateTopic(as(ctx, adminUser), long))
		assert.NoError(t, m.UpdateTopic(as(ctx, topicOwner), "g.long", []byte(`{"description":"same retention"}`)), "an unchanged retention passes")
		assert.EqualError(t, m.UpdateTopic(as(ctx, topicOwner), "g.long", []byte(`{"retentionTime":{"duration":4}}`)),
			"Retention time larger than 2 days can't be configured by non admin users")
		assert.NoError(t, m.UpdateTopic(as(ctx, topicOwner), "g.long", []byte(`{"retentionTime":{"duration":47,"retentionUnit":"HOURS"}}`)))
		assert.EqualError(t, m.UpdateTopic(as(ctx, topicOwner), "g.long", []byte(`{"chaos":{"mode":"GLOBAL"}}`)),
			"User is not allowed to update chaos policy for this topic")
	})
	t.Run("subscriptions", func(t *testing.T) {
		t.Parallel()
		err := m.CreateSubscription(as(ctx, topicOwner), "g.t", described("g.t", "theirs", "team-s"))
		assert.EqualError(t, err, "Provide an owner that includes you, you would not be able to manage this subscription later")
		assert.NoError(t, m.CreateSubscription(as(ctx, subOwner), "g.t", described("g.t", "mine", "team-s")))

		// As in Hermes, the topic owner passes the endpoint's role but not
		// the validator: the updated subscription must include them.
		err = m.UpdateSubscription(as(ctx, topicOwner), "g.t", "s", []byte(`{"description":"x"}`))
		assert.ErrorIs(t, err, domain.ErrValidation)
		assert.NoError(t, m.UpdateSubscription(as(ctx, subOwner), "g.t", "s", []byte(`{"description":"x"}`)))
		assert.NoError(t, m.UpdateSubscription(as(ctx, adminUser), "g.t", "s", []byte(`{"description":"y"}`)))

		inflight := described("g.t", "inflight", "team-s")
		n := 5
		inflight.Serial.InflightSize = &n
		assert.EqualError(t, m.CreateSubscription(as(ctx, subOwner), "g.t", inflight), "Inflight size can't be set by non admin users")
		assert.NoError(t, m.CreateSubscription(as(ctx, adminUser), "g.t", inflight))
		assert.EqualError(t, m.UpdateSubscription(as(ctx, subOwner), "g.t", "inflight", []byte(`{"subscriptionPolicy":{"inflightSize":6}}`)),
			"Inflight size can't be changed by non admin users. Changed from: 5, to: 6")
	})
	t.Run("restricted subscribing", func(t *testing.T) {
		t.Parallel()
		err := m.CreateSubscription(as(ctx, subOwner), "g.r", described("g.r", "s", "team-s"))
		assert.ErrorIs(t, err, domain.ErrPermissionDenied)
		assert.EqualError(t, err, "Subscribing to this topic has been restricted. Contact the topic owner to create a new subscription.")
		both := domain.Principal{Name: "both", OwnerIDs: []string{"team-t", "team-s"}}
		assert.NoError(t, m.CreateSubscription(as(ctx, both), "g.r", described("g.r", "s", "team-s")))
		err = m.UpdateSubscription(as(ctx, subOwner), "g.r", "s", []byte(`{"endpoint":"http://localhost:1/elsewhere"}`))
		assert.EqualError(t, err, "Subscribing to this topic has been restricted. Contact the topic owner to modify the endpoint of this subscription.")
		assert.NoError(t, m.UpdateSubscription(as(ctx, subOwner), "g.r", "s", []byte(`{"description":"same endpoint"}`)))

		privileged := app.NewManagement(app.ManagementConfig{EndpointProtocols: []string{"http", "https"}}, store, positions{}, nil, nil, slog.New(slog.DiscardHandler)).
			WithAccess(app.NewManagementAccess(app.AccessConfig{Enabled: true, PrivilegedSubscribers: []app.PrivilegedSubscriber{
				{OwnerSource: "Plaintext", OwnerID: "team-s", Protocols: []string{"http"}}}}, store))
		assert.NoError(t, privileged.CreateSubscription(as(ctx, subOwner), "g.r", described("g.r", "p", "team-s")))
		viaHTTPS := described("g.r", "q", "team-s")
		viaHTTPS.Endpoint = "https://localhost:1/q"
		assert.ErrorIs(t, privileged.CreateSubscription(as(ctx, subOwner), "g.r", viaHTTPS), domain.ErrPermissionDenied, "only its protocols")
	})
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		off := app.NewManagement(app.ManagementConfig{}, store, positions{}, nil, nil, slog.New(slog.DiscardHandler)).
			WithAccess(app.NewManagementAccess(app.AccessConfig{}, store))
		assert.NoError(t, off.CreateGroup(ctx, domain.Group{GroupName: "g5"}), "authorization off: anonymous callers are admins")
		assert.NoError(t, off.CreateTopic(ctx, ownedTopic("g.anyone", "Plaintext", "x")))
	})
}

func TestRetransmissionTaskRights(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := accessStore(t)
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.other", "Plaintext", "team-o")))
	r := app.NewOfflineRetransmission(store, memory.NewMetadataStore(), app.RetransmissionLinks{}).
		WithAccess(app.NewManagementAccess(app.AccessConfig{Enabled: true}, store))
	fromTopic := ports.RetransmissionRequest{Type: "topic", SourceTopic: "g.other", TargetTopic: "g.t",
		StartTimestamp: "2024-01-01T00:00:00Z", EndTimestamp: "2024-01-02T00:00:00Z"}
	_, err := r.CreateRetransmissionTask(as(ctx, topicOwner), fromTopic)
	assert.ErrorIs(t, err, domain.ErrPermissionDenied)
	assert.EqualError(t, err, "User needs permissions to source and target topics.")
	_, err = r.CreateRetransmissionTask(as(ctx, adminUser), fromTopic)
	assert.NoError(t, err)

	fromView := ports.RetransmissionRequest{Type: "view", SourceViewPath: "v", TargetTopic: "g.other"}
	_, err = r.CreateRetransmissionTask(as(ctx, topicOwner), fromView)
	assert.EqualError(t, err, "User needs permissions to target topic.")
	fromView.TargetTopic = "g.t"
	_, err = r.CreateRetransmissionTask(as(ctx, topicOwner), fromView)
	assert.NoError(t, err)
}
