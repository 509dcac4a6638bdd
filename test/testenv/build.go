package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BuildHermes builds cmd/hermes into a new temporary directory, for a
// TestMain whose tests run the real binary. It returns the binary's path
// and a cleanup that removes the directory; the build's output goes to
// stderr so that a failing build explains itself.
func BuildHermes() (path string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "hermes-bin")
	if err != nil {
		return "", nil, err
	}
	cleanup = func() { _ = os.RemoveAll(dir) }
	path = filepath.Join(dir, "hermes")
	// The module root is two levels above this file (test/testenv).
	_, file, _, _ := runtime.Caller(0)
	build := exec.Command("go", "build", "-o", path, "./cmd/hermes")
	build.Dir = filepath.Join(filepath.Dir(file), "..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		cleanup()
		return "", nil, fmt.Errorf("building hermes: %w", err)
	}
	return path, cleanup, nil
}

// RunWithHermes is the body of a TestMain whose tests run the real
// binary: it builds it, stores its path in *binary, runs the tests and
// removes the build, returning the exit code for os.Exit.
func RunWithHermes(m *testing.M, binary *string) int {
	path, cleanup, err := BuildHermes()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cleanup()
	*binary = path
	return m.Run()
}
