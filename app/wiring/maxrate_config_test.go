package wiring

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestMaxRateConfig(t *testing.T) {
	t.Setenv("HERMES_CONSUMERS__MAX_RATE__UPDATE_INTERVAL", "5s")
	t.Setenv("HERMES_CONSUMERS__INSTANCE_ID", "node-1")
	cfg, err := Load("")
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, cfg.Consumers.MaxRate.UpdateInterval)
	assert.Equal(t, 30*time.Second, cfg.Consumers.MaxRate.BalanceInterval)
	assert.Equal(t, domain.DefaultMaxRateSettings(), cfg.Consumers.MaxRate.settings(), "defaults as Hermes")
	assert.Equal(t, "node-1", cfg.Consumers.instanceID())

	cfg.Consumers.InstanceID = ""
	a, b := cfg.Consumers.instanceID(), cfg.Consumers.instanceID()
	assert.NotEqual(t, a, b, "two processes on one host get different ids")

	cfg.Consumers.MaxRate.MinSignificantUpdatePercent = 20
	cfg.Consumers.MaxRate.BalanceInterval = 0
	cfg.Consumers.InstanceID = "a/b"
	err = cfg.Validate()
	require.Error(t, err)
	for _, key := range []string{"consumers.max_rate: min_significant_update_percent", "balance_interval", "consumers.instance_id"} {
		assert.True(t, strings.Contains(err.Error(), key), "%s in %v", key, err)
	}
}
