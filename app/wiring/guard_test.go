package wiring

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadSecurityTLSKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
frontend:
  server:
    tls: {cert_file: f.pem, key_file: f-key.pem}
management:
  server:
    tls: {cert_file: m.pem, key_file: m-key.pem, client_ca_file: ca.pem, client_auth: require}
consumers:
  tls: {ca_file: subscribers-ca.pem}
security:
  endpoint_guard:
    enabled: true
    deny: [127.0.0.0/8, "*.internal"]
`), 0o600))
	t.Setenv("HERMES_SECURITY__ENDPOINT_GUARD__ALLOW", "10.0.0.0/8,*.partner.example")
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, ServerTLSConfig{CertFile: "f.pem", KeyFile: "f-key.pem"}, cfg.Frontend.Server.TLS)
	assert.Equal(t, "require", cfg.Management.Server.TLS.ClientAuth)
	assert.Equal(t, "subscribers-ca.pem", cfg.Consumers.TLS.CAFile)
	assert.Equal(t, []string{"127.0.0.0/8", "*.internal"}, cfg.Security.EndpointGuard.Deny)
	assert.Equal(t, []string{"10.0.0.0/8", "*.partner.example"}, cfg.Security.EndpointGuard.Allow)
}

func TestValidateSecurityTLSReportsEveryProblem(t *testing.T) {
	cfg := Defaults()
	cfg.Frontend.Server.TLS = ServerTLSConfig{CertFile: "only-cert.pem"}
	cfg.Management.Server.TLS = ServerTLSConfig{CertFile: "c", KeyFile: "k", ClientAuth: "mutual"}
	cfg.Consumers.TLS = ConsumersTLSConfig{KeyFile: "k"}
	cfg.Security.EndpointGuard = EndpointGuardConfig{Enabled: true, Deny: []string{"10.0.0.0/40"}}
	err := cfg.Validate()
	require.Error(t, err)
	for _, key := range []string{"frontend.server.tls", "management.server.tls.client_auth", "consumers.tls", "security.endpoint_guard", "10.0.0.0/40"} {
		assert.Contains(t, err.Error(), key)
	}
}

func TestClientCertIdentityNeedsAServerThatAsks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
security:
  identity:
    tls:
      enabled: true
      principal: dn
      subjects:
        - {name: "CN=ops", roles: [admin], owner_ids: [team-ops]}
`), 0o600))
	_, err := Load(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no server asks for client certificates")

	t.Setenv("HERMES_MANAGEMENT__SERVER__TLS__CERT_FILE", "m.pem")
	t.Setenv("HERMES_MANAGEMENT__SERVER__TLS__KEY_FILE", "m-key.pem")
	t.Setenv("HERMES_MANAGEMENT__SERVER__TLS__CLIENT_CA_FILE", "ca.pem")
	t.Setenv("HERMES_MANAGEMENT__SERVER__TLS__CLIENT_AUTH", "request")
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, []CertSubjectConfig{{Name: "CN=ops", Roles: []string{"admin"}, OwnerIDs: []string{"team-ops"}}}, cfg.Security.Identity.TLS.Subjects)
	methods, challenges, err := cfg.Security.Identity.methods(nil)
	require.NoError(t, err)
	assert.Len(t, methods, 1)
	assert.Empty(t, challenges, "a certificate is no WWW-Authenticate scheme")
}
