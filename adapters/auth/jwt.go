package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// JWTConfig configures bearer JWTs signed by an OIDC issuer.
type JWTConfig struct {
	// Issuer is the issuer URL; tokens must carry it as "iss", and its
	// keys are found through <Issuer>/.well-known/openid-configuration.
	Issuer string
	// JWKSURL, when set, is where the keys are read, without discovery.
	JWKSURL string
	// Audience must be among a token's "aud".
	Audience string
	// Algorithms are the accepted signing algorithms (default RS256,
	// ES256). Only asymmetric ones are accepted: a symmetric algorithm
	// would let anyone holding the issuer's public key sign.
	Algorithms []string
	// ClockSkew is the leeway for exp, nbf and iat (default 30s).
	ClockSkew time.Duration
	// PrincipalClaim names the claim of the principal's name (default
	// sub). RolesClaim and OwnerIDsClaim name the claims of roles and
	// owner ids (default roles and owner_ids); each is a string or an
	// array of strings; a dotted name ("realm_access.roles") reads a
	// nested object.
	PrincipalClaim, RolesClaim, OwnerIDsClaim string
	// RefreshInterval is how long keys are used before they are read
	// again (default 1h); a revoked key is refused after at most that.
	RefreshInterval time.Duration
	// MinRefreshInterval bounds how often a token with an unknown key id
	// (or a failed fetch) makes the keys be read again (default 1m), so
	// that made-up key ids cannot flood the issuer.
	MinRefreshInterval time.Duration
	// HTTPTimeout bounds each request to the issuer (default 5s).
	HTTPTimeout time.Duration
	// Client makes the requests to the issuer (default: a client with the
	// system trust store).
	Client *http.Client
	// Log receives failed key fetches (nil: none are logged).
	Log *slog.Logger
}

// DefaultJWTAlgorithms are the algorithms accepted when none are configured.
var DefaultJWTAlgorithms = []string{"RS256", "ES256"}

// asymmetric are the algorithms JWTConfig.Algorithms may name.
var asymmetric = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}

// maxIssuerDocument bounds what is read of a discovery document or JWKS.
const maxIssuerDocument = 1 << 20

// JWT authenticates bearer JWTs against an issuer's JWKS. It starts no
// goroutine: keys are fetched by the request that needs them, one fetch
// at a time, and kept for RefreshInterval.
type JWT struct {
	cfg    JWTConfig
	parser *jwt.Parser

	mu          sync.Mutex
	jwksURL     string          // discovered, or cfg.JWKSURL
	keys        keyfunc.Keyfunc // nil until fetched once
	fetched     time.Time       // when keys were fetched
	lastAttempt time.Time       // last fetch, successful or not
	now         func() time.Time
}

var _ Method = (*JWT)(nil)

// NewJWT checks cfg and applies its defaults; it does not contact the
// issuer (the first token does), so that an issuer that is down does not
// keep the servers from starting.
func NewJWT(cfg JWTConfig) (*JWT, error) {
	var errs []error
	if cfg.Issuer == "" {
		errs = append(errs, errors.New("jwt.issuer: empty: want the issuer URL, the tokens' iss"))
	}
	if cfg.Audience == "" {
		errs = append(errs, errors.New("jwt.audience: empty: want the audience tokens for Hermes carry in aud"))
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = DefaultJWTAlgorithms
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(asymmetric, a) {
			errs = append(errs, fmt.Errorf("jwt.algorithms: %q: want asymmetric ones of %s", a, strings.Join(asymmetric, ", ")))
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.ClockSkew, 30*time.Second)
	def(&cfg.RefreshInterval, time.Hour)
	def(&cfg.MinRefreshInterval, time.Minute)
	def(&cfg.HTTPTimeout, 5*time.Second)
	for _, c := range []*string{&cfg.PrincipalClaim, &cfg.RolesClaim, &cfg.OwnerIDsClaim} {
		*c = strings.TrimSpace(*c)
	}
	if cfg.PrincipalClaim == "" {
		cfg.PrincipalClaim = "sub"
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.OwnerIDsClaim == "" {
		cfg.OwnerIDsClaim = "owner_ids"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &JWT{
		cfg: cfg, jwksURL: cfg.JWKSURL, now: time.Now,
		parser: jwt.NewParser(jwt.WithValidMethods(cfg.Algorithms), jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
			jwt.WithLeeway(cfg.ClockSkew), jwt.WithExpirationRequired(), jwt.WithIssuedAt()),
	}, nil
}

// Authenticate implements Method: every Bearer credential is taken for a
// JWT, so that a token that is no JWT is refused rather than anonymous.
func (j *JWT) Authenticate(ctx context.Context, c ports.Credentials) (domain.Principal, error) {
	raw, ok := bearerToken(c.Authorization)
	if !ok {
		return domain.Principal{}, ErrNotPresented
	}
	var unavailable error
	claims := jwt.MapClaims{}
	_, err := j.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		k, err := j.key(ctx, t)
		if errors.Is(err, domain.ErrUnavailable) {
			unavailable = err
		}
		return k, err
	})
	if unavailable != nil {
		return domain.Principal{}, unavailable
	}
	if err != nil {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: %s", jwtFailure(err))
	}
	name, _ := claimValues(claims, j.cfg.PrincipalClaim)
	if len(name) != 1 || name[0] == "" {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: the token has no %s claim naming the caller", j.cfg.PrincipalClaim)
	}
	roles, _ := claimValues(claims, j.cfg.RolesClaim)
	owners, _ := claimValues(claims, j.cfg.OwnerIDsClaim)
	return domain.Principal{Name: name[0], Roles: roles, OwnerIDs: owners, Method: "jwt"}, nil
}

// jwtFailure says why a token was refused, in words that quote nothing
// of the token.
func jwtFailure(err error) string {
	for _, f := range []struct {
		kind error
		text string
	}{
		{jwt.ErrTokenMalformed, "malformed token"},
		{jwt.ErrTokenSignatureInvalid, "bad token signature"},
		{jwkset.ErrKeyNotFound, "token signed by an unknown key"},
		{jwt.ErrTokenExpired, "token expired"},
		{jwt.ErrTokenNotValidYet, "token not valid yet"},
		{jwt.ErrTokenUsedBeforeIssued, "token issued in the future"},
		{jwt.ErrTokenInvalidAudience, "token for another audience"},
		{jwt.ErrTokenInvalidIssuer, "token from another issuer"},
		{jwt.ErrTokenRequiredClaimMissing, "token without expiry"},
	} {
		if errors.Is(err, f.kind) {
			return f.text
		}
	}
	// An algorithm outside the allowed ones ("none", HS256) and key
	// mismatches end here.
	return "token not verifiable"
}

// key returns the verification key of t. Keys are fetched when there
// are none yet, when they are older than RefreshInterval, or when t names
// a key id they lack; never twice within MinRefreshInterval, so neither
// made-up key ids nor an issuer that is down make a fetch per request.
// A failed fetch keeps the keys there were; without any, the answer is
// domain.ErrUnavailable.
func (j *JWT) key(ctx context.Context, t *jwt.Token) (any, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	now := j.now()
	mayFetch := j.lastAttempt.IsZero() || now.Sub(j.lastAttempt) >= j.cfg.MinRefreshInterval
	var fetchErr error
	if mayFetch && (j.keys == nil || now.Sub(j.fetched) > j.cfg.RefreshInterval) {
		fetchErr = j.refresh(ctx, now)
		mayFetch = false
	}
	if j.keys == nil {
		if fetchErr == nil {
			fetchErr = fmt.Errorf("auth: keys of %s not fetched (retried every %s): %w", j.cfg.Issuer, j.cfg.MinRefreshInterval, domain.ErrUnavailable)
		}
		return nil, fetchErr
	}
	k, err := j.keys.KeyfuncCtx(ctx)(t)
	if errors.Is(err, jwkset.ErrKeyNotFound) && mayFetch && j.refresh(ctx, now) == nil {
		k, err = j.keys.KeyfuncCtx(ctx)(t)
	}
	return k, err
}

// refresh fetches the keys and logs a failure. Called with j.mu held.
func (j *JWT) refresh(ctx context.Context, now time.Time) error {
	j.lastAttempt = now
	err := j.fetch(ctx, now)
	if err != nil {
		j.cfg.Log.WarnContext(ctx, "issuer keys not fetched", "issuer", j.cfg.Issuer, "keys_cached", j.keys != nil, "err", err)
	}
	return err
}

// fetch reads the keys, after discovery the first time.
func (j *JWT) fetch(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.cfg.HTTPTimeout)
	defer cancel()
	if j.jwksURL == "" {
		u, err := j.discover(ctx)
		if err != nil {
			return err
		}
		j.jwksURL = u
	}
	body, err := j.get(ctx, j.jwksURL)
	if err != nil {
		return err
	}
	keys, err := keyfunc.NewJWKSetJSON(body)
	if err != nil {
		return fmt.Errorf("auth: JWKS of %s: %w: %w", j.cfg.Issuer, domain.ErrUnavailable, err)
	}
	j.keys, j.fetched = keys, now
	return nil
}

// discover reads the issuer's OIDC discovery document for its jwks_uri.
func (j *JWT) discover(ctx context.Context) (string, error) {
	body, err := j.get(ctx, strings.TrimSuffix(j.cfg.Issuer, "/")+"/.well-known/openid-configuration")
	if err != nil {
		return "", err
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("auth: discovery document of %s: %w: %w", j.cfg.Issuer, domain.ErrUnavailable, err)
	}
	// OpenID Connect Discovery 1.0, section 4.3: the document's issuer
	// must be the one asked for, or another issuer's keys could be used.
	if doc.Issuer != j.cfg.Issuer || doc.JWKSURI == "" {
		return "", fmt.Errorf("auth: discovery document of %s names issuer %q and jwks_uri %q: %w", j.cfg.Issuer, doc.Issuer, doc.JWKSURI, domain.ErrUnavailable)
	}
	return doc.JWKSURI, nil
}

func (j *JWT) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("auth: %s: %w: %w", url, domain.ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := j.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("auth: %w: %w", domain.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxIssuerDocument))
	if err != nil || resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("auth: GET %s: status %d: %w: %w", url, resp.StatusCode, domain.ErrUnavailable, err)
	}
	return body, nil
}

// claimValues reads a string or an array of strings at a claim name,
// dots separating nested objects. ok is false when it is absent or of
// another type.
func claimValues(claims map[string]any, name string) (values []string, ok bool) {
	var v any = claims
	for part := range strings.SplitSeq(name, ".") {
		obj, isObj := v.(map[string]any)
		if !isObj {
			return nil, false
		}
		if v, ok = obj[part]; !ok {
			return nil, false
		}
	}
	switch v := v.(type) {
	case string:
		return []string{v}, true
	case []any:
		for _, e := range v {
			s, isString := e.(string)
			if !isString {
				return nil, false
			}
			values = append(values, s)
		}
		return values, true
	}
	return nil, false
}
