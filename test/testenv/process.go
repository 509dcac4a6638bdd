package testenv

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"sync"
)

// Output collects a process's stdout and stderr; it is safe for the
// process's writes and a test's reads at once.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

// String is everything written so far.
func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// Process is a hermes binary started by StartHermes. Its goroutine that
// waits for the exit ends with the process; Kill ends the process.
type Process struct {
	Cmd    *exec.Cmd
	Output *Output
	// Exited is closed once the process has exited.
	Exited <-chan struct{}
}

// loopbackEnv puts every server on an ephemeral loopback port (each
// logs where it listens; see Listening) and restarts a failed
// subscription worker quickly, as tests want.
var loopbackEnv = []string{
	"HERMES_FRONTEND__ADDR=127.0.0.1:0",
	"HERMES_MANAGEMENT__ADDR=127.0.0.1:0",
	"HERMES_CONSUMERS__ADDR=127.0.0.1:0",
	"HERMES_CONSUMERS__RESTART_BACKOFF=200ms",
}

// StartHermes starts binary with args in this process's environment, the
// loopback listeners above, then env (later entries win). It returns once
// the process runs; waiting until it serves is the caller's (Listening
// says where each server is).
func StartHermes(binary string, args []string, env ...string) (*Process, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(append(os.Environ(), loopbackEnv...), env...)
	out := &Output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting hermes: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	return &Process{Cmd: cmd, Output: out, Exited: exited}, nil
}

// Kill kills the process unless it has exited already, and waits for it.
func (p *Process) Kill() {
	select {
	case <-p.Exited:
	default:
		_ = p.Cmd.Process.Kill()
		<-p.Exited
	}
}

var listeningLine = regexp.MustCompile(`msg=listening component=(\w+) addr=(\S+)`)

// Listening returns the host:port that module ("frontend", "management",
// "consumers") logged it listens on, or "" before it did.
func (p *Process) Listening(module string) string {
	for _, m := range listeningLine.FindAllStringSubmatch(p.Output.String(), -1) {
		if m[1] == module {
			return m[2]
		}
	}
	return ""
}
