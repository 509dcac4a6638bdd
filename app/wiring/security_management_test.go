package wiring

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadManagementSecurityFromYAML(t *testing.T) {
	t.Parallel()
	assert.Equal(t, ManagementSecurityConfig{AdminRole: "admin", OpenReads: true, SubscribersWithAccessToAnyTopic: []PrivilegedSubscriberConfig{}},
		Defaults().Security.Management, "off, with Hermes's open reads")
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
security:
  management:
    enabled: true
    admin_role: hermes-admins
    open_reads: false
    non_admin_group_creation: true
    subscribers_with_access_to_any_topic:
      - {owner_source: Plaintext, owner_id: team-archive, protocols: [http, https]}
`), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, ManagementSecurityConfig{Enabled: true, AdminRole: "hermes-admins", NonAdminGroupCreation: true,
		SubscribersWithAccessToAnyTopic: []PrivilegedSubscriberConfig{{OwnerSource: "Plaintext", OwnerID: "team-archive", Protocols: []string{"http", "https"}}}},
		cfg.Security.Management)
}
