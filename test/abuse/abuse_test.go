package abuse

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// tight makes every connection phase short, so that the cases below see
// each limit act within seconds.
var tight = []string{
	"HERMES_METRICS__KINDS=prometheus", // the client-abort counter is read at /status/prometheus
	"HERMES_FRONTEND__READ_TIMEOUT=1s",
	"HERMES_FRONTEND__SERVER__READ_HEADER_TIMEOUT=1s", "HERMES_FRONTEND__SERVER__READ_TIMEOUT=2s",
	"HERMES_FRONTEND__SERVER__KEEP_ALIVE_TIMEOUT=1s", "HERMES_FRONTEND__SERVER__MAX_HEADER_BYTES=16384",
	"HERMES_MANAGEMENT__SERVER__READ_HEADER_TIMEOUT=1s", "HERMES_MANAGEMENT__SERVER__READ_TIMEOUT=2s",
	"HERMES_MANAGEMENT__SERVER__KEEP_ALIVE_TIMEOUT=1s", "HERMES_MANAGEMENT__SERVER__MAX_HEADER_BYTES=16384",
}

// client sends requests and keeps what the invariants need: every 500
// fails the test, every 201 publish to the watched topic is an id the
// subscriber must receive.
type client struct {
	t     *testing.T
	http  *http.Client
	watch string // publish path whose 201s are recorded

	mu    sync.Mutex
	acked []string
}

func newClient(t *testing.T, watch string) *client {
	return &client{t: t, watch: watch, http: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: patience,
	}}
}

// do sends one request; it fails the test on a 500 or a transport error.
func (c *client) do(method, url, body string) (int, string) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		c.t.Errorf("%s %s: %v", method, url, err)
		return 0, ""
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Errorf("%s %s: %v", method, url, err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	c.check(method+" "+url, resp, string(b))
	return resp.StatusCode, string(b)
}

// check applies the invariants to one answer.
func (c *client) check(what string, resp *http.Response, body string) {
	if resp.StatusCode == http.StatusInternalServerError {
		c.t.Errorf("%s: 500 %s", what, body)
	}
	if resp.StatusCode == http.StatusCreated && resp.Request != nil && strings.HasSuffix(resp.Request.URL.Path, c.watch) {
		c.ack(resp.Header.Get("Hermes-Message-Id"))
	}
}

func (c *client) ack(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.acked = append(c.acked, id)
}

func (c *client) ackedIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.acked...)
}

const topicJSON = `{"name":%q,"description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"o"}}`

// TestAbuse runs the hostile cases one after the other on one process and
// checks its health after each.
func TestAbuse(t *testing.T) {
	t.Parallel()
	p := start(t, tight...)
	fe, mg := "http://"+p.frontend, "http://"+p.management
	const watched = "/topics/abuse.main"
	c := newClient(t, watched)
	sub := newSubscriber(t)
	require.Equal(t, http.StatusCreated, first(c.do("POST", mg+"/groups", `{"groupName":"abuse"}`)))
	require.Equal(t, http.StatusCreated, first(c.do("POST", mg+"/topics", fmt.Sprintf(topicJSON, "abuse.main"))))
	require.Equal(t, http.StatusCreated, first(c.do("POST", mg+"/topics/abuse.main/subscriptions",
		`{"name":"s","description":"d","endpoint":"`+sub.URL+`/","owner":{"source":"Plaintext","id":"o"}}`)))

	cases := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"stalled body on keep-alive", func(t *testing.T) {
			for addr, req := range map[string]string{
				p.frontend:   "POST " + watched + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\":1,",
				p.management: "POST /groups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"gr",
			} {
				conn := dial(t, addr)
				_, err := io.WriteString(conn, req)
				require.NoError(t, err)
				br := bufio.NewReader(conn)
				resp, _, err := readResponse(br)
				require.NoError(t, err, "%s: no answer", addr)
				assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode, addr)
				_, err = br.ReadByte()
				assert.ErrorIs(t, err, io.EOF, "%s: the connection stays open", addr)
			}
		}},
		{"slow body", func(t *testing.T) {
			conn := dial(t, p.frontend)
			const size = 60 // 12 s at a byte per 200 ms; the read timeout is 1 s
			_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", watched, size)
			require.NoError(t, err)
			body := testenv.Trickle(conn, size, 200*time.Millisecond, false)
			resp, _, err := readResponse(bufio.NewReader(conn))
			early := !body.SentAll()
			body.Stop()
			require.NoError(t, err, "no answer")
			assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
			assert.True(t, early, "the 408 came only after the whole body")
		}},
		{"broken chunked encoding", func(t *testing.T) {
			for addr, path := range map[string]string{p.frontend: watched, p.management: "/groups"} {
				conn := dial(t, addr)
				_, err := io.WriteString(conn, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
				require.NoError(t, err)
				resp, _, err := readResponse(bufio.NewReader(conn))
				require.NoError(t, err)
				assert.Equal(t, http.StatusBadRequest, resp.StatusCode, addr)
			}
		}},
		{"clients gone mid-body", func(t *testing.T) {
			for i := range 60 {
				addr, path := p.frontend, watched
				if i%2 == 1 {
					addr, path = p.management, "/topics"
				}
				conn := dial(t, addr)
				_, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":", path)
				require.NoError(t, err)
				require.NoError(t, conn.Close())
			}
			require.Eventually(t, func() bool {
				return aborts(fe, "frontend") >= 30 && aborts(fe, "management") >= 30
			}, patience, 50*time.Millisecond, "client aborts counted: frontend %d, management %d", aborts(fe, "frontend"), aborts(fe, "management"))
			assert.Zero(t, strings.Count(p.log.String(), `msg="request failed"`), "clients' disconnects logged as server failures")
		}},
		{"idle, stalled and slow-header connections are closed", func(t *testing.T) {
			var conns []net.Conn
			for range 150 { // idle after one request
				conn := dial(t, p.frontend)
				_, err := io.WriteString(conn, "GET /status/ping HTTP/1.1\r\nHost: x\r\n\r\n")
				require.NoError(t, err)
				conns = append(conns, conn)
			}
			for range 100 {
				conn := dial(t, p.management)
				_, err := io.WriteString(conn, "GET /groups HTTP/1.1\r\nHost: x\r\n\r\n")
				require.NoError(t, err)
				conns = append(conns, conn)
			}
			for range 150 { // a body that never comes
				conn := dial(t, p.frontend)
				_, err := io.WriteString(conn, "POST "+watched+" HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{")
				require.NoError(t, err)
				conns = append(conns, conn)
			}
			for range 150 { // headers that never end
				conn := dial(t, p.frontend)
				_, err := io.WriteString(conn, "GET /status/ping HTTP/1.1\r\nHost: x\r\n")
				require.NoError(t, err)
				conns = append(conns, conn)
			}
			var open atomic.Int64
			var wg sync.WaitGroup
			for _, conn := range conns {
				wg.Go(func() {
					// Read answers until the server closes; a read that
					// times out means the server kept the connection.
					_, err := io.Copy(io.Discard, conn)
					if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() {
						open.Add(1)
					}
				})
			}
			wg.Wait()
			assert.Zero(t, open.Load(), "connections still open after %s", patience)
		}},
		{"huge headers", func(t *testing.T) {
			for _, head := range []string{
				"X-Big: " + strings.Repeat("a", 1<<20) + "\r\n",
				strings.Repeat("X-Many: abcdefgh\r\n", 4000),
			} {
				conn := dial(t, p.frontend)
				go func() { _, _ = io.WriteString(conn, "GET /status/ping HTTP/1.1\r\nHost: x\r\n"+head+"\r\n") }()
				resp, _, err := readResponse(bufio.NewReader(conn))
				if err == nil {
					assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
				} // else: the server closed while we were still sending: refused, not served
			}
		}},
		{"many small requests", func(t *testing.T) {
			var wg sync.WaitGroup
			for w := range 8 {
				wg.Go(func() {
					for i := range 250 {
						st, _ := c.do("POST", fe+watched, fmt.Sprintf(`{"w":%d,"i":%d}`, w, i))
						if st != http.StatusCreated && st != http.StatusServiceUnavailable {
							t.Errorf("publish %d/%d: %d", w, i, st)
						}
					}
				})
			}
			wg.Wait()
		}},
		{"pipelining", func(t *testing.T) {
			conn := dial(t, p.frontend)
			const n = 100
			var reqs strings.Builder
			for i := range n {
				body := fmt.Sprintf(`{"pipelined":%d}`, i)
				fmt.Fprintf(&reqs, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", watched, len(body), body)
			}
			go func() { _, _ = io.WriteString(conn, reqs.String()) }()
			br := bufio.NewReader(conn)
			for i := range n {
				resp, body, err := readResponse(br)
				require.NoError(t, err, "answer %d", i)
				if resp.StatusCode == http.StatusCreated {
					c.ack(resp.Header.Get("Hermes-Message-Id"))
				} else if resp.StatusCode != http.StatusServiceUnavailable {
					t.Errorf("pipelined publish %d: %d %s", i, resp.StatusCode, body)
				}
			}
		}},
		{"HTTP/2 cleartext", func(t *testing.T) {
			// Prior knowledge: the client preface, then an empty SETTINGS frame.
			conn := dial(t, p.frontend)
			_, err := io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
			require.NoError(t, err)
			br := bufio.NewReader(conn)
			for {
				resp, _, err := readResponse(br)
				if err != nil {
					break // closed: refused
				}
				assert.NotEqual(t, http.StatusInternalServerError, resp.StatusCode)
				assert.NotEqual(t, http.StatusSwitchingProtocols, resp.StatusCode)
			}
			// An upgrade request is served as HTTP/1.1.
			req, err := http.NewRequest("GET", fe+"/status/ping", nil)
			require.NoError(t, err)
			req.Header.Set("Connection", "Upgrade, HTTP2-Settings")
			req.Header.Set("Upgrade", "h2c")
			req.Header.Set("HTTP2-Settings", "AAMAAABkAAQAAP__")
			resp, err := c.http.Do(req)
			require.NoError(t, err)
			_ = resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		}},
		{"invalid UTF-8 in names and bodies", func(t *testing.T) {
			for _, r := range []struct{ method, url, body string }{
				{"POST", mg + "/groups", "{\"groupName\":\"ab\xffc\"}"},
				{"POST", mg + "/topics", fmt.Sprintf(topicJSON, "abuse.t\xff\xfe")},
				{"POST", mg + "/topics", "{\"name\":\"abuse.t\",\"description\":\"\xc3\x28\",\"contentType\":\"JSON\",\"retentionTime\":{\"duration\":1},\"owner\":{\"source\":\"Plaintext\",\"id\":\"\xff\"}}"},
				{"POST", mg + "/topics/abuse.main/subscriptions", "{\"name\":\"\xff\",\"endpoint\":\"http://localhost/\",\"description\":\"d\",\"owner\":{\"source\":\"Plaintext\",\"id\":\"o\"}}"},
				{"GET", mg + "/topics/abuse.%FF%FE", ""},
				{"GET", mg + "/groups/%C3%28", ""},
				{"GET", mg + "/topics/abuse.main/subscriptions/%FF", ""},
				{"PUT", mg + "/topics/abuse.main", "{\"description\":\"\xff\"}"},
				{"POST", fe + "/topics/abuse.%FF%FE", "{}"},
				{"POST", fe + watched, "{\"a\":\"\xff\xfe\"}"},
				{"POST", fe + watched, "\xef\xbb\xbf{\"bom\":1}"},
			} {
				st, body := c.do(r.method, r.url, r.body)
				assert.Less(t, st, 500, "%s %q: %s", r.method, r.url, body)
			}
		}},
		{"concurrent create and delete of one topic", func(t *testing.T) {
			var wg sync.WaitGroup
			for w := range 6 {
				wg.Go(func() {
					for i := range 15 {
						switch (w + i) % 3 {
						case 0:
							c.do("POST", mg+"/topics", fmt.Sprintf(topicJSON, "abuse.race"))
						case 1:
							c.do("DELETE", mg+"/topics/abuse.race", "")
						default:
							c.do("GET", mg+"/topics/abuse.race", "")
						}
					}
				})
			}
			wg.Wait()
			st, _ := c.do("GET", mg+"/topics/abuse.race", "")
			require.Contains(t, []int{http.StatusOK, http.StatusNotFound}, st)
			_, list := c.do("GET", mg+"/topics?groupName=abuse", "")
			var names []string
			require.NoError(t, json.Unmarshal([]byte(list), &names), list)
			assert.Equal(t, st == http.StatusOK, contains(names, "abuse.race"), "the topic list agrees with GET: %v", names)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			tc.run(t)
			p.healthy(t)
		})
	}
	c.t = t
	acked := c.ackedIDs()
	require.NotEmpty(t, acked)
	require.Eventually(t, func() bool { return len(sub.missing(acked)) == 0 }, 2*patience, 100*time.Millisecond,
		"acknowledged publishes not delivered: %d of %d", len(sub.missing(acked)), len(acked))
	p.healthy(t)
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "abuse: %d acknowledged publishes all delivered, RSS %d MiB\n", len(acked), p.rss(t)>>20)
	}
}

// TestConnectionCap holds every connection the frontend allows: the next
// ones get 503 TOO_MANY_CONNECTIONS or are closed, none hangs, and a
// freed slot serves again.
func TestConnectionCap(t *testing.T) {
	t.Parallel()
	const limit = 16
	p := start(t, fmt.Sprintf("HERMES_FRONTEND__SERVER__MAX_CONNECTIONS=%d", limit))
	ping := "GET /status/ping HTTP/1.1\r\nHost: x\r\n\r\n"
	var held []net.Conn
	for range limit {
		// The start-up probes' connections may not be closed yet: a
		// connection refused for them is retried.
		require.Eventually(t, func() bool {
			conn, err := net.Dial("tcp", p.frontend)
			if err != nil {
				return false
			}
			_ = conn.SetDeadline(time.Now().Add(patience))
			if _, err := io.WriteString(conn, ping); err != nil {
				_ = conn.Close()
				return false
			}
			resp, _, err := readResponse(bufio.NewReader(conn))
			if err != nil || resp.StatusCode != http.StatusOK {
				_ = conn.Close()
				return false
			}
			held = append(held, conn)
			return true
		}, patience, 20*time.Millisecond)
	}
	var refused, closed atomic.Int64
	var wg sync.WaitGroup
	for range 300 {
		wg.Go(func() {
			conn, err := net.Dial("tcp", p.frontend)
			if err != nil {
				closed.Add(1)
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(patience))
			if _, err := io.WriteString(conn, ping); err != nil {
				closed.Add(1)
				return
			}
			resp, body, err := readResponse(bufio.NewReader(conn))
			switch {
			case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
				closed.Add(1)
			case err != nil:
				t.Errorf("a connection past the cap hangs")
			case resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(body, "TOO_MANY_CONNECTIONS"):
				refused.Add(1)
			default:
				t.Errorf("past the cap: %d %s", resp.StatusCode, body)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(300), refused.Load()+closed.Load())
	assert.NotZero(t, refused.Load(), "no connection was told why")
	for _, conn := range held {
		require.NoError(t, conn.Close())
	}
	p.healthy(t) // its probe needs a slot freed
}

func first(st int, _ string) int { return st }

// aborts scrapes base's /status/prometheus for the client aborts counted
// on server; -1 when it cannot.
func aborts(base, server string) int {
	resp, err := probe.Get(base + "/status/prometheus")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	prefix := `hermes_consumers_http_client_aborts_total{server="` + server + `"} `
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, prefix); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return -1
			}
			return int(n)
		}
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
