package auth_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/test/testenv"
)

func newJWT(t *testing.T, cfg auth.JWTConfig) *auth.JWT {
	t.Helper()
	j, err := auth.NewJWT(cfg)
	require.NoError(t, err)
	return j
}

func bearer(token string) string { return "Bearer " + token }

func TestJWTAcceptsTokensWithTheRightClaims(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	j := newJWT(t, auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience})
	ctx := t.Context()

	claims := is.Claims("alice")
	claims["roles"] = []string{"publisher", "admin"}
	claims["owner_ids"] = "team-a"
	for _, kid := range []string{"rsa-1", "ec-1"} {
		p, err := j.Authenticate(ctx, creds(bearer(is.Token(kid, claims))))
		require.NoError(t, err, kid)
		assert.Equal(t, domain.Principal{Name: "alice", Roles: []string{"publisher", "admin"}, OwnerIDs: []string{"team-a"}, Method: "jwt"}, p, kid)
	}

	t.Run("an audience list containing ours", func(t *testing.T) {
		c := is.Claims("alice")
		c["aud"] = []string{"other", testenv.Audience}
		_, err := j.Authenticate(ctx, creds(bearer(is.Token("rsa-1", c))))
		require.NoError(t, err)
	})
	t.Run("expired within the clock skew", func(t *testing.T) {
		c := is.Claims("alice")
		c["exp"] = time.Now().Add(-10 * time.Second).Unix()
		_, err := j.Authenticate(ctx, creds(bearer(is.Token("rsa-1", c))))
		require.NoError(t, err, "default skew 30s")
	})
}

func TestJWTConfiguredClaims(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	j := newJWT(t, auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience,
		PrincipalClaim: "preferred_username", RolesClaim: "realm_access.roles", OwnerIDsClaim: "groups"})
	c := is.Claims("0b5c-uuid")
	c["preferred_username"] = "bob"
	c["realm_access"] = map[string]any{"roles": []string{"admin"}}
	c["groups"] = []string{"team-b", "team-c"}
	p, err := j.Authenticate(t.Context(), creds(bearer(is.Token("rsa-1", c))))
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{Name: "bob", Roles: []string{"admin"}, OwnerIDs: []string{"team-b", "team-c"}, Method: "jwt"}, p)

	delete(c, "preferred_username")
	_, err = j.Authenticate(t.Context(), creds(bearer(is.Token("rsa-1", c))))
	require.ErrorIs(t, err, domain.ErrUnauthenticated, "a token without the principal claim names no one")
}

func TestJWTRefusesBadTokens(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	j := newJWT(t, auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience, ClockSkew: time.Second})
	with := func(change func(jwt.MapClaims)) jwt.MapClaims {
		c := is.Claims("alice")
		change(c)
		return c
	}
	hour := time.Hour
	pubDER, err := x509.MarshalPKIXPublicKey(is.Key("rsa-1").Public())
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	confused := jwt.NewWithClaims(jwt.SigningMethodHS256, is.Claims("alice"))
	confused.Header["kid"] = "rsa-1"
	hs256, err := confused.SignedString(pubPEM)
	require.NoError(t, err)
	hs256DER, err := confused.SignedString(pubDER)
	require.NoError(t, err)
	none := jwt.NewWithClaims(jwt.SigningMethodNone, is.Claims("alice"))
	none.Header["kid"] = "rsa-1"
	unsigned, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	valid := is.Token("rsa-1", is.Claims("alice"))
	parts := strings.Split(valid, ".")
	mallory := strings.Split(is.Token("rsa-1", with(func(c jwt.MapClaims) { c["sub"] = "mallory" })), ".")

	for name, token := range map[string]string{
		"expired":             is.Token("rsa-1", with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-hour).Unix() })),
		"not yet valid":       is.Token("rsa-1", with(func(c jwt.MapClaims) { c["nbf"] = time.Now().Add(hour).Unix() })),
		"issued in future":    is.Token("rsa-1", with(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(hour).Unix() })),
		"no expiry":           is.Token("rsa-1", with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong audience":      is.Token("rsa-1", with(func(c jwt.MapClaims) { c["aud"] = "someone-else" })),
		"no audience":         is.Token("rsa-1", with(func(c jwt.MapClaims) { delete(c, "aud") })),
		"wrong issuer":        is.Token("rsa-1", with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })),
		"wrong key, same kid": is.Sign("rsa-1", testenv.NewRSAKey(t), is.Claims("alice")),
		"wrong key, new kid":  is.Sign("rsa-9", testenv.NewECKey(t), is.Claims("alice")),
		"ec key as rsa kid":   is.Sign("rsa-1", is.Key("ec-1"), is.Claims("alice")),
		"alg none":            unsigned,
		"alg none, no sig":    strings.TrimSuffix(unsigned, "."),
		"hs256 with pem key":  hs256,
		"hs256 with der key":  hs256DER,
		"tampered payload":    parts[0] + "." + mallory[1] + "." + parts[2],
		"no subject":          is.Token("rsa-1", with(func(c jwt.MapClaims) { delete(c, "sub") })),
		"not a jwt":           "opaque-token",
		"empty segments":      "..",
	} {
		_, err := j.Authenticate(t.Context(), creds(bearer(token)))
		require.ErrorIs(t, err, domain.ErrUnauthenticated, name)
		assert.NotContains(t, err.Error(), token, "%s: errors never echo the token", name)
	}
	_, err = j.Authenticate(t.Context(), creds(bearer(valid)))
	require.NoError(t, err, "the valid token the tampered one came from")
	_, err = j.Authenticate(t.Context(), creds(basicHeader("a", "b")))
	require.ErrorIs(t, err, auth.ErrNotPresented)
}

func TestNewJWTRefusesUnsafeConfig(t *testing.T) {
	t.Parallel()
	ok := auth.JWTConfig{Issuer: "https://issuer.example", Audience: "hermes"}
	_, err := auth.NewJWT(ok)
	require.NoError(t, err)
	for name, change := range map[string]func(*auth.JWTConfig){
		"none":        func(c *auth.JWTConfig) { c.Algorithms = []string{"none"} },
		"hs256":       func(c *auth.JWTConfig) { c.Algorithms = []string{"RS256", "HS256"} },
		"no issuer":   func(c *auth.JWTConfig) { c.Issuer = "" },
		"no audience": func(c *auth.JWTConfig) { c.Audience = "" },
	} {
		c := ok
		change(&c)
		_, err := auth.NewJWT(c)
		assert.Error(t, err, name)
	}
}

// clock is a settable clock.
type clock struct{ now atomic.Int64 }

func (c *clock) get() time.Time          { return time.Unix(0, c.now.Load()) }
func (c *clock) advance(d time.Duration) { c.now.Add(int64(d)) }

func newClock() *clock {
	c := &clock{}
	c.now.Store(time.Now().UnixNano())
	return c
}

func TestJWTKeysAreCachedAndRefreshedOnUnknownKID(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	j := newJWT(t, auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience, MinRefreshInterval: time.Minute, RefreshInterval: time.Hour})
	c := newClock()
	auth.SetNow(j, c.get)
	ctx := t.Context()

	for range 3 {
		_, err := j.Authenticate(ctx, creds(bearer(is.Token("rsa-1", is.Claims("alice")))))
		require.NoError(t, err)
	}
	assert.EqualValues(t, 1, is.JWKSFetches.Load(), "keys are cached")

	// A key the issuer rotates in is unknown until the next fetch, which
	// an unknown kid triggers, at most once per MinRefreshInterval.
	is.Publish("rsa-2", testenv.NewRSAKey(t))
	rotated := is.Token("rsa-2", is.Claims("alice"))
	c.advance(10 * time.Second)
	for range 3 {
		_, err := j.Authenticate(ctx, creds(bearer(rotated)))
		require.ErrorIs(t, err, domain.ErrUnauthenticated, "within MinRefreshInterval of the first fetch")
	}
	assert.EqualValues(t, 1, is.JWKSFetches.Load(), "made-up kids do not make fetches")
	c.advance(time.Minute)
	_, err := j.Authenticate(ctx, creds(bearer(rotated)))
	require.NoError(t, err, "the unknown kid fetched the keys again")
	assert.EqualValues(t, 2, is.JWKSFetches.Load())
	for range 3 {
		_, err := j.Authenticate(ctx, creds(bearer(is.Sign("made-up", testenv.NewECKey(t), is.Claims("alice")))))
		require.ErrorIs(t, err, domain.ErrUnauthenticated)
	}
	assert.EqualValues(t, 2, is.JWKSFetches.Load(), "rate-limited")

	// Past RefreshInterval the keys are read again, even for known kids.
	c.advance(2 * time.Hour)
	_, err = j.Authenticate(ctx, creds(bearer(is.Token("rsa-1", is.Claims("alice")))))
	require.NoError(t, err)
	assert.EqualValues(t, 3, is.JWKSFetches.Load())
}

func TestJWTIssuerUnavailable(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	j := newJWT(t, auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience, MinRefreshInterval: time.Minute})
	c := newClock()
	auth.SetNow(j, c.get)
	token := is.Token("rsa-1", is.Claims("alice"))

	is.Down.Store(true)
	_, err := j.Authenticate(t.Context(), creds(bearer(token)))
	require.ErrorIs(t, err, domain.ErrUnavailable, "no keys yet: the caller may retry")
	_, err = j.Authenticate(t.Context(), creds(bearer(token)))
	require.ErrorIs(t, err, domain.ErrUnavailable)

	is.Down.Store(false)
	c.advance(time.Minute)
	_, err = j.Authenticate(t.Context(), creds(bearer(token)))
	require.NoError(t, err, "fetched once the issuer is back")

	is.Down.Store(true)
	c.advance(2 * time.Hour)
	_, err = j.Authenticate(t.Context(), creds(bearer(token)))
	require.NoError(t, err, "a failed refresh keeps the keys there were")
}

func TestJWTDiscoveryMustNameTheIssuer(t *testing.T) {
	t.Parallel()
	is := testenv.NewIssuer(t)
	var fake *httptest.Server
	fake = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		// Another issuer's document: its keys must not be taken.
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, is.URL, is.URL+"/jwks")
	}))
	t.Cleanup(fake.Close)
	j := newJWT(t, auth.JWTConfig{Issuer: fake.URL, Audience: testenv.Audience})
	c := is.Claims("alice")
	c["iss"] = fake.URL
	_, err := j.Authenticate(t.Context(), creds(bearer(is.Token("rsa-1", c))))
	require.ErrorIs(t, err, domain.ErrUnavailable)

	// With jwks_url set, discovery is skipped.
	j = newJWT(t, auth.JWTConfig{Issuer: fake.URL, JWKSURL: is.URL + "/jwks", Audience: testenv.Audience})
	_, err = j.Authenticate(t.Context(), creds(bearer(is.Token("rsa-1", c))))
	require.NoError(t, err)
}
