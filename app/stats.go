package app

import (
	"context"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// StatsReport implements ports.StatsService: Hermes's counts of topics and
// subscriptions, from the metadata store.
type StatsReport struct {
	store ports.MetadataStore
}

var _ ports.StatsService = (*StatsReport)(nil)

// NewStats returns the stats use case.
func NewStats(store ports.MetadataStore) *StatsReport { return &StatsReport{store: store} }

// Stats counts every topic and subscription as Hermes's StatsEndpoint
// does; a subscription is tracked unless its trackingMode is trackingOff.
func (s *StatsReport) Stats(ctx context.Context) (ports.Stats, error) {
	var out ports.Stats
	topics, err := storeTopics(ctx, s.store)
	if err != nil {
		return out, err
	}
	for _, t := range topics {
		out.TopicStats.TopicCount++
		if t.Ack == domain.AckAll {
			out.TopicStats.AckAllTopicCount++
		}
		if t.TrackingEnabled {
			out.TopicStats.TrackingEnabledTopicCount++
		}
		if t.ContentType == domain.ContentTypeAvro {
			out.TopicStats.AvroTopicCount++
		}
	}
	subs, err := storeSubscriptions(ctx, s.store)
	if err != nil {
		return out, err
	}
	for _, sub := range subs {
		out.SubscriptionStats.SubscriptionCount++
		if sub.TrackingMode != domain.TrackingOff && sub.TrackingMode != "" {
			out.SubscriptionStats.TrackingEnabledSubscriptionCount++
		}
		if sub.ContentType == domain.ContentTypeAvro {
			out.SubscriptionStats.AvroSubscriptionCount++
		}
	}
	return out, nil
}
