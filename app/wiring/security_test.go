package wiring

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hermes-go/hermes/ports"
)

func TestIdentityIsOffByDefault(t *testing.T) {
	methods, _, err := Defaults().Security.Identity.methods(nil)
	require.NoError(t, err)
	assert.Empty(t, methods, "no method configured: the HTTP servers get no authenticator")
}

func TestLoadIdentityFromYAML(t *testing.T) {
	digest := sha256.Sum256([]byte("alice-token"))
	pw, err := bcrypt.GenerateFromPassword([]byte("bob-password"), bcrypt.MinCost)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
security:
  identity:
    tokens:
      - name: alice
        sha256: `+hex.EncodeToString(digest[:])+`
        roles: [publisher]
        owner_ids: [team-a]
    basic:
      users:
        - name: bob
          bcrypt: "`+string(pw)+`"
          roles: [admin]
`), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	methods, challenges, err := cfg.Security.Identity.methods(nil)
	require.NoError(t, err)
	assert.Len(t, methods, 2)
	assert.Equal(t, []string{"Bearer", `Basic realm="hermes"`}, challenges)

	fn := identityModuleProvider(t, cfg)
	p, err := fn.auth.Authenticate(t.Context(), ports.Credentials{Authorization: "Bearer alice-token"})
	require.NoError(t, err)
	assert.Equal(t, "alice", p.Name)
	assert.Equal(t, []string{"team-a"}, p.OwnerIDs)
	p, err = fn.auth.Authenticate(t.Context(), ports.Credentials{Authorization: "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:bob-password"))})
	require.NoError(t, err)
	assert.Equal(t, []string{"admin"}, p.Roles)
}

// identityModuleProvider builds the identity as identityModule does.
func identityModuleProvider(t *testing.T, cfg Config) identity {
	t.Helper()
	methods, challenges, err := cfg.Security.Identity.methods(nil)
	require.NoError(t, err)
	return newIdentity(methods, challenges)
}

func TestValidateReportsEveryIdentityProblem(t *testing.T) {
	cfg := Defaults()
	cfg.Security.Identity.Tokens = []TokenConfig{{Name: "a"}, {SHA256: "abc"}}
	cfg.Security.Identity.Basic.Users = []BasicUserConfig{{Name: "b", Bcrypt: "plain-password"}}
	err := cfg.Validate()
	require.Error(t, err)
	for _, want := range []string{"security.identity.tokens[0] (a)", "security.identity.tokens[1]", "security.identity.basic.users[0] (b).bcrypt"} {
		assert.Contains(t, err.Error(), want)
	}
	assert.NotContains(t, err.Error(), "plain-password", "a misplaced password is not echoed")
}

func TestValidateFrontendAuthenticationNeedsAnIdentityMethod(t *testing.T) {
	cfg := Defaults()
	cfg.Frontend.Authentication.Enabled = true
	err := cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "frontend.authentication.enabled")

	cfg.Security.Identity.Tokens = []TokenConfig{{Name: "a", Token: "x"}}
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "publisher", cfg.Frontend.Authentication.PublisherRole, "Hermes's PUBLISHER role by default")
}

func TestLoadJWTIdentityFromYAML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
security:
  identity:
    jwt:
      issuer: https://login.example.com/realms/hermes
      audience: hermes
      algorithms: [ES256]
      clock_skew: 45s
      principal_claim: preferred_username
      roles_claim: realm_access.roles
      owner_ids_claim: groups
      refresh_interval: 2h
      min_refresh_interval: 30s
      http_timeout: 3s
`), 0o600))
	cfg, err := Load(path)
	require.NoError(t, err)
	assert.Equal(t, JWTConfig{Issuer: "https://login.example.com/realms/hermes", Audience: "hermes", Algorithms: []string{"ES256"},
		ClockSkew: 45 * time.Second, PrincipalClaim: "preferred_username", RolesClaim: "realm_access.roles", OwnerIDsClaim: "groups",
		RefreshInterval: 2 * time.Hour, MinRefreshInterval: 30 * time.Second, HTTPTimeout: 3 * time.Second}, cfg.Security.Identity.JWT)
	methods, challenges, err := cfg.Security.Identity.methods(nil)
	require.NoError(t, err)
	assert.Len(t, methods, 1)
	assert.Equal(t, []string{"Bearer"}, challenges)

	cfg.Security.Identity.JWT.Algorithms = []string{"none"}
	cfg.Security.Identity.JWT.Audience = ""
	err = cfg.Validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "security.identity.jwt.algorithms")
	assert.Contains(t, err.Error(), "security.identity.jwt.audience")
}
