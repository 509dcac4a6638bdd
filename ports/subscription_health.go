package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// UnhealthySubscription is Hermes's UnhealthySubscription JSON (GET
// /unhealthy).
type UnhealthySubscription struct {
	Name      string                 `json:"name"`
	TopicName string                 `json:"topicName"`
	Severity  string                 `json:"severity"`
	Problems  []domain.HealthProblem `json:"problems"`
}

// UnhealthyFilter selects the subscriptions GET /unhealthy checks.
type UnhealthyFilter struct {
	// OwnerSource and OwnerID select one owner's subscriptions; both
	// empty select all.
	OwnerSource, OwnerID string
	// RespectMonitoringSeverity skips NON_IMPORTANT subscriptions.
	RespectMonitoringSeverity bool
	// SubscriptionNames and QualifiedTopicNames, when not empty, keep only
	// the subscriptions named (by name alone) and those of the topics named.
	SubscriptionNames   []string
	QualifiedTopicNames []string
}

// SubscriptionHealthService is Hermes's subscription health check.
type SubscriptionHealthService interface {
	// SubscriptionHealth checks one subscription:
	// domain.ErrSubscriptionNotFound.
	SubscriptionHealth(ctx context.Context, topic, subscription string) (domain.SubscriptionHealth, error)
	// Unhealthy lists the UNHEALTHY subscriptions that filter selects;
	// domain.ErrOwnerNotFound for an owner source that is not configured.
	Unhealthy(ctx context.Context, filter UnhealthyFilter) ([]UnhealthySubscription, error)
}
