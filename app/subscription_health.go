package app

import (
	"context"
	"errors"
	"slices"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// CheckSubscriptionHealth is Hermes's subscription health check
// (ports.SubscriptionHealthService): domain.CheckHealth over the figures of
// the metrics use case (rates from the metrics reader, lag from the
// message store).
type CheckSubscriptionHealth struct {
	store        ports.MetadataStore
	metrics      ports.MetricsService
	thresholds   domain.HealthThresholds
	ownerSources []string
}

var _ ports.SubscriptionHealthService = (*CheckSubscriptionHealth)(nil)

// NewCheckSubscriptionHealth returns the health check; ownerSources are the
// configured owner source names GET /unhealthy accepts.
func NewCheckSubscriptionHealth(store ports.MetadataStore, metrics ports.MetricsService, th domain.HealthThresholds, ownerSources []string) *CheckSubscriptionHealth {
	return &CheckSubscriptionHealth{store: store, metrics: metrics, thresholds: th, ownerSources: ownerSources}
}

// SubscriptionHealth implements ports.SubscriptionHealthService.
func (c *CheckSubscriptionHealth) SubscriptionHealth(ctx context.Context, topic, subscription string) (domain.SubscriptionHealth, error) {
	n, err := subscriptionName(topic, subscription)
	if err != nil {
		return domain.SubscriptionHealth{}, err
	}
	s, err := c.store.Subscription(ctx, n)
	if err != nil {
		return domain.SubscriptionHealth{}, err
	}
	return c.check(ctx, s)
}

func (c *CheckSubscriptionHealth) check(ctx context.Context, s domain.Subscription) (domain.SubscriptionHealth, error) {
	if s.State == domain.StateSuspended {
		return domain.CheckHealth(s, nil, c.thresholds), nil // no figures needed
	}
	tm, err := c.metrics.TopicMetrics(ctx, s.TopicName)
	if err != nil {
		return domain.SubscriptionHealth{}, err
	}
	sm, err := c.metrics.SubscriptionMetrics(ctx, s.TopicName, s.Name)
	if err != nil {
		return domain.SubscriptionHealth{}, err
	}
	var f *domain.HealthFigures
	all := []ports.MetricDecimal{tm.Rate, sm.Rate, sm.Timeouts, sm.OtherErrors, sm.Codes4xx, sm.Codes5xx, sm.BatchRate}
	if !slices.ContainsFunc(all, func(d ports.MetricDecimal) bool { return !d.Available }) && sm.Lag.Available {
		f = &domain.HealthFigures{TopicRate: tm.Rate.Value, SubscriptionRate: sm.Rate.Value, BatchRate: sm.BatchRate.Value,
			Timeouts: sm.Timeouts.Value, OtherErrors: sm.OtherErrors.Value, Codes4xx: sm.Codes4xx.Value, Codes5xx: sm.Codes5xx.Value,
			Lag: sm.Lag.Value}
	}
	return domain.CheckHealth(s, f, c.thresholds), nil
}

// Unhealthy implements ports.SubscriptionHealthService.
func (c *CheckSubscriptionHealth) Unhealthy(ctx context.Context, filter ports.UnhealthyFilter) ([]ports.UnhealthySubscription, error) {
	byOwner := filter.OwnerSource != "" || filter.OwnerID != ""
	if byOwner && !slices.Contains(c.ownerSources, filter.OwnerSource) {
		return nil, domain.Errorf(domain.ErrOwnerNotFound, "Owner of id '%s' not found in source %s", filter.OwnerID, filter.OwnerSource)
	}
	topics, err := c.store.Topics(ctx, "")
	if err != nil {
		return nil, err
	}
	out := []ports.UnhealthySubscription{}
	for _, qualified := range topics {
		if len(filter.QualifiedTopicNames) > 0 && !slices.Contains(filter.QualifiedTopicNames, qualified) {
			continue
		}
		tn, err := domain.ParseTopicName(qualified)
		if err != nil {
			continue
		}
		subs, err := c.store.Subscriptions(ctx, tn)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			switch {
			case byOwner && (s.Owner == nil || *s.Owner != domain.Owner{Source: filter.OwnerSource, ID: filter.OwnerID}):
				continue
			case filter.RespectMonitoringSeverity && s.MonitoringDetails.Severity == domain.SeverityNonImportant:
				continue
			case len(filter.SubscriptionNames) > 0 && !slices.Contains(filter.SubscriptionNames, s.Name):
				continue
			}
			h, err := c.check(ctx, s)
			if errors.Is(err, domain.ErrSubscriptionNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if h.Status == domain.HealthUnhealthy {
				out = append(out, ports.UnhealthySubscription{Name: s.Name, TopicName: s.TopicName,
					Severity: s.MonitoringDetails.Severity, Problems: h.Problems})
			}
		}
	}
	return out, nil
}
