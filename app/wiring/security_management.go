package wiring

import (
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// ManagementSecurityConfig is security.management: authorization of the
// management API at Hermes's permission table (docs/security.md,
// "Management permissions").
type ManagementSecurityConfig struct {
	// Enabled turns authorization on (default false: every caller may do
	// everything, as with Hermes's default AllowAllSecurityProvider).
	Enabled bool `koanf:"enabled"`
	// AdminRole is the principal role of administrators (default admin).
	AdminRole string `koanf:"admin_role"`
	// OpenReads serves reads (GETs, queries) to anonymous callers too
	// (default true, as Hermes); false: reads need credentials.
	OpenReads bool `koanf:"open_reads"`
	// NonAdminGroupCreation lets every logged-in caller create groups
	// (Hermes's group.nonAdminCreationEnabled, default false); the
	// console configuration reports it.
	NonAdminGroupCreation bool `koanf:"non_admin_group_creation"`
	// SubscribersWithAccessToAnyTopic may subscribe to topics with
	// subscribingRestricted (Hermes's subscription.subscribersWithAccessToAnyTopic).
	SubscribersWithAccessToAnyTopic []PrivilegedSubscriberConfig `koanf:"subscribers_with_access_to_any_topic"`
}

// PrivilegedSubscriberConfig is a subscription owner allowed on any
// topic, for endpoints of the listed protocols.
type PrivilegedSubscriberConfig struct {
	OwnerSource string   `koanf:"owner_source"`
	OwnerID     string   `koanf:"owner_id"`
	Protocols   []string `koanf:"protocols"`
}

func defaultManagementSecurity() ManagementSecurityConfig {
	return ManagementSecurityConfig{AdminRole: ports.RoleAdmin, OpenReads: true, SubscribersWithAccessToAnyTopic: []PrivilegedSubscriberConfig{}}
}

// accessModule provides the management authorization that the
// management use cases, the admin use cases and the API share.
var accessModule = fx.Module("access", fx.Provide(
	func(cfg Config, store ports.MetadataStore) *app.ManagementAccess {
		c := cfg.Security.Management
		privileged := make([]app.PrivilegedSubscriber, 0, len(c.SubscribersWithAccessToAnyTopic))
		for _, p := range c.SubscribersWithAccessToAnyTopic {
			privileged = append(privileged, app.PrivilegedSubscriber{OwnerSource: p.OwnerSource, OwnerID: p.OwnerID, Protocols: p.Protocols})
		}
		return app.NewManagementAccess(app.AccessConfig{Enabled: c.Enabled, AdminRole: c.AdminRole, OpenReads: c.OpenReads,
			NonAdminGroupCreation: c.NonAdminGroupCreation, PrivilegedSubscribers: privileged}, store)
	},
))
