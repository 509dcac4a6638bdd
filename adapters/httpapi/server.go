package httpapi

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hermes-go/hermes/ports"
)

// codeTooManyConnections answers a connection past ServerConfig.MaxConnections.
// Hermes has no such code: Undertow queues connections in its backlog.
const codeTooManyConnections = "TOO_MANY_CONNECTIONS"

// ClientAbortsMetric counts request bodies that ended because the client
// went away (closed or reset the connection mid-body). It has one label,
// server ("frontend" or "management").
const ClientAbortsMetric = "http.client-aborts"

// ServerConfig bounds every phase of a connection to one HTTP server, so
// that no client can hold a connection, a goroutine or memory for longer
// than these say. Zero values take DefaultServerConfig's.
type ServerConfig struct {
	// Name labels logs and metrics ("frontend", "management").
	Name string
	// ReadHeaderTimeout bounds reading a request's line and headers,
	// counted from its first byte. Default 5s (Hermes's requestParseTimeout).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, headers and body, unless
	// the handler sets its own body deadline (the frontend's publish does,
	// with FrontendConfig.ReadTimeout). Past it the answer is 408 TIMEOUT
	// and the connection is closed. Default 10s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer: body reading, the handler (a publish waits for the
	// store's ack) and writing. Past it the connection is closed without
	// an answer, so it must exceed every handler's own budget. Default 30s.
	WriteTimeout time.Duration
	// KeepAliveTimeout closes a keep-alive connection idle for this long
	// between requests (http.Server.IdleTimeout). Default 30s.
	KeepAliveTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; larger ones get
	// 431. Default 64 KiB.
	MaxHeaderBytes int
	// MaxConnections caps the open connections. A connection past the cap
	// gets one 503 TOO_MANY_CONNECTIONS answer and is closed; past twice
	// the cap connections are closed at once, unanswered. Default 4096.
	MaxConnections int
	// Metrics counts client aborts (ClientAbortsMetric). Nil counts none.
	Metrics ports.Metrics
	// TLS, when not nil, serves HTTPS with HTTP/2 and HTTP/1.1 (see
	// LoadTLS); nil serves plain HTTP/1.1. The limits above apply to both;
	// the TLS handshake is bounded by the shortest of the three timeouts.
	TLS *tls.Config
}

// DefaultServerConfig returns the defaults documented on ServerConfig.
func DefaultServerConfig() ServerConfig {
	return ServerConfig{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		KeepAliveTimeout:  30 * time.Second,
		MaxHeaderBytes:    64 << 10,
		MaxConnections:    4096,
	}
}

func (c ServerConfig) withDefaults() ServerConfig {
	d := DefaultServerConfig()
	for _, p := range []struct{ v, def *time.Duration }{
		{&c.ReadHeaderTimeout, &d.ReadHeaderTimeout},
		{&c.ReadTimeout, &d.ReadTimeout},
		{&c.WriteTimeout, &d.WriteTimeout},
		{&c.KeepAliveTimeout, &d.KeepAliveTimeout},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = d.MaxConnections
	}
	return c
}

// Server is an http.Server with every phase of a connection bounded
// (ServerConfig) and its connections capped.
type Server struct {
	srv *http.Server
	cfg ServerConfig
	log *slog.Logger

	open     atomic.Int64 // connections accepted and not yet closed
	rejected atomic.Int64 // of them, past the cap
}

// NewServer returns a server for h with cfg's limits. Request bodies read
// by h are watched: a client that goes away mid-body is counted in
// ClientAbortsMetric and logged at debug level, and any failed body read
// closes the connection after the answer (the rest of a broken or stalled
// body is never waited for).
func NewServer(cfg ServerConfig, h http.Handler, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg.withDefaults(), log: log}
	s.srv = &http.Server{
		Handler:           s.guard(h),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.KeepAliveTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		TLSConfig:         s.cfg.TLS,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if tc, ok := c.(*tls.Conn); ok {
				c = tc.NetConn()
			}
			if lc, ok := c.(*limitedConn); ok && lc.over {
				return context.WithValue(ctx, overCapKey{}, true)
			}
			return ctx
		},
		ErrorLog: stdlog.New(serverLog{log}, "", 0),
	}
	return s
}

// serverLog routes net/http's own messages into log. Accept errors (out
// of file descriptors) and handler panics are errors; the rest are
// caused by clients (a query with semicolons, say) and are debug noise
// any client could flood the log with.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelDebug
	if strings.Contains(msg, "Accept error") || strings.Contains(msg, "panic serving") {
		level = slog.LevelError
	}
	l.log.Log(context.Background(), level, msg)
	return len(p), nil
}

// Serve accepts connections on ln until Shutdown; it returns
// http.ErrServerClosed after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	// The cap counts TCP connections, under TLS: a client that never
	// finishes its handshake holds a slot until the handshake times out.
	ll := &limitListener{Listener: ln, s: s}
	if s.cfg.TLS != nil {
		return s.srv.ServeTLS(ll, "", "")
	}
	return s.srv.Serve(ll)
}

// Shutdown stops accepting, waits for in-flight requests until ctx ends,
// then closes what is left.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		_ = s.srv.Close()
	}
	return err
}

// OpenConnections returns the connections accepted and not yet closed.
func (s *Server) OpenConnections() int { return int(s.open.Load()) }

type overCapKey struct{}

// guard answers connections past the cap and watches request bodies.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if over, _ := r.Context().Value(overCapKey{}).(bool); over {
			w.Header().Set("Connection", "close")
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusServiceUnavailable, codeTooManyConnections,
				"Too many connections: this server holds "+strconv.Itoa(s.cfg.MaxConnections)+", its limit; retry later")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &watchedBody{ReadCloser: r.Body, w: w, r: r, s: s}
		}
		h.ServeHTTP(w, r)
	})
}

// watchedBody reacts to the first failed read of a request body.
type watchedBody struct {
	io.ReadCloser
	w      http.ResponseWriter
	r      *http.Request
	s      *Server
	failed bool
}

func (b *watchedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && !b.failed {
		b.failed = true
		b.s.bodyFailed(b.w, b.r, err)
	}
	return n, err
}

// bodyFailed closes the connection after the answer: otherwise the server
// would try to read what is left of the body before answering (to reuse
// the connection), and a stalled client would never get its answer.
func (s *Server) bodyFailed(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set("Connection", "close")
	if _, tooLarge := errors.AsType[*http.MaxBytesError](err); tooLarge {
		return
	}
	// Over HTTP/2 a client that resets its stream leaves no connection
	// error, only its request's context cancelled.
	if isClientAbort(err) || r.Context().Err() != nil {
		if s.cfg.Metrics != nil {
			s.cfg.Metrics.Count(ClientAbortsMetric, ports.Labels{"server": s.cfg.Name}, 1)
		}
		s.log.DebugContext(r.Context(), "client went away mid-body", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	s.log.DebugContext(r.Context(), "request body unreadable", "method", r.Method, "path", r.URL.Path, "err", err)
}

// isClientAbort tells a body cut short by the client (connection closed or
// reset) from a timeout or a malformed body.
func isClientAbort(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		return true
	}
	_, isNet := errors.AsType[*net.OpError](err)
	return isNet
}

// bodyReadError is the answer to a body that could not be read for a
// reason other than a timeout: cut short by the client or malformed (a
// broken chunked encoding). Both are the client's doing: 400
// VALIDATION_ERROR, never a 500.
func bodyReadError(err error) error {
	return &httpError{http.StatusBadRequest, codeValidation, "Error while reading request body: " + err.Error()}
}

// limitListener counts open connections and marks those past the cap.
type limitListener struct {
	net.Listener
	s *Server
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		s := l.s
		limit := int64(s.cfg.MaxConnections)
		n := s.open.Add(1)
		if n <= limit {
			return &limitedConn{Conn: c, s: s}, nil
		}
		// Past twice the cap, answering would itself cost a goroutine and
		// buffers per connection: close at once.
		if s.rejected.Add(1) > limit {
			s.rejected.Add(-1)
			s.open.Add(-1)
			_ = c.Close()
			continue
		}
		return &limitedConn{Conn: c, s: s, over: true}, nil
	}
}

// limitedConn gives its slot back once, when closed.
type limitedConn struct {
	net.Conn
	s    *Server
	over bool
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() {
		c.s.open.Add(-1)
		if c.over {
			c.s.rejected.Add(-1)
		}
	})
	return err
}

// CloseWrite passes the half-close through: the server half-closes before
// it closes a connection, so that a client still sending gets the answer
// before the reset.
func (c *limitedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
