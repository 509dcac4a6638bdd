package wiring

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The embedded broker's durability setting is off unless asked for, and
// the environment turns it on.
func TestEmbeddedSyncWritesConfig(t *testing.T) {
	assert.False(t, Defaults().MessageStore.EmbeddedSyncWrites)
	t.Setenv("HERMES_MESSAGE_STORE__EMBEDDED_SYNC_WRITES", "true")
	cfg, err := Load("")
	require.NoError(t, err)
	assert.True(t, cfg.MessageStore.EmbeddedSyncWrites)
}
