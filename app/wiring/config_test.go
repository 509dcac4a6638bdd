package wiring

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDefaultsIsTheEmbeddedDefault(t *testing.T) {
	cfg, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, Defaults(), cfg)
	assert.Equal(t, MessageStoreEmbedded, cfg.MessageStore.Kind)
	assert.Equal(t, MetadataFile, cfg.Metadata.Kind)
	assert.True(t, cfg.Runs(ModuleFrontend) && cfg.Runs(ModuleConsumers) && cfg.Runs(ModuleManagement))
}

func TestLoadFileThenEnvironment(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
modules: [frontend]
frontend:
  addr: ":9080"
  read_timeout: 5s
message_store:
  kind: kafka
  brokers: ["k1:9092"]
`), 0o600))
	t.Setenv("HERMES_FRONTEND__ADDR", ":9999")
	t.Setenv("HERMES_MESSAGE_STORE__BROKERS", "a:1,b:2")
	t.Setenv("HERMES_TEST_KAFKA", "127.0.0.1:19092") // the test scripts' variables are not config
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, []string{ModuleFrontend}, cfg.Modules)
	assert.Equal(t, ":9999", cfg.Frontend.Addr, "environment overrides the file")
	assert.Equal(t, 5*time.Second, cfg.Frontend.ReadTimeout)
	assert.Equal(t, []string{"a:1", "b:2"}, cfg.MessageStore.Brokers)
	assert.Equal(t, ":8090", cfg.Management.Addr, "defaults stay where nothing overrides")
}

func TestLoadRejectsUnknownKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte("frontend:\n  adr: \":1\"\n"), 0o600))
	_, err := Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "adr")
}

func TestValidateReportsEveryProblemWithItsFix(t *testing.T) {
	cfg := Defaults()
	cfg.MessageStore.Kind = "kafak"
	cfg.Metadata.Kind = "etcd"
	cfg.Modules = []string{"frontend", "backend"}
	cfg.Frontend.ReadTimeout = 0
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{
		`message_store.kind "kafak": want embedded or kafka`,
		`metadata.kind "etcd": want file, memory or zookeeper`,
		`modules: "backend"`,
		"frontend.read_timeout",
	} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestValidateKafkaNeedsBrokers(t *testing.T) {
	cfg := Defaults()
	cfg.MessageStore.Kind = MessageStoreKafka
	assert.ErrorContains(t, cfg.Validate(), "message_store.brokers")
}

func TestLoadRejectsUnknownKeysInTheEnvironment(t *testing.T) {
	t.Setenv("HERMES_FRONTEND__ADR", ":1")
	_, err := Load("")
	assert.ErrorContains(t, err, "adr")
}

func TestValidateZooKeeperNeedsServers(t *testing.T) {
	cfg := Defaults()
	cfg.Metadata.Kind = MetadataZooKeeper
	assert.ErrorContains(t, cfg.Validate(), "metadata.zookeeper.servers")
}

func TestServerLimitsAreConfigurableAndChecked(t *testing.T) {
	t.Setenv("HERMES_MANAGEMENT__SERVER__MAX_CONNECTIONS", "7")
	cfg, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, 7, cfg.Management.Server.MaxConnections)
	assert.Equal(t, 4096, cfg.Frontend.Server.MaxConnections)

	cfg.Frontend.Server.WriteTimeout = cfg.Frontend.ReadTimeout // shorter than body plus ack
	cfg.Management.Server.KeepAliveTimeout = 0
	err = cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "frontend.server.write_timeout")
	assert.Contains(t, err.Error(), "management.server.keep_alive_timeout")
}
