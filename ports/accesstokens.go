package ports

import (
	"context"

	"github.com/hermes-go/hermes/domain"
)

// AccessTokens obtains OAuth access tokens from providers' token
// endpoints, for deliveries to subscriptions with an oAuthPolicy. It only
// fetches: caching, refreshing and rate limiting are the delivery's.
type AccessTokens interface {
	// Fetch asks req's endpoint for a token, once, within req.Timeout.
	// It blocks until the answer or ctx ends. An answer other than 200
	// with an access_token gives an error wrapping domain.ErrUnavailable;
	// an unreachable or timed-out endpoint too. Errors never contain the
	// request's secrets nor a token. Safe for concurrent use.
	Fetch(ctx context.Context, req domain.TokenRequest) (domain.AccessToken, error)
}
