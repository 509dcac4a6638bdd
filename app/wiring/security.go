package wiring

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/ports"
)

// SecurityConfig configures who may do what (docs/security.md).
type SecurityConfig struct {
	// Identity says how callers of the frontend and management servers
	// are identified. Nothing configured: every caller is anonymous.
	Identity IdentityConfig `koanf:"identity"`
	// Management authorizes the management API (security_management.go).
	Management ManagementSecurityConfig `koanf:"management"`
	// EndpointGuard is the SSRF guard on subscription endpoints (guard.go).
	EndpointGuard EndpointGuardConfig `koanf:"endpoint_guard"`
	// Audit keeps the management writes (audit.go).
	Audit AuditConfig `koanf:"audit"`
}

// IdentityConfig lists the identity methods; those configured are asked
// in the order tokens, basic, jwt, tls, and the first that accepts decides.
type IdentityConfig struct {
	// Tokens are static API tokens, sent as "Authorization: Bearer <token>".
	Tokens []TokenConfig `koanf:"tokens"`
	// Basic are users with bcrypt-hashed passwords, sent as
	// "Authorization: Basic ...".
	Basic BasicConfig `koanf:"basic"`
	// JWT are bearer JWTs of an OIDC issuer; on when issuer is set.
	JWT JWTConfig `koanf:"jwt"`
	// TLS identifies callers by their TLS client certificate (guard.go);
	// asked last, when no Authorization header identified the caller.
	TLS ClientCertIdentityConfig `koanf:"tls"`
}

// JWTConfig configures bearer JWTs (auth.JWTConfig has the details).
type JWTConfig struct {
	// Issuer is the issuer URL (the tokens' iss); empty: JWTs are off.
	Issuer string `koanf:"issuer"`
	// JWKSURL skips OIDC discovery when set.
	JWKSURL string `koanf:"jwks_url"`
	// Audience must be in the tokens' aud (required).
	Audience string `koanf:"audience"`
	// Algorithms accepted (default RS256, ES256; asymmetric only).
	Algorithms []string `koanf:"algorithms"`
	// ClockSkew is the leeway of exp, nbf and iat (default 30s).
	ClockSkew time.Duration `koanf:"clock_skew"`
	// PrincipalClaim names the caller (default sub).
	PrincipalClaim string `koanf:"principal_claim"`
	// RolesClaim holds the roles (default roles; dots for nested claims).
	RolesClaim string `koanf:"roles_claim"`
	// OwnerIDsClaim holds the owner ids (default owner_ids).
	OwnerIDsClaim string `koanf:"owner_ids_claim"`
	// RefreshInterval: keys are read again after this (default 1h).
	RefreshInterval time.Duration `koanf:"refresh_interval"`
	// MinRefreshInterval bounds fetches on unknown key ids and after
	// failures (default 1m).
	MinRefreshInterval time.Duration `koanf:"min_refresh_interval"`
	// HTTPTimeout bounds each request to the issuer (default 5s).
	HTTPTimeout time.Duration `koanf:"http_timeout"`
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
	return SecurityConfig{Identity: IdentityConfig{Tokens: []TokenConfig{}, Basic: BasicConfig{Realm: "hermes", Users: []BasicUserConfig{}},
		TLS: ClientCertIdentityConfig{Subjects: []CertSubjectConfig{}}},
		Management: defaultManagementSecurity(), Audit: AuditConfig{Retained: 1000}}
}

// identity is the authenticator of both HTTP servers and the challenges
// of their 401s; a nil authenticator means identity is off.
type identity struct {
	auth       ports.Authenticator
	challenges []string
}

// methods builds the configured identity methods, reporting every
// configuration problem at once under security.identity.
func (c IdentityConfig) methods(log *slog.Logger) ([]auth.Method, []string, error) {
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
	if j := c.JWT; j.Issuer != "" {
		m, err := auth.NewJWT(auth.JWTConfig{
			Issuer: j.Issuer, JWKSURL: j.JWKSURL, Audience: j.Audience, Algorithms: j.Algorithms, ClockSkew: j.ClockSkew,
			PrincipalClaim: j.PrincipalClaim, RolesClaim: j.RolesClaim, OwnerIDsClaim: j.OwnerIDsClaim,
			RefreshInterval: j.RefreshInterval, MinRefreshInterval: j.MinRefreshInterval, HTTPTimeout: j.HTTPTimeout, Log: log,
		})
		methods, errs = append(methods, m), append(errs, err)
		challenges = append(challenges, "Bearer")
	}
	if m, err := c.TLS.method(); m != nil || err != nil {
		methods, errs = append(methods, m), append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, nil, prefixed("security.identity.", err)
	}
	return methods, dedupe(challenges), nil
}

// FrontendAuthenticationConfig is Hermes's frontend.handlers.authentication.
type FrontendAuthenticationConfig struct {
	// Enabled requires identified callers for every publish: anonymous
	// ones get 401. It needs a security.identity method.
	Enabled bool `koanf:"enabled"`
	// PublisherRole is the role a caller needs, besides being in a
	// topic's auth.publishers, to publish to a topic with auth enabled
	// (default publisher, Hermes's PUBLISHER); "" drops the role condition.
	PublisherRole string `koanf:"publisher_role"`
}

func (c Config) validateSecurity() []error {
	methods, _, err := c.Security.Identity.methods(nil)
	var errs []error
	if err != nil {
		errs = append(errs, err)
	}
	if c.Frontend.Authentication.Enabled && err == nil && len(methods) == 0 {
		errs = append(errs, errors.New("frontend.authentication.enabled: true without a security.identity method: configure tokens, basic or jwt, or no one can publish"))
	}
	return errs
}

// frontendAuth is the frontend's publishing permission settings.
func (c Config) frontendAuth(id identity) httpapi.FrontendAuth {
	return httpapi.FrontendAuth{Required: c.Frontend.Authentication.Enabled, PublisherRole: c.Frontend.Authentication.PublisherRole, Challenges: id.challenges}
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
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// identityModule provides the identity of both HTTP servers.
var identityModule = fx.Module("identity", fx.Provide(
	func(cfg Config, log *slog.Logger) (identity, error) {
		methods, challenges, err := cfg.Security.Identity.methods(log.With("component", "identity"))
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
