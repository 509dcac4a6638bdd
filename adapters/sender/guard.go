package sender

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.EndpointGuard = (*Guard)(nil)

// Resolver looks up a host's addresses; *net.Resolver is one. Tests
// inject theirs to make a name resolve differently at each lookup.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Guard enforces a domain.EndpointGuard: at subscription create and
// update (CheckEndpoint) and at every dial of the Sender that has it in
// Config.Guard, on the addresses the name resolves to at that moment, so
// a name that resolves elsewhere by then (DNS rebinding) is still
// refused. Only the checked addresses are dialled.
type Guard struct {
	rule     domain.EndpointGuard
	resolver Resolver
}

// NewGuard returns a guard for rule; a nil resolver is net.DefaultResolver.
func NewGuard(rule domain.EndpointGuard, resolver Resolver) *Guard {
	if resolver == nil {
		resolver = net.DefaultResolver
	}
	return &Guard{rule: rule, resolver: resolver}
}

// CheckEndpoint refuses, with an error wrapping domain.ErrValidation
// that says why, an http(s) endpoint whose host is denied or resolves to
// a denied address. Endpoints of other schemes (not delivered by this
// sender), a host filled from the message (an endpoint template) and a
// name that does not resolve now pass: the dial-time check covers them.
func (g *Guard) CheckEndpoint(ctx context.Context, endpoint string) error {
	u, err := url.Parse(domain.StripCredentials(endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || strings.ContainsAny(u.Host, "{}") {
		return nil
	}
	// A lookup error leaves why empty: checked again when dialled.
	if _, why, _ := g.resolve(ctx, u.Hostname()); why != "" {
		return domain.Errorf(domain.ErrValidation, "Subscription endpoint refused: %s", why)
	}
	return nil
}

// resolve returns host's addresses, or why one of them is refused: a
// name any of whose addresses is denied is refused as a whole.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, string, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a}, g.rule.CheckAddr("", a), nil
	}
	if why := g.rule.CheckName(host); why != "" {
		return nil, why, nil
	}
	addrs, err := g.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, "", err
	}
	if len(addrs) == 0 {
		return nil, "", &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	for _, a := range addrs {
		if why := g.rule.CheckAddr(host, a); why != "" {
			return nil, why, nil
		}
	}
	return addrs, "", nil
}

// dialContext is the transports' DialContext when the guard is on: it
// resolves addr's host itself, checks every address, and dials the
// checked addresses in turn, never the name.
func (g *Guard) dialContext(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		addrs, why, err := g.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		if why != "" {
			return nil, fmt.Errorf("%w: %s", domain.ErrEndpointForbidden, why)
		}
		var errs []error
		for _, a := range addrs {
			c, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return c, nil
			}
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
		}
		return nil, errors.Join(errs...)
	}
}
