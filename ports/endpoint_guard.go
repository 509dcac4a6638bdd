package ports

import "context"

// EndpointGuard is the SSRF guard as subscription management sees it:
// it decides whether a subscription may name an endpoint. The sender
// checks again at every dial, after DNS resolution.
type EndpointGuard interface {
	// CheckEndpoint returns nil when endpoint may be stored, and an error
	// wrapping domain.ErrValidation saying why not (answered 400). It may
	// resolve the endpoint's host, so it blocks for up to a DNS lookup;
	// a name that does not resolve passes. Safe for concurrent use.
	CheckEndpoint(ctx context.Context, endpoint string) error
}
