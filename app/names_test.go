package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
)

// recordingAdmin counts the store topics and positions it was asked for.
type recordingAdmin struct {
	admin
	topics, positions int
}

func (a *recordingAdmin) CreateTopic(context.Context, domain.Topic) error {
	a.topics++
	return nil
}

func (a *recordingAdmin) CreateSubscriptionPosition(context.Context, domain.SubscriptionName) error {
	a.positions++
	return nil
}

// Names a store cannot hold are refused before any store is written
// (issue 15, defect 1: a 250-character group was accepted and its Kafka
// topic bricked the data dir at the next start).
func TestNamesOverStoreLimitsAreRefusedBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	adm := &recordingAdmin{}
	mgmt := app.NewManagement(app.ManagementConfig{}, store, adm, nil, nil, slog.New(slog.DiscardHandler))

	long := strings.Repeat("g", 250)
	require.ErrorIs(t, mgmt.CreateGroup(ctx, domain.Group{GroupName: long}), domain.ErrValidation)
	_, err := store.Group(ctx, long)
	require.ErrorIs(t, err, domain.ErrGroupNotFound, "a refused group is not stored")

	// A group stored before limits existed: its topics are still refused.
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: long}))
	topic := domain.NewTopic()
	d := "d"
	topic.Name, topic.ContentType, topic.Description, topic.Owner, topic.RetentionTime = long+".tttttt", domain.ContentTypeJSON, &d, &domain.Owner{Source: "Plaintext", ID: "o"}, &domain.RetentionTime{Duration: 1}
	require.ErrorIs(t, mgmt.CreateTopic(ctx, topic), domain.ErrValidation)
	assert.Zero(t, adm.topics, "no store topic is created for a refused name")
	_, err = store.Topic(ctx, domain.TopicName{Group: long, Name: "tttttt"})
	require.ErrorIs(t, err, domain.ErrTopicNotFound)

	require.NoError(t, mgmt.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	topic.Name = "g.t"
	require.NoError(t, mgmt.CreateTopic(ctx, topic))
	sub := domain.NewSubscription()
	sub.Name, sub.Description, sub.Endpoint, sub.Owner = strings.Repeat("s", 256), &d, "http://localhost:1/", &domain.Owner{Source: "Plaintext", ID: "o"}
	require.ErrorIs(t, mgmt.CreateSubscription(ctx, "g.t", sub), domain.ErrValidation)
	assert.Zero(t, adm.positions, "no store position is created for a refused name")
}
