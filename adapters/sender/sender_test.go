package sender_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

func newSender(t *testing.T, cfg sender.Config) *sender.Sender {
	t.Helper()
	s := sender.New(cfg, nil)
	t.Cleanup(s.Close)
	return s
}

// newServer starts an HTTP/1.1 server; its handler runs h.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func send(t *testing.T, s *sender.Sender, req ports.SendRequest) domain.SendResult {
	t.Helper()
	if req.Timeout == 0 {
		req.Timeout = 10 * time.Second
	}
	return s.Send(t.Context(), req)
}

func TestSendReportsStatusCode(t *testing.T) {
	t.Parallel()
	s := newSender(t, sender.Config{})
	for _, code := range []int{200, 201, 204, 301, 400, 404, 500, 503} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if code == 301 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(code)
			})
			r := send(t, s, ports.SendRequest{Endpoint: srv.URL + "/hook"})
			require.NoError(t, r.Err)
			assert.Equal(t, code, r.StatusCode, "redirects must not be followed")
			assert.False(t, r.Timeout)
		})
	}
}

func TestSendDeliversRequest(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, uri, body, ct, custom, auth, proto string
		contentLength                              int64
	}
	got := make(chan seen, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, string(b), r.Header.Get("Content-Type"), r.Header.Get("Hermes-Message-Id"),
			r.Header.Get("Authorization"), r.Proto, r.ContentLength}
	})
	s := newSender(t, sender.Config{})

	r := send(t, s, ports.SendRequest{
		Endpoint: srv.URL + "/hook/path?x=1",
		Body:     []byte(`{"a":1}`),
		Headers:  map[string]string{"Content-Type": "application/json", "Hermes-Message-Id": "id-1"},
	})

	require.NoError(t, r.Err)
	assert.Equal(t, 200, r.StatusCode)
	assert.Equal(t, seen{"POST", "/hook/path?x=1", `{"a":1}`, "application/json", "id-1", "", "HTTP/1.1", 7}, <-got)
}

func TestSendEmptyBody(t *testing.T) {
	t.Parallel()
	got := make(chan []string, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { got <- r.TransferEncoding })
	s := newSender(t, sender.Config{})

	r := send(t, s, ports.SendRequest{Endpoint: srv.URL})

	require.NoError(t, r.Err)
	assert.Equal(t, 200, r.StatusCode)
	assert.Empty(t, <-got, "an empty body is sent with Content-Length 0, not chunked")
}

func TestSendTurnsEndpointCredentialsIntoBasicAuth(t *testing.T) {
	t.Parallel()
	type seen struct {
		user, pass string
		ok         bool
		userinfo   bool
	}
	got := make(chan seen, 1)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		got <- seen{u, p, ok, r.URL.User != nil}
	})
	s := newSender(t, sender.Config{})
	withCreds := strings.Replace(srv.URL, "http://", "http://alice:s3cr:et@", 1)

	r := send(t, s, ports.SendRequest{Endpoint: withCreds + "/hook"})

	require.NoError(t, r.Err)
	assert.Equal(t, seen{user: "alice", pass: "s3cr:et", ok: true}, <-got)
}

func TestSendParsesRetryAfter(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		code   int
		header string
		want   time.Duration
		has    bool
	}{
		{"503 seconds", 503, "5", 5 * time.Second, true},
		{"429 seconds", 429, "2", 2 * time.Second, true},
		{"503 zero", 503, "0", 0, true},
		{"503 HTTP-date ignored", 503, "Wed, 21 Oct 2015 07:28:00 GMT", 0, false},
		{"500 ignored", 500, "5", 0, false},
		{"200 ignored", 200, "5", 0, false},
		{"negative ignored", 503, "-1", 0, false},
		{"fraction ignored", 429, "1.5", 0, false},
		{"out of int range ignored", 503, "99999999999", 0, false},
		{"absent", 503, "", 0, false},
	}
	s := newSender(t, sender.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.code)
			})
			r := send(t, s, ports.SendRequest{Endpoint: srv.URL})
			require.NoError(t, r.Err)
			assert.Equal(t, tt.code, r.StatusCode)
			assert.Equal(t, tt.has, r.HasRetryAfter)
			assert.Equal(t, tt.want, r.RetryAfter)
		})
	}
}

// hangingServer answers nothing until the client gives up.
func hangingServer(t *testing.T) *httptest.Server {
	return newServer(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
}

// sendAsync runs Send and fails the test if it does not return in 10 s.
func sendAsync(t *testing.T, s *sender.Sender, req ports.SendRequest) domain.SendResult {
	t.Helper()
	done := make(chan domain.SendResult, 1)
	go func() { done <- s.Send(t.Context(), req) }()
	return sendResult(t, done)
}

// sendResult waits for a Send's result, failing the test after 10 s.
func sendResult(t *testing.T, done <-chan domain.SendResult) domain.SendResult {
	t.Helper()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Send did not return")
		return domain.SendResult{}
	}
}

func TestSendTimesOut(t *testing.T) {
	t.Parallel()
	srv := hangingServer(t)
	s := newSender(t, sender.Config{})
	tests := []struct {
		name string
		req  ports.SendRequest
	}{
		{"request timeout", ports.SendRequest{Endpoint: srv.URL, Timeout: 100 * time.Millisecond}},
		{"socket timeout", ports.SendRequest{Endpoint: srv.URL, Timeout: time.Minute, SocketTimeout: 100 * time.Millisecond}},
		{"socket timeout without request timeout", ports.SendRequest{Endpoint: srv.URL, SocketTimeout: 100 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := sendAsync(t, s, tt.req)
			assert.True(t, r.Timeout)
			assert.Error(t, r.Err)
			assert.Zero(t, r.StatusCode)
		})
	}
}

// The timeouts start when the request gets a connection: a message that
// waits for one of the host's connections while another holds it is not
// the subscriber's delay. Fan-out to one host used to time out a fast
// subscriber's messages in that queue. The held request outlasts the
// queued one's timeouts by a second, and once released the queued one
// still has its whole timeout to be answered.
func TestSendTimeoutsStartWithTheConnection(t *testing.T) {
	t.Parallel()
	const timeout = 2 * time.Second
	tests := []struct {
		name string
		req  ports.SendRequest
	}{
		{"request timeout", ports.SendRequest{Timeout: timeout}},
		{"socket timeout", ports.SendRequest{SocketTimeout: timeout}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			held, released := make(chan struct{}), make(chan struct{})
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/held" {
					close(held)
					<-released
				}
			})
			release := sync.OnceFunc(func() { close(released) })
			t.Cleanup(release) // before the server's Close, which waits for the handler
			s := newSender(t, sender.Config{MaxConnsPerHost: 1})
			first := make(chan domain.SendResult, 1)
			go func() {
				first <- s.Send(t.Context(), ports.SendRequest{Endpoint: srv.URL + "/held", Timeout: time.Minute})
			}()
			<-held

			queued := make(chan domain.SendResult, 1)
			req := tt.req
			req.Endpoint = srv.URL + "/queued"
			go func() { queued <- s.Send(t.Context(), req) }()
			select {
			case r := <-queued:
				t.Fatalf("the queued request ended while the only connection was held: %+v", r)
			case <-time.After(timeout + time.Second):
			}
			release()

			assert.Equal(t, 200, (<-first).StatusCode)
			r := sendResult(t, queued)
			assert.NoError(t, r.Err)
			assert.False(t, r.Timeout)
			assert.Equal(t, 200, r.StatusCode)
		})
	}
}

// Hermes's timeouts cover the response body: a body that stalls past the
// socket timeout, or keeps trickling past the request timeout, fails the
// attempt as a timeout although the status arrived.
func TestSendBodyPastTimeoutIsTimeout(t *testing.T) {
	t.Parallel()
	stalls := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	trickles := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		w.(http.Flusher).Flush()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-r.Context().Done():
				return
			case <-tick.C:
				_, _ = w.Write([]byte("."))
				w.(http.Flusher).Flush()
			}
		}
	})
	s := newSender(t, sender.Config{})

	r := sendAsync(t, s, ports.SendRequest{Endpoint: stalls.URL, Timeout: time.Minute, SocketTimeout: 100 * time.Millisecond})
	assert.True(t, r.Timeout, "stalled body: %+v", r)
	assert.False(t, r.Succeeded())

	r = sendAsync(t, s, ports.SendRequest{Endpoint: trickles.URL, Timeout: 200 * time.Millisecond, SocketTimeout: time.Minute})
	assert.True(t, r.Timeout, "trickling body: %+v", r)
	assert.False(t, r.Succeeded())
}

func TestSendCallerCancelIsNotTimeout(t *testing.T) {
	t.Parallel()
	srv := hangingServer(t)
	s := newSender(t, sender.Config{})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)

	r := s.Send(ctx, ports.SendRequest{Endpoint: srv.URL, Timeout: time.Minute})

	assert.False(t, r.Timeout)
	assert.Error(t, r.Err)
}

func refusedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return addr
}

func TestSendConnectionRefusedHidesCredentials(t *testing.T) {
	t.Parallel()
	s := newSender(t, sender.Config{})

	r := send(t, s, ports.SendRequest{Endpoint: "http://alice:s3cret@" + refusedEndpoint(t) + "/hook"})

	require.Error(t, r.Err)
	assert.False(t, r.Timeout)
	assert.Zero(t, r.StatusCode)
	assert.NotContains(t, r.Err.Error(), "s3cret")
	assert.NotContains(t, r.Reason(), "s3cret")
}

// The reason names the request as http.Client words it, though the
// sender calls the transport directly.
func TestSendFailureNamesTheRequest(t *testing.T) {
	t.Parallel()
	s := newSender(t, sender.Config{})
	addr := refusedEndpoint(t)

	r := send(t, s, ports.SendRequest{Endpoint: "http://alice:s3cret@" + addr + "/hook"})

	uerr, ok := errors.AsType[*url.Error](r.Err)
	require.True(t, ok, "%v", r.Err)
	assert.Equal(t, "Post", uerr.Op)
	assert.Equal(t, "http://"+addr+"/hook", uerr.URL)
	assert.True(t, strings.HasPrefix(r.Err.Error(), `Post "http://`+addr+`/hook": `), r.Err.Error())
}

func TestSendRejectsUnparsableEndpoint(t *testing.T) {
	t.Parallel()
	s := newSender(t, sender.Config{})
	for _, endpoint := range []string{"", "not a url", "http://[::1", "ftp://host/x", "http://", "alice:s3cret@host:80", "http://alice:s3cret@[bad"} {
		t.Run(endpoint, func(t *testing.T) {
			t.Parallel()
			r := send(t, s, ports.SendRequest{Endpoint: endpoint})
			require.ErrorIs(t, r.Err, domain.ErrValidation)
			assert.NotContains(t, r.Err.Error(), "s3cret")
			assert.Zero(t, r.StatusCode)
		})
	}
}

// countingServer starts srv and counts the connections it accepts.
func countingServer(t *testing.T, srv *httptest.Server, tls bool) *atomic.Int32 {
	t.Helper()
	var conns atomic.Int32
	srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			conns.Add(1)
		}
	}
	if tls {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return &conns
}

func TestSendReusesConnections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		bodySize  int
		http2     bool
		wantConns int32
	}{
		{"HTTP/1.1 small bodies", 1000, false, 1},
		{"h2c", 1000, true, 1},
		{"HTTP/1.1 body over drain limit", 4096, false, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write(make([]byte, tt.bodySize))
			}))
			srv.Config.Protocols = h2cProtocols()
			conns := countingServer(t, srv, false)
			s := newSender(t, sender.Config{MaxDrainBytes: 2048})

			for range 5 {
				r := send(t, s, ports.SendRequest{Endpoint: srv.URL, Body: []byte("{}"), HTTP2: tt.http2})
				require.NoError(t, r.Err)
				require.Equal(t, 200, r.StatusCode)
			}
			assert.Equal(t, tt.wantConns, conns.Load())
		})
	}
}

func h2cProtocols() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return p
}

func protoServer(t *testing.T, useTLS bool) (*httptest.Server, chan int) {
	t.Helper()
	got := make(chan int, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.ProtoMajor }))
	if useTLS {
		srv.EnableHTTP2 = true
		srv.StartTLS()
	} else {
		srv.Config.Protocols = h2cProtocols()
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv, got
}

func TestSendHTTP2(t *testing.T) {
	t.Parallel()
	for _, useTLS := range []bool{false, true} {
		srv, got := protoServer(t, useTLS)
		roots := x509.NewCertPool()
		if useTLS {
			roots.AddCert(srv.Certificate())
		}
		s := newSender(t, sender.Config{TLS: &tls.Config{RootCAs: roots}})
		for _, tt := range []struct {
			http2 bool
			want  int
		}{{false, 1}, {true, 2}} {
			r := send(t, s, ports.SendRequest{Endpoint: srv.URL, Body: []byte("{}"), HTTP2: tt.http2})
			require.NoError(t, r.Err, "tls=%v http2=%v", useTLS, tt.http2)
			assert.Equal(t, 200, r.StatusCode)
			assert.Equal(t, tt.want, <-got, "tls=%v http2=%v", useTLS, tt.http2)
		}
	}
}
