package domain

import (
	"context"
	"slices"
)

// Principal is who made a request, as the configured identity sources
// established it. The zero Principal is an anonymous caller.
type Principal struct {
	// Name identifies the caller (a JWT's principal claim, a static
	// token's or Basic user's name, a client certificate's subject).
	// Empty means anonymous.
	Name string
	// Roles are the caller's configured or claimed roles ("admin", and
	// "publisher" for Hermes's publishing permissions).
	Roles []string
	// OwnerIDs are the owner ids the caller acts for (matched against a
	// topic's or subscription's owner.id).
	OwnerIDs []string
	// Method says how the caller was identified: "jwt", "token", "basic"
	// or "tls". Empty for anonymous.
	Method string
}

// Anonymous reports whether no credentials identified the caller.
func (p Principal) Anonymous() bool { return p.Name == "" }

// HasRole reports whether the caller holds role.
func (p Principal) HasRole(role string) bool { return slices.Contains(p.Roles, role) }

// OwnsID reports whether the caller acts for owner id.
func (p Principal) OwnsID(id string) bool { return slices.Contains(p.OwnerIDs, id) }

type principalKey struct{}

// WithPrincipal returns ctx carrying p, for the use cases a request reaches.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal ctx carries, or the anonymous one.
func PrincipalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}
