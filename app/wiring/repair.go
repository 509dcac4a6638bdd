package wiring

import (
	"context"
	"log/slog"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// storeTopicRepairInterval is how often management compares store topics
// with the metadata (and at start).
const storeTopicRepairInterval = 30 * time.Second

// runStoreTopicRepair runs app.StoreTopicRepair for the app's lifetime.
func runStoreTopicRepair(lc fx.Lifecycle, store ports.MetadataStore, admin ports.MessageStoreAdmin, log *slog.Logger) {
	r := app.NewStoreTopicRepair(store, admin, log.With("component", "management"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			go func() { defer close(done); r.Run(ctx, storeTopicRepairInterval) }()
			return nil
		},
		OnStop: func(context.Context) error { cancel(); <-done; return nil },
	})
}
