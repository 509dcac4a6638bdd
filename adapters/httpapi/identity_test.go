package httpapi_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// authenticatorFunc is a ports.Authenticator from a function.
type authenticatorFunc func(context.Context, ports.Credentials) (domain.Principal, error)

func (f authenticatorFunc) Authenticate(ctx context.Context, c ports.Credentials) (domain.Principal, error) {
	return f(ctx, c)
}

// byHeader accepts "Bearer good" as alice, fails "Bearer down" as
// unavailable and rejects every other header.
var byHeader = authenticatorFunc(func(_ context.Context, c ports.Credentials) (domain.Principal, error) {
	switch c.Authorization {
	case "":
		if len(c.PeerCertificates) > 0 {
			return domain.Principal{Name: c.PeerCertificates[0].Subject.CommonName, Method: "tls"}, nil
		}
		return domain.Principal{}, nil
	case "Bearer good":
		return domain.Principal{Name: "alice", Roles: []string{"admin"}, Method: "token"}, nil
	case "Bearer down":
		return domain.Principal{}, fmt.Errorf("jwks: %w", domain.ErrUnavailable)
	}
	return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: unknown token")
})

// whoAmI answers the principal the request context carries.
var whoAmI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_ = json.NewEncoder(w).Encode(domain.PrincipalFrom(r.Context()))
})

func TestWithIdentity(t *testing.T) {
	t.Parallel()
	h := httpapi.WithIdentity(whoAmI, byHeader, []string{"Bearer", `Basic realm="hermes"`}, nil)
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec
	}

	t.Run("bad credentials get 401 AUTH_ERROR with challenges", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/topics", nil)
		r.Header.Set("Authorization", "Bearer s3cret-value")
		rec := serve(r)
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		assert.JSONEq(t, `{"message":"Authentication failed: unknown token","code":"AUTH_ERROR"}`, rec.Body.String())
		assert.Equal(t, []string{"Bearer", `Basic realm="hermes"`}, rec.Header().Values("WWW-Authenticate"))
		assert.NotContains(t, rec.Body.String(), "s3cret-value")
	})
	t.Run("an unavailable authenticator gets 503", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/topics", nil)
		r.Header.Set("Authorization", "Bearer down")
		rec := serve(r)
		require.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Contains(t, rec.Body.String(), `"code":"OTHER"`)
		assert.Empty(t, rec.Header().Values("WWW-Authenticate"))
	})
	t.Run("the principal reaches the handler", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/topics", nil)
		r.Header.Set("Authorization", "Bearer good")
		rec := serve(r)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.JSONEq(t, `{"Name":"alice","Roles":["admin"],"OwnerIDs":null,"Method":"token"}`, rec.Body.String())
	})
	t.Run("client certificates are passed on", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/topics", nil)
		cert := &x509.Certificate{}
		cert.Subject.CommonName = "svc-a"
		r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{cert}}
		rec := serve(r)
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), `"Name":"svc-a"`)
	})
	t.Run("no credentials are anonymous", func(t *testing.T) {
		rec := serve(httptest.NewRequest(http.MethodGet, "/topics", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		assert.Contains(t, rec.Body.String(), `"Name":""`)
	})
}

func TestWithIdentityOffIsTheHandlerItself(t *testing.T) {
	t.Parallel()
	h := httpapi.WithIdentity(whoAmI, nil, nil, nil)
	assert.Equal(t, fmt.Sprintf("%p", whoAmI), fmt.Sprintf("%p", h), "no wrapper when identity is off")
}

// TestWithIdentityAnonymousAddsNoAllocation: with identity on, a request
// without credentials costs no allocation beyond the handler's own (no
// context is derived for the anonymous principal).
func TestWithIdentityAnonymousAddsNoAllocation(t *testing.T) {
	anonymous := authenticatorFunc(func(context.Context, ports.Credentials) (domain.Principal, error) {
		return domain.Principal{}, nil
	})
	noop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	h := httpapi.WithIdentity(noop, anonymous, nil, nil)
	r := httptest.NewRequest(http.MethodPost, "/topics/g.t", nil)
	w := httptest.NewRecorder()
	assert.Zero(t, testing.AllocsPerRun(100, func() { h.ServeHTTP(w, r) }))
}
