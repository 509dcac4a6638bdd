// Package abuse drives the real hermes binary with hostile HTTP on
// loopback: stalled and slow bodies, idle and slow-header connections,
// huge headers, floods of small and pipelined requests, HTTP/2 prior
// knowledge, invalid UTF-8 and racing management calls. After every case
// it checks the invariants of docs/reliability.md: no 500, the process
// alive and answering, its memory under a generous bound, and every
// acknowledged publish delivered.
package abuse

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

var binary string

func TestMain(m *testing.M) {
	os.Exit(testenv.RunWithHermes(m, &binary))
}

// maxRSS is a sanity bound on the process's resident memory, far above
// what it needs: a leak per connection or request would cross it.
const maxRSS = 512 << 20

// patience bounds every wait for something that must happen; the
// server's own timeouts in these tests are a few seconds at most.
const patience = 60 * time.Second

// probe checks liveness without keeping connections: an idle one would
// count against the servers' connection caps.
var probe = &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: patience}

// proc is one running hermes process (all modules, in memory).
type proc struct {
	t          *testing.T
	cmd        *exec.Cmd
	frontend   string // host:port
	management string // host:port
	log        *testenv.Output
	exited     <-chan struct{}
}

// start runs the binary in memory with loopback listeners and extra env.
func start(t *testing.T, env ...string) *proc {
	t.Helper()
	started, err := testenv.StartHermes(binary, nil, append([]string{"HERMES_IN_MEMORY=true", "HERMES_DATA_DIR=" + t.TempDir()}, env...)...)
	require.NoError(t, err)
	p := &proc{t: t, cmd: started.Cmd, log: started.Output, exited: started.Exited}
	t.Cleanup(func() {
		started.Kill()
		if t.Failed() {
			t.Logf("hermes log (last 8 KiB):\n%s", tail(p.log.String(), 8<<10))
		}
	})
	require.Eventually(t, func() bool {
		select {
		case <-p.exited:
			return true
		default:
		}
		p.frontend, p.management = started.Listening("frontend"), started.Listening("management")
		return p.frontend != "" && p.management != "" && status(probe.Get("http://"+p.frontend+"/status/ping")) == http.StatusOK &&
			status(probe.Get("http://"+p.management+"/groups")) == http.StatusOK &&
			strings.Contains(p.log.String(), `msg="consumers started"`)
	}, patience, 20*time.Millisecond, "hermes did not start")
	select {
	case <-p.exited:
		t.Fatalf("hermes exited at start:\n%s", p.log.String())
	default:
	}
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// status returns a response's status (0 on error), closing its body.
func status(resp *http.Response, err error) int {
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// healthy checks the process is alive, answers /status/ping, stays under
// maxRSS and never logged a panic.
func (p *proc) healthy(t *testing.T) {
	t.Helper()
	select {
	case <-p.exited:
		t.Fatalf("hermes exited:\n%s", tail(p.log.String(), 8<<10))
	default:
	}
	require.Eventually(t, func() bool {
		return status(probe.Get("http://"+p.frontend+"/status/ping")) == http.StatusOK
	}, patience, 50*time.Millisecond, "/status/ping does not answer")
	rss := p.rss(t)
	require.Less(t, rss, int64(maxRSS), "resident memory %d MiB", rss>>20)
	require.NotContains(t, p.log.String(), "panic:", "the process logged a panic")
}

// rss reads VmRSS from /proc.
func (p *proc) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}

// dial opens a raw connection whose reads and writes give up after patience.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(patience)))
	return c
}

// readResponse reads one response and its whole body.
func readResponse(br *bufio.Reader) (*http.Response, string, error) {
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// subscriber records the message ids it receives.
type subscriber struct {
	*httptest.Server
	mu  sync.Mutex
	ids map[string]bool
}

func newSubscriber(t *testing.T) *subscriber {
	s := &subscriber{ids: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		s.mu.Lock()
		s.ids[r.Header.Get("Hermes-Message-Id")] = true
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

// missing returns the ids of want not received yet.
func (s *subscriber) missing(want []string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, id := range want {
		if !s.ids[id] {
			out = append(out, id)
		}
	}
	return out
}
