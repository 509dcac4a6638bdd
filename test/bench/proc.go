// Package bench is the harness behind `make bench`: it runs Hermes-Go (the
// real binary) and bare baselines (test/bench/cmd/bench-baseline) side by
// side against one Kafka, in interleaved rounds after a warm-up, and
// reports each figure's median, min, max and ratio to its baseline.
package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Binaries are the programs a run compares.
type Binaries struct {
	Hermes   string
	Baseline string
}

// ModuleRoot is the repository root, found from this file's location.
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Build compiles hermes (as `make build` does) and the baseline into dir.
func Build(ctx context.Context, dir string) (Binaries, error) {
	b := Binaries{Hermes: filepath.Join(dir, "hermes"), Baseline: filepath.Join(dir, "bench-baseline")}
	for out, pkg := range map[string]string{b.Hermes: "./cmd/hermes", b.Baseline: "./test/bench/cmd/bench-baseline"} {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Dir = ModuleRoot()
		if msg, err := cmd.CombinedOutput(); err != nil {
			return b, fmt.Errorf("bench: go build %s: %w\n%s", pkg, err, msg)
		}
	}
	return b, nil
}

// Proc is one running process under measurement.
type Proc struct {
	Name    string
	Started time.Time
	cmd     *exec.Cmd
	log     *capBuffer
	exited  chan struct{}
	addrs   map[string]string
}

var listeningLine = regexp.MustCompile(`msg=listening component=(\w+) addr=(\S+)`)

// StartProc runs bin and waits until it logged a listening line for each
// of components (at most 60 s).
func StartProc(name, bin string, args, env []string, components ...string) (*Proc, error) {
	p := &Proc{Name: name, log: &capBuffer{max: 1 << 20}, exited: make(chan struct{}), addrs: map[string]string{}}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start %s: %w", name, err)
	}
	go func() { _ = p.cmd.Wait(); close(p.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		for _, m := range listeningLine.FindAllStringSubmatch(p.log.String(), -1) {
			p.addrs[m[1]] = m[2]
		}
		missing := 0
		for _, c := range components {
			if p.addrs[c] == "" {
				missing++
			}
		}
		if missing == 0 {
			return p, nil
		}
		select {
		case <-p.exited:
			return nil, fmt.Errorf("bench: %s exited at start:\n%s", name, p.log.String())
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("bench: %s did not start:\n%s", name, p.log.String())
		}
	}
}

// URL is the http:// address a component listens on.
func (p *Proc) URL(component string) string { return "http://" + p.addrs[component] }

// Log is the process's output so far (its first and its last MiB).
func (p *Proc) Log() string { return p.log.String() }

// KeepLog wraps err, when not nil, with the path of a file in the
// temporary directory holding the process's log so far: the scratch
// directory of a run is removed at its end.
func (p *Proc) KeepLog(err error) error {
	if err == nil {
		return nil
	}
	f, ferr := os.CreateTemp("", "hermes-bench-"+p.Name+"-*.log")
	if ferr != nil {
		return err
	}
	defer f.Close()
	if _, ferr := f.WriteString(p.Log()); ferr != nil {
		return err
	}
	return fmt.Errorf("%w (log of %s: %s)", err, p.Name, f.Name())
}

// CPU is the user+system CPU time the process used so far.
func (p *Proc) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the parenthesised command: state is the first, utime
	// and stime the 12th and 13th (proc(5) fields 14 and 15).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / clockTicks
}

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

// RSS is the process's resident set size in bytes.
func (p *Proc) RSS() int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// Stop sends SIGTERM, waits up to 15 s, then kills. Idempotent.
func (p *Proc) Stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// capBuffer keeps the first max bytes written to it (where the listening
// lines are) and the last max bytes (where a stall shows); safe for
// concurrent writes by the process and reads by the harness.
type capBuffer struct {
	mu      sync.Mutex
	head    bytes.Buffer
	tail    []byte
	dropped int // bytes between head and tail that were let go
	max     int
}

func (c *capBuffer) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	rest := p
	if room := c.max - c.head.Len(); room > 0 {
		n := min(len(rest), room)
		c.head.Write(rest[:n])
		rest = rest[n:]
	}
	c.tail = append(c.tail, rest...)
	// Let the tail reach twice max before copying its last max down, so
	// a chatty process costs a copy per max bytes, not per write.
	if over := len(c.tail) - c.max; over > c.max {
		c.dropped += over
		c.tail = append(c.tail[:0], c.tail[over:]...)
	}
	return len(p), nil
}

func (c *capBuffer) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	tail, dropped := c.tail, c.dropped
	if over := len(tail) - c.max; over > 0 {
		tail, dropped = tail[over:], dropped+over
	}
	if dropped == 0 {
		return c.head.String() + string(tail)
	}
	return fmt.Sprintf("%s\n[... %d bytes left out ...]\n%s", c.head.String(), dropped, tail)
}

// Connections counts the process's TCP sockets connected to one of ports
// (remote side): its sockets are the socket:[inode] links under
// /proc/PID/fd, matched against the inodes in /proc/PID/net/tcp{,6}.
func (p *Proc) Connections(ports []int) int {
	pid := p.cmd.Process.Pid
	fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	if err != nil {
		return 0
	}
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", pid, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	want := map[string]bool{}
	for _, port := range ports {
		want[fmt.Sprintf("%04X", port)] = true
	}
	n := 0
	for _, table := range []string{"tcp", "tcp6"} {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/%s", pid, table))
		if err != nil {
			continue
		}
		// Columns: sl local_address rem_address st ... inode (the 10th).
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			if len(f) < 10 {
				continue
			}
			_, remPort, _ := strings.Cut(f[2], ":")
			if want[remPort] && f[3] == "01" && inodes[f[9]] { // 01: ESTABLISHED
				n++
			}
		}
	}
	return n
}
