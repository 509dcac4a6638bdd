package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// TopicNameWithMetrics is Hermes's TopicNameWithMetrics JSON: a topic's
// TopicMetrics with its qualified name.
type TopicNameWithMetrics struct {
	Published     int64         `json:"published"`
	Rate          MetricDecimal `json:"rate"`
	DeliveryRate  MetricDecimal `json:"deliveryRate"`
	Subscriptions int           `json:"subscriptions"`
	Throughput    MetricDecimal `json:"throughput"`
	Volume        int64         `json:"volume"`
	Name          string        `json:"name"`
}

// SubscriptionNameWithMetrics is Hermes's SubscriptionNameWithMetrics JSON.
type SubscriptionNameWithMetrics struct {
	TopicName  string        `json:"topicName"`
	Name       string        `json:"name"`
	Delivered  int64         `json:"delivered"`
	Discarded  int64         `json:"discarded"`
	Volume     int64         `json:"volume"`
	Timeouts   MetricDecimal `json:"timeouts"`
	Lag        MetricLong    `json:"lag"`
	Rate       MetricDecimal `json:"rate"`
	Throughput MetricDecimal `json:"throughput"`
}

// SearchResults is Hermes's SearchResults JSON (GET /search/query).
type SearchResults struct {
	Results    []SearchItem `json:"results"`
	TotalCount int64        `json:"totalCount"`
}

// SearchItem is one of Hermes's TopicSearchItem ("type": "TOPIC", with
// Topic) and SubscriptionSearchItem ("type": "SUBSCRIPTION", with
// Subscription). Name is a topic's qualified name or a subscription's name.
type SearchItem struct {
	Type         string                  `json:"type"`
	Name         string                  `json:"name"`
	Topic        *SearchTopic            `json:"topic,omitempty"`
	Subscription *SearchSubscriptionItem `json:"subscription,omitempty"`
}

// SearchTopic is TopicSearchItem.Topic.
type SearchTopic struct {
	GroupName string      `json:"groupName"`
	Owner     SearchOwner `json:"owner"`
}

// SearchOwner is TopicSearchItem.Owner.
type SearchOwner struct {
	ID string `json:"id"`
}

// SearchSubscriptionItem is SubscriptionSearchItem.Subscription.
type SearchSubscriptionItem struct {
	Endpoint string                  `json:"endpoint"`
	Topic    SearchSubscriptionTopic `json:"topic"`
}

// SearchSubscriptionTopic is SubscriptionSearchItem.Topic.
type SearchSubscriptionTopic struct {
	Name          string `json:"name"`
	QualifiedName string `json:"qualifiedName"`
	GroupName     string `json:"groupName"`
}

// QueryService runs Hermes's management queries (domain.Query) over the
// stored entities, and its free-text search. Errors: domain.ErrQueryInput
// when the query compares what an entity lacks or a non-number; the
// store's errors (domain.ErrGroupNotFound, domain.ErrTopicNotFound for the
// per-group and per-topic forms).
type QueryService interface {
	QueryGroups(ctx context.Context, q *domain.Query) ([]domain.Group, error)
	QueryTopics(ctx context.Context, q *domain.Query) ([]domain.Topic, error)
	// QuerySubscriptions matches and returns subscriptions with their
	// credentials masked (Hermes anonymizes them before matching).
	QuerySubscriptions(ctx context.Context, q *domain.Query) ([]domain.Subscription, error)
	// QueryTopicNames returns the qualified names of the matching topics
	// of group, or of all topics when group is "".
	QueryTopicNames(ctx context.Context, group string, q *domain.Query) ([]string, error)
	// QuerySubscriptionNames returns the names of topic's matching
	// subscriptions (matched unmasked, as Hermes does).
	QuerySubscriptionNames(ctx context.Context, topic string, q *domain.Query) ([]string, error)
	// QueryTopicMetrics selects topics leniently (domain.Query.MatchLenient),
	// reads their metrics and returns those whose figures match.
	QueryTopicMetrics(ctx context.Context, q *domain.Query) ([]TopicNameWithMetrics, error)
	// QuerySubscriptionMetrics is QueryTopicMetrics for subscriptions.
	QuerySubscriptionMetrics(ctx context.Context, q *domain.Query) ([]SubscriptionNameWithMetrics, error)
	// Search returns the topics whose qualified name or owner id, and the
	// subscriptions whose name, owner id or endpoint contain text, ignoring
	// case; nothing for a blank text.
	Search(ctx context.Context, text string) (SearchResults, error)
}
