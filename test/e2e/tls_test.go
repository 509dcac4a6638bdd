package e2e

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// startHTTPSHermes runs every module with the frontend and management
// over HTTPS, reached by client.
func startHTTPSHermes(t *testing.T, client *http.Client, env ...string) *hermes {
	t.Helper()
	h := &hermes{t: t, modules: []string{"frontend", "consumers", "management"}, https: client,
		env: append(env, "HERMES_DATA_DIR="+t.TempDir())}
	h.start()
	t.Cleanup(h.kill)
	return h
}

// httpsClient trusts roots, speaks HTTP/2 when it can and presents cert
// when given.
func httpsClient(roots *x509.CertPool, cert ...tls.Certificate) *http.Client {
	return &http.Client{Transport: &http.Transport{TLSClientConfig: testenv.ClientTLS(roots, cert...), ForceAttemptHTTP2: true}, Timeout: 30 * time.Second}
}

// httpsCall sends a JSON request with c and returns the response (body
// read) and its body.
func httpsCall(t *testing.T, c *http.Client, method, url, body string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(mustRequest(t, method, url, body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, string(b)
}

// tlsSubscriber is an HTTPS endpoint (HTTP/2 and HTTP/1.1) with a
// certificate of its own CA, recording the protocol and body of each
// request.
type tlsSubscriber struct {
	*httptest.Server
	mu  sync.Mutex
	got []string // "HTTP/2.0 {body}"
}

func newTLSSubscriber(t *testing.T, cert tls.Certificate) *tlsSubscriber {
	s := &tlsSubscriber{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.got = append(s.got, r.Proto+" "+string(b))
		s.mu.Unlock()
	}))
	s.EnableHTTP2 = true
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *tlsSubscriber) received() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.got...)
}

// HTTPS on both servers with HTTP/2, client certificates that identify
// an admin on management and a publisher on the frontend, and delivery
// to an HTTPS subscriber whose CA only consumers.tls.ca_file trusts.
func TestHTTPSWithClientCertificatesEndToEnd(t *testing.T) {
	t.Parallel()
	servers := testenv.NewCA(t, "hermes-servers")
	crt := servers.Server()
	clients := testenv.NewCA(t, "hermes-clients")
	alice := clients.Client(pkix.Name{CommonName: "alice"})
	ops := clients.Client(pkix.Name{CommonName: "ops"})
	subscribers := testenv.NewCA(t, "subscribers")
	sub := newTLSSubscriber(t, subscribers.Server().Cert)

	serverTLS := fmt.Sprintf("{cert_file: %q, key_file: %q, client_ca_file: %q, client_auth: request}", crt.CertFile, crt.KeyFile, clients.CertFile)
	anonymous := httpsClient(servers.Pool)
	h := startHTTPSHermes(t, anonymous, securityConfig(t, `
frontend:
  server:
    tls: `+serverTLS+`
management:
  server:
    tls: `+serverTLS+`
consumers:
  tls: {ca_file: "`+subscribers.CertFile+`"}
security:
  management: {enabled: true}
  identity:
    tls:
      enabled: true
      subjects:
        - {name: alice, roles: [publisher]}
        - {name: ops, roles: [admin]}
`))
	require.True(t, strings.HasPrefix(h.frontend, "https://") && strings.HasPrefix(h.management, "https://"))
	asOps, asAlice := httpsClient(servers.Pool, ops.Cert), httpsClient(servers.Pool, alice.Cert)

	// Management over HTTP/2; the certificate makes ops an admin.
	resp, body := httpsCall(t, anonymous, http.MethodPost, h.management+"/groups", `{"groupName": "tlsg"}`)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, body)
	resp, body = httpsCall(t, asOps, http.MethodPost, h.management+"/groups", `{"groupName": "tlsg"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	assert.Equal(t, 2, resp.ProtoMajor)
	resp, body = httpsCall(t, asOps, http.MethodGet, h.management+"/roles", "")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	var roles []string
	require.NoError(t, json.Unmarshal([]byte(body), &roles))
	assert.Contains(t, roles, "admin")

	resp, body = httpsCall(t, asOps, http.MethodPost, h.management+"/topics", `{"name": "tlsg.t", "description": "d",
		"contentType": "JSON", "retentionTime": {"duration": 1}, "owner": {"source": "Plaintext", "id": "team"},
		"auth": {"enabled": true, "publishers": ["alice"], "unauthenticatedAccessEnabled": false}}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)
	resp, body = httpsCall(t, asOps, http.MethodPost, h.management+"/topics/tlsg.t/subscriptions", fmt.Sprintf(`{
		"name": "s", "topicName": "tlsg.t", "endpoint": %q, "description": "d", "http2Enabled": true,
		"owner": {"source": "Plaintext", "id": "team"}}`, sub.URL+"/hook"))
	require.Equal(t, http.StatusCreated, resp.StatusCode, body)

	// Publishing over HTTP/2: alice's certificate makes her a listed
	// publisher. The frontend learns of the topic through a watch: retry
	// while it answers 404.
	require.Eventually(t, func() bool {
		resp, _ = httpsCall(t, asAlice, http.MethodPost, h.frontend+"/topics/tlsg.t", `{"n": 1}`)
		return resp.StatusCode != http.StatusNotFound
	}, 30*time.Second, 50*time.Millisecond)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.Equal(t, 2, resp.ProtoMajor)
	resp, body = httpsCall(t, anonymous, http.MethodPost, h.frontend+"/topics/tlsg.t", `{"n": 0}`)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, body)

	require.Eventually(t, func() bool { return len(sub.received()) > 0 }, 30*time.Second, 20*time.Millisecond,
		"the subscriber, whose CA consumers.tls.ca_file names, got the message")
	assert.Equal(t, `HTTP/2.0 {"n": 1}`, sub.received()[0])
}

// A certificate file that cannot be used fails the start, naming the key
// and the file.
func TestHTTPSBadCertificateFileFailsStart(t *testing.T) {
	t.Parallel()
	crt := testenv.NewCA(t, "ca").Server()
	missing := crt.CertFile + ".missing"
	p, err := testenv.StartHermes(binary, []string{"--modules", "frontend"}, "HERMES_DATA_DIR="+t.TempDir(),
		"HERMES_FRONTEND__SERVER__TLS__CERT_FILE="+missing, "HERMES_FRONTEND__SERVER__TLS__KEY_FILE="+crt.KeyFile)
	require.NoError(t, err)
	t.Cleanup(p.Kill)
	select {
	case <-p.Exited:
	case <-time.After(60 * time.Second):
		t.Fatalf("hermes did not exit:\n%s", p.Output.String())
	}
	assert.NotZero(t, p.Cmd.ProcessState.ExitCode())
	assert.Contains(t, p.Output.String(), "frontend.server.tls")
	assert.Contains(t, p.Output.String(), missing)
}

// The SSRF guard on the real binary: endpoints that reach denied
// addresses are refused at create (400); a subscription stored before the
// guard was turned on is refused at dial time, and the refusal counted.
func TestEndpointGuardOnTheBinary(t *testing.T) {
	t.Parallel()
	target := newSubscriber(t)
	port := target.URL[strings.LastIndex(target.URL, ":")+1:]
	dataDir := t.TempDir()
	before := startHermes(t, dataDir)
	createTopic(t, before, "guardg", "t")
	createSubscription(t, before, "guardg.t", "old", "http://localhost:"+port+"/hook", "")
	before.stop()

	h := startHermes(t, dataDir, "HERMES_METRICS__KINDS=prometheus", securityConfig(t, `
security:
  endpoint_guard:
    enabled: true
    deny: [127.0.0.0/8, "::1/128"]
`))
	for _, endpoint := range []string{
		"http://localhost:" + port + "/hook",
		"http://127.0.0.1:" + port + "/hook",
		"http://169.254.169.254/latest/meta-data/",
		"http://metadata.google.internal/computeMetadata/v1/",
	} {
		status, body, _ := call(t, http.MethodPost, h.management+"/topics/guardg.t/subscriptions", fmt.Sprintf(`{
			"name": "s", "topicName": "guardg.t", "endpoint": %q, "description": "d",
			"owner": {"source": "Plaintext", "id": "team"}}`, endpoint))
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", endpoint, body)
		assert.Contains(t, body, "VALIDATION_ERROR", endpoint)
		assert.Contains(t, body, "endpoint guard", endpoint)
	}

	require.Eventually(t, func() bool {
		return tryCall(http.MethodPost, h.frontend+"/topics/guardg.t", `{"n": 1}`) == http.StatusCreated
	}, 30*time.Second, 50*time.Millisecond)
	require.Eventually(t, func() bool {
		for name, f := range scrapePrometheus(t, h.consumers+"/status/prometheus") {
			if strings.Contains(name, "endpoint_guard_refusals") {
				for _, m := range f.GetMetric() {
					if m.GetCounter().GetValue() > 0 {
						return true
					}
				}
			}
		}
		return false
	}, 30*time.Second, 100*time.Millisecond, "the refused delivery is counted")
	assert.Empty(t, target.requests(), "nothing reached the denied address")
	assert.Contains(t, h.log.String(), "refused by the endpoint guard")
}
