// Package metadata is the contract suite of ports.MetadataStore: every
// adapter's contract_test.go calls Run.
package metadata

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Harness is what one test gets. Tests use unique names, so a harness may
// share its backend with other tests.
type Harness struct {
	// Store is the store under test.
	Store ports.MetadataStore
	// Reopen closes Store and returns a new store over the same data, as a
	// restarted process would. Required when Features.Persistent.
	Reopen func(t *testing.T) ports.MetadataStore
	// Other returns a second store on Store's backend, as another process
	// would open it. Required when Features.CrossProcessWatch.
	Other func(t *testing.T) ports.MetadataStore
	// Corrupt replaces the stored data of an existing subscription with
	// JSON that does not decode (as a truncated file or a hand-edited
	// znode would be) and returns a function that writes the original data
	// back, as an operator's repair outside the store would. Optional:
	// when set, the store must implement ports.UnreadableMetadata and the
	// isolation tests run.
	Corrupt func(t *testing.T, sub domain.SubscriptionName) (repair func())
}

// Features are the capabilities an adapter claims.
type Features struct {
	// Persistent: data survives Harness.Reopen.
	Persistent bool
	// CrossProcessWatch: Watch reports changes made through Harness.Other.
	CrossProcessWatch bool
	// WatchBuffer is how many changes a watcher may lag before they are
	// coalesced into a ports.ChangeResync; 0 skips the overflow test.
	WatchBuffer int
}

// Run runs the suite; newHarness is called once per test.
func Run(t *testing.T, newHarness func(t *testing.T) Harness, f Features) {
	tests := []struct {
		name string
		run  func(t *testing.T, h Harness)
		skip bool
	}{
		{"CancelledContext", testCancelledContext, false},
		{"NotFound", testNotFound, false},
		{"AlreadyExists", testAlreadyExists, false},
		{"NotEmpty", testNotEmpty, false},
		{"UpdateError", testUpdateError, false},
		{"TopicRoundTrip", testTopicRoundTrip, false},
		{"SubscriptionRoundTrip", testSubscriptionRoundTrip, false},
		{"NoAliasing", testNoAliasing, false},
		{"Update", testUpdate, false},
		{"ListsSortedAndFiltered", testLists, false},
		{"DottedGroupNames", testDottedGroupNames, false},
		{"ConcurrentUpdates", testConcurrentUpdates, false},
		{"Watch", testWatch, false},
		{"WatchClosesOnCancel", testWatchCloses, false},
		{"WatchOverflowResyncs", func(t *testing.T, h Harness) { testWatchOverflow(t, h, f.WatchBuffer) }, f.WatchBuffer == 0},
		{"WatchOtherProcess", testWatchOther, !f.CrossProcessWatch},
		{"Persistence", testPersistence, !f.Persistent},
		{"Nodes", testNodes, false},
		{"NodesPersist", testNodesPersist, !f.Persistent},
		{"UnreadableSubscriptionIsIsolated", testUnreadableIsolated, false},
		{"UnreadableSubscriptionCanBeDeleted", testUnreadableDeleted, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip {
				t.Skip("feature not claimed")
			}
			t.Parallel()
			tc.run(t, newHarness(t))
		})
	}
}

func testCancelledContext(t *testing.T, h Harness) {
	s := h.Store
	sub := newSubscription(t, s)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	noTopic := func(domain.Topic) (domain.Topic, error) { return domain.Topic{}, errors.New("update called") }
	noSub := func(domain.Subscription) (domain.Subscription, error) {
		return domain.Subscription{}, errors.New("update called")
	}
	calls := map[string]func() error{
		"Groups":      func() error { _, err := s.Groups(ctx); return err },
		"Group":       func() error { _, err := s.Group(ctx, sub.Topic.Group); return err },
		"CreateGroup": func() error { return s.CreateGroup(ctx, domain.Group{GroupName: unique("g")}) },
		"DeleteGroup": func() error { return s.DeleteGroup(ctx, sub.Topic.Group) },
		"Topics":      func() error { _, err := s.Topics(ctx, ""); return err },
		"Topic":       func() error { _, err := s.Topic(ctx, sub.Topic); return err },
		"CreateTopic": func() error {
			return s.CreateTopic(ctx, minimalTopic(domain.TopicName{Group: sub.Topic.Group, Name: "x"}))
		},
		"UpdateTopic":        func() error { _, err := s.UpdateTopic(ctx, sub.Topic, noTopic); return err },
		"DeleteTopic":        func() error { return s.DeleteTopic(ctx, sub.Topic) },
		"Subscriptions":      func() error { _, err := s.Subscriptions(ctx, sub.Topic); return err },
		"Subscription":       func() error { _, err := s.Subscription(ctx, sub); return err },
		"CreateSubscription": func() error { return s.CreateSubscription(ctx, minimalSubscription(sub.Topic, "x")) },
		"UpdateSubscription": func() error { _, err := s.UpdateSubscription(ctx, sub, noSub); return err },
		"DeleteSubscription": func() error { return s.DeleteSubscription(ctx, sub) },
		"Watch":              func() error { _, err := s.Watch(ctx); return err },
	}
	for name, call := range calls {
		assert.ErrorIs(t, call(), context.Canceled, name)
	}
	_, err := s.Subscription(t.Context(), sub)
	require.NoError(t, err, "nothing was deleted")
}

func testNotFound(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	missingGroup := unique("nog")
	missingTopic := domain.TopicName{Group: missingGroup, Name: "t"}
	topic := newTopic(t, s)
	topicOfExistingGroup := domain.TopicName{Group: topic.Group, Name: unique("not")}
	identity := func(v domain.Topic) (domain.Topic, error) { return v, nil }
	subIdentity := func(v domain.Subscription) (domain.Subscription, error) { return v, nil }

	_, err := s.Group(ctx, missingGroup)
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)
	assert.ErrorIs(t, s.DeleteGroup(ctx, missingGroup), domain.ErrGroupNotFound)
	_, err = s.Topics(ctx, missingGroup)
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)
	assert.ErrorIs(t, s.CreateTopic(ctx, minimalTopic(missingTopic)), domain.ErrGroupNotFound)

	for _, name := range []domain.TopicName{missingTopic, topicOfExistingGroup} {
		_, err = s.Topic(ctx, name)
		assert.ErrorIs(t, err, domain.ErrTopicNotFound, name)
		_, err = s.UpdateTopic(ctx, name, identity)
		assert.ErrorIs(t, err, domain.ErrTopicNotFound, name)
		assert.ErrorIs(t, s.DeleteTopic(ctx, name), domain.ErrTopicNotFound, name)
		_, err = s.Subscriptions(ctx, name)
		assert.ErrorIs(t, err, domain.ErrTopicNotFound, name)
		assert.ErrorIs(t, s.CreateSubscription(ctx, minimalSubscription(name, "s")), domain.ErrTopicNotFound, name)
	}

	for _, name := range []domain.SubscriptionName{{Topic: topic, Name: unique("nos")}, {Topic: topicOfExistingGroup, Name: "s"}} {
		_, err = s.Subscription(ctx, name)
		assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound, name)
		_, err = s.UpdateSubscription(ctx, name, subIdentity)
		assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound, name)
		assert.ErrorIs(t, s.DeleteSubscription(ctx, name), domain.ErrSubscriptionNotFound, name)
	}
}

func testAlreadyExists(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	sub := newSubscription(t, s)
	assert.ErrorIs(t, s.CreateGroup(ctx, domain.Group{GroupName: sub.Topic.Group}), domain.ErrGroupAlreadyExists)
	assert.ErrorIs(t, s.CreateTopic(ctx, fullTopic(sub.Topic)), domain.ErrTopicAlreadyExists)
	assert.ErrorIs(t, s.CreateSubscription(ctx, fullSerialSubscription(sub.Topic, sub.Name)), domain.ErrSubscriptionAlreadyExists)

	got, err := s.Topic(ctx, sub.Topic)
	require.NoError(t, err)
	assert.Equal(t, minimalTopic(sub.Topic), withoutTimes(got), "the first topic stays")
}

func testNotEmpty(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	sub := newSubscription(t, s)
	assert.ErrorIs(t, s.DeleteGroup(ctx, sub.Topic.Group), domain.ErrGroupNotEmpty)
	assert.ErrorIs(t, s.DeleteTopic(ctx, sub.Topic), domain.ErrTopicNotEmpty)

	require.NoError(t, s.DeleteSubscription(ctx, sub))
	assert.ErrorIs(t, s.DeleteGroup(ctx, sub.Topic.Group), domain.ErrGroupNotEmpty)
	require.NoError(t, s.DeleteTopic(ctx, sub.Topic))
	require.NoError(t, s.DeleteGroup(ctx, sub.Topic.Group))
	_, err := s.Group(ctx, sub.Topic.Group)
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)
}

func testUpdateError(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	sub := newSubscription(t, s)
	errUpdate := errors.New("update refused")
	beforeTopic, err := s.Topic(ctx, sub.Topic)
	require.NoError(t, err)
	beforeSub, err := s.Subscription(ctx, sub)
	require.NoError(t, err)

	_, err = s.UpdateTopic(ctx, sub.Topic, func(t domain.Topic) (domain.Topic, error) {
		t.Owner.ID, t.MaxMessageSize = "changed", 9999
		return t, errUpdate
	})
	assert.ErrorIs(t, err, errUpdate)
	_, err = s.UpdateSubscription(ctx, sub, func(s domain.Subscription) (domain.Subscription, error) {
		s.Owner.ID, s.Headers = "changed", append(s.Headers, domain.Header{Name: "X", Value: "y"})
		return s, fmt.Errorf("wrapped: %w", domain.ErrValidation)
	})
	assert.ErrorIs(t, err, domain.ErrValidation)

	afterTopic, err := s.Topic(ctx, sub.Topic)
	require.NoError(t, err)
	assert.Equal(t, beforeTopic, afterTopic)
	afterSub, err := s.Subscription(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, beforeSub, afterSub)
}

func testTopicRoundTrip(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	name := domain.TopicName{Group: newGroup(t, s, "pl.allegro.team-"), Name: unique("orders_")}
	want := fullTopic(name)
	require.NoError(t, s.CreateTopic(ctx, want))

	got, err := s.Topic(ctx, name)
	require.NoError(t, err)
	requireTimes(t, got.CreatedAt, got.ModifiedAt)
	assert.Equal(t, want, withoutTimes(got))

	g, err := s.Group(ctx, name.Group)
	require.NoError(t, err)
	assert.Equal(t, domain.Group{GroupName: name.Group}, g)
}

func testSubscriptionRoundTrip(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	topic := newTopic(t, s)
	// Created out of order: Subscriptions sorts by name.
	want := []domain.Subscription{fullBatchSubscription(topic, "a-batch"), fullSerialSubscription(topic, "b-serial"), minimalSubscription(topic, "c")}
	for _, i := range []int{2, 0, 1} {
		require.NoError(t, s.CreateSubscription(ctx, want[i]))
	}

	for _, w := range want {
		got, err := s.Subscription(ctx, w.QualifiedName())
		require.NoError(t, err)
		requireTimes(t, got.CreatedAt, got.ModifiedAt)
		assert.Equal(t, w, withoutTimes(got))
	}
	list, err := s.Subscriptions(ctx, topic)
	require.NoError(t, err)
	require.Len(t, list, len(want))
	for i := range list {
		assert.Equal(t, want[i], withoutTimes(list[i]))
	}

	empty, err := s.Subscriptions(ctx, newTopic(t, s))
	require.NoError(t, err)
	assert.Empty(t, empty)
}

func testNoAliasing(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	topicName := domain.TopicName{Group: newGroup(t, s, "g"), Name: "t"}
	topic := fullTopic(topicName)
	sub := fullSerialSubscription(topicName, "s")
	require.NoError(t, s.CreateTopic(ctx, topic))
	require.NoError(t, s.CreateSubscription(ctx, sub))

	mutateTopic := func(t *domain.Topic) {
		t.Owner.ID, t.Auth.Publishers[0], *t.Description = "mutated", "mutated", "mutated"
		t.Chaos.DatacenterPolicies["dc1"] = domain.ChaosPolicy{}
	}
	mutateSub := func(s *domain.Subscription) {
		s.Headers[0].Value, s.Filters[0].Path, *s.Serial.InflightSize = "mutated", "mutated", 99
		s.EndpointAddressResolverMetadata["weights"].([]any)[0] = 99.0
		s.OAuthPolicy.Password = "mutated"
	}
	mutateTopic(&topic)
	mutateSub(&sub)
	got, err := s.Topic(ctx, topicName)
	require.NoError(t, err)
	assert.Equal(t, fullTopic(topicName), withoutTimes(got), "input mutated after create")
	gotSub, err := s.Subscription(ctx, sub.QualifiedName())
	require.NoError(t, err)
	assert.Equal(t, fullSerialSubscription(topicName, "s"), withoutTimes(gotSub), "input mutated after create")

	mutateTopic(&got)
	mutateSub(&gotSub)
	got, err = s.Topic(ctx, topicName)
	require.NoError(t, err)
	assert.Equal(t, fullTopic(topicName), withoutTimes(got), "output mutated after read")
	gotSub, err = s.Subscription(ctx, sub.QualifiedName())
	require.NoError(t, err)
	assert.Equal(t, fullSerialSubscription(topicName, "s"), withoutTimes(gotSub), "output mutated after read")
}

func testUpdate(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	sub := newSubscription(t, s)
	before, err := s.Topic(ctx, sub.Topic)
	require.NoError(t, err)

	updated, err := s.UpdateTopic(ctx, sub.Topic, func(t domain.Topic) (domain.Topic, error) {
		t.Description, t.MaxMessageSize = ptr("updated"), 2048
		return t, nil
	})
	require.NoError(t, err)
	got, err := s.Topic(ctx, sub.Topic)
	require.NoError(t, err)
	assert.Equal(t, updated, got)
	assert.Equal(t, "updated", *got.Description)
	assert.Equal(t, 2048, got.MaxMessageSize)
	assert.Equal(t, before.CreatedAt, got.CreatedAt)
	requireTimes(t, got.CreatedAt, got.ModifiedAt)
	assert.False(t, got.ModifiedAt.Before(before.ModifiedAt.Time), "modifiedAt moves forward")

	batch := fullBatchSubscription(sub.Topic, sub.Name)
	updatedSub, err := s.UpdateSubscription(ctx, sub, func(domain.Subscription) (domain.Subscription, error) {
		return batch, nil
	})
	require.NoError(t, err)
	gotSub, err := s.Subscription(ctx, sub)
	require.NoError(t, err)
	assert.Equal(t, updatedSub, gotSub)
	assert.Equal(t, withoutTimes(batch), withoutTimes(gotSub))
	requireTimes(t, gotSub.CreatedAt, gotSub.ModifiedAt)
}

func testLists(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	prefix := unique("list")
	groups := []string{prefix + "-b", prefix + "-a", prefix + ".c"}
	var all []string
	for i, g := range groups {
		require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: g}))
		for _, tn := range []string{"z", "m", "a"}[:i+1] {
			require.NoError(t, s.CreateTopic(ctx, minimalTopic(domain.TopicName{Group: g, Name: tn})))
			all = append(all, g+"."+tn)
		}
	}

	names, err := s.Groups(ctx)
	require.NoError(t, err)
	assert.True(t, slices.IsSorted(names), "groups sorted: %v", names)
	for _, g := range groups {
		assert.Contains(t, names, g)
	}

	got, err := s.Topics(ctx, groups[1])
	require.NoError(t, err)
	assert.Equal(t, []string{groups[1] + ".m", groups[1] + ".z"}, got)

	empty := newGroup(t, s, "empty")
	got, err = s.Topics(ctx, empty)
	require.NoError(t, err)
	assert.Empty(t, got)

	got, err = s.Topics(ctx, "")
	require.NoError(t, err)
	assert.True(t, slices.IsSorted(got), "topics sorted: %v", got)
	mine := slices.DeleteFunc(slices.Clone(got), func(n string) bool { return !slices.Contains(all, n) })
	slices.Sort(all)
	assert.Equal(t, all, mine)
}

// testDottedGroupNames checks that group "p.q" and group "p" stay apart:
// topic "p.q.t" belongs to "p.q", topic "p.r" to "p".
func testDottedGroupNames(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	p := unique("my-group-")
	pq := p + ".q"
	for _, g := range []string{p, pq} {
		require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: g}))
	}
	inPQ := domain.TopicName{Group: pq, Name: "t"}
	inP := domain.TopicName{Group: p, Name: "r"}
	require.NoError(t, s.CreateTopic(ctx, minimalTopic(inPQ)))
	require.NoError(t, s.CreateTopic(ctx, minimalTopic(inP)))
	require.NoError(t, s.CreateSubscription(ctx, minimalSubscription(inPQ, "s")))

	got, err := s.Topics(ctx, p)
	require.NoError(t, err)
	assert.Equal(t, []string{inP.String()}, got)
	got, err = s.Topics(ctx, pq)
	require.NoError(t, err)
	assert.Equal(t, []string{inPQ.String()}, got)

	_, err = s.Topic(ctx, domain.TopicName{Group: p, Name: "q.t"})
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	topic, err := s.Topic(ctx, inPQ)
	require.NoError(t, err)
	assert.Equal(t, inPQ.String(), topic.Name)
	subs, err := s.Subscriptions(ctx, inP)
	require.NoError(t, err)
	assert.Empty(t, subs)

	require.NoError(t, s.DeleteTopic(ctx, inP))
	require.NoError(t, s.DeleteGroup(ctx, p), "p is empty although p.q has topics")
	_, err = s.Topic(ctx, inPQ)
	require.NoError(t, err)
}

func testConcurrentUpdates(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	sub := newSubscription(t, s)
	const writers = 20
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = s.UpdateSubscription(ctx, sub, func(s domain.Subscription) (domain.Subscription, error) {
				s.Headers = append(s.Headers, domain.Header{Name: fmt.Sprintf("X-%d", i), Value: "v"})
				return s, nil
			})
		})
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	got, err := s.Subscription(ctx, sub)
	require.NoError(t, err)
	var names []string
	for _, hd := range got.Headers {
		names = append(names, hd.Name)
	}
	slices.Sort(names)
	assert.Len(t, slices.Compact(names), writers, "every writer's header kept: %v", names)
}

func testPersistence(t *testing.T, h Harness) {
	s, ctx := h.Store, t.Context()
	topicName := domain.TopicName{Group: newGroup(t, s, "pl.allegro.p-"), Name: "orders"}
	require.NoError(t, s.CreateTopic(ctx, fullTopic(topicName)))
	require.NoError(t, s.CreateSubscription(ctx, fullSerialSubscription(topicName, "serial")))
	require.NoError(t, s.CreateSubscription(ctx, fullBatchSubscription(topicName, "batch")))
	_, err := s.UpdateTopic(ctx, topicName, func(t domain.Topic) (domain.Topic, error) {
		t.Description = ptr("updated")
		return t, nil
	})
	require.NoError(t, err)
	deleted := newSubscription(t, s)
	require.NoError(t, s.DeleteSubscription(ctx, deleted))
	require.NoError(t, s.DeleteTopic(ctx, deleted.Topic))
	require.NoError(t, s.DeleteGroup(ctx, deleted.Topic.Group))
	wantTopic, err := s.Topic(ctx, topicName)
	require.NoError(t, err)
	wantSubs, err := s.Subscriptions(ctx, topicName)
	require.NoError(t, err)

	r := h.Reopen(t)
	groups, err := r.Groups(ctx)
	require.NoError(t, err)
	assert.Contains(t, groups, topicName.Group)
	assert.NotContains(t, groups, deleted.Topic.Group)
	gotTopic, err := r.Topic(ctx, topicName)
	require.NoError(t, err)
	assert.Equal(t, wantTopic, gotTopic)
	gotSubs, err := r.Subscriptions(ctx, topicName)
	require.NoError(t, err)
	assert.Equal(t, wantSubs, gotSubs)
	_, err = r.Topic(ctx, deleted.Topic)
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)

	require.NoError(t, r.CreateSubscription(ctx, minimalSubscription(topicName, "after-reopen")))
}
