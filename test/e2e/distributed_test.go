package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/testenv"
)

// realBackends returns HERMES_TEST_KAFKA and HERMES_TEST_ZOOKEEPER, set by
// test/infra scripts. Missing ones skip the test, or fail it under CI.
func realBackends(t *testing.T) (kafka, zk string) {
	t.Helper()
	v := testenv.RequireAll(t, "start them with test/infra/kafka.sh and test/infra/zookeeper.sh and eval their env",
		"HERMES_TEST_KAFKA", "HERMES_TEST_ZOOKEEPER")
	return v[0], v[1]
}

// clusterEnv points a process at kafka and zk, isolated from other tests
// by its own ZooKeeper root and Kafka namespace.
func clusterEnv(t *testing.T, kafka, zk string) []string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	id := "e2e" + hex.EncodeToString(b)
	return []string{
		"HERMES_MESSAGE_STORE__KIND=kafka",
		"HERMES_MESSAGE_STORE__BROKERS=" + kafka,
		"HERMES_MESSAGE_STORE__NAMESPACE=" + id,
		"HERMES_METADATA__KIND=zookeeper",
		"HERMES_METADATA__ZOOKEEPER__SERVERS=" + zk,
		"HERMES_METADATA__ZOOKEEPER__ROOT=/" + id,
		"HERMES_METADATA__ZOOKEEPER__SESSION_TIMEOUT=4s",
		// No HERMES_DATA_DIR: each process gets its own (startModules),
		// as a data dir is locked by the process that runs on it.
	}
}

// keyedMessage is what TestManyInstances publishes: a sequence per key.
type keyedMessage struct {
	Key string `json:"key"`
	Seq int    `json:"seq"`
}

// publishKeyed publishes perKey messages for each of keys keys, each key
// sequentially (so its order is defined) and keys in parallel.
func publishKeyed(t *testing.T, h *hermes, topic string, keys, perKey int) {
	t.Helper()
	var wg sync.WaitGroup
	for k := range keys {
		wg.Go(func() {
			key := "key-" + strconv.Itoa(k)
			for seq := range perKey {
				body, _ := json.Marshal(keyedMessage{Key: key, Seq: seq})
				req := mustRequest(t, "POST", h.frontend+"/topics/"+topic, string(body))
				req.Header.Set("Partition-Key", key)
				for attempt := 0; ; attempt++ {
					resp, err := publishClient.Do(req.Clone(req.Context()))
					if err == nil {
						resp.Body.Close()
						if resp.StatusCode == 201 {
							break
						}
					}
					if attempt > 20 {
						t.Errorf("publish %s/%d failed: %v", key, seq, err)
						return
					}
					time.Sleep(100 * time.Millisecond)
					req = mustRequest(t, "POST", h.frontend+"/topics/"+topic, string(body))
					req.Header.Set("Partition-Key", key)
				}
			}
		})
	}
	wg.Wait()
}

// waitForKeyed waits up to timeout until the subscriber holds every one
// of publishKeyed's keys*perKey messages, and returns what it got. Other
// bodies do not count: a warm-up message that was retried (its first
// answer came late) may arrive again after the test's reset.
func waitForKeyed(t *testing.T, s *subscriber, keys, perKey int, timeout time.Duration) []received {
	t.Helper()
	return s.waitForDistinct(t, keys*perKey, timeout, func(body string) bool {
		var m keyedMessage
		return json.Unmarshal([]byte(body), &m) == nil && strings.HasPrefix(m.Key, "key-")
	})
}

// checkKeyed asserts every message arrived and, per key, first arrivals
// are in publish order; it returns the number of duplicates.
func checkKeyed(t *testing.T, got []received, keys, perKey int) int {
	t.Helper()
	next := map[string]int{}
	duplicates := 0
	for _, r := range got {
		var m keyedMessage
		require.NoError(t, json.Unmarshal([]byte(r.Body), &m), "body %q headers %v", r.Body, r.Header)
		switch {
		case m.Seq == next[m.Key]:
			next[m.Key]++
		case m.Seq < next[m.Key]:
			duplicates++ // a redelivery after a rebalance or crash
		default:
			t.Fatalf("key %s: got seq %d before %d", m.Key, m.Seq, next[m.Key])
		}
	}
	for k := range keys {
		assert.Equal(t, perKey, next["key-"+strconv.Itoa(k)], "key-%d complete", k)
	}
	return duplicates
}

// Frontend, management and two consumer processes share real Kafka and
// ZooKeeper: the walkthrough works across them, 10 000 keyed messages all
// arrive in order per key, and killing one consumer with SIGKILL loses
// nothing.
func TestManyInstances(t *testing.T) {
	t.Parallel()
	kafka, zk := realBackends(t)
	env := clusterEnv(t, kafka, zk)
	mgmt := startModules(t, "management", env...)
	front := startModules(t, "frontend", env...)
	consumerA := startModules(t, "consumers", env...)
	startModules(t, "consumers", env...)

	sub := newSubscriber(t)
	createTopic(t, mgmt, "my-group", "my-topic")
	createSubscription(t, mgmt, "my-group.my-topic", "my-Subscription", sub.URL+"/", "")
	// The frontend learns about the topic through ZooKeeper.
	waitStatus(t, 201, "POST", front.frontend+"/topics/my-group.my-topic", seedMessage)
	assert.Equal(t, seedMessage, sub.waitFor(t, 1)[0].Body)

	const keys, perKey = 20, 500
	keyed := newSubscriber(t)
	createTopic(t, mgmt, "pl.allegro.many", "orders")
	// inflightSize 1 keeps partition order, as in Hermes: a wider window
	// sends several messages of a partition at once.
	createSubscription(t, mgmt, "pl.allegro.many.orders", "s", keyed.URL, `, "subscriptionPolicy": {"rate": 10000, "inflightSize": 1}`)
	waitStatus(t, 201, "POST", front.frontend+"/topics/pl.allegro.many.orders", `{"key":"warm-up","seq":0}`)
	keyed.waitFor(t, 1)
	keyed.reset()

	done := make(chan struct{})
	go func() {
		defer close(done)
		publishKeyed(t, front, "pl.allegro.many.orders", keys, perKey)
	}()
	// Kill one consumer mid-stream.
	require.Eventually(t, func() bool { return len(keyed.requests()) > keys*perKey/4 }, 60*time.Second, 10*time.Millisecond)
	require.NoError(t, consumerA.cmd.Process.Signal(syscall.SIGKILL))
	<-done
	got := waitForKeyed(t, keyed, keys, perKey, 120*time.Second)
	duplicates := checkKeyed(t, got, keys, perKey)
	t.Logf("%d messages delivered with %d duplicates after a consumer was killed", keys*perKey, duplicates)
}

// waitStatus repeats a request until it answers want (metadata reaches
// other processes through ZooKeeper watches, asynchronously).
func waitStatus(t *testing.T, want int, method, url, body string) {
	t.Helper()
	require.Eventually(t, func() bool {
		return tryCall(method, url, body) == want
	}, 30*time.Second, 50*time.Millisecond, "%s %s never answered %d", method, url, want)
}

// service is a test/infra service of a test's own.
type service struct {
	t       *testing.T
	name    string
	addr    string // 127.0.0.1:port of its first port
	infra   string // its HERMES_INFRA_DIR
	env     []string
	scripts string
}

// privateService starts a test/infra service of its own on free ports
// (below the ephemeral range, see testenv.FreePort) and in its own
// HERMES_INFRA_DIR, for tests that stop, freeze or restart it; portVars
// are the script's port variables, the first one the address returned.
// It is wiped at cleanup.
func privateService(t *testing.T, name string, portVars ...string) *service {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	s := &service{t: t, name: name, infra: t.TempDir(), scripts: filepath.Join(filepath.Dir(file), "..", "infra")}
	s.env = append(os.Environ(), "HERMES_INFRA_DIR="+s.infra)
	for i, v := range portVars {
		p := strconv.Itoa(testenv.FreePort(t))
		if i == 0 {
			s.addr = "127.0.0.1:" + p
		}
		s.env = append(s.env, v+"="+p)
	}
	s.run("start")
	t.Cleanup(func() {
		s.signal(syscall.SIGCONT) // a test that failed while the service was frozen
		s.run("wipe")
	})
	return s
}

func (s *service) run(cmd string) {
	c := exec.Command("bash", filepath.Join(s.scripts, s.name+".sh"), cmd)
	c.Env = s.env
	out, err := c.CombinedOutput()
	require.NoError(s.t, err, "%s %s:\n%s", s.name, cmd, out)
}

func (s *service) stop()  { s.run("stop") }
func (s *service) start() { s.run("start") }

// signal sends sig to the service's server process (SIGSTOP freezes it as
// a stalled machine would, SIGCONT resumes it). A service not running is
// no error.
func (s *service) signal(sig syscall.Signal) {
	b, err := os.ReadFile(filepath.Join(s.infra, s.name, s.name+".pid"))
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return
	}
	_ = syscall.Kill(pid, sig)
}

// ZooKeeper restarted: management answers again once it is back, and a
// subscription created afterwards is delivered to.
func TestZooKeeperRestart(t *testing.T) {
	t.Parallel()
	kafka, _ := realBackends(t)
	zk := privateService(t, "zookeeper", "HERMES_ZOOKEEPER_PORT")
	h := startModules(t, "frontend,consumers,management", clusterEnv(t, kafka, zk.addr)...)
	createTopic(t, h, "zk", "restart")

	zk.stop()
	status, body, _ := call(t, "POST", h.management+"/groups", `{"groupName":"while-down"}`)
	assert.Equal(t, 503, status, "management reports the outage: %s", body)
	zk.start()

	waitStatus(t, 200, "GET", h.management+"/groups", "")
	sub := newSubscriber(t)
	require.Eventually(t, func() bool {
		status := tryCall("POST", h.management+"/topics/zk.restart/subscriptions",
			fmt.Sprintf(`{"name":"after","description":"d","endpoint":%q,"owner":{"source":"Plaintext","id":"t"}}`, sub.URL))
		return status == 201
	}, 30*time.Second, 100*time.Millisecond)
	waitStatus(t, 201, "POST", h.frontend+"/topics/zk.restart", `{"after":"restart"}`)
	assert.Equal(t, `{"after":"restart"}`, sub.waitFor(t, 1)[0].Body)
}

// Kafka stopped: publishing answers 503 (never 201); once Kafka is back,
// publishing works again without restarting Hermes-Go.
func TestKafkaStopped(t *testing.T) {
	t.Parallel()
	_, zk := realBackends(t)
	kafka := privateService(t, "kafka", "HERMES_KAFKA_PORT", "HERMES_KAFKA_CONTROLLER_PORT")
	h := startModules(t, "frontend,management", clusterEnv(t, kafka.addr, zk)...)
	createTopic(t, h, "kafka", "stopped")
	publish(t, h, "kafka.stopped", `{"n":1}`)

	kafka.stop()
	for range 3 {
		status, body, header := call(t, "POST", h.frontend+"/topics/kafka.stopped", `{"n":2}`)
		require.Equal(t, 503, status, body)
		assert.Contains(t, body, "SENDING_TO_KAFKA_TIMEOUT")
		assert.NotEmpty(t, header.Get("Hermes-Message-Id"))
	}
	kafka.start()
	waitStatus(t, 201, "POST", h.frontend+"/topics/kafka.stopped", `{"n":3}`)
}
