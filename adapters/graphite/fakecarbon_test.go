package graphite_test

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeCarbon is a carbon line receiver that keeps the newest value of each
// path (as a whisper slot would) and counts the lines it got.
type fakeCarbon struct {
	ln   net.Listener
	addr string

	mu     sync.Mutex
	latest map[string]float64
	lines  int
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// startFakeCarbon listens on addr ("127.0.0.1:0" for any port) until Stop
// or the end of the test.
func startFakeCarbon(t *testing.T, addr string) *fakeCarbon {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	f := &fakeCarbon{ln: ln, addr: ln.Addr().String(), latest: map[string]float64{}, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go f.accept()
	t.Cleanup(f.Stop)
	return f
}

func (f *fakeCarbon) accept() {
	defer f.wg.Done()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns[c] = struct{}{}
		f.mu.Unlock()
		f.wg.Add(1)
		go f.serve(c)
	}
}

func (f *fakeCarbon) serve(c net.Conn) {
	defer f.wg.Done()
	sc := bufio.NewScanner(c)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			continue
		}
		v, err := strconv.ParseFloat(fields[1], 64)
		if err != nil {
			continue
		}
		f.mu.Lock()
		f.latest[fields[0]] = v
		f.lines++
		f.mu.Unlock()
	}
}

// Stop closes the listener and every connection and waits for them.
func (f *fakeCarbon) Stop() {
	_ = f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		_ = c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// Value returns the newest value received for path.
func (f *fakeCarbon) Value(path string) (float64, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.latest[path]
	return v, ok
}

// Lines returns how many lines arrived.
func (f *fakeCarbon) Lines() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lines
}
