package wiring

import (
	"fmt"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/auth"
	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// EndpointGuardConfig is the SSRF guard (docs/security.md, "SSRF guard"):
// which addresses subscription endpoints may reach. Off by default.
type EndpointGuardConfig struct {
	// Enabled turns the guard on: link-local, cloud metadata and
	// unspecified addresses are then always refused, and the lists apply.
	Enabled bool `koanf:"enabled"`
	// Allow, when not empty, is the only CIDRs, addresses, host names and
	// *.domain patterns endpoints may reach (default empty: all but Deny).
	Allow []string `koanf:"allow"`
	// Deny lists CIDRs, addresses, host names and *.domain patterns
	// endpoints may not reach, e.g. 127.0.0.0/8, ::1/128, 10.0.0.0/8,
	// *.internal (default empty; loopback is allowed unless listed).
	Deny []string `koanf:"deny"`
}

// ConsumersTLSConfig is consumers.tls: TLS to HTTPS endpoints.
type ConsumersTLSConfig struct {
	// CAFile is a PEM bundle trusted for endpoint certificates instead of
	// the system trust store (default "": the system store).
	CAFile string `koanf:"ca_file"`
	// CertFile and KeyFile are a client certificate for endpoints that
	// ask for one (default none).
	CertFile string `koanf:"cert_file"`
	KeyFile  string `koanf:"key_file"`
}

func (c Config) validateSecurityTLS() []error {
	var errs []error
	if g := c.Security.EndpointGuard; g.Enabled {
		if _, err := domain.NewEndpointGuard(g.Allow, g.Deny); err != nil {
			errs = append(errs, fmt.Errorf("security.endpoint_guard: %s", domain.ErrorMessage(err)))
		}
	}
	if err := c.clientCertsUnasked(); err != nil {
		errs = append(errs, err)
	}
	if t := c.Consumers.TLS; (t.CertFile == "") != (t.KeyFile == "") {
		errs = append(errs, fmt.Errorf("consumers.tls: cert_file %q, key_file %q: set both to present a client certificate, or neither", t.CertFile, t.KeyFile))
	}
	return errs
}

// endpointGuard is the configured guard, nil when it is off.
func (c Config) endpointGuard() (*sender.Guard, error) {
	g := c.Security.EndpointGuard
	if !g.Enabled {
		return nil, nil
	}
	rule, err := domain.NewEndpointGuard(g.Allow, g.Deny)
	if err != nil {
		return nil, err
	}
	return sender.NewGuard(rule, nil), nil
}

// senderSecurity is the sender's TLS and guard settings from cfg.
func (c Config) senderSecurity(sc sender.Config) (sender.Config, error) {
	t := c.Consumers.TLS
	tc, err := sender.LoadTLS(sender.TLSFiles{CAFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile})
	if err != nil {
		return sc, fmt.Errorf("consumers.tls: %w", err)
	}
	sc.TLS = tc
	sc.Guard, err = c.endpointGuard()
	return sc, err
}

// endpointGuardModule makes management check subscription endpoints
// against the guard. app.Management takes the guard after construction so
// that its provider, which many changes touch, stays as it is.
func endpointGuardModule(cfg Config) fx.Option {
	if !cfg.Security.EndpointGuard.Enabled {
		return fx.Options()
	}
	return fx.Module("endpoint_guard", fx.Invoke(func(m ports.Management) error {
		g, err := cfg.endpointGuard()
		if err != nil {
			return err
		}
		if am, ok := m.(*app.Management); ok {
			am.WithEndpointGuard(g)
		}
		return nil
	}))
}

// ClientCertIdentityConfig is security.identity.tls: TLS client
// certificates as an identity method (auth.ClientCertConfig).
type ClientCertIdentityConfig struct {
	// Enabled identifies a caller by the verified client certificate of
	// its connection, when no Authorization header did. It needs a server
	// with tls.client_auth request or require.
	Enabled bool `koanf:"enabled"`
	// Principal is cn (default) or dn: the leaf's subject common name, or
	// its whole subject ("CN=alice,OU=payments,O=Example").
	Principal string `koanf:"principal"`
	// Subjects give roles and owner ids to principal names; an unlisted
	// certificate identifies a principal without any.
	Subjects []CertSubjectConfig `koanf:"subjects"`
}

// CertSubjectConfig is one entry of security.identity.tls.subjects.
type CertSubjectConfig struct {
	Name     string   `koanf:"name"`
	Roles    []string `koanf:"roles"`
	OwnerIDs []string `koanf:"owner_ids"`
}

// method is the configured client certificate method, nil when off.
func (c ClientCertIdentityConfig) method() (*auth.ClientCerts, error) {
	if !c.Enabled {
		return nil, nil
	}
	ss := make([]auth.CertSubject, len(c.Subjects))
	for i, s := range c.Subjects {
		ss[i] = auth.CertSubject{Name: s.Name, Roles: s.Roles, OwnerIDs: s.OwnerIDs}
	}
	return auth.NewClientCerts(auth.ClientCertConfig{Principal: c.Principal, Subjects: ss})
}

// clientCertsUnasked reports identity.tls on while no server asks
// clients for certificates: no caller could ever be identified by one.
func (c Config) clientCertsUnasked() error {
	if !c.Security.Identity.TLS.Enabled {
		return nil
	}
	for _, s := range []ServerConfig{c.Frontend.Server, c.Management.Server} {
		if a := s.TLS.ClientAuth; a == httpapi.ClientAuthRequest || a == httpapi.ClientAuthRequire {
			return nil
		}
	}
	return fmt.Errorf("security.identity.tls.enabled: no server asks for client certificates: set frontend.server.tls or management.server.tls client_ca_file and client_auth request or require")
}
