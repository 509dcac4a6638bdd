package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// flakyStore is a metadata store whose reads can be made to fail as a
// ZooKeeper outage does.
type flakyStore struct {
	*memory.MetadataStore
	down  atomic.Bool
	reads atomic.Int32
}

func (s *flakyStore) Topic(ctx context.Context, name domain.TopicName) (domain.Topic, error) {
	s.reads.Add(1)
	if s.down.Load() {
		return domain.Topic{}, fmt.Errorf("zookeeper: %w: no session", domain.ErrUnavailable)
	}
	return s.MetadataStore.Topic(ctx, name)
}

func publishFixture(t *testing.T) (*app.PublishMessage, *flakyStore, chan ports.Change) {
	t.Helper()
	store := &flakyStore{MetadataStore: memory.NewMetadataStore()}
	ctx := t.Context()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	for _, name := range []string{"g.t", "g.other"} {
		topic := domain.NewTopic()
		topic.Name, topic.ContentType = name, domain.ContentTypeJSON
		require.NoError(t, store.CreateTopic(ctx, topic))
	}
	pub := app.NewPublishMessage(store, &producer{}, memory.NewMetrics(), memory.NewTracker(10), slog.New(slog.DiscardHandler))
	changes := make(chan ports.Change)
	done := make(chan struct{})
	go func() { defer close(done); pub.KeepTopicsFresh(ctx, changes) }()
	t.Cleanup(func() { close(changes); <-done })
	return pub, store, changes
}

// Defect 15 of issue 15: a group created (or any group-level change) and
// a ZooKeeper reconnect (a resync) emptied the topic cache, so the next
// ZooKeeper outage failed every publish. Known topics are served as last
// read while the store is away; a topic never read is ErrUnavailable
// (503), not an internal error.
func TestTopicCacheSurvivesChangesDuringAnOutage(t *testing.T) {
	t.Parallel()
	for name, change := range map[string]ports.Change{
		"group created":       {Kind: ports.ChangeCreated, Group: "new-group"},
		"group of the topic":  {Kind: ports.ChangeUpdated, Group: "g"},
		"resync (reconnect)":  {Kind: ports.ChangeResync},
		"topic updated":       {Kind: ports.ChangeUpdated, Topic: domain.TopicName{Group: "g", Name: "t"}},
		"subscription change": {Kind: ports.ChangeCreated, Topic: domain.TopicName{Group: "g", Name: "t"}, Subscription: "s"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			pub, store, changes := publishFixture(t)
			ctx := t.Context()
			_, err := pub.Topic(ctx, "g.t")
			require.NoError(t, err)

			changes <- change
			changes <- ports.Change{Kind: ports.ChangeCreated, Group: "sync"} // the first one was handled
			store.down.Store(true)
			got, err := pub.Topic(ctx, "g.t")
			require.NoError(t, err, "a known topic is served while the store is away")
			assert.Equal(t, "g.t", got.Name)

			_, err = pub.Topic(ctx, "g.other")
			assert.ErrorIs(t, err, domain.ErrUnavailable, "a topic never read is unavailable, not unknown")
		})
	}
}

// A changed topic is read again at its next use, once; a deleted one is
// forgotten.
func TestTopicCacheRereadsChangedAndForgetsDeleted(t *testing.T) {
	t.Parallel()
	pub, store, changes := publishFixture(t)
	ctx := t.Context()
	name := domain.TopicName{Group: "g", Name: "t"}
	_, err := pub.Topic(ctx, "g.t")
	require.NoError(t, err)
	_, err = pub.Topic(ctx, "g.t")
	require.NoError(t, err)
	require.EqualValues(t, 1, store.reads.Load(), "cached")

	_, err = store.UpdateTopic(ctx, name, func(tp domain.Topic) (domain.Topic, error) {
		tp.MaxMessageSize = 12345
		return tp, nil
	})
	require.NoError(t, err)
	changes <- ports.Change{Kind: ports.ChangeUpdated, Topic: name}
	changes <- ports.Change{Kind: ports.ChangeCreated, Group: "sync"}
	got, err := pub.Topic(ctx, "g.t")
	require.NoError(t, err)
	assert.Equal(t, 12345, got.MaxMessageSize)
	_, err = pub.Topic(ctx, "g.t")
	require.NoError(t, err)
	assert.EqualValues(t, 2, store.reads.Load(), "read once after the change")

	require.NoError(t, store.DeleteTopic(ctx, name))
	changes <- ports.Change{Kind: ports.ChangeDeleted, Topic: name}
	changes <- ports.Change{Kind: ports.ChangeCreated, Group: "sync"}
	store.down.Store(true)
	_, err = pub.Topic(ctx, "g.t")
	assert.ErrorIs(t, err, domain.ErrUnavailable, "a deleted topic is not served from the cache")
	store.down.Store(false)
	_, err = pub.Topic(ctx, "g.t")
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
}
