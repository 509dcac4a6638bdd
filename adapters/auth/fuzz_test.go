package auth_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/test/testenv"
)

// FuzzAuthorizationHeader feeds arbitrary headers to every method:
// whatever arrives, each answers a principal only for its one configured
// credential, and otherwise not-presented or unauthenticated, never
// another error and never a panic.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, s := range []string{"", "Bearer t0ken", "Basic dTpw", basicHeader("u", "p"), "basic  dTpw ", "Bearer", "Basic", "Basic \x00", "BEARER t0ken"} {
		f.Add(s)
	}
	tok, err := auth.NewTokens([]auth.StaticToken{{Name: "t", Token: "t0ken"}})
	require.NoError(f, err)
	h, err := bcrypt.GenerateFromPassword([]byte("p"), bcrypt.MinCost)
	require.NoError(f, err)
	basic, err := auth.NewBasic([]auth.BasicUser{{Name: "u", Bcrypt: string(h)}})
	require.NoError(f, err)
	is := testenv.NewIssuer(f)
	jwtMethod, err := auth.NewJWT(auth.JWTConfig{Issuer: is.URL, Audience: testenv.Audience})
	require.NoError(f, err)
	f.Add("Bearer " + is.Token("rsa-1", is.Claims("j")))
	f.Fuzz(func(t *testing.T, header string) {
		for _, m := range []auth.Method{tok, basic, jwtMethod} {
			p, err := m.Authenticate(t.Context(), creds(header))
			if err == nil {
				require.Contains(t, []string{"t", "u", "j"}, p.Name)
				continue
			}
			require.True(t, errors.Is(err, auth.ErrNotPresented) || errors.Is(err, domain.ErrUnauthenticated), "%v", err)
		}
	})
}
