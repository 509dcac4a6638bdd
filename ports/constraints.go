package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// WorkloadConstraintsService is the driving port of Hermes's
// /workload-constraints.
type WorkloadConstraintsService interface {
	// AllWorkloadConstraints returns every constraint.
	AllWorkloadConstraints(ctx context.Context) (domain.WorkloadConstraints, error)
	// SetTopicConstraints creates (created true) or replaces a qualified
	// topic's constraints; domain.ErrValidation on bad constraints or name.
	SetTopicConstraints(ctx context.Context, topic string, c domain.Constraints) (created bool, err error)
	// SetSubscriptionConstraints is SetTopicConstraints for
	// "group.topic$subscription".
	SetSubscriptionConstraints(ctx context.Context, subscription string, c domain.Constraints) (created bool, err error)
	// DeleteTopicConstraints removes them; absent ones are no error.
	DeleteTopicConstraints(ctx context.Context, topic string) error
	// DeleteSubscriptionConstraints removes them; absent ones are no error.
	DeleteSubscriptionConstraints(ctx context.Context, topic, subscription string) error
}
