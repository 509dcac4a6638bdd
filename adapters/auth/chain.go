package auth

import (
	"context"
	"errors"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// ErrNotPresented is returned by a Method when the credentials carry
// nothing of its kind (no Authorization header, another scheme), so the
// next method is asked.
var ErrNotPresented = errors.New("auth: credentials of this kind not presented")

// Method authenticates one kind of credentials. Authenticate returns the
// principal, ErrNotPresented when the credentials are not of its kind, or
// an error wrapping domain.ErrUnauthenticated (presented but wrong) or
// domain.ErrUnavailable (it cannot decide now). Safe for concurrent use.
type Method interface {
	Authenticate(ctx context.Context, c ports.Credentials) (domain.Principal, error)
}

// Chain is the ports.Authenticator over the configured methods, asked in
// order. The first that accepts the credentials decides. When none
// accepts but one rejected them (a Bearer token that is neither a known
// static token nor a valid JWT), the first rejection is the answer: a
// caller whose credentials are wrong is told so rather than served as
// anonymous. Credentials no method handles are anonymous.
type Chain struct {
	methods []Method
}

var _ ports.Authenticator = (*Chain)(nil)

// NewChain returns a chain over methods (nil ones are skipped).
func NewChain(methods ...Method) *Chain {
	c := &Chain{}
	for _, m := range methods {
		if m != nil {
			c.methods = append(c.methods, m)
		}
	}
	return c
}

// Empty reports whether no method is configured: then every caller is
// anonymous and the HTTP adapters need not ask.
func (c *Chain) Empty() bool { return len(c.methods) == 0 }

// Authenticate implements ports.Authenticator.
func (c *Chain) Authenticate(ctx context.Context, creds ports.Credentials) (domain.Principal, error) {
	var first error
	for _, m := range c.methods {
		p, err := m.Authenticate(ctx, creds)
		switch {
		case err == nil:
			return p, nil
		case errors.Is(err, ErrNotPresented):
		case first == nil:
			first = err
		}
	}
	return domain.Principal{}, first
}
