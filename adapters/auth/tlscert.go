package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Principal name sources of ClientCertConfig.Principal.
const (
	// CertPrincipalCN names the principal by the leaf's subject common name.
	CertPrincipalCN = "cn"
	// CertPrincipalDN names it by the whole subject, RFC 2253 style
	// ("CN=alice,OU=payments,O=Example").
	CertPrincipalDN = "dn"
)

// CertSubject gives roles and owner ids to the principal of a certificate.
type CertSubject struct {
	// Name is the principal name as ClientCertConfig.Principal derives it.
	Name string
	// Roles and OwnerIDs are the principal's.
	Roles    []string
	OwnerIDs []string
}

// ClientCertConfig configures TLS client certificate identity.
type ClientCertConfig struct {
	// Principal is cn (default) or dn: which part of the leaf's subject
	// names the principal.
	Principal string
	// Subjects map principal names to roles and owner ids; a certificate
	// whose name is not listed identifies a principal without any.
	Subjects []CertSubject
}

// ClientCerts identifies callers by the verified client certificate of
// their TLS connection. The server verified the chain against its client
// CA bundle during the handshake; this method only reads the leaf.
type ClientCerts struct {
	dn       bool
	subjects map[string]CertSubject
}

var _ Method = (*ClientCerts)(nil)

// NewClientCerts checks cfg: a known principal source, and subjects with
// names, each listed once.
func NewClientCerts(cfg ClientCertConfig) (*ClientCerts, error) {
	var errs []error
	c := &ClientCerts{subjects: map[string]CertSubject{}}
	switch cfg.Principal {
	case "", CertPrincipalCN:
	case CertPrincipalDN:
		c.dn = true
	default:
		errs = append(errs, fmt.Errorf("tls.principal %q: want cn or dn", cfg.Principal))
	}
	for i, s := range cfg.Subjects {
		switch _, dup := c.subjects[s.Name]; {
		case s.Name == "":
			errs = append(errs, fmt.Errorf("tls.subjects[%d].name: empty: want the certificate's principal name", i))
		case dup:
			errs = append(errs, fmt.Errorf("tls.subjects[%d] (%s): listed twice", i, s.Name))
		default:
			c.subjects[s.Name] = s
		}
	}
	return c, errors.Join(errs...)
}

// Authenticate implements Method: ErrNotPresented without a client
// certificate; a leaf without the configured name part (no common name)
// is ErrUnauthenticated.
func (c *ClientCerts) Authenticate(_ context.Context, creds ports.Credentials) (domain.Principal, error) {
	if len(creds.PeerCertificates) == 0 {
		return domain.Principal{}, ErrNotPresented
	}
	leaf := creds.PeerCertificates[0]
	name := leaf.Subject.CommonName
	if c.dn {
		name = leaf.Subject.String()
	}
	if name == "" {
		return domain.Principal{}, domain.Errorf(domain.ErrUnauthenticated, "Authentication failed: the client certificate's subject has no common name")
	}
	s := c.subjects[name]
	return domain.Principal{Name: name, Roles: slices.Clone(s.Roles), OwnerIDs: slices.Clone(s.OwnerIDs), Method: "tls"}, nil
}
