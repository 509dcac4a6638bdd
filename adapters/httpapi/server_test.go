package httpapi

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// clientPatience bounds how long a test waits for an answer that must come.
// It is a failure bound, not a measurement: the server's own timeouts in
// these tests are far shorter.
const clientPatience = 30 * time.Second

// testServerConfig has short timeouts so that the phases they bound end
// quickly; tests never assert how quickly.
func testServerConfig() ServerConfig {
	return ServerConfig{
		Name: "test", ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 300 * time.Millisecond,
		WriteTimeout: 20 * time.Second, KeepAliveTimeout: 300 * time.Millisecond,
	}
}

// startServer starts h behind NewServer on a loopback port and returns its address.
func startServer(t *testing.T, cfg ServerConfig, h http.Handler, log *slog.Logger) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := NewServer(cfg, h, log)
	done := make(chan struct{})
	go func() { defer close(done); _ = s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// dial opens a raw connection whose reads give up after clientPatience.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(clientPatience)))
	return c
}

// readAnswer reads one response from c and decodes its error JSON, if any.
func readAnswer(t *testing.T, br *bufio.Reader) (*http.Response, errorBody) {
	t.Helper()
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err, "no answer")
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var e errorBody
	_ = json.Unmarshal(body, &e)
	return resp, e
}

// levelCounter counts log records at or above Error.
type levelCounter struct {
	errors atomic.Int64
}

func (l *levelCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *levelCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		l.errors.Add(1)
	}
	return nil
}
func (l *levelCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *levelCounter) WithGroup(string) slog.Handler      { return l }

func testFrontendHandler(log *slog.Logger) http.Handler {
	cfg := DefaultFrontendConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	return NewFrontend(newTestPublisher(1<<20), cfg, log)
}

func testManagementHandler(log *slog.Logger) http.Handler {
	return NewManagement(&fakeManagement{}, log)
}

const stalledPublish = "POST /topics/" + testTopic + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":1,"

// A body that stalls on a keep-alive connection is answered 408 once the
// read timeout passes, and the connection is closed (before, the server
// waited for the rest of the body before sending its answer, forever).
func TestStalledBodyOnKeepAliveIsAnswered(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		h   http.Handler
		req string
	}{
		"frontend":   {testFrontendHandler(nil), stalledPublish},
		"management": {testManagementHandler(nil), "POST /groups HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"groupN"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, startServer(t, testServerConfig(), tc.h, nil))
			_, err := io.WriteString(c, tc.req)
			require.NoError(t, err)
			br := bufio.NewReader(c)
			resp, e := readAnswer(t, br)
			assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
			assert.Equal(t, codeTimeout, e.Code)
			assert.True(t, resp.Close, "the connection is closed after the answer")
			_, err = br.ReadByte()
			assert.ErrorIs(t, err, io.EOF)
		})
	}
}

// A publish body sent slowly is answered 408 while it is still being
// sent, as Hermes's PublishingTimeoutTest expects, not after its end.
func TestSlowBodyIsAnsweredBeforeItEnds(t *testing.T) {
	t.Parallel()
	c := dial(t, startServer(t, testServerConfig(), testFrontendHandler(nil), nil))
	const size = 200
	_, err := io.WriteString(c, "POST /topics/"+testTopic+" HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n")
	require.NoError(t, err)
	body := testenv.Trickle(c, size, 50*time.Millisecond, false)
	resp, e := readAnswer(t, bufio.NewReader(c))
	answeredEarly := !body.SentAll()
	body.Stop()
	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.Equal(t, codeTimeout, e.Code)
	assert.True(t, answeredEarly, "the 408 came only after the whole body")
}

// A broken chunked encoding is the client's error: 400, not 500.
func TestBrokenChunkedEncodingIs400(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		h    http.Handler
		path string
	}{
		"frontend":   {testFrontendHandler(nil), "/topics/" + testTopic},
		"management": {testManagementHandler(nil), "/groups"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := dial(t, startServer(t, testServerConfig(), tc.h, nil))
			_, err := io.WriteString(c, "POST "+tc.path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"+
				"zz\r\n{}\r\n0\r\n\r\n")
			require.NoError(t, err)
			resp, e := readAnswer(t, bufio.NewReader(c))
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
			assert.Equal(t, codeValidation, e.Code)
		})
	}
}

// A client that goes away mid-body is counted, and logged below Error.
func TestClientAbortIsCountedNotLoggedAsError(t *testing.T) {
	t.Parallel()
	for name, mk := range map[string]func(*slog.Logger) http.Handler{
		"frontend":   testFrontendHandler,
		"management": testManagementHandler,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logs := &levelCounter{}
			metrics := newMetricsRecorder()
			cfg := testServerConfig()
			cfg.Metrics = metrics
			cfg.ReadTimeout = clientPatience // the abort, not a timeout, must end the body
			log := slog.New(logs)
			addr := startServer(t, cfg, mk(log), log)
			path := "/topics/" + testTopic
			if name == "management" {
				path = "/groups"
			}
			for range 3 {
				c := dial(t, addr)
				_, err := io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
				require.NoError(t, err)
				require.NoError(t, c.Close())
			}
			require.Eventually(t, func() bool {
				counters, _, _ := metrics.snapshot()
				return counters[metricKey(ClientAbortsMetric, nil)] == 3
			}, clientPatience, 10*time.Millisecond)
			assert.Zero(t, logs.errors.Load(), "error lines logged")
		})
	}
}

// An idle keep-alive connection is closed after KeepAliveTimeout, and one
// that never finishes its headers after ReadHeaderTimeout.
func TestIdleAndSlowHeaderConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	addr := startServer(t, testServerConfig(), testFrontendHandler(nil), nil)

	idle := dial(t, addr)
	_, err := io.WriteString(idle, "GET /status/ping HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(idle)
	resp, _ := readAnswer(t, br)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.False(t, resp.Close)
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "the idle connection was not closed")

	slow := dial(t, addr)
	_, err = io.WriteString(slow, "GET /status/ping HTTP/1.1\r\nHost: x\r\n")
	require.NoError(t, err)
	_, err = slow.Read(make([]byte, 1))
	assert.ErrorIs(t, err, io.EOF, "the slow-header connection was not closed")
}

// Past MaxConnections a connection gets one 503 TOO_MANY_CONNECTIONS and
// is closed; a slot freed is usable again.
func TestConnectionsPastTheCapGet503(t *testing.T) {
	t.Parallel()
	cfg := testServerConfig()
	cfg.MaxConnections = 2
	cfg.KeepAliveTimeout = clientPatience
	cfg.ReadHeaderTimeout, cfg.ReadTimeout = clientPatience, clientPatience
	addr := startServer(t, cfg, testFrontendHandler(nil), nil)
	ping := func(c net.Conn) (*http.Response, errorBody) {
		_, err := io.WriteString(c, "GET /status/ping HTTP/1.1\r\nHost: x\r\n\r\n")
		require.NoError(t, err)
		return readAnswer(t, bufio.NewReader(c))
	}
	held := []net.Conn{dial(t, addr), dial(t, addr)}
	for _, c := range held {
		resp, _ := ping(c)
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	resp, e := ping(dial(t, addr))
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, codeTooManyConnections, e.Code)
	assert.True(t, resp.Close)

	require.NoError(t, held[0].Close())
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return false
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(clientPatience))
		resp, _ := ping(c)
		return resp.StatusCode == http.StatusOK
	}, clientPatience, 20*time.Millisecond)
}

// Headers larger than MaxHeaderBytes get 431, never a 500.
func TestHugeHeadersAreRefused(t *testing.T) {
	t.Parallel()
	cfg := testServerConfig()
	cfg.MaxHeaderBytes = 1 << 10
	c := dial(t, startServer(t, cfg, testFrontendHandler(nil), nil))
	_, err := io.WriteString(c, "GET /status/ping HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 8<<10)+"\r\n\r\n")
	if err != nil && !errors.Is(err, net.ErrClosed) {
		t.Logf("write: %v (the server may close first)", err)
	}
	resp, _ := readAnswer(t, bufio.NewReader(c))
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
}

// A handler panic, which net/http recovers from, is logged as an error.
func TestHandlerPanicIsLoggedAsError(t *testing.T) {
	t.Parallel()
	logs := &levelCounter{}
	addr := startServer(t, testServerConfig(), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("handler bug")
	}), slog.New(logs))
	c := dial(t, addr)
	_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, c) // net/http closes the connection
	require.Eventually(t, func() bool { return logs.errors.Load() > 0 }, clientPatience, 10*time.Millisecond)
}
