package app_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// kafkaLike is a message store admin that, as Kafka, keeps the first
// creation's configuration of a topic and changes it only on update.
type kafkaLike struct {
	ports.MessageStoreAdmin
	mu        sync.Mutex
	retention map[string]int
	created   chan string // the retention of each creation that created
}

func (k *kafkaLike) CreateTopic(_ context.Context, t domain.Topic) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.retention[t.Name]; !ok {
		k.retention[t.Name] = t.RetentionTime.Duration
		k.created <- t.Name
	}
	return nil // an existing topic is no error (kerr.TopicAlreadyExists is ignored)
}

func (k *kafkaLike) UpdateTopic(_ context.Context, t domain.Topic) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.retention[t.Name] = t.RetentionTime.Duration
	return nil
}

// gatedStore holds the metadata creation of the topics whose retention
// is in hold until release is closed.
type gatedStore struct {
	*memory.MetadataStore
	hold    int
	release chan struct{}
}

func (s *gatedStore) CreateTopic(ctx context.Context, t domain.Topic) error {
	if t.RetentionTime.Duration == s.hold {
		<-s.release
	}
	return s.MetadataStore.CreateTopic(ctx, t)
}

// Issue 15, defect 16: two management processes create one topic at once.
// A (retention 1 day) creates the Kafka topic first; B (3 days) finds it
// there, then wins the metadata creation. ZooKeeper then held 3 days and
// Kafka 1 day. The metadata winner decides: Kafka is made to match.
func TestConcurrentTopicCreationAgreesWithTheMetadataWinner(t *testing.T) {
	t.Parallel()
	store := &gatedStore{MetadataStore: memory.NewMetadataStore(), hold: 1, release: make(chan struct{})}
	require.NoError(t, store.CreateGroup(t.Context(), domain.Group{GroupName: "g"}))
	kafka := &kafkaLike{retention: map[string]int{}, created: make(chan string, 1)}
	log := slog.New(slog.DiscardHandler)
	a := app.NewManagement(app.ManagementConfig{}, store, kafka, nil, nil, log)
	b := app.NewManagement(app.ManagementConfig{}, store, kafka, nil, nil, log)
	topic := func(days int) domain.Topic {
		tp := domain.NewTopic()
		tp.Name, tp.ContentType = "g.t", domain.ContentTypeJSON
		tp.RetentionTime = &domain.RetentionTime{Duration: days, RetentionUnit: domain.Days}
		tp.Owner = &domain.Owner{Source: "Plaintext", ID: "o"}
		tp.Description = new("d")
		return tp
	}

	aDone := make(chan error, 1)
	go func() { aDone <- a.CreateTopic(context.Background(), topic(1)) }()
	<-kafka.created // A created the Kafka topic; its metadata creation waits
	require.NoError(t, b.CreateTopic(t.Context(), topic(3)), "B wins the metadata creation")
	close(store.release)
	assert.ErrorIs(t, <-aDone, domain.ErrTopicAlreadyExists, "A lost")

	stored, err := store.Topic(t.Context(), domain.TopicName{Group: "g", Name: "t"})
	require.NoError(t, err)
	assert.Equal(t, 3, stored.RetentionTime.Duration)
	assert.Equal(t, 3, kafka.retention["g.t"], "the Kafka topic has the metadata winner's retention")
}
