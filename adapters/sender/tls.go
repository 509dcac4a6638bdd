package sender

import (
	"crypto/tls"
	"fmt"

	"github.com/hermes-go/hermes/adapters/internal/certpool"
)

// TLSFiles are the PEM files of the client side of TLS to endpoints.
type TLSFiles struct {
	// CAFile, when set, is the bundle of CAs trusted for endpoint
	// certificates instead of the system trust store (as Hermes's
	// consumer truststore does).
	CAFile string
	// CertFile and KeyFile are a client certificate presented to
	// endpoints that ask for one; both or neither.
	CertFile, KeyFile string
}

// LoadTLS reads f's files into a client TLS configuration for
// Config.TLS; nil (the system roots, no client certificate) when f sets
// none. The error names the file that cannot be used.
func LoadTLS(f TLSFiles) (*tls.Config, error) {
	if f == (TLSFiles{}) {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if f.CAFile != "" {
		pool, err := certpool.Load(f.CAFile)
		if err != nil {
			return nil, fmt.Errorf("sender: CA file: %w", err)
		}
		cfg.RootCAs = pool
	}
	if f.CertFile != "" || f.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(f.CertFile, f.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("sender: client certificate %s with key %s: %w", f.CertFile, f.KeyFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}
