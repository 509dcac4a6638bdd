package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Hermes's OAuthIntegrationTest on the real binary: a subscription with a
// password-grant oAuthPolicy gets a token from the provider, sends it as
// a Bearer token, and when the subscriber refuses it (401) gets a new one
// and delivers with it; the token is kept for the next messages. The
// process's log shows neither the secrets nor the tokens.
func TestOAuthDelivery(t *testing.T) {
	t.Parallel()
	const secret, password = "e2e-client-secret", "e2e-owner-password"
	var mu sync.Mutex
	issued := 0
	tokens := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		if f.Get("grant_type") != "password" || f.Get("client_id") != "client1" || f.Get("client_secret") != secret ||
			f.Get("username") != "owner1" || f.Get("password") != password {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		issued++
		n := issued
		mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": fmt.Sprintf("e2e-token-%d", n), "token_type": "Bearer"})
	}))
	t.Cleanup(tokens.Close)
	var got []string
	subscriber := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		got = append(got, auth)
		mu.Unlock()
		switch auth {
		case "Bearer e2e-token-1":
			w.WriteHeader(http.StatusUnauthorized)
		case "Bearer e2e-token-2":
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	t.Cleanup(subscriber.Close)

	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true", "HERMES_LOG__LEVEL=debug")
	mustCall(t, http.StatusCreated, "POST", h.management+"/oauth/providers", fmt.Sprintf(`{"name": "provider1",
"tokenEndpoint": %q, "clientId": "client1", "clientSecret": %q,
"tokenRequestInitialDelay": 100, "tokenRequestMaxDelay": 10000, "requestTimeout": 10000}`, tokens.URL, secret))
	createTopic(t, h, "oauth", "topic")
	createSubscription(t, h, "oauth.topic", "s", subscriber.URL+"/", fmt.Sprintf(`,
"subscriptionPolicy": {"messageBackoff": 10},
"oAuthPolicy": {"grantType": "password", "providerName": "provider1", "username": "owner1", "password": %q}`, password))

	publish(t, h, "oauth.topic", `{"n":1}`)
	accepted := func() int {
		mu.Lock()
		defer mu.Unlock()
		n := 0
		for _, a := range got {
			if a == "Bearer e2e-token-2" {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return accepted() == 1 }, 30*time.Second, 20*time.Millisecond, "delivered with the refreshed token")
	publish(t, h, "oauth.topic", `{"n":2}`)
	publish(t, h, "oauth.topic", `{"n":3}`)
	require.Eventually(t, func() bool { return accepted() == 3 }, 30*time.Second, 20*time.Millisecond)
	mu.Lock()
	assert.Equal(t, 2, issued, "one token refused, one kept")
	assert.Equal(t, "Bearer e2e-token-1", got[0])
	mu.Unlock()
	log := h.log.String()
	require.Contains(t, log, "OAuth token obtained")
	for _, s := range []string{secret, password, "e2e-token-1", "e2e-token-2"} {
		assert.NotContains(t, log, s)
	}
}
