package wiring

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/ports"
)

func TestLoadConsoleSection(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
console:
  console:
    title: shop hermes
    known_environments:
      - {name: prod, url: "hermes.example.com:8090"}
  topic:
    defaults:
      offline_storage:
        retention_time: {duration: 7}
  subscription:
    endpoint_address_resolver_metadata:
      supportedRegions: {title: Regions, type: multiselect, hint: pick}
`), 0o600))
	t.Setenv("HERMES_CONSOLE__CONSOLE__ENVIRONMENT_NAME", "PROD")
	cfg, err := Load(path)
	require.NoError(t, err)
	c := cfg.Console
	assert.Equal(t, "shop hermes", c.Console.Title)
	assert.Equal(t, "PROD", c.Console.EnvironmentName)
	assert.Equal(t, []ports.ConsoleEnvironment{{Name: "prod", URL: "hermes.example.com:8090"}}, c.Console.KnownEnvironments)
	assert.Equal(t, ports.ConsoleRetentionTime{Duration: 7, RetentionUnit: "DAYS"}, c.Topic.Defaults.OfflineStorage.RetentionTime,
		"unset keys keep Hermes's defaults")
	assert.Equal(t, ports.ConsoleResolverMetadata{Title: "Regions", Type: "multiselect", Hint: "pick"},
		c.Subscription.EndpointAddressResolverMetadata["supportedRegions"])
	assert.Equal(t, "hermes console", Defaults().Console.Console.Title)
}

func TestLoadConsoleRefusesDerivedKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte("console:\n  group:\n    non_admin_creation_enabled: true\n"), 0o600))
	_, err := Load(path)
	assert.Error(t, err, "group creation rights come from the management rules, not the console section")
}

func TestLoadRefusesNonPositiveInactivityThreshold(t *testing.T) {
	t.Setenv("HERMES_MANAGEMENT__INACTIVE_TOPICS__THRESHOLD", "0s")
	_, err := Load("")
	assert.ErrorContains(t, err, "management.inactive_topics.threshold")
}
