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
}

func defaultManagementSecurity() ManagementSecurityConfig {
	return ManagementSecurityConfig{AdminRole: ports.RoleAdmin, OpenReads: true}
}

// accessModule provides the management authorization that the
// management use cases, the admin use cases and the API share.
var accessModule = fx.Module("access", fx.Provide(
	func(cfg Config, store ports.MetadataStore) *app.ManagementAccess {
		c := cfg.Security.Management
		return app.NewManagementAccess(app.AccessConfig{Enabled: c.Enabled, AdminRole: c.AdminRole, OpenReads: c.OpenReads,
			NonAdminGroupCreation: c.NonAdminGroupCreation}, store)
	},
))
