package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// OAuthConfig tunes deliveries to subscriptions with an oAuthPolicy.
type OAuthConfig struct {
	// ProviderCheckInterval is how often a delivering subscription reads
	// its provider again, to notice an update (its tokens are dropped)
	// or a removal (default 10s). Hermes watches the providers' nodes.
	ProviderCheckInterval time.Duration
	// RateReductionFactor divides a subscription's token request rate at
	// each refresh after a failure, down to the provider's
	// tokenRequestMaxDelay (Hermes's
	// consumer.oauth.providersTokenRequestRateLimiterRateReductionFactor,
	// default 2, at least 1).
	RateReductionFactor float64

	now func() time.Time // tests set a clock
}

func (c OAuthConfig) withDefaults() OAuthConfig {
	if c.ProviderCheckInterval <= 0 {
		c.ProviderCheckInterval = 10 * time.Second
	}
	if c.RateReductionFactor < 1 {
		c.RateReductionFactor = 2
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// oauthProviders reads providers (ports.OAuthProviderService does).
type oauthProviders interface {
	OAuthProvider(ctx context.Context, name string) (domain.OAuthProvider, error)
}

// oauthDeps is what OAuth deliveries need; nil on a Deliverer without WithOAuth.
type oauthDeps struct {
	tokens    ports.AccessTokens
	providers oauthProviders
	cfg       OAuthConfig
}

// WithOAuth makes serial deliveries of subscriptions with an oAuthPolicy
// send "Authorization: Bearer <token>" with a token from tokens, for the
// provider read from providers. Without it such subscriptions are sent
// without a token.
func (d *Deliverer) WithOAuth(tokens ports.AccessTokens, providers oauthProviders, cfg OAuthConfig) *Deliverer {
	d.oauth = &oauthDeps{tokens: tokens, providers: providers, cfg: cfg.withDefaults()}
	return d
}

// oauthSender returns next wrapped in the subscription's OAuth tokens, or
// next itself when they do not apply: no policy, a batch subscription or
// an endpoint with credentials (Hermes sends their Basic auth instead,
// and sends batches without authorization).
func (dl *delivery) oauthSender(next ports.Sender) ports.Sender {
	_, _, basic := domain.EndpointCredentials(dl.sub.Endpoint)
	if dl.oauth == nil || dl.sub.OAuthPolicy == nil || dl.sub.Batch != nil || basic {
		return next
	}
	return &oauthSender{Sender: next, tokens: newSubscriptionTokens(dl.oauth, *dl.sub.OAuthPolicy, dl.log)}
}

// oauthSender sends with the subscription's token and tells the tokens
// how the subscriber answered.
type oauthSender struct {
	ports.Sender
	tokens *subscriptionTokens
}

func (s *oauthSender) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	token, err := s.tokens.token(ctx)
	if err != nil {
		// Not sent: Hermes would send without a token and get a 401;
		// either way the attempt fails and is retried per the policy.
		return domain.SendResult{Err: err}
	}
	req.Headers["Authorization"] = "Bearer " + token
	res := s.Sender.Send(ctx, req)
	s.tokens.answered(token, res)
	return res
}

// subscriptionTokens is one subscription's token (Hermes's
// OAuthSubscriptionHandler with its OAuthTokenRequestRateLimiter): fetched
// when first needed, kept until a 401 or its expiry, refetched at a rate
// that starts at one per tokenRequestInitialDelay, slows by the reduction
// factor at each refresh after a failure down to one per
// tokenRequestMaxDelay, and is restored by a 2xx. Safe for the
// subscription's concurrent sends; one fetch runs at a time.
type subscriptionTokens struct {
	deps   *oauthDeps
	policy domain.OAuthPolicy
	log    *slog.Logger

	mu       sync.Mutex
	provider *domain.OAuthProvider // nil until read
	checked  time.Time             // when provider was read
	limiter  *rate.Limiter
	delay    time.Duration // between fetches now; reduced: above the initial delay
	reduced  bool
	value    string // the token; "" when none
	expires  time.Time
	stale    bool  // the subscriber refused value
	failed   error // the last fetch's failure, nil after a success
	busy     chan struct{}
}

func newSubscriptionTokens(deps *oauthDeps, policy domain.OAuthPolicy, log *slog.Logger) *subscriptionTokens {
	return &subscriptionTokens{deps: deps, policy: policy, log: log}
}

// errNoToken is returned when no token is at hand and none may be fetched yet.
var errNoToken = errors.New("no OAuth token: token requests are rate-limited after failures")

// token returns the token to send, fetching one when there is none, it
// expired or the subscriber refused it, as far as the rate allows; past
// the rate the token at hand is sent (it may still be accepted).
func (s *subscriptionTokens) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.busy != nil {
			busy := s.busy
			s.mu.Unlock()
			select {
			case <-busy:
			case <-ctx.Done():
			}
			s.mu.Lock()
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			continue
		}
		now := s.deps.cfg.now()
		if s.provider == nil || now.Sub(s.checked) >= s.deps.cfg.ProviderCheckInterval {
			if err := s.readProvider(ctx, now); err != nil {
				return "", err
			}
			continue
		}
		if s.value != "" && !s.stale && (s.expires.IsZero() || now.Before(s.expires)) {
			return s.value, nil
		}
		if !s.limiter.AllowN(now, 1) {
			if s.value != "" {
				return s.value, nil
			}
			if s.failed != nil {
				return "", fmt.Errorf("%w (last request: %w)", errNoToken, s.failed)
			}
			return "", errNoToken
		}
		if s.stale || s.failed != nil {
			s.reduceRate(now)
		}
		return s.fetch(ctx, now)
	}
}

// readProvider reads the provider (s.mu held, released meanwhile); a
// changed provider drops the token and restarts the rate. A provider
// that cannot be read for now leaves the token in use.
func (s *subscriptionTokens) readProvider(ctx context.Context, now time.Time) error {
	name := s.policy.ProviderName
	s.busy = make(chan struct{})
	s.mu.Unlock()
	p, err := s.deps.providers.OAuthProvider(ctx, name)
	s.mu.Lock()
	close(s.busy)
	s.busy = nil
	switch {
	case errors.Is(err, domain.ErrOAuthProviderNotFound):
		s.provider, s.value = nil, ""
		return err
	case err != nil && s.provider == nil:
		return err
	case err != nil:
		s.log.Warn("reading the OAuth provider failed; keeping its token", "provider", name, "err", err)
		s.checked = now
		return nil
	}
	s.checked = now
	if s.provider != nil && reflect.DeepEqual(*s.provider, p) {
		return nil
	}
	if s.provider != nil {
		s.log.Info("OAuth provider changed; its token is dropped", "provider", name)
	}
	s.provider, s.value, s.stale, s.failed, s.reduced = &p, "", false, nil, false
	s.delay = millis(p.TokenRequestInitialDelay)
	s.limiter = rate.NewLimiter(every(s.delay), 1)
	return nil
}

// fetch gets a new token (s.mu held, released meanwhile).
func (s *subscriptionTokens) fetch(ctx context.Context, now time.Time) (string, error) {
	req := domain.NewTokenRequest(*s.provider, s.policy)
	s.busy = make(chan struct{})
	s.mu.Unlock()
	tok, err := s.deps.tokens.Fetch(ctx, req)
	s.mu.Lock()
	close(s.busy)
	s.busy = nil
	if err != nil {
		if ctx.Err() == nil {
			s.failed = err
			s.log.Warn("OAuth token request failed", "provider", s.policy.ProviderName, "err", err)
		}
		if s.value != "" {
			return s.value, nil
		}
		return "", err
	}
	s.log.Info("OAuth token obtained", "provider", s.policy.ProviderName, "expires_in", tok.ExpiresIn)
	s.value, s.stale, s.failed, s.expires = tok.Value, false, nil, time.Time{}
	if tok.ExpiresIn > 0 {
		// A tenth of its life early, so that it does not expire in flight.
		s.expires = now.Add(tok.ExpiresIn - tok.ExpiresIn/10)
	}
	return s.value, nil
}

// answered takes the subscriber's answer to a send with token: a 2xx
// restores the rate, a 401 marks the token refused.
func (s *subscriptionTokens) answered(token string, res domain.SendResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case res.Succeeded() && s.reduced && s.provider != nil:
		s.reduced = false
		s.delay = millis(s.provider.TokenRequestInitialDelay)
		s.limiter.SetLimitAt(s.deps.cfg.now(), every(s.delay))
	case res.StatusCode == 401 && token == s.value:
		s.stale = true
	}
}

// reduceRate lengthens the delay between fetches (s.mu held).
func (s *subscriptionTokens) reduceRate(now time.Time) {
	s.reduced = true
	s.delay = min(time.Duration(float64(s.delay)*s.deps.cfg.RateReductionFactor), millis(s.provider.TokenRequestMaxDelay))
	s.limiter.SetLimitAt(now, every(s.delay))
}

func millis(ms *int) time.Duration {
	if ms == nil {
		return 0
	}
	return time.Duration(*ms) * time.Millisecond
}

// every is the rate of one fetch per delay; no delay is no limit.
func every(delay time.Duration) rate.Limit {
	if delay <= 0 {
		return rate.Inf
	}
	return rate.Every(delay)
}
