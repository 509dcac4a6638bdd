package wiring

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/google/uuid"
	"github.com/knadh/koanf/parsers/yaml"
	"github.com/knadh/koanf/providers/env"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/providers/structs"
	"github.com/knadh/koanf/v2"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/adapters/whisper"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Module names for Config.Modules.
const (
	ModuleFrontend   = "frontend"
	ModuleConsumers  = "consumers"
	ModuleManagement = "management"
)

// Config is the whole Hermes-Go configuration. The zero-value file (no
// file, no environment) is the embedded default that `make run` uses.
// Every key is documented in docs/configuration.md.
type Config struct {
	// DataDir holds the embedded store's files (default "data").
	DataDir string `koanf:"data_dir"`
	// InMemory runs throwaway: embedded Kafka without files, memory metadata.
	InMemory bool `koanf:"in_memory"`
	// Modules to run (default all three).
	Modules []string `koanf:"modules"`

	Log          LogConfig          `koanf:"log"`
	Frontend     FrontendConfig     `koanf:"frontend"`
	Management   ManagementConfig   `koanf:"management"`
	Consumers    ConsumersConfig    `koanf:"consumers"`
	MessageStore MessageStoreConfig `koanf:"message_store"`
	Metadata     MetadataConfig     `koanf:"metadata"`
	Tracker      TrackerConfig      `koanf:"tracker"`
	Metrics      MetricsConfig      `koanf:"metrics"`
	Schema       SchemaConfig       `koanf:"schema"`
	Debug        DebugConfig        `koanf:"debug"`
	Security     SecurityConfig     `koanf:"security"`
	// Console is what GET /console tells the web console (Hermes's
	// management.console.*; see admin.go for the defaults).
	Console ports.ConsoleConfig `koanf:"console"`
}

// DebugConfig configures diagnostics that are off by default.
type DebugConfig struct {
	// PprofAddr is where net/http/pprof is served (/debug/pprof/), e.g.
	// 127.0.0.1:6060. Default "": not served. It exposes the process's
	// internals: bind it to loopback.
	PprofAddr string `koanf:"pprof_addr"`
}

// Metrics writer kinds; several may be enabled at once.
const (
	MetricsWhisper    = "whisper"
	MetricsGraphite   = "graphite"
	MetricsPrometheus = "prometheus"
	MetricsMemory     = "memory"
)

// MetricsConfig chooses and configures the metrics writers.
type MetricsConfig struct {
	// Kinds are the enabled writers (default [whisper, prometheus]: Hermes
	// always serves /status/prometheus; in_memory runs use
	// memory instead of whisper): whisper (files under data_dir/metrics),
	// graphite (carbon over TCP), prometheus (/status/prometheus and
	// /metrics on the frontend and management servers), memory.
	Kinds []string `koanf:"kinds"`
	// Prefix starts every whisper/graphite series (default stats.tech.hermes).
	Prefix string `koanf:"prefix"`
	// Interval between whisper/graphite flushes (default 10s).
	Interval time.Duration `koanf:"interval"`
	// WhisperRetentions is the retention schema of new whisper files
	// (default 10s:1h,1m:1d,10m:30d, whisper.DefaultRetentions).
	WhisperRetentions string `koanf:"whisper_retentions"`
	// WhisperBatch is how many flushes of a series are held in memory and
	// then written to its file at once (default 6; 1 writes every flush
	// through; at most 30). The management's reads see the held points; a
	// crash loses them.
	WhisperBatch int `koanf:"whisper_batch"`
	// GraphiteAddress is carbon's plaintext receiver (default localhost:2003).
	GraphiteAddress string `koanf:"graphite_address"`
	// Query chooses where the management metrics endpoints read.
	Query MetricsQueryConfig `koanf:"query"`
}

// Metrics reader kinds for MetricsQueryConfig.Kind, besides the writer
// kinds whisper, graphite, prometheus and memory.
const (
	MetricsQueryAuto = ""
	MetricsQueryNone = "none"
)

// MetricsQueryConfig configures the reader behind GET /topics/{t}/metrics
// and GET /topics/{t}/subscriptions/{s}/metrics.
type MetricsQueryConfig struct {
	// Kind is whisper (the files under data_dir/metrics), graphite
	// (graphite-web's render API at graphite_url), prometheus (the
	// Prometheus server at prometheus_url), memory (this process's memory
	// writer: totals, no rates) or none (every figure unavailable).
	// Default "": prometheus when prometheus_url is set, else graphite when
	// graphite_url is set, else whisper or memory when that writer is
	// enabled, else none.
	Kind string `koanf:"kind"`
	// PrometheusURL is the Prometheus server, e.g. http://prometheus:9090.
	PrometheusURL string `koanf:"prometheus_url"`
	// GraphiteURL is graphite-web, e.g. http://graphite:8080.
	GraphiteURL string `koanf:"graphite_url"`
	// Timeout bounds each request to Prometheus or graphite-web (default 5s).
	Timeout time.Duration `koanf:"timeout"`
}

// LogConfig configures slog.
type LogConfig struct {
	// Level is debug, info, warn or error (default info).
	Level string `koanf:"level"`
	// Format is text or json (default text).
	Format string `koanf:"format"`
}

// FrontendConfig configures the publishing HTTP server.
type FrontendConfig struct {
	// Addr is the listen address (default ":8080").
	Addr string `koanf:"addr"`
	// MessagePreview is Hermes's frontend.message.preview.*: what GET
	// /topics/{t}/preview shows (see preview.go).
	MessagePreview MessagePreviewConfig `koanf:"message_preview"`
	// ReadTimeout bounds reading a request body (default 2s; 408 after).
	ReadTimeout time.Duration `koanf:"read_timeout"`
	// IdleTimeout bounds waiting for the store's ack on ack NONE/LEADER
	// topics (default 2s; Hermes uses 65ms; 503 after).
	IdleTimeout time.Duration `koanf:"idle_timeout"`
	// LongIdleTimeout is the same for ack ALL topics (default 3s).
	LongIdleTimeout time.Duration `koanf:"long_idle_timeout"`
	// MaxPublishRequestDuration is the same for topics with
	// fallbackToRemoteDatacenterEnabled (default 5s).
	MaxPublishRequestDuration time.Duration `koanf:"max_publish_request_duration"`
	// ForceMaxMessageSize refuses bodies over maxMessageSize (default true;
	// Hermes's frontend.handlers.forceTopicMaxMessageSize defaults to false).
	ForceMaxMessageSize bool `koanf:"force_max_message_size"`
	// ShutdownTimeout bounds finishing in-flight publishes (default 10s).
	ShutdownTimeout time.Duration `koanf:"shutdown_timeout"`
	// Server bounds the server's connections (see ServerConfig).
	Server ServerConfig `koanf:"server"`
	// HTTPHeaders is Hermes's frontend.http.headers: request headers
	// carried with the message to its subscribers.
	HTTPHeaders HTTPHeadersConfig `koanf:"http_headers"`
	// KeepAliveHeader is Hermes's frontend.handlers.keepAliveHeader.
	KeepAliveHeader KeepAliveHeaderConfig `koanf:"keep_alive_header"`
	// Authentication is Hermes's frontend.handlers.authentication (security.go).
	Authentication FrontendAuthenticationConfig `koanf:"authentication"`
}

// HTTPHeadersConfig is Hermes's frontend.http.headers.
type HTTPHeadersConfig struct {
	// PropagationEnabled stores publish request headers with the message
	// and delivers them (default false, as Hermes).
	PropagationEnabled bool `koanf:"propagation_enabled"`
	// AllowedSet lists the headers to propagate, case-insensitively
	// (Hermes's allowedSet); empty propagates all but the request's own
	// connection, framing and credential headers.
	AllowedSet []string `koanf:"allowed_set"`
}

// KeepAliveHeaderConfig is Hermes's frontend.handlers.keepAliveHeader.
type KeepAliveHeaderConfig struct {
	// Enabled adds "Keep-Alive: timeout=N" to publish responses (default false).
	Enabled bool `koanf:"enabled"`
	// Timeout is N, in whole seconds (default 1s).
	Timeout time.Duration `koanf:"timeout"`
}

// ManagementConfig configures the management HTTP server and rules.
type ManagementConfig struct {
	// Addr is the listen address (default ":8090").
	Addr string `koanf:"addr"`
	// GroupNamePattern validates new groups (default Hermes 1.4's
	// ^[a-zA-Z0-9_.-]+$; newer Hermes: ^[a-zA-Z0-9.]+$).
	GroupNamePattern string `koanf:"group_name_pattern"`
	// AllowTopicRemoval enables DELETE /topics/{t} (default true; Hermes: false).
	AllowTopicRemoval bool `koanf:"allow_topic_removal"`
	// OwnerSources are the accepted owner sources (default [Plaintext]).
	OwnerSources []string `koanf:"owner_sources"`
	// EndpointProtocols are the accepted subscription endpoint schemes.
	EndpointProtocols []string `koanf:"endpoint_protocols"`
	// Server bounds the server's connections (see ServerConfig).
	Server ServerConfig `koanf:"server"`
	// SubscriptionHealth holds the health check's thresholds (Hermes's
	// management.subscription-health.*; see subscription_health.go).
	SubscriptionHealth SubscriptionHealthConfig `koanf:"subscription_health"`
	// Links are the URL templates of the helper links (see admin.go).
	Links LinksConfig `koanf:"links"`
	// InactiveTopics configures GET /inactive-topics.
	InactiveTopics InactiveTopicsConfig `koanf:"inactive_topics"`
}

// ConsumersConfig configures delivery.
type ConsumersConfig struct {
	// Addr is the listen address of the consumers' status server
	// (/status/health, /status/subscriptions, ...; Hermes's
	// consumer.healthCheckPort, default ":8000").
	Addr string `koanf:"addr"`
	// RestartBackoff is the pause before a failed consumer is reopened (default 1s).
	RestartBackoff time.Duration `koanf:"restart_backoff"`
	// MaxConnsPerHost bounds connections to one subscriber host (default 100).
	MaxConnsPerHost int `koanf:"max_conns_per_host"`
	// InflightSize is how many messages of one subscription may be in
	// flight when its policy sets none (default 100, as Hermes).
	InflightSize int `koanf:"inflight_size"`
	// RateSupervisorPeriod is how often output rates adapt (default 30s).
	RateSupervisorPeriod time.Duration `koanf:"rate_supervisor_period"`
	// CommitPeriod is how often finished offsets are committed (default 1s).
	CommitPeriod time.Duration `koanf:"commit_period"`
	// MaxCommitRate bounds the offset commits a second of this node's
	// serial subscriptions together (default 200; -1: unbounded): with
	// more running, each commits less often than CommitPeriod.
	MaxCommitRate float64 `koanf:"max_commit_rate"`
	// RevokeWait bounds how long a partition leaving this consumer waits
	// for its messages in flight before they are abandoned (default 5s;
	// keep it under the Kafka consumers' rebalance timeout, 10s).
	RevokeWait time.Duration `koanf:"revoke_wait"`
	// InstanceID names this process among the consumer instances that
	// share each subscription's rate (Hermes's consumer node id); unique
	// per process. Default "": the host name and a random suffix.
	InstanceID string `koanf:"instance_id"`
	// MaxRate shares each serial subscription's rate between the consumer
	// instances through the metadata backend.
	MaxRate MaxRateConfig `koanf:"max_rate"`
	// KeepAliveHeader sends "Keep-Alive: true" to HTTP/1 subscribers, as
	// Hermes always does (default true).
	KeepAliveHeader bool `koanf:"keep_alive_header"`
	// Group tunes the Kafka consumer groups (see ConsumerGroupConfig).
	Group ConsumerGroupConfig `koanf:"group"`
	// OAuth tunes deliveries with an oAuthPolicy (see OAuthDeliveryConfig).
	OAuth OAuthDeliveryConfig `koanf:"oauth"`
	// TLS configures TLS to HTTPS endpoints (see ConsumersTLSConfig).
	TLS ConsumersTLSConfig `koanf:"tls"`
	// Workload shares the subscriptions among the consumer instances
	// (see WorkloadConfig in workload.go).
	Workload WorkloadConfig `koanf:"workload"`
}

// MaxRateConfig is Hermes's consumer.maxrate.* (defaults as Hermes).
type MaxRateConfig struct {
	// UpdateInterval is how often an instance publishes its used rate and
	// reads its max (default 15s).
	UpdateInterval time.Duration `koanf:"update_interval"`
	// BalanceInterval is how often the maxes are rebalanced (default 30s).
	BalanceInterval time.Duration `koanf:"balance_interval"`
	// BusyTolerance: above 1 - busy_tolerance of its max an instance is
	// busy (default 0.1).
	BusyTolerance float64 `koanf:"busy_tolerance"`
	// MinMaxRate is the least max an instance keeps (default 1).
	MinMaxRate float64 `koanf:"min_max_rate"`
	// MinAllowedChangePercent is the smallest max change made, in percent
	// of the subscription's rate (default 1).
	MinAllowedChangePercent float64 `koanf:"min_allowed_change_percent"`
	// MinSignificantUpdatePercent is the used-rate change, in percent,
	// worth publishing (default 9; below busy_tolerance × 100).
	MinSignificantUpdatePercent float64 `koanf:"min_significant_update_percent"`
	// HistorySize is how many used rates an instance publishes (default 1).
	HistorySize int `koanf:"history_size"`
}

func (c MaxRateConfig) settings() domain.MaxRateSettings {
	return domain.MaxRateSettings{BusyTolerance: c.BusyTolerance, MinMaxRate: c.MinMaxRate,
		MinAllowedChangePercent: c.MinAllowedChangePercent, MinSignificantUpdatePercent: c.MinSignificantUpdatePercent, HistorySize: c.HistorySize}
}

// instanceID is InstanceID, else the host name with a random suffix, so
// two processes on one host never share a lease.
func (c ConsumersConfig) instanceID() string {
	if c.InstanceID != "" {
		return c.InstanceID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "hermes-go"
	}
	return host + "_" + uuid.NewString()[:8]
}

// Message store kinds.
const (
	MessageStoreEmbedded = "embedded"
	MessageStoreKafka    = "kafka"
)

// Kafka consumers (message_store.consumer).
const (
	ConsumerGroup  = "group"
	ConsumerShared = "shared"
)

// MessageStoreConfig chooses and configures the message store.
type MessageStoreConfig struct {
	// Kind is embedded (in-process kfake under data_dir/kafka) or kafka.
	Kind string `koanf:"kind"`
	// Brokers are the Kafka bootstrap servers (kind kafka).
	Brokers []string `koanf:"brokers"`
	// EmbeddedPort is the embedded broker's port on 127.0.0.1 (default 0: any free port).
	EmbeddedPort int `koanf:"embedded_port"`
	// EmbeddedSyncWrites makes the embedded broker fsync every batch before
	// a publish is answered 201 (Kafka's flush.messages=1), so that a 201
	// survives an OS crash or power loss too; without it a 201 survives a
	// crash of the process only (docs/reliability.md). Default false.
	EmbeddedSyncWrites bool `koanf:"embedded_sync_writes"`
	// Namespace prefixes Kafka topic names and group ids (default "").
	Namespace string `koanf:"namespace"`
	// NamespaceSeparator joins namespace and topic name (default "_").
	NamespaceSeparator string `koanf:"namespace_separator"`
	// Partitions of new Kafka topics (default 3).
	Partitions int `koanf:"partitions"`
	// ReplicationFactor of new Kafka topics (default 1).
	ReplicationFactor int `koanf:"replication_factor"`
	// ClusterName names the cluster in API answers (default primary-dc).
	ClusterName string `koanf:"cluster_name"`
	// Consumer is group (a Kafka consumer group client per subscription,
	// the default) or shared (a few connections per node fetch for every
	// subscription; see docs/architecture.md, "Consumers at density").
	Consumer string `koanf:"consumer"`
	// CompressionCodec compresses what the frontend produces: none (the
	// default, as Hermes), gzip, snappy, lz4 or zstd.
	CompressionCodec string `koanf:"compression_codec"`
}

// Metadata store kinds.
const (
	MetadataFile      = "file"
	MetadataMemory    = "memory"
	MetadataZooKeeper = "zookeeper"
)

// MetadataConfig chooses and configures the metadata store.
type MetadataConfig struct {
	// Kind is file (under data_dir/metadata, one process), memory, or
	// zookeeper (shared by every process, Hermes's layout).
	Kind      string          `koanf:"kind"`
	ZooKeeper ZooKeeperConfig `koanf:"zookeeper"`
}

// ZooKeeperConfig configures the zookeeper metadata store.
type ZooKeeperConfig struct {
	// Servers are ZooKeeper's host:port addresses.
	Servers []string `koanf:"servers"`
	// Root is the znode under which Hermes's tree lives (default /hermes).
	Root string `koanf:"root"`
	// SessionTimeout is the ZooKeeper session timeout (default 10s).
	SessionTimeout time.Duration `koanf:"session_timeout"`
}

// Schema repository kinds.
const (
	SchemaRepositoryMetadata = "metadata"
	SchemaRepositoryRegistry = "registry"
)

// SchemaConfig configures the Avro schemas of AVRO topics.
type SchemaConfig struct {
	// Repository is metadata (beside the topic in the metadata store;
	// memory for the memory store) or registry (a Confluent-compatible
	// schema registry at registry_url, as Hermes). Default metadata.
	Repository string `koanf:"repository"`
	// RegistryURL is the registry's base URL (Hermes's
	// schema.repository.serverUrl), e.g. http://localhost:8081.
	RegistryURL string `koanf:"registry_url"`
	// RegistrySubjectSuffix appends "-value" to subjects (Hermes's
	// subjectSuffixEnabled; default false).
	RegistrySubjectSuffix bool `koanf:"registry_subject_suffix"`
	// RegistrySubjectNamespace prefixes subjects with
	// message_store.namespace and its separator (Hermes's
	// subjectNamespaceEnabled; default false).
	RegistrySubjectNamespace bool `koanf:"registry_subject_namespace"`
	// RegistryTimeout bounds each request to the registry (default 2s).
	RegistryTimeout time.Duration `koanf:"registry_timeout"`
	// MetadataRequired refuses schemas without Hermes's __metadata field
	// (Hermes's avroContentTypeMetadataRequired; default true).
	MetadataRequired bool `koanf:"metadata_required"`
	// AllowRemoval enables DELETE /topics/{t}/schema (Hermes's
	// topic.removeSchema; default false: 406 OPERATION_DISABLED).
	AllowRemoval bool `koanf:"allow_removal"`
	// CacheTTL is how long schemas are served from memory before they are
	// read again (default 10s).
	CacheTTL time.Duration `koanf:"cache_ttl"`
}

func (c SchemaConfig) validate() []error {
	var errs []error
	switch c.Repository {
	case SchemaRepositoryMetadata:
	case SchemaRepositoryRegistry:
		if u, err := url.Parse(c.RegistryURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("schema.registry_url %q: repository registry needs the registry's http(s)://host:port", c.RegistryURL))
		}
	default:
		errs = append(errs, fmt.Errorf("schema.repository %q: want metadata or registry", c.Repository))
	}
	if c.CacheTTL <= 0 || c.RegistryTimeout <= 0 {
		errs = append(errs, fmt.Errorf("schema.cache_ttl %s, registry_timeout %s: want both above 0", c.CacheTTL, c.RegistryTimeout))
	}
	return errs
}

// Tracker kinds.
const (
	TrackerMemory        = "memory"
	TrackerMongo         = "mongo"
	TrackerElasticsearch = "elasticsearch"
)

// TrackerConfig chooses and configures the message tracking store.
type TrackerConfig struct {
	// Kind is memory (bounded, newest kept), mongo or elasticsearch.
	Kind string `koanf:"kind"`
	// MaxTraces bounds the memory tracker (default 10000).
	MaxTraces     int                 `koanf:"max_traces"`
	Mongo         MongoConfig         `koanf:"mongo"`
	Elasticsearch ElasticsearchConfig `koanf:"elasticsearch"`
}

// MongoConfig configures the mongo tracker.
type MongoConfig struct {
	// URI is the MongoDB connection string (default mongodb://127.0.0.1:27017/).
	URI string `koanf:"uri"`
	// Database holds the trace collections (default hermes).
	Database string `koanf:"database"`
	// Retention is how long traces are kept (default 168h).
	Retention time.Duration `koanf:"retention"`
}

// ElasticsearchConfig configures the elasticsearch tracker (Elasticsearch 8
// or OpenSearch 2).
type ElasticsearchConfig struct {
	// URL of the cluster (default http://127.0.0.1:9200).
	URL      string `koanf:"url"`
	Username string `koanf:"username"`
	Password string `koanf:"password"`
	// IndexPrefix prefixes index names (default "", as Hermes).
	IndexPrefix string `koanf:"index_prefix"`
}

// Defaults returns the embedded default configuration.
func Defaults() Config {
	return Config{
		DataDir: "data",
		Modules: []string{ModuleFrontend, ModuleConsumers, ModuleManagement},
		Log:     LogConfig{Level: "info", Format: "text"},
		Frontend: FrontendConfig{
			Addr: ":8080", ReadTimeout: 2 * time.Second, IdleTimeout: 2 * time.Second,
			LongIdleTimeout: 3 * time.Second, MaxPublishRequestDuration: 5 * time.Second,
			ForceMaxMessageSize: true, ShutdownTimeout: 10 * time.Second,
			MessagePreview:  MessagePreviewConfig{Size: 3, MaxSizeKB: 10},
			Server:          defaultServerConfig(30*time.Second, 4096),
			KeepAliveHeader: KeepAliveHeaderConfig{Timeout: time.Second},
			Authentication:  FrontendAuthenticationConfig{PublisherRole: domain.DefaultPublisherRole},
		},
		Management: ManagementConfig{
			Addr: ":8090", GroupNamePattern: `^[a-zA-Z0-9_.-]+$`, AllowTopicRemoval: true,
			OwnerSources: []string{"Plaintext"}, EndpointProtocols: []string{"http", "https", "jms", "googlepubsub", "googlebigquery"},
			Server:             defaultServerConfig(60*time.Second, 1024),
			SubscriptionHealth: defaultSubscriptionHealth(),
			Links:              defaultLinks(), InactiveTopics: InactiveTopicsConfig{Threshold: 60 * 24 * time.Hour, Whitelisted: []string{}},
		},
		Consumers: ConsumersConfig{
			Addr: ":8000", RestartBackoff: time.Second, MaxConnsPerHost: 100, InflightSize: 100, KeepAliveHeader: true,
			RateSupervisorPeriod: 30 * time.Second, CommitPeriod: time.Second, MaxCommitRate: app.DefaultMaxCommitRate,
			MaxRate: MaxRateConfig{UpdateInterval: 15 * time.Second, BalanceInterval: 30 * time.Second, BusyTolerance: 0.1,
				MinMaxRate: 1, MinAllowedChangePercent: 1, MinSignificantUpdatePercent: 9, HistorySize: 1},
			Group: defaultConsumerGroup(), Workload: defaultWorkload(),
			OAuth: OAuthDeliveryConfig{ProviderCheckInterval: 10 * time.Second, RateReductionFactor: 2},
		},
		MessageStore: MessageStoreConfig{
			Kind: MessageStoreEmbedded, NamespaceSeparator: "_", Partitions: 3, ReplicationFactor: 1, ClusterName: "primary-dc",
			Consumer: ConsumerGroup, CompressionCodec: "none",
		},
		Tracker: TrackerConfig{
			Kind: TrackerMemory, MaxTraces: 10000,
			Mongo:         MongoConfig{URI: "mongodb://127.0.0.1:27017/", Database: "hermes", Retention: 7 * 24 * time.Hour},
			Elasticsearch: ElasticsearchConfig{URL: "http://127.0.0.1:9200"},
		},
		Metrics: MetricsConfig{
			Kinds: []string{MetricsWhisper, MetricsPrometheus}, Prefix: "stats.tech.hermes", Interval: 10 * time.Second,
			WhisperRetentions: whisper.DefaultRetentions, WhisperBatch: whisper.DefaultBatch, GraphiteAddress: "localhost:2003",
			Query: MetricsQueryConfig{Timeout: 5 * time.Second},
		},
		Schema:   SchemaConfig{Repository: SchemaRepositoryMetadata, RegistryTimeout: 2 * time.Second, MetadataRequired: true, CacheTTL: 10 * time.Second},
		Metadata: MetadataConfig{Kind: MetadataFile, ZooKeeper: ZooKeeperConfig{Root: "/hermes", SessionTimeout: 10 * time.Second}},
		Console:  defaultConsole(),
		Security: defaultSecurity(),
	}
}

// Load builds the configuration: defaults, then the YAML file at path (if
// path is not ""), then HERMES_* environment variables (HERMES_ then the
// key path upper-cased with "__" between levels, e.g.
// HERMES_FRONTEND__ADDR=:9080, HERMES_MESSAGE_STORE__KIND=kafka; lists are
// comma-separated; variables whose first level is no config key, such as
// HERMES_CONFIG or HERMES_TEST_KAFKA, are not config). It returns the
// result of Validate.
func Load(path string) (Config, error) {
	k := koanf.New(".")
	if err := k.Load(structs.Provider(Defaults(), "koanf"), nil); err != nil {
		return Config{}, err
	}
	if path != "" {
		if _, err := os.Stat(path); err != nil {
			return Config{}, fmt.Errorf("config file: %w", err)
		}
		if err := k.Load(file.Provider(path), yaml.Parser()); err != nil {
			return Config{}, fmt.Errorf("config file %s: %w", path, err)
		}
	}
	// Only variables naming a top-level key are config: HERMES_CONFIG and
	// the HERMES_TEST_* of the test scripts share the prefix.
	topLevel := map[string]bool{}
	for _, key := range k.Keys() {
		topLevel[strings.SplitN(key, ".", 2)[0]] = true
	}
	envKey := func(s string) string {
		key := strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(s, "HERMES_")), "__", ".")
		if !topLevel[strings.SplitN(key, ".", 2)[0]] {
			return ""
		}
		return key
	}
	if err := k.Load(env.Provider("HERMES_", ".", envKey), nil); err != nil {
		return Config{}, err
	}
	var cfg Config
	err := k.UnmarshalWithConf("", &cfg, koanf.UnmarshalConf{DecoderConfig: &mapstructure.DecoderConfig{
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		),
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		Result:           &cfg,
		TagName:          "koanf",
	}})
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return cfg, cfg.Validate()
}

// Validate reports every problem at once, each with the fix.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, m := range c.Modules {
		if !slices.Contains([]string{ModuleFrontend, ModuleConsumers, ModuleManagement}, m) {
			bad("modules: %q: want frontend, consumers or management", m)
		}
	}
	if len(c.Modules) == 0 {
		bad("modules: empty: want at least one of frontend, consumers, management")
	}
	if !slices.Contains([]string{MessageStoreEmbedded, MessageStoreKafka}, c.MessageStore.Kind) {
		bad("message_store.kind %q: want embedded or kafka", c.MessageStore.Kind)
	}
	if _, ok := kafka.CompressionCodecs[c.MessageStore.CompressionCodec]; !ok {
		bad("message_store.compression_codec %q: want none, gzip, snappy, lz4 or zstd", c.MessageStore.CompressionCodec)
	}
	if !slices.Contains([]string{ConsumerGroup, ConsumerShared}, c.MessageStore.Consumer) {
		bad("message_store.consumer %q: want group (a consumer group client per subscription) or shared (fetches shared by all subscriptions)", c.MessageStore.Consumer)
	}
	if c.MessageStore.Kind == MessageStoreKafka && len(c.MessageStore.Brokers) == 0 {
		bad("message_store.brokers: empty: kind kafka needs at least one host:port")
	}
	if c.MessageStore.Partitions < 1 {
		bad("message_store.partitions %d: want at least 1", c.MessageStore.Partitions)
	}
	if c.MessageStore.ReplicationFactor < 1 {
		bad("message_store.replication_factor %d: want at least 1", c.MessageStore.ReplicationFactor)
	}
	if !slices.Contains([]string{MetadataFile, MetadataMemory, MetadataZooKeeper}, c.Metadata.Kind) {
		bad("metadata.kind %q: want file, memory or zookeeper", c.Metadata.Kind)
	}
	if c.Metadata.Kind == MetadataZooKeeper && len(c.Metadata.ZooKeeper.Servers) == 0 {
		bad("metadata.zookeeper.servers: empty: kind zookeeper needs at least one host:port")
	}
	errs = append(errs, c.Consumers.Workload.validate()...)
	if mr := c.Consumers.MaxRate; mr.UpdateInterval <= 0 || mr.BalanceInterval <= 0 {
		bad("consumers.max_rate.update_interval %s, balance_interval %s: want both above 0", mr.UpdateInterval, mr.BalanceInterval)
	}
	if err := c.Consumers.MaxRate.settings().Validate(); err != nil {
		bad("consumers.max_rate: %s", strings.TrimPrefix(domain.ErrorMessage(err), "max rate: "))
	}
	errs = append(errs, c.Consumers.Group.problems()...)
	errs = append(errs, c.Consumers.OAuth.problems()...)
	if strings.ContainsAny(c.Consumers.InstanceID, "/\x00") || c.Consumers.InstanceID == "." || c.Consumers.InstanceID == ".." {
		bad("consumers.instance_id %q: want a name without / (it names a ZooKeeper node)", c.Consumers.InstanceID)
	}
	if !slices.Contains([]string{TrackerMemory, TrackerMongo, TrackerElasticsearch}, c.Tracker.Kind) {
		bad("tracker.kind %q: want memory, mongo or elasticsearch", c.Tracker.Kind)
	}
	for _, k := range c.Metrics.Kinds {
		if !slices.Contains([]string{MetricsWhisper, MetricsGraphite, MetricsPrometheus, MetricsMemory}, k) {
			bad("metrics.kinds: %q: want whisper, graphite, prometheus or memory", k)
		}
	}
	if c.Metrics.WhisperBatch < 1 || c.Metrics.WhisperBatch > whisper.MaxBatch {
		bad("metrics.whisper_batch %d: want 1 (every flush written through) to %d", c.Metrics.WhisperBatch, whisper.MaxBatch)
	}
	errs = append(errs, c.Metrics.Query.validate(metricsKinds(c))...)
	errs = append(errs, c.Schema.validate()...)
	errs = append(errs, c.Management.InactiveTopics.validate()...)
	if !c.InMemory && c.DataDir == "" && (c.Metadata.Kind == MetadataFile || c.MessageStore.Kind == MessageStoreEmbedded) {
		bad("data_dir: empty: set a directory, or in_memory: true")
	}
	if _, err := regexp.Compile(c.Management.GroupNamePattern); err != nil {
		bad("management.group_name_pattern: %v", err)
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.Log.Level) {
		bad("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	if !slices.Contains([]string{"text", "json"}, c.Log.Format) {
		bad("log.format %q: want text or json", c.Log.Format)
	}
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"frontend.read_timeout", c.Frontend.ReadTimeout}, {"frontend.idle_timeout", c.Frontend.IdleTimeout},
		{"frontend.long_idle_timeout", c.Frontend.LongIdleTimeout}, {"frontend.max_publish_request_duration", c.Frontend.MaxPublishRequestDuration},
	} {
		if d.d <= 0 {
			bad("%s %s: want a positive duration such as 2s", d.name, d.d)
		}
	}
	errs = append(errs, c.validateFrontendServer()...)
	errs = append(errs, c.Management.Server.validate("management.server")...)
	errs = append(errs, c.validateSecurity()...)
	errs = append(errs, c.validateSecurityTLS()...)
	errs = append(errs, c.Security.Audit.problems()...)
	return errors.Join(errs...)
}

// Runs reports whether module m is enabled.
func (c Config) Runs(m string) bool { return slices.Contains(c.Modules, m) }

// keepAliveHeader is the frontend's Keep-Alive timeout, 0 when the header
// is off.
func (c FrontendConfig) keepAliveHeader() time.Duration {
	if !c.KeepAliveHeader.Enabled {
		return 0
	}
	return c.KeepAliveHeader.Timeout
}
