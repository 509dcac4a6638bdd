package wiring

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"
)

// keyTracker is a slog.Handler that remembers every logger derived with
// an attribute key its parent already carries (component=kafka
// component=kafka).
type keyTracker struct {
	keys []string
	dups *dupLog
}

type dupLog struct {
	mu   sync.Mutex
	dups []string
}

func (h keyTracker) Enabled(context.Context, slog.Level) bool  { return true }
func (h keyTracker) Handle(context.Context, slog.Record) error { return nil }
func (h keyTracker) WithGroup(string) slog.Handler             { return h }

func (h keyTracker) WithAttrs(attrs []slog.Attr) slog.Handler {
	keys := append([]string(nil), h.keys...)
	for _, a := range attrs {
		for _, k := range keys {
			if k == a.Key {
				h.dups.mu.Lock()
				h.dups.dups = append(h.dups.dups, strings.Join(keys, ",")+" + "+a.Key+"="+a.Value.String())
				h.dups.mu.Unlock()
			}
		}
		keys = append(keys, a.Key)
	}
	return keyTracker{keys: keys, dups: h.dups}
}

// Every logger the application derives carries each attribute once: the
// wiring names the component, adapters add only their own keys.
func TestLoggersCarryEachAttributeOnce(t *testing.T) {
	configs := map[string]func(*Config){
		"embedded": func(*Config) {},
		"graphite": func(c *Config) { c.Metrics.Kinds = []string{MetricsGraphite, MetricsPrometheus} },
		"trackers mongo": func(c *Config) {
			c.Tracker.Kind = TrackerMongo
			c.Tracker.Mongo.URI = "mongodb://127.0.0.1:1/"
		},
	}
	if zk := os.Getenv("HERMES_TEST_ZOOKEEPER"); zk != "" {
		configs["zookeeper"] = func(c *Config) {
			c.Metadata.Kind = MetadataZooKeeper
			c.Metadata.ZooKeeper.Servers = strings.Split(zk, ",")
			c.Metadata.ZooKeeper.Root = "/hermes-go-test/logging"
		}
	}
	for name, adjust := range configs {
		t.Run(name, func(t *testing.T) {
			cfg := Defaults()
			cfg.DataDir = t.TempDir()
			cfg.Frontend.Addr, cfg.Management.Addr, cfg.Consumers.Addr = "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0"
			adjust(&cfg)
			require.NoError(t, cfg.Validate())
			dups := &dupLog{}
			app := fx.New(Options(cfg), fx.NopLogger,
				fx.Decorate(func(*slog.Logger) *slog.Logger { return slog.New(keyTracker{dups: dups}) }))
			require.NoError(t, app.Err())
			require.NoError(t, app.Start(t.Context()))
			require.NoError(t, app.Stop(context.Background()))
			assert.Empty(t, dups.dups, "loggers derived with a key they already had")
		})
	}
}
