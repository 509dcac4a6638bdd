package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Names no store can hold are refused with 400 VALIDATION_ERROR before
// anything is written, names that cannot exist are not found, no answer
// shows a server path, and the data dir still starts afterwards (issue 15,
// defects 1 and 3: a 250-character group bricked the data dir, and names
// over 255 bytes answered 500 with the file system's error).
func TestNamesOverStoreLimits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startHermes(t, dir)
	createTopic(t, h, "limits", "t")
	sub := newSubscriber(t)
	createSubscription(t, h, "limits.t", "s", sub.URL, "")

	g250, g300 := strings.Repeat("g", 250), strings.Repeat("g", 300)
	g240 := strings.Repeat("h", 240)
	mustCall(t, http.StatusCreated, "POST", h.management+"/groups", fmt.Sprintf(`{"groupName":%q}`, g240))
	topic := func(name string) string {
		return `{"name":"` + name + `","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}}`
	}
	subscription := func(name string) string {
		return `{"name":"` + name + `","description":"d","endpoint":"http://localhost:1/","owner":{"source":"Plaintext","id":"t"}}`
	}
	cases := []struct {
		name, method, url, body string
		status                  int
		code                    string
	}{
		{"group of 250", "POST", h.management + "/groups", fmt.Sprintf(`{"groupName":%q}`, g250), 400, "VALIDATION_ERROR"},
		{"group of 300", "POST", h.management + "/groups", fmt.Sprintf(`{"groupName":%q}`, g300), 400, "VALIDATION_ERROR"},
		{"qualified topic of 250", "POST", h.management + "/topics", topic(g240 + ".ttttttttt"), 400, "VALIDATION_ERROR"},
		{"topic of 300", "POST", h.management + "/topics", topic("limits." + strings.Repeat("t", 300)), 400, "VALIDATION_ERROR"},
		{"subscription of 300", "POST", h.management + "/topics/limits.t/subscriptions", subscription(strings.Repeat("s", 300)), 400, "VALIDATION_ERROR"},
		{"get group of 300", "GET", h.management + "/groups/" + g300, "", 404, "GROUP_NOT_EXISTS"},
		{"get topic of 300", "GET", h.management + "/topics/limits." + strings.Repeat("t", 300), "", 404, "TOPIC_NOT_EXISTS"},
		{"get topic in group of 300", "GET", h.management + "/topics/" + g300 + ".t", "", 404, "TOPIC_NOT_EXISTS"},
		{"subscriptions of topic of 300", "GET", h.management + "/topics/limits." + strings.Repeat("t", 300) + "/subscriptions", "", 404, "TOPIC_NOT_EXISTS"},
		{"get subscription of 300", "GET", h.management + "/topics/limits.t/subscriptions/" + strings.Repeat("s", 300), "", 400, "SUBSCRIPTION_NOT_EXISTS"},
		{"publish to 8000 characters", "POST", h.frontend + "/topics/" + strings.Repeat("p", 4000) + "." + strings.Repeat("q", 3999), `{}`, 404, "TOPIC_NOT_EXISTS"},
		{"publish to group of 300", "POST", h.frontend + "/topics/" + g300 + ".t", `{}`, 404, "TOPIC_NOT_EXISTS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, body, _ := call(t, c.method, c.url, c.body)
			assert.Equal(t, c.status, status, body)
			var e struct{ Message, Code string }
			require.NoError(t, json.Unmarshal([]byte(body), &e), body)
			assert.Equal(t, c.code, e.Code)
			assert.NotContains(t, body, dir, "no server path in an answer")
			assert.NotContains(t, body, "file name too long")
		})
	}
	h.stop()

	h = startHermes(t, dir)
	id := publish(t, h, "limits.t", `{"after":"restart"}`)
	got := sub.waitFor(t, 1)
	assert.Equal(t, id, got[0].Header.Get("Hermes-Message-Id"))
}

// exitOf runs the binary, which is expected to refuse to start, and returns
// what it printed. A binary that does not exit fails the test.
func exitOf(t *testing.T, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append(os.Environ(), "HERMES_FRONTEND__ADDR=127.0.0.1:0", "HERMES_MANAGEMENT__ADDR=127.0.0.1:0", "HERMES_CONSUMERS__ADDR=127.0.0.1:0"), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, ctx.Err(), "hermes did not refuse to start:\n%s", out)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "hermes started:\n%s", out)
	return string(out)
}

// A data dir belongs to one process, whichever stores the second one would
// use, and the refusal is one line saying why and what to do (issue 15,
// defects 11 and 13: memory metadata with the embedded broker ran beside
// the first process, and start errors ended a long fx dump).
func TestSecondProcessOnADataDirIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startHermes(t, dir)
	createTopic(t, h, "lock", "t")

	for name, env := range map[string][]string{
		"same stores":                   {"HERMES_DATA_DIR=" + dir},
		"memory metadata and consumers": {"HERMES_DATA_DIR=" + dir, "HERMES_METADATA__KIND=memory"},
	} {
		t.Run(name, func(t *testing.T) {
			args := []string{}
			if name != "same stores" {
				args = append(args, "--modules", "consumers")
			}
			out := exitOf(t, env, args...)
			first, _, _ := strings.Cut(out, "\n")
			assert.True(t, strings.HasPrefix(first, "hermes: cannot start: "), out)
			assert.Contains(t, first, "used by another hermes process")
			assert.Contains(t, first, fmt.Sprintf("pid %d", h.cmd.Process.Pid), "the refusal names the holder")
			assert.Contains(t, first, "--data-dir", "the refusal says what to do")
			assert.NotContains(t, out, "could not build arguments", "no fx dump")
		})
	}
	publish(t, h, "lock.t", `{"still":"serving"}`)
}

// A data dir whose broker state holds a topic that cannot be loaded (what
// a 250-character group once created) starts: the entry is moved aside
// and logged, and every other topic is served (issue 15, defect 1).
func TestRestartOnADataDirWithAnUnloadableTopic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := startHermes(t, dir)
	createTopic(t, h, "restart", "t")
	sub := newSubscriber(t)
	createSubscription(t, h, "restart.t", "s", sub.URL, "")
	h.stop()

	path := filepath.Join(dir, "kafka", "topics.json")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var topics map[string]any
	require.NoError(t, json.Unmarshal(b, &topics))
	entries := topics["topics"].([]any)
	require.NotEmpty(t, entries)
	bad := map[string]any{}
	for k, v := range entries[0].(map[string]any) {
		bad[k] = v
	}
	bad["name"] = strings.Repeat("g", 250) + ".tttttt"
	topics["topics"] = append(entries, bad)
	b, err = json.Marshal(topics)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))

	// The Hermes topic of the bad entry, as the management API once stored it.
	longGroup := strings.Repeat("g", 250)
	meta := filepath.Join(dir, "metadata", "groups")
	require.NoError(t, os.MkdirAll(filepath.Join(meta, longGroup, "topics", "tttttt"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(meta, longGroup, "group.json"), []byte(`{"groupName":"`+longGroup+`"}`), 0o644))
	tb, err := os.ReadFile(filepath.Join(meta, "restart", "topics", "t", "topic.json"))
	require.NoError(t, err)
	tb = []byte(strings.Replace(string(tb), `"restart.t"`, `"`+longGroup+`.tttttt"`, 1))
	require.NoError(t, os.WriteFile(filepath.Join(meta, longGroup, "topics", "tttttt", "topic.json"), tb, 0o644))

	h = startHermes(t, dir)
	assert.Contains(t, h.log.String(), "topic cannot be loaded")

	// Publishing to it is refused at once and logged, not a 503 timeout
	// (issue 15, defect 2).
	status, body, _ := call(t, "POST", h.frontend+"/topics/"+longGroup+".tttttt", `{}`)
	assert.Equal(t, http.StatusInternalServerError, status, body)
	assert.Contains(t, body, "INTERNAL_ERROR")
	assert.Contains(t, body, "refused")
	assert.NotContains(t, body, dir, "no server path in an answer")
	require.Eventually(t, func() bool {
		return strings.Contains(h.log.String(), "tttttt") && strings.Contains(h.log.String(), "request failed")
	},
		10*time.Second, 20*time.Millisecond, "the refusal is logged")
	assert.FileExists(t, filepath.Join(dir, "kafka", "topics.quarantined.json"))
	id := publish(t, h, "restart.t", `{"after":"restart"}`)
	got := sub.waitFor(t, 1)
	assert.Equal(t, id, got[0].Header.Get("Hermes-Message-Id"))
}
