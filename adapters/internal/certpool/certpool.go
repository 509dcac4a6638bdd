// Package certpool reads PEM bundles of CA certificates for the adapters'
// TLS configurations (the servers' client CAs, the sender's roots).
package certpool

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// ErrNoCertificate is returned by Load for a file without any PEM
// certificate.
var ErrNoCertificate = errors.New("no PEM certificate in it")

// Load reads the PEM certificates of file into a new pool. The error
// names the file.
func Load(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %w", file, ErrNoCertificate)
	}
	return pool, nil
}
