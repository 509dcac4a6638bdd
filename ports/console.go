package ports

import "context"

// ConsoleService answers GET /console: the web console's configuration.
type ConsoleService interface {
	// ConsoleConfiguration returns the configuration the console reads at
	// startup. It never blocks and never fails.
	ConsoleConfiguration(ctx context.Context) ConsoleConfig
}

// ConsoleConfig is Hermes's ConsoleProperties (management.console.*) as
// the console reads it: JSON field names are Hermes's, koanf keys are our
// configuration's (section console, see docs/configuration.md). Every
// field is always rendered, since the console reads them without checking.
type ConsoleConfig struct {
	Console      ConsoleSection      `json:"console" koanf:"console"`
	Dashboard    ConsoleDashboard    `json:"dashboard" koanf:"dashboard"`
	Metrics      ConsoleMetrics      `json:"metrics" koanf:"metrics"`
	Auth         ConsoleAuth         `json:"auth" koanf:"auth"`
	Owner        ConsoleOwner        `json:"owner" koanf:"owner"`
	Topic        ConsoleTopic        `json:"topic" koanf:"topic"`
	Subscription ConsoleSubscription `json:"subscription" koanf:"subscription"`
	Consistency  ConsoleConsistency  `json:"consistency" koanf:"consistency"`
	Group        ConsoleGroup        `json:"group" koanf:"group"`
	Costs        ConsoleCosts        `json:"costs" koanf:"costs"`
}

// ConsoleSection names the installation.
type ConsoleSection struct {
	Title               string               `json:"title" koanf:"title"`
	ContactLink         string               `json:"contactLink" koanf:"contact_link"`
	EnvironmentName     string               `json:"environmentName" koanf:"environment_name"`
	CriticalEnvironment bool                 `json:"criticalEnvironment" koanf:"critical_environment"`
	KnownEnvironments   []ConsoleEnvironment `json:"knownEnvironments" koanf:"known_environments"`
}

// ConsoleEnvironment is one entry of the console's environment switcher.
type ConsoleEnvironment struct {
	Name string `json:"name" koanf:"name"`
	URL  string `json:"url" koanf:"url"`
}

// ConsoleDashboard holds the console's links to metrics and docs.
type ConsoleDashboard struct {
	Metrics string `json:"metrics" koanf:"metrics"`
	Docs    string `json:"docs" koanf:"docs"`
}

// ConsoleMetrics says whether the console asks for dashboard URLs.
type ConsoleMetrics struct {
	FetchingDashboardURLEnabled bool `json:"fetchingDashboardUrlEnabled" koanf:"fetching_dashboard_url_enabled"`
}

// ConsoleAuth configures the console's login.
type ConsoleAuth struct {
	OAuth ConsoleOAuth `json:"oauth" koanf:"oauth"`
}

// ConsoleOAuth is the OAuth server the console logs in with.
type ConsoleOAuth struct {
	Enabled               bool   `json:"enabled" koanf:"enabled"`
	URL                   string `json:"url" koanf:"url"`
	AuthorizationEndpoint string `json:"authorizationEndpoint" koanf:"authorization_endpoint"`
	TokenEndpoint         string `json:"tokenEndpoint" koanf:"token_endpoint"`
	ClientID              string `json:"clientId" koanf:"client_id"`
	Scope                 string `json:"scope" koanf:"scope"`
}

// ConsoleOwner lists the owner sources the console offers.
type ConsoleOwner struct {
	Sources []ConsoleOwnerSource `json:"sources" koanf:"sources"`
}

// ConsoleOwnerSource is one owner source with its input placeholder.
type ConsoleOwnerSource struct {
	Name        string `json:"name" koanf:"name"`
	Placeholder string `json:"placeholder" koanf:"placeholder"`
}

// ConsoleTopic configures the topic views.
type ConsoleTopic struct {
	MessagePreviewEnabled bool                         `json:"messagePreviewEnabled" koanf:"message_preview_enabled"`
	OfflineClientsEnabled bool                         `json:"offlineClientsEnabled" koanf:"offline_clients_enabled"`
	Defaults              ConsoleTopicDefaults         `json:"defaults" koanf:"defaults"`
	ContentTypes          []ConsoleOption              `json:"contentTypes" koanf:"-"`
	ReadOnlyModeEnabled   bool                         `json:"readOnlyModeEnabled" koanf:"read_only_mode_enabled"`
	RetentionUnits        []ConsoleOption              `json:"retentionUnits" koanf:"retention_units"`
	OfflineRetransmission ConsoleOfflineRetransmission `json:"offlineRetransmission" koanf:"offline_retransmission"`
}

// ConsoleTopicDefaults pre-fill the topic form.
type ConsoleTopicDefaults struct {
	Ack            string                       `json:"ack" koanf:"ack"`
	ContentType    string                       `json:"contentType" koanf:"content_type"`
	RetentionTime  ConsoleRetentionTime         `json:"retentionTime" koanf:"retention_time"`
	OfflineStorage ConsoleOfflineStorageDefault `json:"offlineStorage" koanf:"offline_storage"`
}

// ConsoleOfflineStorageDefault pre-fills the topic form's offline storage.
type ConsoleOfflineStorageDefault struct {
	Enabled       bool                 `json:"enabled" koanf:"enabled"`
	RetentionTime ConsoleRetentionTime `json:"retentionTime" koanf:"retention_time"`
}

// ConsoleRetentionTime is a duration in a unit (DAYS, HOURS, ...).
type ConsoleRetentionTime struct {
	Duration      int    `json:"duration" koanf:"duration"`
	RetentionUnit string `json:"retentionUnit" koanf:"retention_unit"`
}

// ConsoleOption is a value the console offers in a list, with its label.
type ConsoleOption struct {
	Value string `json:"value" koanf:"value"`
	Label string `json:"label" koanf:"label"`
}

// ConsoleOfflineRetransmission configures the offline retransmission form.
type ConsoleOfflineRetransmission struct {
	Enabled            bool   `json:"enabled" koanf:"enabled"`
	Description        string `json:"description" koanf:"description"`
	FromViewDocsURL    string `json:"fromViewDocsUrl" koanf:"from_view_docs_url"`
	GlobalTaskQueueURL string `json:"globalTaskQueueUrl" koanf:"global_task_queue_url"`
	MonitoringDocsURL  string `json:"monitoringDocsUrl" koanf:"monitoring_docs_url"`
}

// ConsoleSubscription configures the subscription views.
type ConsoleSubscription struct {
	EndpointAddressResolverMetadata map[string]ConsoleResolverMetadata `json:"endpointAddressResolverMetadata" koanf:"endpoint_address_resolver_metadata"`
	RequestTimeoutWarningThreshold  int                                `json:"requestTimeoutWarningThreshold" koanf:"request_timeout_warning_threshold"`
	Defaults                        ConsoleSubscriptionDefaults        `json:"defaults" koanf:"defaults"`
	DeliveryTypes                   []ConsoleOption                    `json:"deliveryTypes" koanf:"delivery_types"`
}

// ConsoleResolverMetadata describes one endpointAddressResolverMetadata
// entry of the subscription form.
type ConsoleResolverMetadata struct {
	Title string `json:"title" koanf:"title"`
	Type  string `json:"type" koanf:"type"`
	Hint  string `json:"hint" koanf:"hint"`
}

// ConsoleSubscriptionDefaults pre-fill the subscription form.
type ConsoleSubscriptionDefaults struct {
	SubscriptionPolicy ConsoleSubscriptionPolicy `json:"subscriptionPolicy" koanf:"subscription_policy"`
	DeliveryType       string                    `json:"deliveryType" koanf:"delivery_type"`
}

// ConsoleSubscriptionPolicy holds the policy defaults of the form.
type ConsoleSubscriptionPolicy struct {
	MessageTTL     int `json:"messageTtl" koanf:"message_ttl"`
	RequestTimeout int `json:"requestTimeout" koanf:"request_timeout"`
}

// ConsoleConsistency configures the consistency view.
type ConsoleConsistency struct {
	MaxGroupBatchSize int `json:"maxGroupBatchSize" koanf:"max_group_batch_size"`
}

// ConsoleGroup configures the group views. NonAdminCreationEnabled is set
// from the management rules, not from this section (as in Hermes).
type ConsoleGroup struct {
	NonAdminCreationEnabled bool `json:"nonAdminCreationEnabled" koanf:"-"`
}

// ConsoleCosts configures the console's cost links.
type ConsoleCosts struct {
	Enabled                bool   `json:"enabled" koanf:"enabled"`
	GlobalDetailsURL       string `json:"globalDetailsUrl" koanf:"global_details_url"`
	TopicIframeURL         string `json:"topicIframeUrl" koanf:"topic_iframe_url"`
	TopicDetailsURL        string `json:"topicDetailsUrl" koanf:"topic_details_url"`
	SubscriptionIframeURL  string `json:"subscriptionIframeUrl" koanf:"subscription_iframe_url"`
	SubscriptionDetailsURL string `json:"subscriptionDetailsUrl" koanf:"subscription_details_url"`
}
