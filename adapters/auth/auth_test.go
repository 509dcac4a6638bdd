package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func sha(s string) string {
	d := sha256.Sum256([]byte(s))
	return hex.EncodeToString(d[:])
}

func basicHeader(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

func hash(t *testing.T, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	require.NoError(t, err)
	return string(h)
}

func creds(h string) ports.Credentials { return ports.Credentials{Authorization: h} }

func TestTokens(t *testing.T) {
	t.Parallel()
	tok, err := auth.NewTokens([]auth.StaticToken{
		{Name: "alice", SHA256: sha("alice-secret"), Roles: []string{"publisher"}, OwnerIDs: []string{"team-a"}},
		{Name: "bob", Token: "bob-secret"},
	})
	require.NoError(t, err)
	ctx := t.Context()

	p, err := tok.Authenticate(ctx, creds("Bearer alice-secret"))
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{Name: "alice", Roles: []string{"publisher"}, OwnerIDs: []string{"team-a"}, Method: "token"}, p)

	p, err = tok.Authenticate(ctx, creds("bearer   bob-secret "))
	require.NoError(t, err, "the scheme is case-insensitive and spaces around the token do not count")
	assert.Equal(t, "bob", p.Name)

	_, err = tok.Authenticate(ctx, creds("Bearer alice-secreT"))
	require.ErrorIs(t, err, domain.ErrUnauthenticated)
	assert.NotContains(t, err.Error(), "alice-secreT", "errors never echo credentials")

	for _, h := range []string{"", "Basic YTpi", "Bearer", "Negotiate abc"} {
		_, err = tok.Authenticate(ctx, creds(h))
		require.ErrorIs(t, err, auth.ErrNotPresented, "%q", h)
	}
}

func TestNewTokensRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, st := range map[string][]auth.StaticToken{
		"no name":       {{SHA256: sha("x")}},
		"no token":      {{Name: "a"}},
		"short digest":  {{Name: "a", SHA256: "abcd"}},
		"not hex":       {{Name: "a", SHA256: "zz" + sha("x")[2:]}},
		"same token":    {{Name: "a", Token: "x"}, {Name: "b", SHA256: sha("x")}},
		"one bad entry": {{Name: "a", Token: "x"}, {Name: "b"}},
	} {
		_, err := auth.NewTokens(st)
		assert.Error(t, err, name)
	}
}

func TestBasic(t *testing.T) {
	t.Parallel()
	b, err := auth.NewBasic([]auth.BasicUser{
		{Name: "someUser", Bcrypt: hash(t, "somePassword123"), Roles: []string{"publisher"}},
		{Name: "colon", Bcrypt: hash(t, "pa:ss")},
	})
	require.NoError(t, err)
	ctx := t.Context()

	for range 2 { // the second time from the cache of verified credentials
		p, err := b.Authenticate(ctx, creds(basicHeader("someUser", "somePassword123")))
		require.NoError(t, err)
		assert.Equal(t, domain.Principal{Name: "someUser", Roles: []string{"publisher"}, Method: "basic"}, p)
	}
	p, err := b.Authenticate(ctx, creds(basicHeader("colon", "pa:ss")))
	require.NoError(t, err, "a password may contain a colon")
	assert.Equal(t, "colon", p.Name)

	for name, h := range map[string]string{
		"wrong password":   basicHeader("someUser", "someInvalidPassword"),
		"unknown user":     basicHeader("nobody", "somePassword123"),
		"other user's pw":  basicHeader("colon", "somePassword123"),
		"not base64":       "Basic %%%",
		"no colon":         "Basic " + base64.StdEncoding.EncodeToString([]byte("someUser")),
		"empty user":       basicHeader("", "somePassword123"),
		"scheme only":      "Basic",
		"empty after trim": "Basic   ",
	} {
		_, err := b.Authenticate(ctx, creds(h))
		require.ErrorIs(t, err, domain.ErrUnauthenticated, name)
		assert.NotContains(t, err.Error(), "somePassword123", name)
		assert.NotContains(t, err.Error(), "someInvalidPassword", name)
	}
	for _, h := range []string{"", "Bearer abc"} {
		_, err := b.Authenticate(ctx, creds(h))
		require.ErrorIs(t, err, auth.ErrNotPresented, "%q", h)
	}
}

func TestNewBasicRejectsBadConfig(t *testing.T) {
	t.Parallel()
	for name, users := range map[string][]auth.BasicUser{
		"no name":       {{Bcrypt: hash(t, "x")}},
		"plain text":    {{Name: "a", Bcrypt: "x"}},
		"same name":     {{Name: "a", Bcrypt: hash(t, "x")}, {Name: "a", Bcrypt: hash(t, "y")}},
		"sha not bcryp": {{Name: "a", Bcrypt: sha("x")}},
	} {
		_, err := auth.NewBasic(users)
		assert.Error(t, err, name)
	}
}

// fixed is a Method with a fixed answer.
type fixed struct {
	p   domain.Principal
	err error
}

func (f fixed) Authenticate(context.Context, ports.Credentials) (domain.Principal, error) {
	return f.p, f.err
}

func TestChain(t *testing.T) {
	t.Parallel()
	alice := domain.Principal{Name: "alice"}
	rejected := domain.Errorf(domain.ErrUnauthenticated, "no")
	down := fmt.Errorf("jwks: %w", domain.ErrUnavailable)
	notMine := fixed{err: auth.ErrNotPresented}
	for name, tt := range map[string]struct {
		methods []auth.Method
		want    domain.Principal
		err     error
	}{
		"empty is anonymous":              {},
		"nothing presented is anonymous":  {methods: []auth.Method{notMine, notMine}},
		"the first acceptance decides":    {methods: []auth.Method{notMine, fixed{p: alice}, fixed{err: rejected}}, want: alice},
		"a later method may accept":       {methods: []auth.Method{fixed{err: rejected}, fixed{p: alice}}, want: alice},
		"rejected by all that handle it":  {methods: []auth.Method{fixed{err: rejected}, notMine}, err: domain.ErrUnauthenticated},
		"the first failure is the answer": {methods: []auth.Method{fixed{err: down}, fixed{err: rejected}}, err: domain.ErrUnavailable},
		"nil methods are skipped":         {methods: []auth.Method{nil, fixed{p: alice}}, want: alice},
	} {
		t.Run(name, func(t *testing.T) {
			p, err := auth.NewChain(tt.methods...).Authenticate(t.Context(), ports.Credentials{})
			if tt.err != nil {
				require.True(t, errors.Is(err, tt.err), "got %v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, p)
		})
	}
	assert.True(t, auth.NewChain().Empty())
	assert.True(t, auth.NewChain(nil).Empty())
	assert.False(t, auth.NewChain(notMine).Empty())
}
