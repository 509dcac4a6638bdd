package testenv

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is a small OpenID Connect issuer for tests: it serves
// /.well-known/openid-configuration and the JWKS it names, and signs
// real tokens with its keys.
type Issuer struct {
	*httptest.Server
	t testing.TB

	mu        sync.Mutex
	keys      map[string]crypto.Signer // published, by kid
	published []string                 // kids in the JWKS, in order
	// JWKSFetches counts requests for the JWKS.
	JWKSFetches atomic.Int64
	// Down makes every answer 503 while true.
	Down atomic.Bool
}

// Audience is the aud NewIssuer's default claims carry.
const Audience = "hermes"

// NewIssuer starts an issuer with one RSA key ("rsa-1") and one ECDSA
// P-256 key ("ec-1") in its JWKS; it stops with the test.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	is := &Issuer{t: t, keys: map[string]crypto.Signer{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		if is.Down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": is.URL, "jwks_uri": is.URL + "/jwks"})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		is.JWKSFetches.Add(1)
		if is.Down.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(is.jwks(r.Context()))
	})
	is.Server = httptest.NewServer(mux)
	t.Cleanup(is.Close)
	is.Publish("rsa-1", NewRSAKey(t))
	is.Publish("ec-1", NewECKey(t))
	return is
}

// NewRSAKey returns a new 2048-bit RSA key.
func NewRSAKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// NewECKey returns a new ECDSA P-256 key.
func NewECKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Publish adds key to the JWKS under kid.
func (is *Issuer) Publish(kid string, key crypto.Signer) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.keys[kid] = key
	is.published = append(is.published, kid)
}

// Key returns the key published under kid.
func (is *Issuer) Key(kid string) crypto.Signer {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.keys[kid]
}

func (is *Issuer) jwks(ctx context.Context) []byte {
	is.mu.Lock()
	defer is.mu.Unlock()
	store := jwkset.NewMemoryStorage()
	for _, kid := range is.published {
		alg := jwkset.AlgRS256
		if _, ok := is.keys[kid].(*ecdsa.PrivateKey); ok {
			alg = jwkset.AlgES256
		}
		jwk, err := jwkset.NewJWKFromKey(is.keys[kid].Public(), jwkset.JWKOptions{Metadata: jwkset.JWKMetadataOptions{KID: kid, ALG: alg, USE: jwkset.UseSig}})
		if err != nil {
			is.t.Error(err)
			return nil
		}
		if err := store.KeyWrite(ctx, jwk); err != nil {
			is.t.Error(err)
			return nil
		}
	}
	raw, err := store.JSONPublic(ctx)
	if err != nil {
		is.t.Error(err)
	}
	return raw
}

// Claims returns valid claims for subject: this issuer, Audience, issued
// now, expiring in an hour.
func (is *Issuer) Claims(subject string) jwt.MapClaims {
	now := time.Now()
	return jwt.MapClaims{"iss": is.URL, "aud": Audience, "sub": subject, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
}

// Sign returns claims signed with key under kid (RS256 for RSA keys,
// ES256 for ECDSA ones); the key need not be published.
func (is *Issuer) Sign(kid string, key crypto.Signer, claims jwt.MapClaims) string {
	is.t.Helper()
	var method jwt.SigningMethod = jwt.SigningMethodRS256
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		method = jwt.SigningMethodES256
	}
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		is.t.Fatal(err)
	}
	return s
}

// Token returns claims signed with the published key kid.
func (is *Issuer) Token(kid string, claims jwt.MapClaims) string {
	is.t.Helper()
	return is.Sign(kid, is.Key(kid), claims)
}
