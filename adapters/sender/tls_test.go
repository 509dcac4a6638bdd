package sender_test

import (
	"crypto/tls"
	"crypto/x509/pkix"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/testenv"
)

// A subscriber whose certificate a private CA signed is refused with the
// system trust store and reached, over HTTP/1.1 and HTTP/2, with the CA
// file; a client certificate is presented when configured.
func TestSendToHTTPSWithConfiguredCA(t *testing.T) {
	t.Parallel()
	ca := testenv.NewCA(t, "subscriber-ca")
	crt := ca.Server()
	clientCA := testenv.NewCA(t, "hermes-ca")
	me := clientCA.Client(pkix.Name{CommonName: "hermes-consumers"})
	peers := make(chan string, 4)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		peer := ""
		if len(r.TLS.PeerCertificates) > 0 {
			peer = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		peers <- r.Proto + " " + peer
	}))
	srv.EnableHTTP2 = true
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{crt.Cert}, ClientCAs: clientCA.Pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	system := newSender(t, sender.Config{})
	r := send(t, system, ports.SendRequest{Endpoint: srv.URL + "/hook"})
	require.Error(t, r.Err, "the test CA is not in the system trust store")

	tc, err := sender.LoadTLS(sender.TLSFiles{CAFile: ca.CertFile})
	require.NoError(t, err)
	s := newSender(t, sender.Config{TLS: tc})
	for _, h2 := range []bool{false, true} {
		r = send(t, s, ports.SendRequest{Endpoint: srv.URL + "/hook", HTTP2: h2})
		require.NoError(t, r.Err)
		assert.Equal(t, http.StatusOK, r.StatusCode)
		assert.Equal(t, map[bool]string{false: "HTTP/1.1 ", true: "HTTP/2.0 "}[h2], <-peers)
	}

	tc, err = sender.LoadTLS(sender.TLSFiles{CAFile: ca.CertFile, CertFile: me.CertFile, KeyFile: me.KeyFile})
	require.NoError(t, err)
	r = send(t, newSender(t, sender.Config{TLS: tc}), ports.SendRequest{Endpoint: srv.URL + "/hook"})
	require.NoError(t, r.Err)
	assert.Equal(t, "HTTP/1.1 hermes-consumers", <-peers)
}

func TestLoadTLSNamesTheBadFile(t *testing.T) {
	t.Parallel()
	tc, err := sender.LoadTLS(sender.TLSFiles{})
	require.NoError(t, err)
	assert.Nil(t, tc, "no files: the system trust store")

	ca := testenv.NewCA(t, "ca")
	crt := ca.Server()
	_, err = sender.LoadTLS(sender.TLSFiles{CAFile: ca.CertFile + ".missing"})
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = sender.LoadTLS(sender.TLSFiles{CAFile: crt.KeyFile})
	require.Error(t, err)
	assert.Contains(t, err.Error(), crt.KeyFile)
	_, err = sender.LoadTLS(sender.TLSFiles{CertFile: crt.CertFile})
	require.Error(t, err, "a certificate without its key")
}
