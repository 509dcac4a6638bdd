package wiring

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWorkloadConfig(t *testing.T) {
	cfg, err := Load("")
	require.NoError(t, err)
	w := cfg.Consumers.Workload
	assert.Nil(t, w.Enabled)
	assert.Equal(t, 2, w.ConsumersPerSubscription, "as Hermes")
	assert.Equal(t, 200, w.MaxSubscriptionsPerConsumer, "as Hermes")
	assert.Equal(t, 30*time.Second, w.RebalanceInterval, "as Hermes")
	assert.False(t, cfg.workloadEnabled(), "the embedded default's one process runs everything")
	cfg.Metadata.Kind = MetadataZooKeeper
	assert.True(t, cfg.workloadEnabled(), "on by default with ZooKeeper")

	t.Setenv("HERMES_CONSUMERS__WORKLOAD__ENABLED", "false")
	t.Setenv("HERMES_CONSUMERS__WORKLOAD__REBALANCE_INTERVAL", "2s")
	cfg, err = Load("")
	require.NoError(t, err)
	cfg.Metadata.Kind = MetadataZooKeeper
	assert.False(t, cfg.workloadEnabled(), "switched off")
	assert.Equal(t, 2*time.Second, cfg.Consumers.Workload.RebalanceInterval)

	cfg.Consumers.Workload.ConsumersPerSubscription = 0
	cfg.Consumers.Workload.DeadAfter = -time.Second
	err = cfg.Validate()
	require.Error(t, err)
	for _, key := range []string{"consumers.workload.consumers_per_subscription", "consumers.workload.dead_after"} {
		assert.True(t, strings.Contains(err.Error(), key), "%s in %v", key, err)
	}
}
