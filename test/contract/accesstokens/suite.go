// Package accesstokens is the contract suite of ports.AccessTokens: every
// token client adapter's contract_test.go calls Run. The suite serves
// its own token endpoint.
package accesstokens

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Run runs the suite; newTokens is called once per test.
func Run(t *testing.T, newTokens func(t *testing.T) ports.AccessTokens) {
	tests := []struct {
		name string
		run  func(t *testing.T, tokens ports.AccessTokens)
	}{
		{"CancelledContext", testCancelledContext},
		{"Unreachable", testUnreachable},
		{"Refused", testRefused},
		{"NoToken", testNoToken},
		{"Timeout", testTimeout},
		{"ClientCredentials", testClientCredentials},
		{"Password", testPassword},
		{"ExpiresIn", testExpiresIn},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newTokens(t))
		})
	}
}

// The secrets of every request the suite makes; no error may show them.
const (
	clientSecret = "suite-client-secret"
	password     = "suite-owner-password"
)

// endpoint serves answer and records the forms it got.
type endpoint struct {
	*httptest.Server
	mu    sync.Mutex
	forms []url.Values
	types []string
}

func newEndpoint(t *testing.T, answer http.HandlerFunc) *endpoint {
	e := &endpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e.mu.Lock()
		e.forms = append(e.forms, r.PostForm)
		e.types = append(e.types, r.Header.Get("Content-Type"))
		e.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *endpoint) form(t *testing.T) url.Values {
	e.mu.Lock()
	defer e.mu.Unlock()
	require.Len(t, e.forms, 1, "token requests")
	assert.Equal(t, "application/x-www-form-urlencoded", e.types[0])
	return e.forms[0]
}

func token(value string, expiresIn any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{"access_token": value, "token_type": "Bearer"}
		if expiresIn != nil {
			body["expires_in"] = expiresIn
		}
		_ = json.NewEncoder(w).Encode(body)
	}
}

func request(url, grant string) domain.TokenRequest {
	r := domain.TokenRequest{Endpoint: url, GrantType: grant, ClientID: "suite-client", ClientSecret: clientSecret, Timeout: 10 * time.Second}
	if grant == domain.GrantPassword {
		r.Username, r.Password = "suite-owner", password
	}
	return r
}

// assertUnavailable checks the error's kind and that it shows no secret.
func assertUnavailable(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, domain.ErrUnavailable)
	assert.NotContains(t, err.Error(), clientSecret)
	assert.NotContains(t, err.Error(), password)
}

func testCancelledContext(t *testing.T, tokens ports.AccessTokens) {
	e := newEndpoint(t, token("t", nil))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := tokens.Fetch(ctx, request(e.URL, domain.GrantClientCredentials))
	assert.ErrorIs(t, err, context.Canceled)
}

func testUnreachable(t *testing.T, tokens ports.AccessTokens) {
	e := httptest.NewServer(http.NotFoundHandler())
	e.Close()
	_, err := tokens.Fetch(t.Context(), request(e.URL, domain.GrantPassword))
	assertUnavailable(t, err)
}

func testRefused(t *testing.T, tokens ports.AccessTokens) {
	// A provider that echoes the form in its refusal must not leak it.
	e := newEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(r.PostForm.Encode()))
	})
	_, err := tokens.Fetch(t.Context(), request(e.URL, domain.GrantPassword))
	assertUnavailable(t, err)
}

func testNoToken(t *testing.T, tokens ports.AccessTokens) {
	e := newEndpoint(t, token("", nil))
	_, err := tokens.Fetch(t.Context(), request(e.URL, domain.GrantClientCredentials))
	assertUnavailable(t, err)
}

func testTimeout(t *testing.T, tokens ports.AccessTokens) {
	e := newEndpoint(t, func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
	req := request(e.URL, domain.GrantClientCredentials)
	req.Timeout = 100 * time.Millisecond
	_, err := tokens.Fetch(t.Context(), req)
	assertUnavailable(t, err)
	req.Timeout, req.SocketTimeout = 10*time.Second, 100*time.Millisecond
	_, err = tokens.Fetch(t.Context(), req)
	assertUnavailable(t, err)
}

func testClientCredentials(t *testing.T, tokens ports.AccessTokens) {
	e := newEndpoint(t, token("cc-token", nil))
	req := request(e.URL, domain.GrantClientCredentials)
	req.Scope = "read write"
	req.Username, req.Password = "ignored", "ignored"
	tok, err := tokens.Fetch(t.Context(), req)
	require.NoError(t, err)
	assert.Equal(t, domain.AccessToken{Value: "cc-token"}, tok)
	assert.Equal(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"suite-client"},
		"client_secret": {clientSecret}, "scope": {"read write"}}, e.form(t))
}

func testPassword(t *testing.T, tokens ports.AccessTokens) {
	e := newEndpoint(t, token("pw-token", nil))
	tok, err := tokens.Fetch(t.Context(), request(e.URL, domain.GrantPassword))
	require.NoError(t, err)
	assert.Equal(t, "pw-token", tok.Value)
	assert.Equal(t, url.Values{"grant_type": {"password"}, "client_id": {"suite-client"}, "client_secret": {clientSecret},
		"username": {"suite-owner"}, "password": {password}}, e.form(t))
}

func testExpiresIn(t *testing.T, tokens ports.AccessTokens) {
	for _, v := range []any{3600, "3600"} {
		e := newEndpoint(t, token("x", v))
		tok, err := tokens.Fetch(t.Context(), request(e.URL, domain.GrantClientCredentials))
		require.NoError(t, err)
		assert.Equal(t, time.Hour, tok.ExpiresIn, "expires_in %#v", v)
	}
}
