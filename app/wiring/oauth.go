package wiring

import (
	"fmt"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/oauth"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/ports"
)

// OAuthDeliveryConfig is consumers.oauth: deliveries to subscriptions
// with an oAuthPolicy (docs/security.md, "OAuth delivery").
type OAuthDeliveryConfig struct {
	// ProviderCheckInterval is how often a delivering subscription reads
	// its OAuth provider again, so that an update drops its token and a
	// removal stops it (default 10s).
	ProviderCheckInterval time.Duration `koanf:"provider_check_interval"`
	// RateReductionFactor slows a subscription's token requests at each
	// refresh after a failure (Hermes's
	// consumer.oauth.providersTokenRequestRateLimiterRateReductionFactor,
	// default 2, at least 1).
	RateReductionFactor float64 `koanf:"rate_reduction_factor"`
}

func (c OAuthDeliveryConfig) problems() []error {
	var errs []error
	if c.ProviderCheckInterval <= 0 {
		errs = append(errs, fmt.Errorf("consumers.oauth.provider_check_interval %s: want a positive duration such as 10s", c.ProviderCheckInterval))
	}
	if c.RateReductionFactor < 1 {
		errs = append(errs, fmt.Errorf("consumers.oauth.rate_reduction_factor %g: want 1 or more, such as 2", c.RateReductionFactor))
	}
	return errs
}

// oauthModule provides the token client of OAuth deliveries.
var oauthModule = fx.Module("oauth", fx.Provide(
	fx.Annotate(func(lc fx.Lifecycle) *oauth.Client {
		c := oauth.New(nil)
		lc.Append(fx.StopHook(c.Close))
		return c
	}, fx.As(new(ports.AccessTokens))),
))

// withOAuth gives d the tokens and the providers of the metadata store.
func withOAuth(d *app.Deliverer, cfg Config, store ports.MetadataStore, tokens ports.AccessTokens) error {
	nodes, ok := store.(ports.NodeStore)
	if !ok {
		return fmt.Errorf("metadata store %T keeps no OAuth providers (ports.NodeStore)", store)
	}
	c := cfg.Consumers.OAuth
	d.WithOAuth(tokens, app.NewOAuthProviders(nodes), app.OAuthConfig{ProviderCheckInterval: c.ProviderCheckInterval, RateReductionFactor: c.RateReductionFactor})
	return nil
}
