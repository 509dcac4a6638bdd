package wiring

import (
	"fmt"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/plaintext"
	"github.com/hermes-go/hermes/adapters/zookeeper"
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
	func(cfg Config, store ports.MetadataStore, storeAdmin ports.MessageStoreAdmin, hc healthChecks, acc *app.ManagementAccess, log *slog.Logger) (*app.Admin, error) {
		nodes, ok := store.(ports.NodeStore)
		if !ok {
			return nil, fmt.Errorf("metadata store %T keeps no management documents (ports.NodeStore)", store)
		}
		inventory, _ := storeAdmin.(ports.StoreTopicInventory)
		l := cfg.Management.Links
		console := cfg.Console
		console.Group.NonAdminCreationEnabled = cfg.Security.Management.NonAdminGroupCreation
		return &app.Admin{
			ManagementAccess:    acc,
			Console:             app.NewConsole(console),
			Owners:              app.NewOwners(ownerSources(cfg), store),
			ManagementMode:      followStorage(app.NewManagementMode(), hc),
			WorkloadConstraints: app.NewWorkloadConstraints(nodes),
			OAuthProviders:      app.NewOAuthProviders(nodes),
			StatsReport:         app.NewStats(store),
			Readiness:           app.NewReadiness(nodes, cfg.MessageStore.ClusterName),
			Consistency:         app.NewConsistency(store, inventory, cfg.MessageStore.ClusterName),
			OfflineRetransmission: app.NewOfflineRetransmission(store, nodes, app.RetransmissionLinks{
				LogsURL: l.RetransmissionLogsURL, MetricsURL: l.RetransmissionMetricsURL, JobDetailsURL: l.RetransmissionJobDetailsURL}).WithAccess(acc),
			Links: app.NewLinks(store, app.LinksConfig{OfflineClientsURL: l.OfflineClientsURL,
				TopicDashboardURL: l.TopicDashboardURL, SubscriptionDashboardURL: l.SubscriptionDashboardURL,
				TopicTrackingURLs: templates(l.TopicTrackingURLs), SubscriptionTrackingURLs: templates(l.SubscriptionTrackingURLs)}),
			InactiveTopicsDetection: app.NewInactiveTopics(store, nodes, inventory, app.InactiveTopicsConfig{
				Threshold: cfg.Management.InactiveTopics.Threshold, Whitelisted: cfg.Management.InactiveTopics.Whitelisted}),
			AuditTrail: app.NewAuditTrail(cfg.Security.Audit.Retained, log.With("component", "audit")),
		}, nil
	},
))

// LinkTemplateConfig is one named URL template.
type LinkTemplateConfig struct {
	Name string `koanf:"name"`
	URL  string `koanf:"url"`
}

// LinksConfig holds the URL templates of the management's helper links
// (Hermes's pluggable providers). In a template {topic} is the qualified
// topic name, {group} and {topicName} its parts, {subscription} the
// subscription name, {taskId} a retransmission task's id. Empty: not
// configured (the dashboards and offline clients answer 404
// IMPLEMENTATION_ABSENT, tracking URLs an empty list).
type LinksConfig struct {
	OfflineClientsURL        string               `koanf:"offline_clients_url"`
	TopicDashboardURL        string               `koanf:"topic_dashboard_url"`
	SubscriptionDashboardURL string               `koanf:"subscription_dashboard_url"`
	TopicTrackingURLs        []LinkTemplateConfig `koanf:"topic_tracking_urls"`
	SubscriptionTrackingURLs []LinkTemplateConfig `koanf:"subscription_tracking_urls"`
	// Retransmission task monitoring links (Hermes's defaults).
	RetransmissionLogsURL       string `koanf:"retransmission_logs_url"`
	RetransmissionMetricsURL    string `koanf:"retransmission_metrics_url"`
	RetransmissionJobDetailsURL string `koanf:"retransmission_job_details_url"`
}

// InactiveTopicsConfig is Hermes's management.detection.inactive-topics.
type InactiveTopicsConfig struct {
	// Threshold without a message after which a topic is inactive (default 1440h, Hermes's 60d).
	Threshold time.Duration `koanf:"threshold"`
	// Whitelisted qualified topic names are reported with whitelisted true.
	Whitelisted []string `koanf:"whitelisted"`
}

func defaultLinks() LinksConfig {
	return LinksConfig{
		TopicTrackingURLs: []LinkTemplateConfig{}, SubscriptionTrackingURLs: []LinkTemplateConfig{},
		RetransmissionLogsURL:       "https://kibana.com/?query={taskId}",
		RetransmissionMetricsURL:    "https://monitoring.com?query={taskId}",
		RetransmissionJobDetailsURL: "https://job-details.com?query={taskId}",
	}
}

func templates(in []LinkTemplateConfig) []app.LinkTemplate {
	out := make([]app.LinkTemplate, 0, len(in))
	for _, t := range in {
		out = append(out, app.LinkTemplate{Name: t.Name, URL: t.URL})
	}
	return out
}

// followStorage makes the mode follow the metadata store's health check,
// when the store has one.
func followStorage(m *app.ManagementMode, hc healthChecks) *app.ManagementMode {
	for _, c := range hc.Checks {
		if c.Health().Name == zookeeper.HealthCheckName {
			return m.FollowStorage(c)
		}
	}
	return m
}

func (c InactiveTopicsConfig) validate() []error {
	if c.Threshold <= 0 {
		return []error{fmt.Errorf("management.inactive_topics.threshold %s: want a positive duration such as 1440h", c.Threshold)}
	}
	return nil
}
