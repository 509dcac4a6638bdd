package wiring

import (
	"fmt"

	"go.uber.org/fx"

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
