package wiring

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Defect 18 of issue 15: a consumer killed with -9 holds its partitions
// for the group's session timeout, which was fixed at 10 s. It is
// configurable, with the heartbeat interval and rebalance timeout, and
// checked.
func TestConsumerGroupTimeoutsAreConfigurableAndChecked(t *testing.T) {
	t.Setenv("HERMES_CONSUMERS__GROUP__SESSION_TIMEOUT", "6s")
	t.Setenv("HERMES_CONSUMERS__GROUP__HEARTBEAT_INTERVAL", "2s")
	t.Setenv("HERMES_CONSUMERS__GROUP__REBALANCE_TIMEOUT", "20s")
	cfg, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, ConsumerGroupConfig{SessionTimeout: 6 * time.Second, HeartbeatInterval: 2 * time.Second, RebalanceTimeout: 20 * time.Second}, cfg.Consumers.Group)
	assert.Equal(t, ConsumerGroupConfig{SessionTimeout: 10 * time.Second, HeartbeatInterval: time.Second, RebalanceTimeout: 10 * time.Second},
		Defaults().Consumers.Group, "the defaults are the former fixed values")

	for name, g := range map[string]ConsumerGroupConfig{
		"zero session":         {HeartbeatInterval: time.Second, RebalanceTimeout: time.Second},
		"zero heartbeat":       {SessionTimeout: time.Second, RebalanceTimeout: time.Second},
		"zero rebalance":       {SessionTimeout: 6 * time.Second, HeartbeatInterval: time.Second},
		"heartbeat >= session": {SessionTimeout: 6 * time.Second, HeartbeatInterval: 6 * time.Second, RebalanceTimeout: time.Second},
	} {
		cfg := Defaults()
		cfg.Consumers.Group = g
		err := cfg.Validate()
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "consumers.group", name)
	}
}
