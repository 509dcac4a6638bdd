package wiring

import (
	"errors"
	"fmt"
	"log/slog"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/ports"
)

// SecurityConfig configures who may do what (docs/security.md).
type SecurityConfig struct {
	// Identity says how callers of the frontend and management servers
	// are identified. Nothing configured: every caller is anonymous.
	Identity IdentityConfig `koanf:"identity"`
}

// IdentityConfig lists the identity methods; each one configured is asked
// in order tokens, basic (and jwt), the first that accepts decides.
type IdentityConfig struct {
	// Tokens are static API tokens, sent as "Authorization: Bearer <token>".
	Tokens []TokenConfig `koanf:"tokens"`
	// Basic are users with bcrypt-hashed passwords, sent as
	// "Authorization: Basic ...".
	Basic BasicConfig `koanf:"basic"`
}

// TokenConfig is one static API token.
type TokenConfig struct {
	// Name is the principal's name.
	Name string `koanf:"name"`
	// SHA256 is the hex SHA-256 of the token (preferred to Token).
	SHA256 string `koanf:"sha256"`
	// Token is the token itself; only its digest is kept in memory.
	Token string `koanf:"token"`
	// Roles are the principal's roles (admin, publisher).
	Roles []string `koanf:"roles"`
	// OwnerIDs are the owner ids the principal acts for.
	OwnerIDs []string `koanf:"owner_ids"`
}

// BasicConfig configures Basic credentials.
type BasicConfig struct {
	// Realm is named in the 401 challenge (default hermes).
	Realm string `koanf:"realm"`
	// Users are the accepted users.
	Users []BasicUserConfig `koanf:"users"`
}

// BasicUserConfig is one Basic user.
type BasicUserConfig struct {
	// Name is the user name and the principal's name.
	Name string `koanf:"name"`
	// Bcrypt is the bcrypt hash of the password (htpasswd -nbB).
	Bcrypt string `koanf:"bcrypt"`
	// Roles are the principal's roles (admin, publisher).
	Roles []string `koanf:"roles"`
	// OwnerIDs are the owner ids the principal acts for.
	OwnerIDs []string `koanf:"owner_ids"`
}

func defaultSecurity() SecurityConfig {
	return SecurityConfig{Identity: IdentityConfig{Tokens: []TokenConfig{}, Basic: BasicConfig{Realm: "hermes", Users: []BasicUserConfig{}}}}
}

// identity is the authenticator of both HTTP servers and the challenges
// of their 401s; a nil authenticator means identity is off.
type identity struct {
	auth       ports.Authenticator
	challenges []string
}

// methods builds the configured identity methods, reporting every
// configuration problem at once under security.identity.
func (c IdentityConfig) methods() ([]auth.Method, []string, error) {
	var (
		methods    []auth.Method
		challenges []string
		errs       []error
	)
	if len(c.Tokens) > 0 {
		sts := make([]auth.StaticToken, len(c.Tokens))
		for i, t := range c.Tokens {
			sts[i] = auth.StaticToken{Name: t.Name, SHA256: t.SHA256, Token: t.Token, Roles: t.Roles, OwnerIDs: t.OwnerIDs}
		}
		m, err := auth.NewTokens(sts)
		methods, errs = append(methods, m), append(errs, err)
		challenges = append(challenges, "Bearer")
	}
	if len(c.Basic.Users) > 0 {
		us := make([]auth.BasicUser, len(c.Basic.Users))
		for i, u := range c.Basic.Users {
			us[i] = auth.BasicUser{Name: u.Name, Bcrypt: u.Bcrypt, Roles: u.Roles, OwnerIDs: u.OwnerIDs}
		}
		m, err := auth.NewBasic(us)
		methods, errs = append(methods, m), append(errs, err)
		challenges = append(challenges, fmt.Sprintf("Basic realm=%q", c.Basic.Realm))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, prefixed("security.identity.", err)
	}
	return methods, dedupe(challenges), nil
}

func (c IdentityConfig) validate() []error {
	_, _, err := c.methods()
	if err == nil {
		return nil
	}
	return []error{err}
}

// prefixed puts prefix before each joined error's text.
func prefixed(prefix string, err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return fmt.Errorf("%s%w", prefix, err)
	}
	var errs []error
	for _, e := range joined.Unwrap() {
		errs = append(errs, prefixed(prefix, e))
	}
	return errors.Join(errs...)
}

func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if len(out) == 0 || out[len(out)-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// identityModule provides the identity of both HTTP servers.
var identityModule = fx.Module("identity", fx.Provide(
	func(cfg Config, log *slog.Logger) (identity, error) {
		methods, challenges, err := cfg.Security.Identity.methods()
		if err != nil || len(methods) == 0 {
			return identity{}, err
		}
		log.Info("identity configured", "component", "identity", "methods", len(methods))
		return newIdentity(methods, challenges), nil
	},
))

func newIdentity(methods []auth.Method, challenges []string) identity {
	return identity{auth: auth.NewChain(methods...), challenges: challenges}
}
