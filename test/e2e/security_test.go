package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hermes-go/hermes/test/testenv"
)

// securityConfig writes a config file with yaml under its security key
// and returns the HERMES_CONFIG setting for it.
func securityConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hermes.yaml")
	require.NoError(t, os.WriteFile(path, []byte(yaml), 0o600))
	return "HERMES_CONFIG=" + path
}

// callAs sends a request with an Authorization header (none when empty).
func callAs(t *testing.T, authorization, method, url, body string) (int, string, http.Header) {
	t.Helper()
	req := mustRequest(t, method, url, body)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// TestIdentityStaticTokensAndBasic: on both servers, configured tokens
// and Basic users are recognised, wrong ones get 401 AUTH_ERROR with the
// challenges, and callers without credentials stay anonymous (nothing is
// required of them yet).
func TestIdentityStaticTokensAndBasic(t *testing.T) {
	t.Parallel()
	digest := sha256.Sum256([]byte("orders-token"))
	hash, err := bcrypt.GenerateFromPassword([]byte("somePassword123"), bcrypt.MinCost)
	require.NoError(t, err)
	h := startHermes(t, t.TempDir(), securityConfig(t, `
security:
  identity:
    tokens:
      - name: orders-service
        sha256: `+hex.EncodeToString(digest[:])+`
    basic:
      users:
        - name: someUser
          bcrypt: "`+string(hash)+`"
`))
	createTopic(t, h, "idg", "t")

	for _, server := range []struct{ name, method, url, body string }{
		{"management", http.MethodGet, h.management + "/topics", ""},
		{"frontend", http.MethodPost, h.frontend + "/topics/idg.t", `{"a":1}`},
	} {
		ok := http.StatusOK
		if server.name == "frontend" {
			ok = http.StatusCreated
		}
		for name, tc := range map[string]struct {
			authorization string
			want          int
		}{
			"anonymous":      {"", ok},
			"token":          {"Bearer orders-token", ok},
			"basic":          {basicAuth("someUser", "somePassword123"), ok},
			"wrong token":    {"Bearer orders-tokeN", http.StatusUnauthorized},
			"wrong password": {basicAuth("someUser", "someInvalidPassword"), http.StatusUnauthorized},
			"unknown user":   {basicAuth("nobody", "somePassword123"), http.StatusUnauthorized},
		} {
			status, body, header := callAs(t, tc.authorization, server.method, server.url, server.body)
			require.Equal(t, tc.want, status, "%s %s: %s", server.name, name, body)
			if tc.want == http.StatusUnauthorized {
				assert.Contains(t, body, `"code":"AUTH_ERROR"`, "%s %s", server.name, name)
				assert.Equal(t, []string{"Bearer", `Basic realm="hermes"`}, header.Values("WWW-Authenticate"), "%s %s", server.name, name)
				assert.NotContains(t, body, "someInvalidPassword")
			}
		}
	}
	assert.NotContains(t, h.log.String(), "somePassword123", "no credential is logged")
	assert.NotContains(t, h.log.String(), "orders-token")
}

// TestIdentityJWT: the real binary discovers a JWKS issuer (one in this
// test) and takes its tokens on both servers; expired, wrong-audience,
// wrong-key and unsigned tokens get 401.
func TestIdentityJWT(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	h := startHermes(t, t.TempDir(), securityConfig(t, `
security:
  identity:
    jwt:
      issuer: `+is.URL+`
      audience: `+testenv.Audience+`
`))
	createTopic(t, h, "jwtg", "t")
	expired := is.Claims("alice")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	otherAudience := is.Claims("alice")
	otherAudience["aud"] = "another-service"
	none := jwt.NewWithClaims(jwt.SigningMethodNone, is.Claims("alice"))
	unsigned, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	for name, tc := range map[string]struct {
		token string
		want  int
	}{
		"valid":          {is.Token("rsa-1", is.Claims("alice")), http.StatusCreated},
		"valid ES256":    {is.Token("ec-1", is.Claims("alice")), http.StatusCreated},
		"anonymous":      {"", http.StatusCreated},
		"expired":        {is.Token("rsa-1", expired), http.StatusUnauthorized},
		"wrong audience": {is.Token("rsa-1", otherAudience), http.StatusUnauthorized},
		"wrong key":      {is.Sign("rsa-1", testenv.NewRSAKey(t), is.Claims("alice")), http.StatusUnauthorized},
		"alg none":       {unsigned, http.StatusUnauthorized},
	} {
		authorization := ""
		if tc.token != "" {
			authorization = "Bearer " + tc.token
		}
		status, body, _ := callAs(t, authorization, http.MethodPost, h.frontend+"/topics/jwtg.t", `{"a":1}`)
		require.Equal(t, tc.want, status, "frontend %s: %s", name, body)
		want := http.StatusOK
		if tc.want == http.StatusUnauthorized {
			want = tc.want
		}
		status, body, _ = callAs(t, authorization, http.MethodGet, h.management+"/topics", "")
		require.Equal(t, want, status, "management %s: %s", name, body)
	}
	assert.NotContains(t, h.log.String(), "eyJ", "no token is logged")
}

// publishingAuthConfig is a Basic user as Hermes's integration tests
// configure one (SingleUserAwareIdentityManager: the PUBLISHER role).
func publishingAuthConfig(t *testing.T, required bool) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("somePassword123"), bcrypt.MinCost)
	require.NoError(t, err)
	return securityConfig(t, fmt.Sprintf(`
frontend:
  authentication:
    enabled: %t
security:
  identity:
    basic:
      users:
        - name: someUser
          bcrypt: "%s"
          roles: [publisher]
`, required, hash))
}

// createAuthTopic creates group.name with the given auth block.
func createAuthTopic(t *testing.T, h *hermes, qualified, auth string) {
	t.Helper()
	mustCall(t, http.StatusCreated, http.MethodPost, h.management+"/topics", fmt.Sprintf(`{"name":%q,"description":"d","contentType":"JSON",
		"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"MyTeam"},"auth":%s}`, qualified, auth))
}

// TestTopicAuthorization restates Hermes's TopicAuthorizationTest on the
// real binary: authentication on but not required, topics with and
// without auth.publishers, publishing with and without the publisher's
// Basic credentials.
func TestTopicAuthorization(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), publishingAuthConfig(t, false))
	mustCall(t, http.StatusCreated, http.MethodPost, h.management+"/groups", `{"groupName":"topicauth"}`)
	user := basicAuth("someUser", "somePassword123")
	const (
		off                = `{"enabled":false,"publishers":[],"unauthenticatedAccessEnabled":true}`
		userOnly           = `{"enabled":true,"publishers":["someUser"],"unauthenticatedAccessEnabled":true}`
		userAndOther       = `{"enabled":true,"publishers":["someUser","foobar"],"unauthenticatedAccessEnabled":true}`
		userOnlyClosed     = `{"enabled":true,"publishers":["someUser"],"unauthenticatedAccessEnabled":false}`
		userAndOtherClosed = `{"enabled":true,"publishers":["someUser","foobar"],"unauthenticatedAccessEnabled":false}`
		nobody             = `{"enabled":true,"publishers":[],"unauthenticatedAccessEnabled":true}`
		otherOnly          = `{"enabled":true,"publishers":["foobar"],"unauthenticatedAccessEnabled":true}`
		nobodyClosed       = `{"enabled":true,"publishers":[],"unauthenticatedAccessEnabled":false}`
		otherOnlyClosed    = `{"enabled":true,"publishers":["foobar"],"unauthenticatedAccessEnabled":false}`
	)
	cases := []struct {
		name, auth, authorization string
		want                      int
	}{
		// shouldPublishWhenAuthenticated
		{"authenticated, auth off", off, user, http.StatusCreated},
		{"authenticated publisher", userOnly, user, http.StatusCreated},
		{"authenticated, one of two", userAndOther, user, http.StatusCreated},
		{"authenticated, guests refused", userOnlyClosed, user, http.StatusCreated},
		{"authenticated, one of two, guests refused", userAndOtherClosed, user, http.StatusCreated},
		// shouldPublishAsGuestWhenAuthIsNotRequired
		{"guest, auth off", off, "", http.StatusCreated},
		{"guest, no publishers", nobody, "", http.StatusCreated},
		{"guest, another publisher", otherOnly, "", http.StatusCreated},
		// shouldNotPublishAsGuestWhenAuthIsRequired
		{"guest refused, no publishers", nobodyClosed, "", http.StatusForbidden},
		{"guest refused, another publisher", otherOnlyClosed, "", http.StatusForbidden},
		// shouldNotPublishWithoutPermissionWhenAuthenticated
		{"not a publisher, no publishers", nobody, user, http.StatusForbidden},
		{"not a publisher, another publisher", otherOnly, user, http.StatusForbidden},
		{"not a publisher, no publishers, guests refused", nobodyClosed, user, http.StatusForbidden},
		{"not a publisher, another, guests refused", otherOnlyClosed, user, http.StatusForbidden},
	}
	for i, tc := range cases {
		topic := fmt.Sprintf("topicauth.t%d", i)
		createAuthTopic(t, h, topic, tc.auth)
		status, body, header := callAs(t, tc.authorization, http.MethodPost, h.frontend+"/topics/"+topic, `{"hello":"world"}`)
		require.Equal(t, tc.want, status, "%s: %s", tc.name, body)
		if tc.want == http.StatusForbidden {
			assert.JSONEq(t, `{"message":"Permission denied.","code":"AUTH_ERROR"}`, body, tc.name)
			assert.NotEmpty(t, header.Get("Hermes-Message-Id"), tc.name)
		}
	}
}

// TestPublishingAuthentication restates Hermes's
// PublishingAuthenticationTest: with frontend.authentication.enabled,
// a publish needs valid credentials.
func TestPublishingAuthentication(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), publishingAuthConfig(t, true))
	createTopic(t, h, "pubauth", "t")
	for name, tc := range map[string]struct {
		authorization string
		want          int
	}{
		"shouldAuthenticateUsingBasicAuth":                {basicAuth("someUser", "somePassword123"), http.StatusCreated},
		"shouldNotAuthenticateUserWithInvalidCredentials": {basicAuth("someUser", "someInvalidPassword"), http.StatusUnauthorized},
		"shouldNotAuthenticateUserWithoutCredentials":     {"", http.StatusUnauthorized},
	} {
		status, body, header := callAs(t, tc.authorization, http.MethodPost, h.frontend+"/topics/pubauth.t", `{"hello":"world"}`)
		require.Equal(t, tc.want, status, "%s: %s", name, body)
		if tc.want == http.StatusUnauthorized {
			assert.Equal(t, `Basic realm="hermes"`, header.Get("WWW-Authenticate"), name)
			assert.Contains(t, body, `"code":"AUTH_ERROR"`, name)
		}
	}
	mustCall(t, http.StatusOK, http.MethodGet, h.management+"/topics", "")
}
