// Package e2e runs the real hermes binary and drives it over HTTP as a
// Hermes user would: the seed walkthrough, retries, suspension, restarts.
package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

var binary string

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithHermes(m, &binary))
}

// hermes is one running hermes process.
type hermes struct {
	t          *testing.T
	cmd        *exec.Cmd
	frontend   string
	management string
	consumers  string // the consumers' status server
	modules    []string
	env        []string
	log        *testenv.Output
	exited     <-chan struct{}
	proc       *testenv.Process
	// https, when set, reaches the frontend and management over HTTPS
	// (the consumers' status server stays HTTP); see tls_test.go.
	https *http.Client
}

// startHermes runs the binary with all modules on dataDir and extra env.
func startHermes(t *testing.T, dataDir string, env ...string) *hermes {
	t.Helper()
	return startModules(t, "frontend,consumers,management", append([]string{"HERMES_DATA_DIR=" + dataDir}, env...)...)
}

// startModules runs the binary with the given modules and extra env.
func startModules(t *testing.T, modules string, env ...string) *hermes {
	t.Helper()
	if !slices.ContainsFunc(env, func(e string) bool { return strings.HasPrefix(e, "HERMES_DATA_DIR=") }) {
		env = append(env, "HERMES_DATA_DIR="+t.TempDir()) // one per process: a data dir is locked
	}
	h := &hermes{t: t, modules: strings.Split(modules, ","), env: env}
	h.start()
	t.Cleanup(h.kill)
	return h
}

func (h *hermes) start() {
	t := h.t
	p, err := testenv.StartHermes(binary, []string{"--modules", strings.Join(h.modules, ",")}, h.env...)
	require.NoError(t, err)
	h.cmd, h.log, h.exited, h.proc = p.Cmd, p.Output, p.Exited, p
	deadline := time.Now().Add(30 * time.Second)
	for !h.ready() {
		select {
		case <-h.exited:
			t.Fatalf("hermes exited at start:\n%s", h.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("hermes did not start:\n%s", h.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ready reports whether every module of h is up, recording the addresses.
func (h *hermes) ready() bool {
	log := h.log.String()
	web := "http://"
	if h.https != nil {
		web = "https://"
	}
	for _, m := range h.modules {
		switch m {
		case "frontend":
			if addr := h.proc.Listening(m); addr == "" || !h.up(web+addr+"/status/ping") {
				return false
			}
			h.frontend = web + h.proc.Listening(m)
		case "management":
			// 401: reads are closed to anonymous callers, and served.
			if addr := h.proc.Listening(m); addr == "" || !h.up(web+addr+"/groups", http.StatusUnauthorized) {
				return false
			}
			h.management = web + h.proc.Listening(m)
		case "consumers":
			if addr := h.proc.Listening(m); !strings.Contains(log, `msg="consumers started"`) || addr == "" || !h.up("http://"+addr+"/status/health") {
				return false
			}
			h.consumers = "http://" + h.proc.Listening(m)
		}
	}
	return true
}

// up reports whether url answers 200 or one of also.
func (h *hermes) up(url string, also ...int) bool {
	c := http.DefaultClient
	if h.https != nil {
		c = h.https
	}
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK || slices.Contains(also, resp.StatusCode)
}

// stop sends SIGTERM and waits for a graceful exit.
func (h *hermes) stop() {
	require.NoError(h.t, h.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-h.exited:
	case <-time.After(30 * time.Second):
		h.t.Fatalf("hermes did not stop on SIGTERM:\n%s", h.log.String())
	}
}

func (h *hermes) kill() {
	h.proc.Kill()
	if h.t.Failed() {
		h.t.Logf("hermes log:\n%s", h.log.String())
	}
}

// call sends a JSON request and returns status and body.
func call(t *testing.T, method, url, body string) (int, string, http.Header) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b), resp.Header
}

// mustCall is call that requires the status.
func mustCall(t *testing.T, want int, method, url, body string) string {
	t.Helper()
	status, got, _ := call(t, method, url, body)
	require.Equal(t, want, status, "%s %s: %s", method, url, got)
	return got
}

// received is one request a subscriber got.
type received struct {
	Body   string
	Header http.Header
}

// subscriber is an httptest endpoint answering with the statuses of
// respond (in order; 200 once they run out) and recording every request.
type subscriber struct {
	*httptest.Server
	mu      sync.Mutex
	got     []received
	respond []int
}

func newSubscriber(t *testing.T, respond ...int) *subscriber {
	s := &subscriber{respond: respond}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			// The sender went away mid-request (a killed consumer): no
			// delivery happened, as no response reached it.
			return
		}
		s.mu.Lock()
		s.got = append(s.got, received{Body: string(b), Header: r.Header.Clone()})
		status := http.StatusOK
		if len(s.respond) > 0 {
			status, s.respond = s.respond[0], s.respond[1:]
		}
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) requests() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

// waitFor waits until the subscriber got at least n requests.
func (s *subscriber) waitFor(t *testing.T, n int) []received {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.requests()) >= n }, 30*time.Second, 20*time.Millisecond,
		"subscriber got %d requests, want %d", len(s.requests()), n)
	return s.requests()
}

// publishClient keeps enough idle connections for parallel publishers.
var publishClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}

func mustRequest(t *testing.T, method, url, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	return req
}

// reset forgets what the subscriber received so far.
func (s *subscriber) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.got = nil
}

// waitForBodies waits up to timeout until the subscriber holds n distinct
// bodies, and returns every request received.
func (s *subscriber) waitForBodies(t *testing.T, n int, timeout time.Duration) []received {
	t.Helper()
	return s.waitForDistinct(t, n, timeout, func(string) bool { return true })
}

// waitForDistinct waits up to timeout until the subscriber holds n
// distinct bodies that counts accepts, and returns every request received.
func (s *subscriber) waitForDistinct(t *testing.T, n int, timeout time.Duration, counts func(body string) bool) []received {
	t.Helper()
	distinct := func() int {
		seen := map[string]bool{}
		for _, r := range s.requests() {
			if counts(r.Body) {
				seen[r.Body] = true
			}
		}
		return len(seen)
	}
	require.Eventually(t, func() bool { return distinct() >= n }, timeout, 50*time.Millisecond,
		"subscriber got %d distinct bodies, want %d", distinct(), n)
	return s.requests()
}

// pollJSON GETs url and decodes its JSON into v. It reports false, without
// failing the test, while the answer is not yet a 200: for use inside
// require.Eventually, whose condition runs on another goroutine.
func pollJSON(url string, v any) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(v) == nil
}

// tryCall sends a JSON request and returns its status, 0 when it failed:
// the non-failing call for require.Eventually conditions.
func tryCall(method, url, body string) int {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
