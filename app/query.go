package app

import (
	"context"
	"errors"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// QueryEntities runs Hermes's management queries and search
// (ports.QueryService) over the metadata store, reading every entity on
// each request (Hermes reads its ZooKeeper cache; the search has its own
// cache fed by notifications, so ours sees a change at once).
type QueryEntities struct {
	store   ports.MetadataStore
	metrics ports.MetricsService
}

var _ ports.QueryService = (*QueryEntities)(nil)

// NewQueryEntities returns the query use case; metrics serves the
// metrics queries.
func NewQueryEntities(store ports.MetadataStore, metrics ports.MetricsService) *QueryEntities {
	return &QueryEntities{store: store, metrics: metrics}
}

// matches applies q strictly (what the query was written for).
func matches(q *domain.Query, v any) (bool, error) {
	e, err := domain.EntityJSON(v)
	if err != nil {
		return false, err
	}
	return q.Match(e)
}

// matchesLenient applies q to an entity of another kind.
func matchesLenient(q *domain.Query, v any) (bool, error) {
	e, err := domain.EntityJSON(v)
	if err != nil {
		return false, err
	}
	return q.MatchLenient(e), nil
}

func filterEntities[T any](q *domain.Query, all []T, match func(*domain.Query, any) (bool, error)) ([]T, error) {
	found := []T{}
	for _, v := range all {
		ok, err := match(q, v)
		if err != nil {
			return nil, err
		}
		if ok {
			found = append(found, v)
		}
	}
	return found, nil
}

// QueryGroups implements ports.QueryService.
func (s *QueryEntities) QueryGroups(ctx context.Context, q *domain.Query) ([]domain.Group, error) {
	names, err := s.store.Groups(ctx)
	if err != nil {
		return nil, err
	}
	groups := make([]domain.Group, 0, len(names))
	for _, n := range names {
		g, err := s.store.Group(ctx, n)
		if errors.Is(err, domain.ErrGroupNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	return filterEntities(q, groups, matches)
}

// topics loads the topics of group ("" for all), skipping those removed
// while listing.
func (s *QueryEntities) topics(ctx context.Context, group string) ([]domain.Topic, error) {
	if group != "" {
		if _, err := s.store.Group(ctx, group); err != nil {
			return nil, err
		}
	}
	names, err := s.store.Topics(ctx, group)
	if err != nil {
		return nil, err
	}
	topics := make([]domain.Topic, 0, len(names))
	for _, n := range names {
		tn, err := domain.ParseTopicName(n)
		if err != nil {
			continue
		}
		t, err := s.store.Topic(ctx, tn)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		topics = append(topics, t)
	}
	return topics, nil
}

// subscriptions loads every subscription, masked.
func (s *QueryEntities) subscriptions(ctx context.Context) ([]domain.Subscription, error) {
	topics, err := s.topics(ctx, "")
	if err != nil {
		return nil, err
	}
	var all []domain.Subscription
	for _, t := range topics {
		subs, err := s.store.Subscriptions(ctx, t.QualifiedName())
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			all = append(all, sub.Masked())
		}
	}
	return all, nil
}

// QueryTopics implements ports.QueryService.
func (s *QueryEntities) QueryTopics(ctx context.Context, q *domain.Query) ([]domain.Topic, error) {
	topics, err := s.topics(ctx, "")
	if err != nil {
		return nil, err
	}
	return filterEntities(q, topics, matches)
}

// QuerySubscriptions implements ports.QueryService.
func (s *QueryEntities) QuerySubscriptions(ctx context.Context, q *domain.Query) ([]domain.Subscription, error) {
	subs, err := s.subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	return filterEntities(q, subs, matches)
}

// QueryTopicNames implements ports.QueryService.
func (s *QueryEntities) QueryTopicNames(ctx context.Context, group string, q *domain.Query) ([]string, error) {
	topics, err := s.topics(ctx, group)
	if err != nil {
		return nil, err
	}
	found, err := filterEntities(q, topics, matches)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(found))
	for i, t := range found {
		names[i] = t.Name
	}
	return names, nil
}

// QuerySubscriptionNames implements ports.QueryService.
func (s *QueryEntities) QuerySubscriptionNames(ctx context.Context, topic string, q *domain.Query) ([]string, error) {
	tn, err := domain.ParseTopicName(topic)
	if err != nil {
		return nil, err
	}
	subs, err := s.store.Subscriptions(ctx, tn)
	if err != nil {
		return nil, err
	}
	found, err := filterEntities(q, subs, matches)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(found))
	for i, sub := range found {
		names[i] = sub.Name
	}
	return names, nil
}

// QueryTopicMetrics implements ports.QueryService.
func (s *QueryEntities) QueryTopicMetrics(ctx context.Context, q *domain.Query) ([]ports.TopicNameWithMetrics, error) {
	topics, err := s.topics(ctx, "")
	if err != nil {
		return nil, err
	}
	selected, err := filterEntities(q, topics, matchesLenient)
	if err != nil {
		return nil, err
	}
	figures := make([]ports.TopicNameWithMetrics, 0, len(selected))
	for _, t := range selected {
		m, err := s.metrics.TopicMetrics(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		figures = append(figures, ports.TopicNameWithMetrics{
			Published: m.Published, Rate: m.Rate, DeliveryRate: m.DeliveryRate, Subscriptions: m.Subscriptions,
			Throughput: m.Throughput, Volume: m.Volume, Name: t.Name,
		})
	}
	return filterEntities(q, figures, matches)
}

// QuerySubscriptionMetrics implements ports.QueryService.
func (s *QueryEntities) QuerySubscriptionMetrics(ctx context.Context, q *domain.Query) ([]ports.SubscriptionNameWithMetrics, error) {
	subs, err := s.subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	selected, err := filterEntities(q, subs, matchesLenient)
	if err != nil {
		return nil, err
	}
	figures := make([]ports.SubscriptionNameWithMetrics, 0, len(selected))
	for _, sub := range selected {
		m, err := s.metrics.SubscriptionMetrics(ctx, sub.TopicName, sub.Name)
		if errors.Is(err, domain.ErrSubscriptionNotFound) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		figures = append(figures, ports.SubscriptionNameWithMetrics{
			TopicName: sub.TopicName, Name: sub.Name, Delivered: m.Delivered, Discarded: m.Discarded, Volume: m.Volume,
			Timeouts: m.Timeouts, Lag: m.Lag, Rate: m.Rate, Throughput: m.Throughput,
		})
	}
	return filterEntities(q, figures, matches)
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

func ownerID(o *domain.Owner) string {
	if o == nil {
		return ""
	}
	return o.ID
}

// Search implements ports.QueryService. Endpoints are shown and matched
// with their credentials masked (Hermes's search shows them in clear).
func (s *QueryEntities) Search(ctx context.Context, text string) (ports.SearchResults, error) {
	res := ports.SearchResults{Results: []ports.SearchItem{}}
	if strings.TrimSpace(text) == "" {
		return res, nil
	}
	topics, err := s.topics(ctx, "")
	if err != nil {
		return res, err
	}
	for _, t := range topics {
		if containsFold(t.Name, text) || containsFold(ownerID(t.Owner), text) {
			tn := t.QualifiedName()
			res.Results = append(res.Results, ports.SearchItem{Type: "TOPIC", Name: t.Name,
				Topic: &ports.SearchTopic{GroupName: tn.Group, Owner: ports.SearchOwner{ID: ownerID(t.Owner)}}})
		}
	}
	subs, err := s.subscriptions(ctx)
	if err != nil {
		return res, err
	}
	for _, sub := range subs {
		if containsFold(sub.Name, text) || containsFold(ownerID(sub.Owner), text) || containsFold(sub.Endpoint, text) {
			tn, _ := domain.ParseTopicName(sub.TopicName)
			res.Results = append(res.Results, ports.SearchItem{Type: "SUBSCRIPTION", Name: sub.Name,
				Subscription: &ports.SearchSubscriptionItem{Endpoint: sub.Endpoint,
					Topic: ports.SearchSubscriptionTopic{Name: tn.Name, QualifiedName: sub.TopicName, GroupName: tn.Group}}})
		}
	}
	res.TotalCount = int64(len(res.Results))
	return res, nil
}
