// Package sender delivers messages to subscriber endpoints over HTTP/1.1,
// HTTP/2 over TLS and HTTP/2 cleartext (h2c). It implements ports.Sender.
package sender

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/idle"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.Sender = (*Sender)(nil)

// Defaults applied by New to zero Config fields.
const (
	// DefaultMaxConnsPerHost is Hermes's maxConnectionsPerDestination.
	DefaultMaxConnsPerHost = 100
	// DefaultMaxIdleConns bounds idle connections over all endpoints.
	DefaultMaxIdleConns = 1000
	// DefaultIdleConnTimeout closes pooled connections unused this long.
	DefaultIdleConnTimeout = 90 * time.Second
	// DefaultDialTimeout is Hermes's connectionTimeout.
	DefaultDialTimeout = 15 * time.Second
	// DefaultMaxDrainBytes is how much of a response body is read so the
	// connection can be reused; a longer body closes the connection.
	DefaultMaxDrainBytes = 64 << 10
)

// Config tunes the connection pools. Zero fields take the defaults above.
type Config struct {
	// MaxConnsPerHost bounds connections (dialing, active and idle) per
	// endpoint host; requests beyond it wait for a free connection.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost bounds kept-alive connections per host; default
	// MaxConnsPerHost, so a busy subscriber never re-dials.
	MaxIdleConnsPerHost int
	// MaxIdleConns bounds kept-alive connections over all hosts.
	MaxIdleConns int
	// IdleConnTimeout closes a pooled connection unused this long.
	IdleConnTimeout time.Duration
	// DialTimeout bounds establishing a TCP connection.
	DialTimeout time.Duration
	// MaxDrainBytes is how much of each response body is read and discarded.
	MaxDrainBytes int64
	// TLS is the client TLS configuration (custom roots, see LoadTLS);
	// nil uses the system roots.
	TLS *tls.Config
	// Guard, when not nil, checks every address before it is dialled
	// (the SSRF guard); a refused one fails the send with an error
	// wrapping domain.ErrEndpointForbidden.
	Guard *Guard
}

// ConnsPerHost is the connections per host a Sender of c keeps:
// MaxConnsPerHost, defaulted.
func (c Config) ConnsPerHost() int { return c.withDefaults().MaxConnsPerHost }

func (c Config) withDefaults() Config {
	c.MaxConnsPerHost = orDefault(c.MaxConnsPerHost, DefaultMaxConnsPerHost)
	c.MaxIdleConnsPerHost = orDefault(c.MaxIdleConnsPerHost, c.MaxConnsPerHost)
	c.MaxIdleConns = orDefault(c.MaxIdleConns, DefaultMaxIdleConns)
	c.IdleConnTimeout = orDefault(c.IdleConnTimeout, DefaultIdleConnTimeout)
	c.DialTimeout = orDefault(c.DialTimeout, DefaultDialTimeout)
	c.MaxDrainBytes = orDefault(c.MaxDrainBytes, DefaultMaxDrainBytes)
	return c
}

// orDefault returns v unless it is zero or negative.
func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Sender is a pooled HTTP client for subscriber endpoints. It keeps three
// transports: HTTP/1.1, HTTP/2 over TLS (falling back to HTTP/1.1 when the
// server does not offer h2) and h2c with prior knowledge for http://
// endpoints of subscriptions with http2Enabled.
type Sender struct {
	http1, http2TLS, h2c *http.Client
	maxDrain             int64
	log                  *slog.Logger
	endpoints            endpointCache
}

// endpoint is a subscription endpoint parsed once: a subscription sends
// every message to the same one, and parsing it per message cost about a
// tenth of delivery CPU in make bench.
type endpoint struct {
	url  *url.URL
	auth string // Authorization header from credentials, "" when none
	err  error
}

// maxCachedEndpoints bounds the cache; past it the cache starts over.
const maxCachedEndpoints = 10000

// endpointCache maps endpoint strings to their parsed form.
type endpointCache struct {
	mu sync.Mutex
	m  map[string]*endpoint
}

func (c *endpointCache) get(raw string) *endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[raw]; ok {
		return e
	}
	if c.m == nil || len(c.m) >= maxCachedEndpoints {
		c.m = map[string]*endpoint{}
	}
	e := &endpoint{}
	e.url, e.err = parseEndpoint(raw)
	if user, pass, ok := domain.EndpointCredentials(raw); ok {
		e.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	c.m[raw] = e
	return e
}

// New builds a Sender; it dials nothing until the first Send.
func New(cfg Config, log *slog.Logger) *Sender {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h1 := newTransport(cfg)
	h1.Protocols = new(http.Protocols)
	h1.Protocols.SetHTTP1(true)

	h2TLS := newTransport(cfg)
	h2TLS.ForceAttemptHTTP2 = true

	// UnencryptedHTTP2 without HTTP1 makes Go speak h2c with prior
	// knowledge, as Hermes's Jetty HTTP/2 client does for http:// URLs.
	h2c := newTransport(cfg)
	h2c.Protocols = new(http.Protocols)
	h2c.Protocols.SetUnencryptedHTTP2(true)

	return &Sender{
		http1: newClient(h1), http2TLS: newClient(h2TLS), h2c: newClient(h2c),
		maxDrain: cfg.MaxDrainBytes, log: log,
	}
}

// newClient wraps t in a client that does not follow redirects (Hermes's
// followRedirectsEnabled is false): a 3xx is the attempt's result.
func newClient(t *http.Transport) *http.Client {
	return &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func newTransport(cfg Config) *http.Transport {
	var tlsCfg *tls.Config
	if cfg.TLS != nil {
		tlsCfg = cfg.TLS.Clone()
	}
	d := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	dial := d.DialContext
	if cfg.Guard != nil {
		dial = cfg.Guard.dialContext(d)
	}
	return &http.Transport{
		// No Proxy: a proxy would dial the endpoint past the guard.
		DialContext:         dial,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: cfg.DialTimeout,
		MaxConnsPerHost:     cfg.MaxConnsPerHost,
		MaxIdleConnsPerHost: cfg.MaxIdleConnsPerHost,
		MaxIdleConns:        cfg.MaxIdleConns,
		IdleConnTimeout:     cfg.IdleConnTimeout,
		// Subscribers get the body as published; Go would otherwise add
		// Accept-Encoding: gzip and transparently decode the response.
		DisableCompression: true,
	}
}

// Close drops the pooled idle connections; in-flight sends finish.
func (s *Sender) Close() {
	for _, c := range []*http.Client{s.http1, s.http2TLS, s.h2c} {
		c.CloseIdleConnections()
	}
}

// The cancel causes of the two timeouts.
var (
	errIdle    = errors.New("socket idle timeout")
	errTimeout = errors.New("request timeout")
)

// clock holds one attempt's timeouts, both paused until its trace sees
// the transport hand the request a connection.
type clock struct {
	trace   httptrace.ClientTrace
	timeout time.Duration
	timer   *time.Timer // nil without a request timeout
	watch   *idle.Watch
	started atomic.Bool
}

func newClock(timeout, socket time.Duration, cancel context.CancelCauseFunc) *clock {
	c := &clock{timeout: timeout, watch: inertWatch}
	if timeout > 0 {
		c.timer = time.AfterFunc(time.Hour, func() { cancel(errTimeout) })
		c.timer.Stop()
	}
	if socket > 0 {
		c.watch = idle.NewPaused(socket, func() { cancel(errIdle) })
	}
	c.trace.GotConn = c.gotConn
	return c
}

// gotConn starts the countdowns on the first connection; the transport's
// retry of a request on a fresh connection (the pooled one was closed)
// does not restart the request timeout.
func (c *clock) gotConn(httptrace.GotConnInfo) {
	if c.started.Swap(true) {
		return
	}
	if c.timer != nil {
		c.timer.Reset(c.timeout)
	}
	c.watch.Touch()
}

func (c *clock) stop() {
	if c.timer != nil {
		c.timer.Stop()
	}
	c.watch.Stop()
}

// inertWatch is the watch of sends without a socket timeout: it never
// fires, and touching it does nothing.
var inertWatch = idle.New(0, nil)

// Send POSTs req.Body to the endpoint without its credentials, which
// become Basic auth. Redirects are not followed (3xx is a failed attempt,
// as in Hermes).
//
// Timeouts: req.Timeout bounds the whole exchange, the response body (up
// to MaxDrainBytes of it) included, as Hermes's request timeout does.
// req.SocketTimeout (0 = none) is an idle timeout, like Jetty's: the
// attempt times out when no request body byte was written and no response
// byte arrived for that long, so it covers a slow upload, waiting for the
// status line and a stalled body. Either timeout while reading the body
// fails the attempt as a timeout; another transport error there is
// ignored: the subscriber has answered, only the connection is not reused.
//
// Both start when the transport hands the request a connection: the time
// it waits for one of the host's MaxConnsPerHost is ours, not the
// subscriber's. Charging it would time out a fast subscriber's messages
// whenever more are in flight to its host than the pool carries (1 000
// subscriptions to one host, make bench's fan-out), and the timeouts
// would throttle every one of them to SLOW mode. Dialing is bounded by
// DialTimeout.
func (s *Sender) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	ep := s.endpoints.get(req.Endpoint)
	if ep.err != nil {
		return domain.SendResult{Err: ep.err}
	}
	target := ep.url
	// Without timeouts (socketTimeout 0 is Hermes's default) nothing can
	// cancel the attempt: no cause context, no trace, and the watch is
	// inert.
	watch := inertWatch
	if req.Timeout > 0 || req.SocketTimeout > 0 {
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		c := newClock(req.Timeout, req.SocketTimeout, cancel)
		defer c.stop()
		watch = c.watch
		ctx = httptrace.WithClientTrace(ctx, &c.trace)
	}

	hreq, err := newRequest(ctx, ep, req, watch)
	if err != nil {
		return domain.SendResult{Err: err}
	}
	// The transport directly, not Client.Do: a client that follows no
	// redirect adds nothing to it but a copy of the request's headers
	// (for redirects) and deadline bookkeeping, on every message. Errors
	// are worded as Client.Do words them.
	resp, err := s.client(req.HTTP2, target.Scheme).Transport.RoundTrip(hreq)
	if err != nil {
		err = &url.Error{Op: "Post", URL: target.String(), Err: err}
		return domain.SendResult{Err: err, Timeout: isTimeout(ctx, err)}
	}
	watch.Touch()
	drain := io.LimitReader(resp.Body, s.maxDrain)
	if req.SocketTimeout > 0 {
		drain = watch.Reader(drain)
	}
	_, err = io.Copy(io.Discard, drain)
	_ = resp.Body.Close()
	if err != nil && isTimeout(ctx, err) {
		// Hermes's request timeout covers the whole response, body
		// included: a subscriber that trickles its body past it timed out.
		return domain.SendResult{Err: err, Timeout: true}
	}
	if err != nil {
		s.log.Debug("response body not drained, connection not reused", "endpoint", target.String(), "err", err)
	}

	r := domain.SendResult{StatusCode: resp.StatusCode}
	r.RetryAfter, r.HasRetryAfter = retryAfter(resp)
	return r
}

// newRequest builds the POST; body reads count as progress for watch.
func newRequest(ctx context.Context, ep *endpoint, req ports.SendRequest, watch *idle.Watch) (*http.Request, error) {
	u := *ep.url // the transport may not change it, but the request owns its copy
	hreq := (&http.Request{
		Method: http.MethodPost, URL: &u, Host: u.Host,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: make(http.Header, len(req.Headers)+1),
	}).WithContext(ctx)
	if len(req.Body) > 0 {
		// GetBody lets the transport replay the body when a pooled
		// connection turns out to be closed by the server.
		if req.SocketTimeout <= 0 {
			// No socket timeout to feed: a bare bytes.Reader, which
			// net/http knows is in memory and writes in one go with the
			// headers; behind any other reader it flushes the headers
			// first, a second write per message (make bench's delivery
			// profile: a third of the CPU in write syscalls).
			hreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(req.Body)), nil }
		} else {
			hreq.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(watch.Reader(bytes.NewReader(req.Body))), nil }
		}
		hreq.Body, _ = hreq.GetBody()
		hreq.ContentLength = int64(len(req.Body))
	}
	// One backing array for every header's value slice: Header.Set
	// allocates one per header.
	values := make([]string, 0, len(req.Headers))
	for k, v := range req.Headers {
		values = append(values, v)
		n := len(values)
		hreq.Header[http.CanonicalHeaderKey(k)] = values[n-1 : n : n]
	}
	if h, ok := req.Headers["Host"]; ok {
		hreq.Host = h
	}
	if ep.auth != "" {
		hreq.Header.Set("Authorization", ep.auth)
	}
	return hreq, nil
}

func (s *Sender) client(http2 bool, scheme string) *http.Client {
	switch {
	case !http2:
		return s.http1
	case scheme == "https":
		return s.http2TLS
	}
	return s.h2c
}

// parseEndpoint returns the endpoint without credentials. Its error never
// quotes the endpoint: an unparsable one may carry a password that
// StripCredentials could not find.
func parseEndpoint(endpoint string) (*url.URL, error) {
	u, err := url.Parse(domain.StripCredentials(endpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sender: endpoint is not an http(s) URL: %w", domain.ErrValidation)
	}
	return u, nil
}

func isTimeout(ctx context.Context, err error) bool {
	var ne net.Error
	cause := context.Cause(ctx)
	return errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(cause, errIdle) || errors.Is(cause, errTimeout) ||
		(errors.As(err, &ne) && ne.Timeout())
}

// retryAfter reads Retry-After as Hermes does: for 503 and 429 only, and
// only as non-negative integer seconds (an HTTP-date is ignored).
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp.StatusCode != http.StatusServiceUnavailable && resp.StatusCode != http.StatusTooManyRequests {
		return 0, false
	}
	v, ok := resp.Header["Retry-After"]
	if !ok || len(v) == 0 {
		return 0, false
	}
	secs, err := strconv.ParseInt(strings.TrimSpace(v[0]), 10, 32)
	if err != nil || secs < 0 {
		return 0, false
	}
	return time.Duration(secs) * time.Second, true
}
