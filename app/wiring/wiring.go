// Package wiring assembles Hermes-Go with fx: one fx.Module per adapter,
// and Options(cfg), which picks one module per port from the configuration
// (fx has no "choose by config", so the choice is plain Go).
package wiring

import (
	"context"
	"log/slog"
	"os"
	"regexp"
	"sync"
	"time"

	"go.uber.org/fx"
	"go.uber.org/fx/fxevent"

	"github.com/hermes-go/hermes/adapters/avro"
	"github.com/hermes-go/hermes/adapters/elasticsearch"
	"github.com/hermes-go/hermes/adapters/filestore"
	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/mongo"
	"github.com/hermes-go/hermes/adapters/schemaregistry"
	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/adapters/zookeeper"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Options returns the fx options of the whole application for cfg.
func Options(cfg Config) fx.Option {
	opts := []fx.Option{
		fx.Supply(cfg),
		fx.Provide(newLogger, lockDataDir),
		fx.WithLogger(func(l *slog.Logger) fxevent.Logger {
			if cfg.Log.Level == "debug" {
				return &fxevent.SlogLogger{Logger: l.With("component", "fx")}
			}
			return fxevent.NopLogger
		}),
		metadataModule(cfg),
		schemaModule(cfg),
		messageStoreModule(cfg),
		metricsModule(cfg),
		undeliveredModule,
		trackerModule(cfg),
		jsonPathModule,
		appModule,
		metadataEntriesModule,
		identityModule,
		accessModule,
	}
	if cfg.Runs(ModuleFrontend) {
		opts = append(opts, frontendModule)
	}
	if cfg.Runs(ModuleManagement) {
		opts = append(opts, adminModule, managementModule, endpointGuardModule(cfg))
	}
	if cfg.Runs(ModuleConsumers) {
		opts = append(opts, senderModule, oauthModule, consumersModule)
	}
	if cfg.Debug.PprofAddr != "" {
		opts = append(opts, pprofModule(cfg.Debug.PprofAddr))
	}
	return fx.Options(opts...)
}

func newLogger(cfg Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	o := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, o))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, o))
}

func metadataModule(cfg Config) fx.Option {
	if cfg.InMemory || cfg.Metadata.Kind == MetadataMemory {
		return fx.Module("metadata.memory", fx.Provide(
			fx.Annotate(memory.NewMetadataStore, fx.As(new(ports.MetadataStore))),
			fx.Annotate(memory.NewMaxRateRegistry, fx.As(new(ports.MaxRateRegistry))),
			fx.Annotate(memory.NewWorkloadRegistry, fx.As(new(ports.WorkloadRegistry))),
		))
	}
	if cfg.Metadata.Kind == MetadataZooKeeper {
		return fx.Module("metadata.zookeeper", fx.Provide(
			func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (*zookeeper.Store, error) {
				zc := cfg.Metadata.ZooKeeper
				s, err := zookeeper.Open(context.Background(), zookeeper.Config{Servers: zc.Servers, Root: zc.Root, SessionTimeout: zc.SessionTimeout},
					log.With("component", "zookeeper"))
				if err != nil {
					return nil, err
				}
				lc.Append(fx.StopHook(s.Close))
				return s, nil
			},
			func(s *zookeeper.Store) ports.MetadataStore { return s },
			asHealthCheck(func(s *zookeeper.Store) ports.HealthCheck { return s }),
			func(s *zookeeper.Store, cfg Config) (ports.MaxRateRegistry, error) {
				return zookeeper.NewMaxRateRegistry(s, cfg.MessageStore.ClusterName)
			},
			func(s *zookeeper.Store, cfg Config) (ports.WorkloadRegistry, error) {
				return zookeeper.NewWorkloadRegistry(s, cfg.MessageStore.ClusterName)
			},
		))
	}
	return fx.Module("metadata.file", fx.Provide(
		fx.Annotate(func(lc fx.Lifecycle, dir dataDir) (*filestore.Store, error) {
			s, err := filestore.Open(dir.path("metadata"))
			if err != nil {
				return nil, err
			}
			lc.Append(fx.StopHook(s.Close))
			return s, nil
		}, fx.As(new(ports.MetadataStore))),
		fx.Annotate(filestore.NewMaxRateRegistry, fx.As(new(ports.MaxRateRegistry))),
		fx.Annotate(filestore.NewWorkloadRegistry, fx.As(new(ports.WorkloadRegistry))),
	))
}

// schemaModule provides the Avro schema repository: a schema registry, or
// the metadata store itself (the file and ZooKeeper stores keep schemas
// beside the topics; the memory store gets a memory repository).
func schemaModule(cfg Config) fx.Option {
	if cfg.Schema.Repository == SchemaRepositoryRegistry {
		return fx.Module("schema.registry", fx.Provide(
			fx.Annotate(func(lc fx.Lifecycle, cfg Config) (*schemaregistry.Registry, error) {
				sc := cfg.Schema
				rc := schemaregistry.Config{URL: sc.RegistryURL, SubjectSuffix: sc.RegistrySubjectSuffix, Timeout: sc.RegistryTimeout, CacheTTL: sc.CacheTTL}
				if sc.RegistrySubjectNamespace {
					rc.SubjectNamespace, rc.NamespaceSeparator = cfg.MessageStore.Namespace, cfg.MessageStore.NamespaceSeparator
				}
				r, err := schemaregistry.New(rc)
				if err == nil {
					lc.Append(fx.StopHook(r.Close))
				}
				return r, err
			}, fx.As(new(ports.SchemaRepository))),
		))
	}
	return fx.Module("schema.metadata", fx.Provide(
		func(store ports.MetadataStore) ports.SchemaRepository {
			if repo, ok := store.(ports.SchemaRepository); ok {
				return repo
			}
			return memory.NewSchemaRepository()
		},
	))
}

// brokers is the Kafka bootstrap list, from config or the embedded broker.
type brokers []string

// writeFailure says why the message store refuses writes (the embedded
// broker's data dir problem); nil for a real cluster.
type writeFailure func() error

func messageStoreModule(cfg Config) fx.Option {
	kafkaAdapters := fx.Provide(
		func(b brokers, cfg Config) kafka.Config {
			kc := kafka.DefaultConfig()
			kc.Brokers = b
			kc.Namespace = cfg.MessageStore.Namespace
			kc.NamespaceSeparator = cfg.MessageStore.NamespaceSeparator
			kc.Partitions = cfg.MessageStore.Partitions
			kc.ReplicationFactor = int16(cfg.MessageStore.ReplicationFactor)
			kc.ClusterName = cfg.MessageStore.ClusterName
			kc.CompressionCodec = cfg.MessageStore.CompressionCodec
			g := cfg.Consumers.Group
			kc.SessionTimeout, kc.HeartbeatInterval, kc.RebalanceTimeout = g.SessionTimeout, g.HeartbeatInterval, g.RebalanceTimeout
			return kc
		},
		func(lc fx.Lifecycle, kc kafka.Config, wf writeFailure, log *slog.Logger) (*kafka.Producer, error) {
			p, err := kafka.NewProducer(kc, log.With("component", "kafka"))
			if err == nil {
				lc.Append(fx.StopHook(p.Close))
				if wf != nil {
					p.WithWriteFailure(wf)
				}
			}
			return p, err
		},
		func(p *kafka.Producer) ports.MessageProducer { return p },
		fx.Annotate(func(lc fx.Lifecycle, kc kafka.Config, log *slog.Logger) (*kafka.Admin, error) {
			a, err := kafka.NewAdmin(kc, log.With("component", "kafka"))
			if err == nil {
				lc.Append(fx.StopHook(a.Close))
			}
			return a, err
		}, fx.As(new(ports.MessageStoreAdmin))),
		consumerFactory(cfg),
	)
	if cfg.MessageStore.Kind == MessageStoreKafka {
		return fx.Module("messagestore.kafka", fx.Supply(brokers(cfg.MessageStore.Brokers), writeFailure(nil)), kafkaAdapters,
			// Only the producer sees a real cluster refuse writes.
			fx.Provide(asHealthCheck(func(p *kafka.Producer) ports.HealthCheck { return p })))
	}
	return fx.Module("messagestore.embedded", kafkaAdapters, fx.Provide(
		func(e *kafka.Embedded) brokers { return e.Addrs() },
		func(e *kafka.Embedded) writeFailure { return e.WriteFailure },
		asHealthCheck(func(e *kafka.Embedded) ports.HealthCheck { return e }),
		func(lc fx.Lifecycle, cfg Config, root dataDir, log *slog.Logger) (*kafka.Embedded, error) {
			dir := ""
			if !cfg.InMemory {
				dir = root.path("kafka")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return nil, err
				}
			}
			emb, err := kafka.StartEmbedded(dir, cfg.MessageStore.EmbeddedPort, kafka.WithEmbeddedLogger(log.With("component", "kafka")),
				kafka.WithSyncWrites(cfg.MessageStore.EmbeddedSyncWrites))
			if err != nil {
				return nil, err
			}
			log.Info("embedded Kafka broker started", "component", "kafka", "addrs", emb.Addrs(), "data_dir", dir, "sync_writes", cfg.MessageStore.EmbeddedSyncWrites)
			lc.Append(fx.StopHook(emb.Close))
			return emb, nil
		},
	))
}

// consumerFactory provides the message_store.consumer implementation of
// ports.MessageConsumerFactory.
func consumerFactory(cfg Config) any {
	if cfg.MessageStore.Consumer == ConsumerShared {
		return func(lc fx.Lifecycle, kc kafka.Config, log *slog.Logger) (ports.MessageConsumerFactory, error) {
			f, err := kafka.NewSharedConsumerFactory(kc, log.With("component", "kafka"))
			if err == nil {
				lc.Append(fx.StopHook(f.Close))
			}
			return f, err
		}
	}
	return func(kc kafka.Config, log *slog.Logger) (ports.MessageConsumerFactory, error) {
		return kafka.NewConsumerFactory(kc, log.With("component", "kafka"))
	}
}

var undeliveredModule = fx.Module("undelivered.memory", fx.Provide(
	fx.Annotate(memory.NewUndeliveredLog, fx.As(new(ports.UndeliveredLog))),
))

// tracking is what a tracker adapter provides: both sides of one store.
type tracking interface {
	ports.Tracker
	ports.TraceRepository
}

func trackerModule(cfg Config) fx.Option {
	bind := fx.Provide(
		func(t tracking) ports.Tracker { return t },
		func(t tracking) ports.TraceRepository { return t },
	)
	switch cfg.Tracker.Kind {
	case TrackerMongo:
		return fx.Module("tracker.mongo", bind, fx.Provide(
			func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (tracking, error) {
				mc := cfg.Tracker.Mongo
				t, err := mongo.New(context.Background(), mongo.Config{URI: mc.URI, Database: mc.Database, Retention: mc.Retention}, log.With("component", "tracker"))
				if err != nil {
					return nil, err
				}
				lc.Append(fx.StopHook(t.Close))
				return t, nil
			},
		))
	case TrackerElasticsearch:
		return fx.Module("tracker.elasticsearch", bind, fx.Provide(
			func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (tracking, error) {
				ec := cfg.Tracker.Elasticsearch
				t, err := elasticsearch.New(context.Background(), elasticsearch.Config{
					URL: ec.URL, Username: ec.Username, Password: ec.Password, IndexPrefix: ec.IndexPrefix,
				}, log.With("component", "tracker"))
				if err != nil {
					return nil, err
				}
				lc.Append(fx.StopHook(t.Close))
				return t, nil
			},
		))
	}
	return fx.Module("tracker.memory", bind, fx.Provide(
		func(cfg Config) tracking { return memory.NewTracker(cfg.Tracker.MaxTraces) },
	))
}

// jsonPathModule compiles jsonpath filters (Jayway syntax on RFC 9535).
var jsonPathModule = fx.Module("jsonpath", fx.Provide(
	fx.Annotate(jsonpath.New, fx.As(new(ports.JSONPathCompiler))),
))

var appModule = fx.Module("app", fx.Provide(
	func(cfg Config, repo ports.SchemaRepository) *app.Schemas {
		sc := cfg.Schema
		return app.NewSchemas(app.SchemaConfig{MetadataOptional: !sc.MetadataRequired, AllowRemoval: sc.AllowRemoval, LatestTTL: sc.CacheTTL,
			KeepOnTopicRemoval: sc.Repository == SchemaRepositoryRegistry && !sc.AllowRemoval},
			repo, avro.NewCodec())
	},
	func(cfg Config, store ports.MetadataStore, producer ports.MessageProducer, m ports.Metrics, t ports.Tracker, sch *app.Schemas, log *slog.Logger) *app.PublishMessage {
		return app.NewPublishMessage(store, producer, m, t, log.With("component", "publish")).WithSchemas(sch)
	},
	fx.Annotate(func(cfg Config, store ports.MetadataStore, admin ports.MessageStoreAdmin, tr ports.TraceRepository, u ports.UndeliveredLog, sch *app.Schemas, jp ports.JSONPathCompiler, acc *app.ManagementAccess, log *slog.Logger) *app.Management {
		return app.NewManagement(app.ManagementConfig{
			GroupNamePattern:  regexp.MustCompile(cfg.Management.GroupNamePattern),
			AllowTopicRemoval: cfg.Management.AllowTopicRemoval,
			OwnerSources:      cfg.Management.OwnerSources,
			EndpointProtocols: cfg.Management.EndpointProtocols,
			ClusterName:       cfg.MessageStore.ClusterName,
			NameLimits:        nameLimits(cfg),
		}, store, admin, tr, u, log.With("component", "management")).WithSchemas(sch).WithJSONPath(jp).WithAccess(acc)
	}, fx.As(new(ports.Management))),
))

// nameLimits are the tightest name limits of the configured stores, so
// that management refuses a name before any store is written.
func nameLimits(cfg Config) domain.NameLimits {
	// The message store is Kafka (embedded or not) in every configuration.
	l := kafka.Config{Namespace: cfg.MessageStore.Namespace, NamespaceSeparator: cfg.MessageStore.NamespaceSeparator}.NameLimits()
	switch {
	case cfg.InMemory || cfg.Metadata.Kind == MetadataMemory:
		return l
	case cfg.Metadata.Kind == MetadataZooKeeper:
		return l.Tighter(zookeeper.NameLimits())
	default:
		return l.Tighter(filestore.NameLimits())
	}
}

var frontendModule = fx.Module("frontend", fx.Invoke(
	func(lc fx.Lifecycle, cfg Config, pub *app.PublishMessage, store ports.MetadataStore, metrics ports.Metrics, mw metricsWriters, hc healthChecks, id identity, log *slog.Logger) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				changes, err := store.Watch(ctx)
				if err != nil {
					return err
				}
				go func() { defer close(done); pub.KeepTopicsFresh(ctx, changes) }()
				return nil
			},
			OnStop: func(context.Context) error { cancel(); <-done; return nil },
		})
		h := httpapi.NewFrontend(pub, httpapi.FrontendConfig{
			ReadTimeout: cfg.Frontend.ReadTimeout, IdleTimeout: cfg.Frontend.IdleTimeout,
			LongIdleTimeout: cfg.Frontend.LongIdleTimeout, MaxPublishRequestDuration: cfg.Frontend.MaxPublishRequestDuration,
			ForceMaxMessageSize: cfg.Frontend.ForceMaxMessageSize, Metrics: metrics, Ready: health(hc.Checks).without(zookeeper.HealthCheckName).ready,
			Headers:         httpapi.HeaderPropagation{Enabled: cfg.Frontend.HTTPHeaders.PropagationEnabled, Allowed: cfg.Frontend.HTTPHeaders.AllowedSet},
			KeepAliveHeader: cfg.Frontend.keepAliveHeader(),
			Auth:            cfg.frontendAuth(id),
		}, log.With("component", "frontend"))
		h = httpapi.WithIdentity(h, id.auth, id.challenges, log.With("component", "frontend"))
		serve(lc, log, "frontend", cfg.Frontend.Addr, cfg.Frontend.Server, metrics, withPrometheus(h, mw), cfg.Frontend.ShutdownTimeout)
	},
))

var managementModule = fx.Module("management", fx.Invoke(
	func(lc fx.Lifecycle, cfg Config, m ports.Management, q *app.QueryMetrics, admin *app.Admin, store ports.MetadataStore, msAdmin ports.MessageStoreAdmin, wr ports.WorkloadRegistry, schemas *app.Schemas, metrics ports.Metrics, mw metricsWriters, hc healthChecks, id identity, log *slog.Logger) {
		// NewManagement serves the metrics endpoints of a service that also
		// implements ports.MetricsService.
		// It serves the schema endpoints of one that implements
		// ports.SchemaService (app.Management does).
		sch, _ := m.(ports.SchemaService)
		flt, _ := m.(ports.FilterService)
		groups := app.NewDescribeConsumerGroups(store, msAdmin)
		if cfg.MessageStore.Consumer == ConsumerShared {
			// Its readers commit without joining: the members are the
			// instances the workload assigns.
			groups.WithWorkload(wr)
		}
		svc := struct {
			ports.Management
			ports.MetricsService
			ports.SchemaService
			ports.HealthService
			*app.Admin
			ports.QueryService
			ports.SubscriptionHealthService
			ports.ConsumerGroupService
			ports.PreviewService
			ports.FilterService
		}{m, q, sch, health(hc.Checks), admin, app.NewQueryEntities(store, q),
			app.NewCheckSubscriptionHealth(store, q, cfg.Management.SubscriptionHealth.thresholds(), cfg.Management.OwnerSources),
			groups,
			app.NewPreviewTopic(app.PreviewConfig{Enabled: cfg.Frontend.MessagePreview.Enabled, Size: cfg.Frontend.MessagePreview.Size,
				MaxBytes: cfg.Frontend.MessagePreview.MaxSizeKB * 1024, ClusterName: cfg.MessageStore.ClusterName}, store, msAdmin, schemas), flt}
		// An ambiguous method (two embedded values with one name) is not
		// promoted, and the API would silently drop its routes.
		var _ ports.QueryService = svc
		var _ ports.SubscriptionHealthService = svc
		var _ ports.ConsumerGroupService = svc
		var _ ports.PreviewService = svc
		var _ ports.FilterService = svc
		var _ ports.AuditLog = svc
		var _ ports.ManagementAuthorizer = svc
		mlog := log.With("component", "management")
		h := withPrometheus(httpapi.WithIdentity(httpapi.WithChallenges(httpapi.NewManagement(svc, mlog), id.challenges), id.auth, id.challenges, mlog), mw)
		serve(lc, log, "management", cfg.Management.Addr, cfg.Management.Server, metrics, h, 10*time.Second)
	},
	runStoreTopicRepair,
))

var senderModule = fx.Module("sender", fx.Provide(
	fx.Annotate(func(lc fx.Lifecycle, cfg Config, log *slog.Logger) (*sender.Sender, error) {
		sc, err := cfg.senderSecurity(sender.Config{MaxConnsPerHost: cfg.Consumers.MaxConnsPerHost})
		if err != nil {
			return nil, err
		}
		s := sender.New(sc, log.With("component", "sender"))
		lc.Append(fx.StopHook(s.Close))
		return s, nil
	}, fx.As(new(ports.Sender))),
))

var consumersModule = fx.Module("consumers", fx.Invoke(
	func(lc fx.Lifecycle, cfg Config, store ports.MetadataStore, admin ports.MessageStoreAdmin, cf ports.MessageConsumerFactory,
		s ports.Sender, m ports.Metrics, t ports.Tracker, u ports.UndeliveredLog, sch *app.Schemas, mr ports.MaxRateRegistry, jp ports.JSONPathCompiler,
		wr ports.WorkloadRegistry, mw metricsWriters, tokens ports.AccessTokens, log *slog.Logger) error {
		mc := cfg.Consumers.MaxRate
		nodeID := cfg.Consumers.instanceID() // once: the max-rate leases and the workload registry share it
		d := app.NewDeliverer(app.DeliveryConfig{
			RestartBackoff: cfg.Consumers.RestartBackoff, ClusterName: cfg.MessageStore.ClusterName,
			InflightSize: cfg.Consumers.InflightSize, RateSupervisorPeriod: cfg.Consumers.RateSupervisorPeriod,
			CommitPeriod: cfg.Consumers.CommitPeriod, MaxCommitRate: cfg.Consumers.MaxCommitRate, RevokeWait: cfg.Consumers.RevokeWait, OmitKeepAliveHeader: !cfg.Consumers.KeepAliveHeader,
			MaxRate:         app.MaxRateConfig{Settings: mc.settings(), UpdateInterval: mc.UpdateInterval, BalanceInterval: mc.BalanceInterval},
			SplitPartitions: cfg.MessageStore.Consumer == ConsumerShared, // no Kafka group splits them
			// More attempts to a host than the sender has connections for it
			// would only wait in the sender, each as a goroutine.
			SendsPerHost: sender.Config{MaxConnsPerHost: cfg.Consumers.MaxConnsPerHost}.ConnsPerHost(),
		},
			store, admin, cf, s, m, t, u, log.With("component", "consumers")).WithSchemas(sch).WithJSONPath(jp).
			ShareMaxRate(mr, nodeID)
		if err := withOAuth(d, cfg, store, tokens); err != nil {
			return err
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		w := newWorkload(cfg, nodeID, wr, store, m, d, log)
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				go func() {
					defer close(done)
					var wg sync.WaitGroup
					if w != nil {
						wg.Go(func() { _ = w.Run(ctx) })
					}
					_ = d.Run(ctx)
					wg.Wait()
				}()
				log.Info("consumers started", "component", "consumers")
				return nil
			},
			OnStop: func(context.Context) error { cancel(); <-done; return nil },
		})
		// Hermes's consumers status server: the liveness probe of a
		// consumers-only process.
		serve(lc, log, "consumers", cfg.Consumers.Addr, defaultServerConfig(30*time.Second, 256), m, withPrometheus(httpapi.NewConsumersStatus(d), mw), 5*time.Second)
		return nil
	},
))
