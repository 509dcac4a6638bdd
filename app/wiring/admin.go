package wiring

import (
	"fmt"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/plaintext"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// defaultConsole is Hermes's ConsoleProperties defaults.
func defaultConsole() ports.ConsoleConfig {
	retention := ports.ConsoleRetentionTime{Duration: 1, RetentionUnit: "DAYS"}
	return ports.ConsoleConfig{
		Console:   ports.ConsoleSection{Title: "hermes console", EnvironmentName: "LOCAL", KnownEnvironments: []ports.ConsoleEnvironment{}},
		Dashboard: ports.ConsoleDashboard{Metrics: "http://localhost:8082", Docs: "http://hermes-pubsub.rtfd.org"},
		Auth: ports.ConsoleAuth{OAuth: ports.ConsoleOAuth{URL: "localhost:8092", AuthorizationEndpoint: "/auth/oauth/authorize",
			TokenEndpoint: "/auth/oauth/token", ClientID: "hermes", Scope: "hermes"}},
		Owner: ports.ConsoleOwner{Sources: []ports.ConsoleOwnerSource{{Name: plaintext.Name, Placeholder: "Name of the owner"}}},
		Topic: ports.ConsoleTopic{
			MessagePreviewEnabled: true,
			Defaults: ports.ConsoleTopicDefaults{Ack: "LEADER", ContentType: "JSON", RetentionTime: retention,
				OfflineStorage: ports.ConsoleOfflineStorageDefault{RetentionTime: retention}},
			RetentionUnits: []ports.ConsoleOption{{Value: "DAYS", Label: "DAYS"}},
			OfflineRetransmission: ports.ConsoleOfflineRetransmission{Description: "Offline retransmission",
				FromViewDocsURL: "https://hermes-pubsub.rtfd.org", GlobalTaskQueueURL: "http://localhost:8090/offline-retransmission/tasks",
				MonitoringDocsURL: "https://hermes-pubsub.rtfd.org"},
		},
		Subscription: ports.ConsoleSubscription{
			EndpointAddressResolverMetadata: map[string]ports.ConsoleResolverMetadata{},
			RequestTimeoutWarningThreshold:  1001,
			Defaults: ports.ConsoleSubscriptionDefaults{DeliveryType: "SERIAL",
				SubscriptionPolicy: ports.ConsoleSubscriptionPolicy{MessageTTL: 3600, RequestTimeout: 1000}},
			DeliveryTypes: []ports.ConsoleOption{{Value: "SERIAL", Label: "SERIAL"}, {Value: "BATCH", Label: "BATCH"}},
		},
		Consistency: ports.ConsoleConsistency{MaxGroupBatchSize: 10},
	}
}

// ownerSources builds one owner source per configured name. Plaintext is
// the only kind Hermes-Go has: every name is a plaintext source.
func ownerSources(cfg Config) []ports.OwnerSource {
	var out []ports.OwnerSource
	for _, name := range cfg.Management.OwnerSources {
		out = append(out, plaintext.New(name))
	}
	return out
}

// adminModule provides the admin use cases the management API serves.
var adminModule = fx.Module("admin", fx.Provide(
	func(cfg Config, store ports.MetadataStore) (*app.Admin, error) {
		nodes, ok := store.(ports.NodeStore)
		if !ok {
			return nil, fmt.Errorf("metadata store %T keeps no management documents (ports.NodeStore)", store)
		}
		return &app.Admin{
			Console:             app.NewConsole(cfg.Console),
			Owners:              app.NewOwners(ownerSources(cfg), store),
			ManagementMode:      app.NewManagementMode(),
			WorkloadConstraints: app.NewWorkloadConstraints(nodes),
			OAuthProviders:      app.NewOAuthProviders(nodes),
		}, nil
	},
))
