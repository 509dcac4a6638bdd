package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// makeUnwritable makes dir and everything under it refuse writes until
// the returned function runs (also at cleanup). Root ignores permission
// bits, so as root it sets the immutable attribute instead.
func makeUnwritable(t *testing.T, dir string) (restore func()) {
	t.Helper()
	var undo func() error
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chattr", "-R", "+i", dir).CombinedOutput(); err != nil {
			t.Skipf("chattr +i unavailable here (%v: %s): cannot make a directory unwritable for root", err, out)
		}
		undo = func() error { return exec.Command("chattr", "-R", "-i", dir).Run() }
	} else {
		if out, err := exec.Command("chmod", "-R", "a-w", dir).CombinedOutput(); err != nil {
			t.Fatalf("chmod: %v: %s", err, out)
		}
		undo = func() error { return exec.Command("chmod", "-R", "u+w", dir).Run() }
	}
	done := false
	restore = func() {
		if !done {
			done = true
			require.NoError(t, undo())
		}
	}
	t.Cleanup(restore)
	return restore
}

func ready(h *hermes) int { return tryCall("GET", h.frontend+"/status/ready", "") }

// storeHealth returns the message_store check of management's health, "UP"
// when it is not listed.
func storeHealth(h *hermes) string {
	var report struct {
		Status string
		Checks []struct{ Name, Status, Problem string }
	}
	if resp, err := http.Get(h.management + "/status/health"); err == nil {
		defer resp.Body.Close()
		_ = json.NewDecoder(resp.Body).Decode(&report)
	}
	for _, c := range report.Checks {
		if c.Name == "message_store" {
			return c.Status
		}
	}
	return "UP"
}

// requireStoreUnavailable publishes and requires Hermes's 503 with a
// message that says the store takes no writes.
func requireStoreUnavailable(t *testing.T, h *hermes, topic string) {
	t.Helper()
	status, body, _ := call(t, "POST", h.frontend+"/topics/"+topic, `{"x":1}`)
	require.Equal(t, http.StatusServiceUnavailable, status, body)
	var e struct{ Message, Code string }
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	assert.Equal(t, "SENDING_TO_KAFKA_TIMEOUT", e.Code)
	assert.Contains(t, e.Message, "cannot take writes")
	assert.NotContains(t, e.Message, "/", "no internal paths")
}

const outageLine = "embedded message store cannot write to its data dir"

// Issue 15, defect 9: with data/kafka unwritable (metadata writable), the
// process used to be READY while every publish failed with an unlogged
// 500, and a topic created meanwhile answered 503 for ever after a
// restart. Now readiness is DOWN, publishes get 503 saying why, the cause
// is logged once, and the lost store topic is re-created from metadata.
func TestUnwritableStoreDirIsNotReady(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startHermes(t, dir)
	createTopic(t, h, "unwritable", "before")
	publish(t, h, "unwritable.before", `{"n":0}`)
	require.Equal(t, http.StatusOK, ready(h))
	h.stop()

	restore := makeUnwritable(t, filepath.Join(dir, "kafka"))
	h.start()
	require.Eventually(t, func() bool { return ready(h) == http.StatusServiceUnavailable }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, "DOWN", storeHealth(h))
	mustCall(t, http.StatusCreated, "POST", h.management+"/topics", `{"name":"unwritable.during","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}}`)
	for range 20 {
		requireStoreUnavailable(t, h, "unwritable.before")
	}
	assert.Equal(t, 1, strings.Count(h.log.String(), outageLine), "the cause is logged once per outage:\n%s", h.log.String())

	// A crash now loses the new store topic: the broker could not save it.
	h.kill()
	restore()
	h.start()
	require.Eventually(t, func() bool { return ready(h) == http.StatusOK }, 30*time.Second, 20*time.Millisecond)
	publish(t, h, "unwritable.before", `{"n":1}`)
	require.Eventually(t, func() bool {
		return tryCall("POST", h.frontend+"/topics/unwritable.during", `{"n":2}`) == http.StatusCreated
	},
		60*time.Second, 50*time.Millisecond, "the topic whose store topic was lost is re-created from metadata")
	assert.Contains(t, h.log.String(), "store topic was missing")
}

// Issue 15, defect 10: a full disk made every publish a 500 while
// readiness stayed 200. Now readiness goes DOWN, publishes answer 503
// saying why, and all recovers by itself once space is back. The disk is
// a small tmpfs mounted on data/kafka, so this needs root and mount.
func TestFullDiskIsNotReadyAndRecovers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	kafkaDir := filepath.Join(dir, "kafka")
	require.NoError(t, os.MkdirAll(kafkaDir, 0o755))
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", kafkaDir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (%v: %s): needs root; the producer side is covered by adapters/kafka TestRefusedWritesMakeTheStoreDown", err, out)
	}
	h := startHermes(t, dir)
	// Unmount after hermes is gone (cleanups run last-in first-out).
	t.Cleanup(func() { h.kill(); _ = exec.Command("umount", kafkaDir).Run() })
	createTopic(t, h, "full", "disk")
	publish(t, h, "full.disk", `{"n":0}`)

	filler := filepath.Join(kafkaDir, "filler")
	fill(t, filler)
	require.Eventually(t, func() bool {
		return tryCall("POST", h.frontend+"/topics/full.disk", `{"n":1}`) == http.StatusServiceUnavailable
	}, 30*time.Second, 20*time.Millisecond)
	requireStoreUnavailable(t, h, "full.disk")
	require.Eventually(t, func() bool { return ready(h) == http.StatusServiceUnavailable }, 30*time.Second, 20*time.Millisecond)
	assert.Equal(t, "DOWN", storeHealth(h))
	assert.Contains(t, h.log.String(), "no space left on device")

	require.NoError(t, os.Remove(filler))
	require.Eventually(t, func() bool { return ready(h) == http.StatusOK }, 30*time.Second, 20*time.Millisecond)
	require.Eventually(t, func() bool { return tryCall("POST", h.frontend+"/topics/full.disk", `{"n":2}`) == http.StatusCreated },
		30*time.Second, 20*time.Millisecond)
	assert.Equal(t, "UP", storeHealth(h))
}

// fill writes path until the file system has no space left.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			require.True(t, errors.Is(err, syscall.ENOSPC), "filling: %v", err)
			return
		}
	}
}
