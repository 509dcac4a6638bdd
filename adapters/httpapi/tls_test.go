package httpapi

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// startTLSServer serves h over TLS from tc's files and returns the address.
func startTLSServer(t *testing.T, cfg ServerConfig, tc TLSConfig, h http.Handler) string {
	t.Helper()
	tlsCfg, err := LoadTLS(tc, nil)
	require.NoError(t, err)
	cfg.TLS = tlsCfg
	return startServer(t, cfg, h, nil)
}

// tlsClient trusts roots, presents cert, and speaks HTTP/2 when h2.
func tlsClient(roots *x509.CertPool, h2 bool, cert ...tls.Certificate) *http.Client {
	tr := &http.Transport{TLSClientConfig: testenv.ClientTLS(roots, cert...), ForceAttemptHTTP2: h2}
	return &http.Client{Transport: tr, Timeout: clientPatience}
}

// peerHandler answers the request's protocol and the subject of its
// verified client certificate.
var peerHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Proto", r.Proto)
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
		w.Header().Set("X-Peer", r.TLS.VerifiedChains[0][0].Subject.CommonName)
	}
})

func TestTLSServesHTTP2AndHTTP1(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "server-ca")
	crt := ca.Server()
	addr := startTLSServer(t, testServerConfig(), TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, peerHandler)

	for _, tc := range []struct {
		h2   bool
		want string
	}{{true, "HTTP/2.0"}, {false, "HTTP/1.1"}} {
		resp, err := tlsClient(ca.Pool, tc.h2).Get("https://" + addr + "/")
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, tc.want, resp.Header.Get("X-Proto"))
	}

	// Plain HTTP to the TLS port gets no answer of the handler.
	resp, err := (&http.Client{Timeout: clientPatience}).Get("http://" + addr + "/")
	if err == nil {
		_ = resp.Body.Close()
		assert.Empty(t, resp.Header.Get("X-Proto"))
	}
	// A client that does not trust the CA refuses the server.
	_, err = tlsClient(x509.NewCertPool(), true).Get("https://" + addr + "/")
	require.Error(t, err)
}

func TestTLSClientCertificates(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "server-ca")
	crt := ca.Server()
	clients := testenv.NewCA(t, "client-ca")
	alice := clients.Client(pkix.Name{CommonName: "alice"})
	stranger := testenv.NewCA(t, "other-ca").Client(pkix.Name{CommonName: "mallory"})

	for _, mode := range []string{ClientAuthRequest, ClientAuthRequire} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			addr := startTLSServer(t, testServerConfig(),
				TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile, ClientCAFile: clients.CertFile, ClientAuth: mode}, peerHandler)
			get := func(certs ...tls.Certificate) (*http.Response, error) {
				resp, err := tlsClient(ca.Pool, true, certs...).Get("https://" + addr + "/")
				if err == nil {
					_ = resp.Body.Close()
				}
				return resp, err
			}
			resp, err := get(alice.Cert)
			require.NoError(t, err)
			assert.Equal(t, "alice", resp.Header.Get("X-Peer"))

			_, err = get(stranger.Cert)
			assert.Error(t, err, "a certificate of another CA is refused")

			resp, err = get()
			if mode == ClientAuthRequire {
				assert.Error(t, err, "require refuses a client without a certificate")
			} else if assert.NoError(t, err) {
				assert.Empty(t, resp.Header.Get("X-Peer"))
			}
		})
	}
}

// A renewed certificate written over the files is served from the next
// handshake on, without a restart; files that do not load keep the old one.
func TestTLSCertificateIsReloadedWhenItsFilesChange(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "first-ca")
	crt := ca.Server()
	addr := startTLSServer(t, testServerConfig(), TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, peerHandler)
	servedBy := func(roots *x509.CertPool) error {
		// A new transport per call: a pooled connection would skip the handshake.
		resp, err := tlsClient(roots, false).Get("https://" + addr + "/")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	require.NoError(t, servedBy(ca.Pool))

	// Stamp the rewritten files an hour on: the kernel's clock may not
	// have ticked since they were first written.
	later := time.Now().Add(time.Hour)
	replace := func(dst, src string) {
		b, err := os.ReadFile(src)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(dst, b, 0o600))
		require.NoError(t, os.Chtimes(dst, later, later))
	}

	// Half a rotation (new certificate, old key) does not load: the old pair stays.
	ca2 := testenv.NewCA(t, "second-ca")
	crt2 := ca2.Server()
	replace(crt.CertFile, crt2.CertFile)
	require.NoError(t, servedBy(ca.Pool))

	later = later.Add(time.Minute)
	replace(crt.KeyFile, crt2.KeyFile)
	require.NoError(t, servedBy(ca2.Pool))
	assert.Error(t, servedBy(ca.Pool))
}

func TestLoadTLSNamesTheBadFile(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "ca")
	a, b := ca.Server(), ca.Server()
	_, err := LoadTLS(TLSConfig{CertFile: a.CertFile + ".missing", KeyFile: a.KeyFile}, nil)
	require.ErrorIs(t, err, os.ErrNotExist)
	assert.Contains(t, err.Error(), a.CertFile+".missing")

	_, err = LoadTLS(TLSConfig{CertFile: a.CertFile, KeyFile: b.KeyFile}, nil)
	require.Error(t, err, "a key of another certificate")
	assert.Contains(t, err.Error(), a.CertFile)

	_, err = LoadTLS(TLSConfig{CertFile: a.CertFile, KeyFile: a.KeyFile, ClientCAFile: a.KeyFile, ClientAuth: ClientAuthRequire}, nil)
	require.Error(t, err, "a client CA file without certificates")
	assert.Contains(t, err.Error(), a.KeyFile)
}

func TestTLSConfigProblems(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		c    TLSConfig
		bad  bool
	}{
		{"off", TLSConfig{}, false},
		{"on", TLSConfig{CertFile: "c", KeyFile: "k"}, false},
		{"with client certs", TLSConfig{CertFile: "c", KeyFile: "k", ClientCAFile: "ca", ClientAuth: ClientAuthRequire}, false},
		{"cert without key", TLSConfig{CertFile: "c"}, true},
		{"client auth without CA", TLSConfig{CertFile: "c", KeyFile: "k", ClientAuth: ClientAuthRequest}, true},
		{"CA without client auth", TLSConfig{CertFile: "c", KeyFile: "k", ClientCAFile: "ca"}, true},
		{"client auth without TLS", TLSConfig{ClientCAFile: "ca", ClientAuth: ClientAuthRequire}, true},
		{"unknown mode", TLSConfig{CertFile: "c", KeyFile: "k", ClientCAFile: "ca", ClientAuth: "always"}, true},
	} {
		assert.Equal(t, tc.bad, len(tc.c.Problems("x.tls")) > 0, tc.name)
	}
}

// The connection cap, timeouts and the over-cap answer hold under TLS:
// a TLS connection past the cap gets 503 TOO_MANY_CONNECTIONS over HTTP/2.
func TestTLSConnectionsPastTheCapGet503(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "ca")
	crt := ca.Server()
	cfg := testServerConfig()
	cfg.MaxConnections = 1
	cfg.KeepAliveTimeout = clientPatience
	addr := startTLSServer(t, cfg, TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, testFrontendHandler(nil))

	held := tlsClient(ca.Pool, true)
	resp, err := held.Get("https://" + addr + "/status/ping")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	resp, err = tlsClient(ca.Pool, true).Get("https://" + addr + "/status/ping")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Contains(t, string(body), codeTooManyConnections)
	assert.Equal(t, 2, resp.ProtoMajor)
}

// A client that opens a TCP connection and never starts the handshake is
// dropped by the handshake timeout (the shortest server timeout).
func TestTLSStalledHandshakeIsClosed(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "ca")
	crt := ca.Server()
	addr := startTLSServer(t, testServerConfig(), TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, peerHandler)
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(clientPatience)))
	_, err = c.Read(make([]byte, 1))
	require.Error(t, err)
	if ne, ok := err.(net.Error); ok {
		assert.False(t, ne.Timeout(), "the server closed the connection before the client gave up")
	}
}

// Over HTTP/2 a stalled publish body still gets 408 TIMEOUT from the
// frontend's body deadline.
func TestTLSHTTP2StalledBodyGets408(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "ca")
	crt := ca.Server()
	addr := startTLSServer(t, testServerConfig(), TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, testFrontendHandler(nil))
	pr, pw := io.Pipe()
	t.Cleanup(func() { _ = pw.Close() })
	go func() { _, _ = pw.Write([]byte(`{"a":1,`)) }() // then nothing more
	req, err := http.NewRequest(http.MethodPost, "https://"+addr+"/topics/"+testTopic, pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := tlsClient(ca.Pool, true).Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, 2, resp.ProtoMajor)
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Contains(t, string(body), codeTimeout)
}

// An HTTP/2 client that resets its stream mid-body is a client abort:
// counted, not logged as an error, as over HTTP/1.
func TestTLSHTTP2ClientAbortIsCounted(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "ca")
	crt := ca.Server()
	logs := &levelCounter{}
	metrics := newMetricsRecorder()
	cfg := testServerConfig()
	cfg.Metrics = metrics
	cfg.ReadTimeout = clientPatience
	log := slog.New(logs)
	tlsCfg, err := LoadTLS(TLSConfig{CertFile: crt.CertFile, KeyFile: crt.KeyFile}, nil)
	require.NoError(t, err)
	cfg.TLS = tlsCfg
	fcfg := DefaultFrontendConfig()
	fcfg.ReadTimeout = clientPatience
	// started tells the test a request reached the frontend, whose body
	// reads are watched by then: a stream reset before the server took
	// its headers would never reach a handler.
	started := make(chan struct{}, 2)
	front := NewFrontend(newTestPublisher(1<<20), fcfg, log)
	addr := startServer(t, cfg, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		front.ServeHTTP(w, r)
	}), log)

	for range 2 {
		// A client of its own per request: a body that failed closes its
		// connection after the answer (over HTTP/2 a GOAWAY), and a second
		// request sent on it meanwhile would be refused unread.
		client := tlsClient(ca.Pool, true)
		ctx, cancel := context.WithCancel(t.Context())
		pr, pw := io.Pipe()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, "https://"+addr+"/topics/"+testTopic, pr)
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			if resp, err := client.Do(req); err == nil {
				_ = resp.Body.Close()
			}
		}()
		_, err = pw.Write([]byte(`{"a":`)) // read by the transport: the stream is open
		require.NoError(t, err)
		select {
		case <-started:
		case <-time.After(clientPatience):
			t.Fatal("the request did not reach the frontend")
		}
		cancel()
		<-done
		_ = pw.Close()
	}
	require.Eventually(t, func() bool {
		counters, _, _ := metrics.snapshot()
		return counters[metricKey(ClientAbortsMetric, nil)] == 2
	}, clientPatience, 10*time.Millisecond)
	assert.Zero(t, logs.errors.Load(), "error lines logged")
}
