package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// rawConn opens a connection to base (http://host:port) whose reads give
// up after 30 s: a failure bound, far beyond the 2 s read timeout.
func rawConn(t *testing.T, base string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
	return c
}

// Hermes's PublishingTimeoutTest#shouldHandleRequestTimeout (and its
// chunked variant): a body sent a byte every 300 ms is answered 408 once
// the read timeout passes, while the client is still sending, not after
// the body's end.
func TestSlowPublishIsAnswered408WhileSending(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "slow", "publish")
	for _, chunked := range []bool{false, true} {
		t.Run(fmt.Sprintf("chunked=%v", chunked), func(t *testing.T) {
			const size = 40 // 12 s at one byte every 300 ms
			c := rawConn(t, h.frontend)
			head := "POST /topics/slow.publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
			if chunked {
				head += "Transfer-Encoding: chunked\r\n\r\n"
			} else {
				head += fmt.Sprintf("Content-Length: %d\r\n\r\n", size)
			}
			_, err := io.WriteString(c, head)
			require.NoError(t, err)
			body := testenv.Trickle(c, size, 300*time.Millisecond, chunked)
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			answeredWhileSending := !body.SentAll()
			body.Stop()
			require.NoError(t, err, "no answer")
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
			assert.True(t, answeredWhileSending, "the 408 came only after the whole body")
		})
	}
}

// A body that stalls on a keep-alive connection gets its 408 (before, it
// got no answer at all), and the connection is closed after it.
func TestStalledPublishOnKeepAliveIsAnswered(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "stalled", "publish")
	for name, req := range map[string]string{
		"frontend":   "POST /topics/stalled.publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":1,",
		"management": "POST /groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"grou",
	} {
		t.Run(name, func(t *testing.T) {
			base := h.frontend
			if name == "management" {
				base = h.management
			}
			c := rawConn(t, base)
			_, err := io.WriteString(c, req)
			require.NoError(t, err)
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			require.NoError(t, err, "no answer")
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
			_, err = br.ReadByte()
			assert.ErrorIs(t, err, io.EOF, "the connection stays open")
		})
	}
	mustCall(t, http.StatusOK, "GET", h.frontend+"/status/ping", "")
}
