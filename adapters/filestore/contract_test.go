package filestore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/filestore"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/metadata"
)

func open(t *testing.T, dir string) *filestore.Store {
	t.Helper()
	s, err := filestore.Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, s.Close()) })
	return s
}

func TestMetadataStoreContract(t *testing.T) {
	metadata.Run(t, func(t *testing.T) metadata.Harness {
		dir := t.TempDir()
		s := open(t, dir)
		return metadata.Harness{
			Store: s,
			Reopen: func(t *testing.T) ports.MetadataStore {
				require.NoError(t, s.Close())
				return open(t, dir)
			},
			Corrupt: func(t *testing.T, sub domain.SubscriptionName) func() {
				return truncate(t, filepath.Join(dir, "groups", sub.Topic.Group, "topics", sub.Topic.Name, "subscriptions", sub.Name, "subscription.json"))
			},
		}
	}, metadata.Features{Persistent: true, WatchBuffer: filestore.WatchBuffer})
}

func TestOpenLocksDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)

	_, err := filestore.Open(dir)
	require.ErrorIs(t, err, domain.ErrUnavailable)

	require.NoError(t, s.Close())
	_, err = s.Groups(t.Context())
	require.ErrorIs(t, err, domain.ErrUnavailable, "closed store")
	open(t, dir)
}

func TestRestartKeepsLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	topic := domain.NewTopic()
	topic.Name, topic.ContentType = "pl.allegro.team.orders", domain.ContentTypeJSON
	sub := domain.NewSubscription()
	sub.TopicName, sub.Name, sub.Endpoint = topic.Name, "hook", "http://localhost/"
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "pl.allegro.team"}))
	require.NoError(t, s.CreateTopic(ctx, topic))
	require.NoError(t, s.CreateSubscription(ctx, sub))
	require.NoError(t, s.Close())

	group := filepath.Join(dir, "groups", "pl.allegro.team")
	for _, f := range []string{"group.json", "topics/orders/topic.json", "topics/orders/subscriptions/hook/subscription.json"} {
		assert.FileExists(t, filepath.Join(group, f))
	}
	leftover := filepath.Join(group, "topics", "orders", ".tmp-123")
	require.NoError(t, os.WriteFile(leftover, []byte("{"), 0o644))

	r := open(t, dir)
	assert.NoFileExists(t, leftover, "temporary files of a crashed write are removed")
	got, err := r.Subscription(ctx, sub.QualifiedName())
	require.NoError(t, err)
	assert.Equal(t, "hook", got.Name)
}

func TestRejectsWhatCannotBeRead(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir())
	ctx := t.Context()
	for _, name := range []string{"..", "."} {
		assert.ErrorIs(t, s.CreateGroup(ctx, domain.Group{GroupName: name}), domain.ErrValidation, name)
		_, err := s.Group(ctx, name)
		assert.ErrorIs(t, err, domain.ErrGroupNotFound, name)
	}
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	topic := domain.NewTopic()
	topic.Name = "g.t" // no contentType: JSON that would not decode again
	assert.ErrorIs(t, s.CreateTopic(ctx, topic), domain.ErrValidation)
	_, err := s.Topic(ctx, domain.TopicName{Group: "g", Name: "t"})
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
}

// Names longer than a file name are refused on write and never exist on
// read (issue 15, defect 3: they answered the file system's error, path
// included).
func TestNamesLongerThanAFileName(t *testing.T) {
	t.Parallel()
	s := open(t, t.TempDir())
	ctx := t.Context()
	long := strings.Repeat("n", 256)
	assert.ErrorIs(t, s.CreateGroup(ctx, domain.Group{GroupName: long}), domain.ErrValidation)
	_, err := s.Group(ctx, long)
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	_, err = s.Topic(ctx, domain.TopicName{Group: "g", Name: long})
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	_, err = s.Topic(ctx, domain.TopicName{Group: long, Name: "t"})
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	_, err = s.Subscription(ctx, domain.SubscriptionName{Topic: domain.TopicName{Group: "g", Name: "t"}, Name: long})
	assert.ErrorIs(t, err, domain.ErrSubscriptionNotFound)
	_, err = s.Subscriptions(ctx, domain.TopicName{Group: "g", Name: long})
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)
	assert.Equal(t, domain.MaxFileName, filestore.NameLimits().MaxName)
}

// truncate cuts the file at path in half, as a crash of a writer that did
// not write atomically would, and returns a function restoring it.
func truncate(t *testing.T, path string) func() {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b[:len(b)/2], 0o644))
	return func() { require.NoError(t, os.WriteFile(path, b, 0o644)) }
}
