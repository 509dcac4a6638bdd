package app

import (
	"context"

	"github.com/hermes-go/hermes/ports"
)

// AllowAllRoles implements ports.RoleService as Hermes's
// AllowAllSecurityProvider does with management auth off: every caller
// holds every role.
type AllowAllRoles struct{}

var _ ports.RoleService = AllowAllRoles{}

// Roles returns admin and any, plus topicOwner for a topic and both owner
// roles for a subscription.
func (AllowAllRoles) Roles(_ context.Context, topic, subscription string) ([]string, error) {
	roles := []string{ports.RoleAdmin, ports.RoleAny}
	if topic != "" {
		roles = append(roles, ports.RoleTopicOwner)
	}
	if subscription != "" {
		roles = append(roles, ports.RoleSubscriptionOwner)
	}
	return roles, nil
}
