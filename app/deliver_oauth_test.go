package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/oauth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

const (
	testClientSecret = "client-secret-do-not-log"
	testPassword     = "owner-password-do-not-log"
)

// tokenEndpoint issues tokens "token-1", "token-2", ... and records the
// forms it got; fail makes its next answers 500s that echo the form.
type tokenEndpoint struct {
	*httptest.Server
	mu        sync.Mutex
	forms     []url.Values
	fail      int
	expiresIn int
}

func newTokenEndpoint(t *testing.T) *tokenEndpoint {
	e := &tokenEndpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		e.mu.Lock()
		defer e.mu.Unlock()
		e.forms = append(e.forms, r.PostForm)
		if e.fail > 0 {
			e.fail--
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte(r.PostForm.Encode()))
			return
		}
		body := map[string]any{"access_token": fmt.Sprintf("token-%d", len(e.forms)), "token_type": "Bearer"}
		if e.expiresIn > 0 {
			body["expires_in"] = e.expiresIn
		}
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *tokenEndpoint) hits() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.forms)
}

// fakeProviders serves providers from a map.
type fakeProviders struct {
	mu sync.Mutex
	m  map[string]domain.OAuthProvider
}

func (f *fakeProviders) OAuthProvider(_ context.Context, name string) (domain.OAuthProvider, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.m[name]
	if !ok {
		return domain.OAuthProvider{}, domain.Errorf(domain.ErrOAuthProviderNotFound, "OAuth provider %s does not exist", name)
	}
	return p, nil
}

func providersOf(p domain.OAuthProvider) *fakeProviders {
	f := &fakeProviders{}
	f.set(p)
	return f
}

func (f *fakeProviders) set(p domain.OAuthProvider) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.m == nil {
		f.m = map[string]domain.OAuthProvider{}
	}
	f.m[p.Name] = p
}

func (f *fakeProviders) remove(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.m, name)
}

func testProvider(endpoint string, initialDelay, maxDelay int) domain.OAuthProvider {
	timeout := 10_000
	return domain.OAuthProvider{Name: "provider1", TokenEndpoint: endpoint, ClientID: "client1", ClientSecret: testClientSecret,
		TokenRequestInitialDelay: &initialDelay, TokenRequestMaxDelay: &maxDelay, RequestTimeout: &timeout}.WithDefaults()
}

// bearerSubscriber records the Authorization header of each send and
// answers 401 to the tokens in refused, 200 to others.
type bearerSubscriber struct {
	mu      sync.Mutex
	seen    []string
	refused map[string]bool
	always  int // answer this to everything when not 0
}

func (s *bearerSubscriber) Send(_ context.Context, req ports.SendRequest) domain.SendResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	auth := req.Headers["Authorization"]
	s.seen = append(s.seen, auth)
	switch {
	case s.always != 0:
		return domain.SendResult{StatusCode: s.always}
	case s.refused[auth]:
		return domain.SendResult{StatusCode: http.StatusUnauthorized}
	}
	return domain.SendResult{StatusCode: http.StatusOK}
}

func (s *bearerSubscriber) headers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// clock is a test's time, moved by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// deliverWithOAuth runs one subscription with policy over msgs to sub
// until the test ends; logs go to logs.
func deliverWithOAuth(t *testing.T, providers oauthProviders, policy domain.OAuthPolicy, subscriber ports.Sender, logs *bytes.Buffer, n int) *memory.Metrics {
	msgs := make([]ports.ReceivedMessage, n)
	for i := range msgs {
		msgs[i] = ports.ReceivedMessage{Message: domain.Message{ID: fmt.Sprint("m", i), Body: []byte(`{}`)}, Offset: int64(i), ReadAt: time.Now()}
	}
	m := memory.NewMetrics()
	log := slog.New(slog.DiscardHandler)
	if logs != nil {
		log = slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	tokens := oauth.New(nil)
	t.Cleanup(tokens.Close)
	d := NewDeliverer(DeliveryConfig{}, nil, fakeLag{}, &onePoll{msgs: msgs}, subscriber, m,
		memory.NewTracker(10), memory.NewUndeliveredLog(), log).WithOAuth(tokens, providers, OAuthConfig{})
	serial := domain.DefaultSubscriptionPolicy()
	serial.MessageBackoff = 1
	serial.InflightSize = new(1)
	sub := domain.Subscription{Name: "s", TopicName: "g.t", Endpoint: "http://localhost:1/", OAuthPolicy: &policy, Serial: &serial}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); d.consume(ctx, &domain.Topic{Name: "g.t"}, &sub, ports.PartitionShare{}) }()
	t.Cleanup(func() { cancel(); <-done })
	return m
}

// lockedWriter serialises a buffer's writes for concurrent loggers.
type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

var deliveredLabels = ports.Labels{"group": "g", "topic": "t", "subscription": "s"}

// A token is fetched once with the client credentials grant and sent
// with every message.
func TestOAuthTokenCachedAcrossMessages(t *testing.T) {
	t.Parallel()
	e := newTokenEndpoint(t)
	providers := providersOf(testProvider(e.URL, 100, 10_000))
	subscriber := &bearerSubscriber{}
	m := deliverWithOAuth(t, providers, domain.OAuthPolicy{GrantType: domain.GrantClientCredentials, ProviderName: "provider1", Scope: "orders"}, subscriber, nil, 5)

	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", deliveredLabels) == 5 }, 10*time.Second, 5*time.Millisecond)
	assert.Equal(t, []string{"Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-1", "Bearer token-1"}, subscriber.headers())
	require.Equal(t, 1, e.hits(), "one token request")
	assert.Equal(t, url.Values{"grant_type": {"client_credentials"}, "client_id": {"client1"}, "client_secret": {testClientSecret},
		"scope": {"orders"}}, e.forms[0])
}

// A 401 from the subscriber refreshes the token once and the retry with
// the new token succeeds (Hermes's OAuthIntegrationTest, password grant);
// a failed token request on the way is retried. Neither the secrets nor
// the tokens reach the logs.
func TestOAuthRefreshOn401(t *testing.T) {
	t.Parallel()
	e := newTokenEndpoint(t)
	e.fail = 1
	providers := providersOf(testProvider(e.URL, 0, 0))
	subscriber := &bearerSubscriber{refused: map[string]bool{"Bearer token-2": true}}
	var logs bytes.Buffer
	m := deliverWithOAuth(t, providers, domain.OAuthPolicy{GrantType: domain.GrantPassword, ProviderName: "provider1",
		Username: "owner1", Password: testPassword}, subscriber, &logs, 1)

	require.Eventually(t, func() bool { return m.CounterValue("subscription.delivered", deliveredLabels) == 1 }, 10*time.Second, 5*time.Millisecond)
	// token-1 was the failed request; token-2 was refused, token-3 accepted.
	assert.Equal(t, []string{"Bearer token-2", "Bearer token-3"}, subscriber.headers())
	assert.Equal(t, 3, e.hits())
	assert.Equal(t, url.Values{"grant_type": {"password"}, "client_id": {"client1"}, "client_secret": {testClientSecret},
		"username": {"owner1"}, "password": {testPassword}}, e.forms[2])
	require.Contains(t, logs.String(), "OAuth token request failed", "the logs were captured")
	for _, secret := range []string{testClientSecret, testPassword, "token-2", "token-3"} {
		assert.NotContains(t, logs.String(), secret)
	}
}

// requireToken checks the token s gives now.
func requireToken(t *testing.T, s *subscriptionTokens, want string) {
	t.Helper()
	tok, err := s.token(t.Context())
	require.NoError(t, err)
	require.Equal(t, want, tok)
}

// newTestTokens is one subscription's tokens on a clock of the test's.
func newTestTokens(t *testing.T, providers oauthProviders, c *clock) *subscriptionTokens {
	tokens := oauth.New(nil)
	t.Cleanup(tokens.Close)
	deps := &oauthDeps{tokens: tokens, providers: providers, cfg: OAuthConfig{now: c.Now}.withDefaults()}
	return newSubscriptionTokens(deps, domain.OAuthPolicy{GrantType: domain.GrantClientCredentials, ProviderName: "provider1"}, slog.New(slog.DiscardHandler))
}

func TestOAuthTokenExpiryRefreshes(t *testing.T) {
	t.Parallel()
	e := newTokenEndpoint(t)
	e.expiresIn = 100
	providers := providersOf(testProvider(e.URL, 0, 0))
	c := &clock{now: time.Unix(1_000_000, 0)}
	s := newTestTokens(t, providers, c)

	requireToken(t, s, "token-1")
	c.advance(89 * time.Second)
	requireToken(t, s, "token-1") // still valid
	c.advance(2 * time.Second)
	requireToken(t, s, "token-2") // refreshed a tenth of its life before it expires
}

// A subscriber that answers every token with 401 gets new tokens no
// faster than the provider's delays allow: the first after
// tokenRequestInitialDelay, each later one after twice the previous
// delay, up to tokenRequestMaxDelay; a 2xx restores the initial delay.
func TestOAuthTokenRequestsRateLimitedUnder401(t *testing.T) {
	t.Parallel()
	e := newTokenEndpoint(t)
	providers := providersOf(testProvider(e.URL, 1000, 4000))
	c := &clock{now: time.Unix(1_000_000, 0)}
	subscriber := &bearerSubscriber{always: http.StatusUnauthorized}
	send := &oauthSender{Sender: subscriber, tokens: newTestTokens(t, providers, c)}
	status := http.StatusUnauthorized
	burst := func() {
		for range 20 {
			res := send.Send(t.Context(), ports.SendRequest{Headers: map[string]string{}})
			require.Equal(t, status, res.StatusCode)
		}
	}
	burst()
	assert.Equal(t, 1, e.hits(), "one fetch at once, then the rate holds")
	for _, step := range []struct {
		advance time.Duration
		hits    int
	}{
		{time.Second, 2},     // the initial delay passed; the delay doubles to 2s
		{time.Second, 2},     // half of it
		{time.Second, 3},     // all of it; the delay doubles to 4s, the maximum
		{3 * time.Second, 3}, // not yet
		{time.Second, 4},     // 4s
		{4 * time.Second, 5}, // stays at the maximum
	} {
		c.advance(step.advance)
		burst()
		assert.Equal(t, step.hits, e.hits())
	}
	subscriber.mu.Lock()
	subscriber.always = http.StatusOK
	subscriber.mu.Unlock()
	status = http.StatusOK
	c.advance(4 * time.Second)
	burst() // refreshes once (the token was refused), then 2xx resets the delay
	require.Equal(t, 6, e.hits())
	subscriber.mu.Lock()
	subscriber.always = http.StatusUnauthorized
	subscriber.mu.Unlock()
	status = http.StatusUnauthorized
	c.advance(time.Second)
	burst()
	assert.Equal(t, 7, e.hits(), "back to the initial delay")
}

// A changed provider drops its tokens once the subscription reads it
// again; a removed one stops the sends.
func TestOAuthProviderChangeDropsToken(t *testing.T) {
	t.Parallel()
	e := newTokenEndpoint(t)
	providers := providersOf(testProvider(e.URL, 0, 0))
	c := &clock{now: time.Unix(1_000_000, 0)}
	s := newTestTokens(t, providers, c)

	requireToken(t, s, "token-1")
	changed := testProvider(e.URL, 0, 0)
	changed.ClientID = "client2"
	providers.set(changed)
	requireToken(t, s, "token-1") // not read again yet
	c.advance(s.deps.cfg.ProviderCheckInterval)
	requireToken(t, s, "token-2")
	assert.Equal(t, "client2", e.forms[1].Get("client_id"))

	providers.remove("provider1")
	c.advance(s.deps.cfg.ProviderCheckInterval)
	_, err := s.token(t.Context())
	assert.ErrorIs(t, err, domain.ErrOAuthProviderNotFound)
}

// Batches and endpoints with credentials are sent without tokens, as in Hermes.
func TestOAuthNotForBatchOrBasicAuth(t *testing.T) {
	t.Parallel()
	d := (&Deliverer{}).WithOAuth(nil, nil, OAuthConfig{})
	policy := &domain.OAuthPolicy{GrantType: domain.GrantClientCredentials, ProviderName: "p"}
	next := &bearerSubscriber{}
	for _, sub := range []domain.Subscription{
		{Endpoint: "http://h/", OAuthPolicy: policy, Batch: &domain.BatchSubscriptionPolicy{}},
		{Endpoint: "http://u:p@h/", OAuthPolicy: policy},
		{Endpoint: "http://h/"},
	} {
		dl := &delivery{Deliverer: d, sub: sub}
		assert.Same(t, next, dl.oauthSender(next).(*bearerSubscriber))
	}
	dl := &delivery{Deliverer: d, sub: domain.Subscription{Endpoint: "http://h/", OAuthPolicy: policy}}
	assert.IsType(t, &oauthSender{}, dl.oauthSender(next))
}
