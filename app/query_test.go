package app

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeFigures answers metrics from maps keyed by qualified name.
type fakeFigures struct {
	topics map[string]ports.TopicMetrics
	subs   map[string]ports.SubscriptionMetrics
}

func (f fakeFigures) TopicMetrics(_ context.Context, topic string) (ports.TopicMetrics, error) {
	return f.topics[topic], nil
}

func (f fakeFigures) SubscriptionMetrics(_ context.Context, topic, sub string) (ports.SubscriptionMetrics, error) {
	return f.subs[topic+"$"+sub], nil
}

func (f fakeFigures) PersistentSubscriptionMetrics(context.Context, string, string) (ports.PersistentSubscriptionMetrics, error) {
	return ports.PersistentSubscriptionMetrics{}, nil
}

// queryFixture stores groups g and h, topics g.alpha (AVRO, owned by
// "Team Alpha") and g.beta, and subscriptions g.alpha$s1 (with
// credentials) and g.beta$s2.
func queryFixture(t *testing.T) *memory.MetadataStore {
	t.Helper()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	for _, g := range []string{"g", "h"} {
		require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: g}))
	}
	for _, name := range []string{"g.alpha", "g.beta"} {
		topic := domain.NewTopic()
		topic.Name, topic.ContentType = name, domain.ContentTypeJSON
		if name == "g.alpha" {
			topic.ContentType, topic.Owner = domain.ContentTypeAvro, &domain.Owner{Source: "Plaintext", ID: "Team Alpha"}
		}
		require.NoError(t, store.CreateTopic(ctx, topic))
	}
	for topic, sub := range map[string]string{"g.alpha": "s1", "g.beta": "s2"} {
		s := domain.NewSubscription()
		s.TopicName, s.Name, s.Endpoint = topic, sub, "http://localhost/"+sub
		if sub == "s1" {
			s.Endpoint = "http://login:password@localhost/s1"
		}
		require.NoError(t, store.CreateSubscription(ctx, s))
	}
	return store
}

func mustQuery(t *testing.T, body string) *domain.Query {
	t.Helper()
	q, err := domain.ParseQuery([]byte(body))
	require.NoError(t, err)
	return q
}

func TestQueryEntities(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := NewQueryEntities(queryFixture(t), fakeFigures{})

	groups, err := s.QueryGroups(ctx, mustQuery(t, `{"query": {"groupName": {"like": "h"}}}`))
	require.NoError(t, err)
	assert.Equal(t, []domain.Group{{GroupName: "h"}}, groups)

	topics, err := s.QueryTopics(ctx, mustQuery(t, `{"query": {"owner.id": {"like": ".*Alph.*"}}}`))
	require.NoError(t, err)
	require.Len(t, topics, 1)
	assert.Equal(t, "g.alpha", topics[0].Name)

	names, err := s.QueryTopicNames(ctx, "g", mustQuery(t, `{"query": {"or": [{"contentType": "JSON"}, {"name": "none"}]}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"g.beta"}, names)
	names, err = s.QueryTopicNames(ctx, "h", mustQuery(t, `{"query": {}}`))
	require.NoError(t, err)
	assert.Empty(t, names)
	_, err = s.QueryTopicNames(ctx, "nope", mustQuery(t, `{"query": {}}`))
	assert.ErrorIs(t, err, domain.ErrGroupNotFound)

	// /query/subscriptions matches masked subscriptions and shows them masked.
	subs, err := s.QuerySubscriptions(ctx, mustQuery(t, `{"query": {"endpoint": {"like": ".*password.*"}}}`))
	require.NoError(t, err)
	assert.Empty(t, subs)
	subs, err = s.QuerySubscriptions(ctx, mustQuery(t, `{"query": {"name": "s1"}}`))
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "http://login:*****@localhost/s1", subs[0].Endpoint)

	subNames, err := s.QuerySubscriptionNames(ctx, "g.beta", mustQuery(t, `{"query": {}}`))
	require.NoError(t, err)
	assert.Equal(t, []string{"s2"}, subNames)
	_, err = s.QuerySubscriptionNames(ctx, "g.none", mustQuery(t, `{"query": {}}`))
	assert.ErrorIs(t, err, domain.ErrTopicNotFound)

	_, err = s.QueryTopics(ctx, mustQuery(t, `{"query": {"published": {"gt": 1}}}`))
	assert.ErrorIs(t, err, domain.ErrQueryInput)
}

func TestQueryMetricsSelectsLenientlyThenMatchesFigures(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	figures := fakeFigures{
		topics: map[string]ports.TopicMetrics{"g.alpha": {Published: 5}, "g.beta": {Published: 1}},
		subs: map[string]ports.SubscriptionMetrics{
			"g.alpha$s1": {Rate: ports.Decimal(100), Throughput: ports.Decimal(0), Lag: ports.MetricLong{Value: 3, Available: true}},
			"g.beta$s2":  {Rate: ports.Decimal(40), Throughput: ports.Decimal(10)},
		},
	}
	s := NewQueryEntities(queryFixture(t), figures)

	topics, err := s.QueryTopicMetrics(ctx, mustQuery(t, `{"query": {"published": {"gt": "3"}}}`))
	require.NoError(t, err)
	require.Len(t, topics, 1)
	assert.Equal(t, ports.TopicNameWithMetrics{Published: 5, Name: "g.alpha"}, topics[0])
	topics, err = s.QueryTopicMetrics(ctx, mustQuery(t, `{"query": {"name": "g.beta"}}`))
	require.NoError(t, err)
	require.Len(t, topics, 1)
	assert.Equal(t, "g.beta", topics[0].Name)

	subs, err := s.QuerySubscriptionMetrics(ctx, mustQuery(t, `{"query": {"throughput": {"gt": 0}}}`))
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "s2", subs[0].Name)
	assert.Equal(t, "g.beta", subs[0].TopicName)
	// An unavailable lag is no number: it matches.
	subs, err = s.QuerySubscriptionMetrics(ctx, mustQuery(t, `{"query": {"lag": {"lt": 0}}}`))
	require.NoError(t, err)
	assert.Len(t, subs, 1)
	assert.Equal(t, "s2", subs[0].Name)
}

func TestSearch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := NewQueryEntities(queryFixture(t), fakeFigures{})

	res, err := s.Search(ctx, "  ")
	require.NoError(t, err)
	assert.Equal(t, ports.SearchResults{Results: []ports.SearchItem{}}, res)

	res, err = s.Search(ctx, "ALPHA")
	require.NoError(t, err)
	assert.Equal(t, ports.SearchResults{Results: []ports.SearchItem{{Type: "TOPIC", Name: "g.alpha",
		Topic: &ports.SearchTopic{GroupName: "g", Owner: ports.SearchOwner{ID: "Team Alpha"}}}}, TotalCount: 1}, res)

	res, err = s.Search(ctx, "localhost/s")
	require.NoError(t, err)
	require.EqualValues(t, 2, res.TotalCount)
	assert.Equal(t, ports.SearchItem{Type: "SUBSCRIPTION", Name: "s1", Subscription: &ports.SearchSubscriptionItem{
		Endpoint: "http://login:*****@localhost/s1",
		Topic:    ports.SearchSubscriptionTopic{Name: "alpha", QualifiedName: "g.alpha", GroupName: "g"}}}, res.Results[0])

	// Credentials are not searchable.
	res, err = s.Search(ctx, "password")
	require.NoError(t, err)
	assert.Zero(t, res.TotalCount)
}
