package zookeeper

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// TestEveryCallIsUnavailableWhileCutOff covers the failure paths of every
// ZooKeeper call the store makes: with the connection cut, each one
// answers domain.ErrUnavailable (503 upstream), none hangs past its
// context or crashes, and the health check is DOWN until the store has a
// session again.
func TestEveryCallIsUnavailableWhileCutOff(t *testing.T) {
	servers, root := testServers(t), uniqueRoot()
	t.Parallel()
	rawConn(t, servers, root)
	p := startProxy(t, servers[0])
	s := openStore(t, []string{p.ln.Addr().String()}, root)
	ctx := t.Context()
	topic := domain.TopicName{Group: "g", Name: "t"}
	sub := domain.SubscriptionName{Topic: topic, Name: "s"}
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	tp := domain.NewTopic()
	tp.Name, tp.ContentType = "g.t", domain.ContentTypeJSON
	require.NoError(t, s.CreateTopic(ctx, tp))
	require.Equal(t, ports.HealthUp, s.Health().Status)
	rates, err := NewMaxRateRegistry(s, "dc")
	require.NoError(t, err)

	// Frozen first, as a SIGSTOPped ZooKeeper: the client still believes
	// in its session, so calls go out and get no answer until the client
	// gives up on the connection.
	p.freeze()
	frozen := []func(ctx context.Context) error{
		func(ctx context.Context) error { _, err := s.Topic(ctx, topic); return err },
		func(ctx context.Context) error { return s.CreateGroup(ctx, domain.Group{GroupName: "g3"}) },
		func(ctx context.Context) error { _, err := s.Subscriptions(ctx, topic); return err },
	}
	for i, call := range frozen {
		cctx, cancel := context.WithTimeout(ctx, 2*waitFor)
		err := call(cctx)
		cancel()
		assert.ErrorIs(t, err, domain.ErrUnavailable, "call %d on a frozen server", i)
	}
	p.partition()
	require.Eventually(t, func() bool { return s.Health().Status == ports.HealthDown }, waitFor, 10*time.Millisecond)
	assert.NotEmpty(t, s.Health().Problem)

	keep := func(v domain.Topic) (domain.Topic, error) { return v, nil }
	keepSub := func(v domain.Subscription) (domain.Subscription, error) { return v, nil }
	newSub := domain.Subscription{Name: "s2", TopicName: "g.t"}
	calls := map[string]func(ctx context.Context) error{
		"Groups":             func(ctx context.Context) error { _, err := s.Groups(ctx); return err },
		"Group":              func(ctx context.Context) error { _, err := s.Group(ctx, "g"); return err },
		"CreateGroup":        func(ctx context.Context) error { return s.CreateGroup(ctx, domain.Group{GroupName: "g2"}) },
		"DeleteGroup":        func(ctx context.Context) error { return s.DeleteGroup(ctx, "g") },
		"Topics":             func(ctx context.Context) error { _, err := s.Topics(ctx, ""); return err },
		"Topic":              func(ctx context.Context) error { _, err := s.Topic(ctx, topic); return err },
		"CreateTopic":        func(ctx context.Context) error { return s.CreateTopic(ctx, tp) },
		"UpdateTopic":        func(ctx context.Context) error { _, err := s.UpdateTopic(ctx, topic, keep); return err },
		"DeleteTopic":        func(ctx context.Context) error { return s.DeleteTopic(ctx, topic) },
		"Subscriptions":      func(ctx context.Context) error { _, err := s.Subscriptions(ctx, topic); return err },
		"Subscription":       func(ctx context.Context) error { _, err := s.Subscription(ctx, sub); return err },
		"CreateSubscription": func(ctx context.Context) error { return s.CreateSubscription(ctx, newSub) },
		"UpdateSubscription": func(ctx context.Context) error {
			_, err := s.UpdateSubscription(ctx, sub, keepSub)
			return err
		},
		"DeleteSubscription": func(ctx context.Context) error { return s.DeleteSubscription(ctx, sub) },
		"LatestSchema":       func(ctx context.Context) error { _, err := s.LatestSchema(ctx, topic); return err },
		"SchemaVersion":      func(ctx context.Context) error { _, err := s.SchemaVersion(ctx, topic, 1); return err },
		"SchemaVersions":     func(ctx context.Context) error { _, err := s.SchemaVersions(ctx, topic); return err },
		"RegisterSchema": func(ctx context.Context) error {
			_, err := s.RegisterSchema(ctx, topic, `{"type":"record","name":"r","fields":[]}`)
			return err
		},
		"DeleteSchemas":  func(ctx context.Context) error { return s.DeleteSchemas(ctx, topic) },
		"WriteHistory":   func(ctx context.Context) error { return rates.WriteHistory(ctx, sub, "c1", []float64{0.5}) },
		"Leave":          func(ctx context.Context) error { return rates.Leave(ctx, sub, "c1") },
		"Instances":      func(ctx context.Context) error { _, err := rates.Instances(ctx, sub); return err },
		"SetMaxRates":    func(ctx context.Context) error { return rates.SetMaxRates(ctx, sub, map[string]float64{"c1": 1}) },
		"MaxRate":        func(ctx context.Context) error { _, err := rates.MaxRate(ctx, sub, "c1"); return err },
		"Watch (opened)": func(ctx context.Context) error { _, err := s.Watch(ctx); return unavailableOrNil(err) },
	}
	for name, call := range calls {
		cctx, cancel := context.WithTimeout(ctx, waitFor)
		err := call(cctx)
		cancel()
		assert.ErrorIs(t, err, domain.ErrUnavailable, name)
	}

	p.heal()
	require.Eventually(t, func() bool { return s.Health().Status == ports.HealthUp }, 2*waitFor, 20*time.Millisecond)
	_, err = s.Topic(ctx, topic)
	require.NoError(t, err)
}

// unavailableOrNil lets Watch, which only registers a watcher and may work
// without a connection, count as answering correctly.
func unavailableOrNil(err error) error {
	if err == nil || errors.Is(err, domain.ErrUnavailable) {
		return domain.ErrUnavailable
	}
	return err
}
