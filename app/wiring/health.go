package wiring

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// healthGroup is the fx value group every ports.HealthCheck of the process
// joins; provide one with asHealthCheck.
const healthGroup = `group:"health"`

// asHealthCheck provides what f returns as a member of the health group,
// e.g. fx.Provide(asHealthCheck(func(s *filestore.Store) ports.HealthCheck { return s })).
func asHealthCheck(f any) any {
	return fx.Annotate(f, fx.ResultTags(healthGroup))
}

// healthChecks is every check of the process, for readiness and health.
type healthChecks struct {
	fx.In
	Checks []ports.HealthCheck `group:"health"`
}

// health is the process's ports.HealthService over its checks.
type health []ports.HealthCheck

func (h health) Health() ports.HealthReport { return ports.CollectHealth(h) }

func (h health) ready() bool { return h.Health().Ready() }

// without is h less the checks named name. The frontend's readiness leaves
// out the metadata store: it publishes from its topic cache while the
// store is away, so a ZooKeeper outage must not take it out of a load
// balancer (Hermes's frontend readiness does not depend on ZooKeeper
// either).
func (h health) without(name string) health {
	var out health
	for _, c := range h {
		if c.Health().Name != name {
			out = append(out, c)
		}
	}
	return out
}

// metadataEntriesInterval is how often unreadable metadata entries are
// re-read: how soon a repaired entry is noticed.
const metadataEntriesInterval = time.Second

// metadataEntriesModule reports unreadable metadata entries in every
// process (health, metrics, logs) and lets the store notice repairs.
var metadataEntriesModule = fx.Module("metadata.entries",
	fx.Provide(
		func(store ports.MetadataStore, m ports.Metrics, log *slog.Logger) *app.MetadataEntries {
			return app.NewMetadataEntries(store, m, log.With("component", "metadata"))
		},
		asHealthCheck(func(m *app.MetadataEntries) ports.HealthCheck { return m }),
	),
	fx.Invoke(func(lc fx.Lifecycle, m *app.MetadataEntries) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		lc.Append(fx.Hook{
			OnStart: func(context.Context) error {
				go func() { defer close(done); m.Run(ctx, metadataEntriesInterval) }()
				return nil
			},
			OnStop: func(context.Context) error { cancel(); <-done; return nil },
		})
	}),
)
