package wiring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/ports"
)

// ServerConfig bounds the connections of one HTTP server (frontend.server,
// management.server); docs/reliability.md lists the limits and why.
type ServerConfig struct {
	// ReadHeaderTimeout bounds a request's line and headers (default 5s).
	ReadHeaderTimeout time.Duration `koanf:"read_header_timeout"`
	// ReadTimeout bounds a whole request, headers and body (default 10s;
	// a publish body has frontend.read_timeout instead). 408 after.
	ReadTimeout time.Duration `koanf:"read_timeout"`
	// WriteTimeout bounds a request from its headers to the end of its
	// answer (frontend 30s, management 60s); the connection is closed
	// unanswered after, so it must exceed every handler's budget.
	WriteTimeout time.Duration `koanf:"write_timeout"`
	// KeepAliveTimeout closes a connection idle between requests (default 30s).
	KeepAliveTimeout time.Duration `koanf:"keep_alive_timeout"`
	// MaxHeaderBytes bounds the request line and headers (default 64 KiB; 431 after).
	MaxHeaderBytes int `koanf:"max_header_bytes"`
	// MaxConnections caps open connections (frontend 4096, management
	// 1024); past it, 503 TOO_MANY_CONNECTIONS and the connection closes.
	MaxConnections int `koanf:"max_connections"`
	// TLS serves HTTPS (with HTTP/2) from certificate files; see ServerTLSConfig.
	TLS ServerTLSConfig `koanf:"tls"`
}

// ServerTLSConfig is *.server.tls (docs/security.md, "TLS"). Without
// cert_file the server speaks plain HTTP.
type ServerTLSConfig struct {
	// CertFile is the PEM certificate chain, leaf first; re-read when it changes.
	CertFile string `koanf:"cert_file"`
	// KeyFile is the PEM private key of CertFile's leaf.
	KeyFile string `koanf:"key_file"`
	// ClientCAFile is a PEM bundle of the CAs that sign client certificates.
	ClientCAFile string `koanf:"client_ca_file"`
	// ClientAuth is none (default), request (verify a certificate if
	// sent) or require (refuse a client without one).
	ClientAuth string `koanf:"client_auth"`
}

func (t ServerTLSConfig) adapter() httpapi.TLSConfig {
	return httpapi.TLSConfig{CertFile: t.CertFile, KeyFile: t.KeyFile, ClientCAFile: t.ClientCAFile, ClientAuth: t.ClientAuth}
}

func defaultServerConfig(writeTimeout time.Duration, maxConnections int) ServerConfig {
	return ServerConfig{
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: writeTimeout,
		KeepAliveTimeout: 30 * time.Second, MaxHeaderBytes: 64 << 10, MaxConnections: maxConnections,
	}
}

// validate reports the server settings under prefix that are not positive.
func (s ServerConfig) validate(prefix string) []error {
	var errs []error
	for _, d := range []struct {
		name string
		d    time.Duration
	}{
		{"read_header_timeout", s.ReadHeaderTimeout}, {"read_timeout", s.ReadTimeout},
		{"write_timeout", s.WriteTimeout}, {"keep_alive_timeout", s.KeepAliveTimeout},
	} {
		if d.d <= 0 {
			errs = append(errs, fmt.Errorf("%s.%s %s: want a positive duration such as 10s", prefix, d.name, d.d))
		}
	}
	if s.MaxHeaderBytes <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_header_bytes %d: want a positive size such as 65536", prefix, s.MaxHeaderBytes))
	}
	if s.MaxConnections <= 0 {
		errs = append(errs, fmt.Errorf("%s.max_connections %d: want a positive count such as 4096", prefix, s.MaxConnections))
	}
	return append(errs, s.TLS.adapter().Problems(prefix+".tls")...)
}

// validateFrontendServer checks that a publish's whole budget (body, then
// the longest ack wait) fits in the write timeout: past it the server
// closes the connection, and a publish that was stored loses its 201.
func (c Config) validateFrontendServer() []error {
	f := c.Frontend
	errs := f.Server.validate("frontend.server")
	budget := f.ReadTimeout + max(f.IdleTimeout, f.LongIdleTimeout, f.MaxPublishRequestDuration)
	if f.Server.WriteTimeout > 0 && f.Server.WriteTimeout <= budget {
		errs = append(errs, fmt.Errorf("frontend.server.write_timeout %s: want more than frontend.read_timeout plus the longest ack timeout (%s)", f.Server.WriteTimeout, budget))
	}
	return errs
}

// serve runs an HTTP server on addr for the app's lifetime, with the
// limits of sc, over TLS when sc.TLS names a certificate (a file that does
// not load fails the start); shutdown waits for in-flight requests up to
// timeout.
func serve(lc fx.Lifecycle, log *slog.Logger, name, addr string, sc ServerConfig, m ports.Metrics, h http.Handler, timeout time.Duration) {
	var srv *httpapi.Server
	done := make(chan struct{})
	lc.Append(fx.Hook{
		OnStart: func(context.Context) error {
			hc := httpapi.ServerConfig{
				Name: name, ReadHeaderTimeout: sc.ReadHeaderTimeout, ReadTimeout: sc.ReadTimeout, WriteTimeout: sc.WriteTimeout,
				KeepAliveTimeout: sc.KeepAliveTimeout, MaxHeaderBytes: sc.MaxHeaderBytes, MaxConnections: sc.MaxConnections, Metrics: m,
			}
			if sc.TLS.adapter().Enabled() {
				tc, err := httpapi.LoadTLS(sc.TLS.adapter(), log.With("component", name))
				if err != nil {
					return fmt.Errorf("%s.server.tls: %w", name, err)
				}
				hc.TLS = tc
			}
			srv = httpapi.NewServer(hc, h, log.With("component", name))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			log.Info("listening", "component", name, "addr", ln.Addr().String(), "tls", hc.TLS != nil)
			go func() {
				defer close(done)
				if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
					log.Error("server stopped", "component", name, "err", err)
				}
			}()
			return nil
		},
		OnStop: func(ctx context.Context) error {
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			err := srv.Shutdown(ctx)
			<-done
			return err
		},
	})
}
