package e2e

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
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
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
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
