package auth_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func certCreds(subject pkix.Name) ports.Credentials {
	return ports.Credentials{PeerCertificates: []*x509.Certificate{{Subject: subject}}}
}

func TestClientCerts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	alice := pkix.Name{CommonName: "alice", OrganizationalUnit: []string{"payments"}, Organization: []string{"Example"}}
	subjects := []auth.CertSubject{
		{Name: "alice", Roles: []string{"publisher"}, OwnerIDs: []string{"team-a"}},
		{Name: "CN=alice,OU=payments,O=Example", Roles: []string{"admin"}},
	}

	cn, err := auth.NewClientCerts(auth.ClientCertConfig{Subjects: subjects})
	require.NoError(t, err)
	p, err := cn.Authenticate(ctx, certCreds(alice))
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{Name: "alice", Roles: []string{"publisher"}, OwnerIDs: []string{"team-a"}, Method: "tls"}, p)

	dn, err := auth.NewClientCerts(auth.ClientCertConfig{Principal: auth.CertPrincipalDN, Subjects: subjects})
	require.NoError(t, err)
	p, err = dn.Authenticate(ctx, certCreds(alice))
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{Name: "CN=alice,OU=payments,O=Example", Roles: []string{"admin"}, Method: "tls"}, p)

	p, err = cn.Authenticate(ctx, certCreds(pkix.Name{CommonName: "carol"}))
	require.NoError(t, err)
	assert.Equal(t, domain.Principal{Name: "carol", Method: "tls"}, p,
		"an unlisted certificate is identified, without roles")

	_, err = cn.Authenticate(ctx, certCreds(pkix.Name{Organization: []string{"Example"}}))
	require.ErrorIs(t, err, domain.ErrUnauthenticated, "no common name to name the principal")

	_, err = cn.Authenticate(ctx, ports.Credentials{Authorization: "Bearer x"})
	require.ErrorIs(t, err, auth.ErrNotPresented)
}

func TestClientCertsConfigProblems(t *testing.T) {
	t.Parallel()
	_, err := auth.NewClientCerts(auth.ClientCertConfig{Principal: "email", Subjects: []auth.CertSubject{{}, {Name: "a"}, {Name: "a"}}})
	require.Error(t, err)
	for _, s := range []string{"tls.principal", "tls.subjects[0].name", "tls.subjects[2] (a)"} {
		assert.Contains(t, err.Error(), s)
	}
}

// A client certificate identifies its caller when no header does: the
// chain asks it after the Authorization methods.
func TestChainFallsBackToClientCertificate(t *testing.T) {
	t.Parallel()
	tok, err := auth.NewTokens([]auth.StaticToken{{Name: "svc", Token: "s3cret"}})
	require.NoError(t, err)
	certs, err := auth.NewClientCerts(auth.ClientCertConfig{})
	require.NoError(t, err)
	chain := auth.NewChain(tok, certs)

	c := certCreds(pkix.Name{CommonName: "alice"})
	p, err := chain.Authenticate(t.Context(), c)
	require.NoError(t, err)
	assert.Equal(t, "alice", p.Name)

	c.Authorization = "Bearer s3cret"
	p, err = chain.Authenticate(t.Context(), c)
	require.NoError(t, err)
	assert.Equal(t, "svc", p.Name, "the Authorization header's principal comes first")
}
