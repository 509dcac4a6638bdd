package httpapi

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/certpool"
)

// Client certificate modes of TLSConfig.ClientAuth.
const (
	// ClientAuthNone asks no client for a certificate.
	ClientAuthNone = "none"
	// ClientAuthRequest asks for a certificate and verifies one that is
	// sent; a client without one is served (as anonymous).
	ClientAuthRequest = "request"
	// ClientAuthRequire refuses the handshake of a client without a
	// certificate signed by the client CA.
	ClientAuthRequire = "require"
)

// TLSConfig says where a server's certificate is and whether it asks
// clients for theirs. The zero value serves plain HTTP.
type TLSConfig struct {
	// CertFile and KeyFile are the PEM certificate chain (leaf first) and
	// its private key. Both set turns TLS on.
	CertFile, KeyFile string
	// ClientCAFile is a PEM bundle of the CAs that sign client
	// certificates; needed by ClientAuth request and require.
	ClientCAFile string
	// ClientAuth is none, request or require; "" is none.
	ClientAuth string
}

// Enabled reports whether the server serves HTTPS.
func (c TLSConfig) Enabled() bool { return c.CertFile != "" || c.KeyFile != "" }

// Problems lists what is wrong with c, each naming its key under prefix
// and the fix; files are not read (LoadTLS does that).
func (c TLSConfig) Problems(prefix string) []error {
	var errs []error
	if c.Enabled() && (c.CertFile == "" || c.KeyFile == "") {
		errs = append(errs, fmt.Errorf("%s: cert_file %q, key_file %q: set both to serve HTTPS, or neither", prefix, c.CertFile, c.KeyFile))
	}
	switch c.ClientAuth {
	case "", ClientAuthNone:
		if c.ClientCAFile != "" {
			errs = append(errs, fmt.Errorf("%s.client_auth %q: client_ca_file is set: want request or require", prefix, c.ClientAuth))
		}
	case ClientAuthRequest, ClientAuthRequire:
		if c.ClientCAFile == "" {
			errs = append(errs, fmt.Errorf("%s.client_auth %s: needs client_ca_file, the CAs that sign client certificates", prefix, c.ClientAuth))
		}
		if !c.Enabled() {
			errs = append(errs, fmt.Errorf("%s.client_auth %s: needs cert_file and key_file (client certificates need TLS)", prefix, c.ClientAuth))
		}
	default:
		errs = append(errs, fmt.Errorf("%s.client_auth %q: want none, request or require", prefix, c.ClientAuth))
	}
	return errs
}

// LoadTLS reads c's files and returns the server's TLS configuration, or
// an error naming the file that cannot be used. The certificate and key
// are read again at the first handshake after either file changed, so a
// renewed certificate is served without a restart; a pair that fails to
// load then is logged and the previous one kept. The client CA bundle is
// read once.
func LoadTLS(c TLSConfig, log *slog.Logger) (*tls.Config, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	kp := &keyPair{certFile: c.CertFile, keyFile: c.KeyFile, log: log}
	if err := kp.load(); err != nil {
		return nil, err
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: kp.get}
	if c.ClientCAFile != "" {
		pool, err := certpool.Load(c.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("tls: client CA file: %w", err)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
		if c.ClientAuth == ClientAuthRequire {
			cfg.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return cfg, nil
}

// keyPair is a certificate re-read when its files change.
type keyPair struct {
	certFile, keyFile string
	log               *slog.Logger

	mu      sync.Mutex
	stamps  [2]fileStamp // of the files when last read, loaded or not
	current *tls.Certificate
}

// fileStamp tells a rewritten file from the one read before.
type fileStamp struct {
	mod  time.Time
	size int64
}

func (k *keyPair) stat() ([2]fileStamp, error) {
	var s [2]fileStamp
	for i, f := range []string{k.certFile, k.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return s, err
		}
		s[i] = fileStamp{fi.ModTime(), fi.Size()}
	}
	return s, nil
}

// load reads the pair; it fails when either file is missing or they do
// not match.
func (k *keyPair) load() error {
	stamps, err := k.stat()
	if err != nil {
		return fmt.Errorf("tls: %w", err)
	}
	cert, err := tls.LoadX509KeyPair(k.certFile, k.keyFile)
	k.stamps = stamps
	if err != nil {
		return fmt.Errorf("tls: certificate %s with key %s: %w", k.certFile, k.keyFile, err)
	}
	k.current = &cert
	return nil
}

// get serves the current pair, first reading the files again if they
// changed since the last read. Files being rewritten (the certificate
// already new, the key not yet) fail to load: the previous pair is
// served until the next change completes them.
func (k *keyPair) get(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	stamps, err := k.stat()
	if err != nil || stamps == k.stamps {
		// A file missing for a moment (replaced by a rename) is not a
		// change yet; logging per handshake would flood the log.
		return k.current, nil
	}
	if err := k.load(); err != nil {
		k.log.Error("changed certificate files do not load; serving the previous certificate", "err", err)
		return k.current, nil
	}
	k.log.Info("certificate reloaded", "cert_file", k.certFile)
	return k.current, nil
}
