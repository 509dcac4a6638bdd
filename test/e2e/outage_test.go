package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Outages of the backends in the distributed setup (issue 15, defects
// 14, 15 and 17): separate frontend, management and consumer processes on
// real Kafka and ZooKeeper, the failing one a private instance.

// frontendSynced waits until the frontend has applied every metadata
// change made so far: the probe topic's maxMessageSize is flipped, and
// the frontend's answer to a body between the two sizes shows when that
// change (which ZooKeeper delivers after all earlier ones) has arrived.
func frontendSynced(t *testing.T, mgmt, front *hermes, probe string, small bool) {
	t.Helper()
	size, want := 50*1024, http.StatusCreated
	if small {
		size, want = 1024, http.StatusBadRequest
	}
	mustCall(t, http.StatusOK, "PUT", mgmt.management+"/topics/"+probe, fmt.Sprintf(`{"maxMessageSize": %d}`, size))
	body := `{"pad":"` + strings.Repeat("x", 2000) + `"}`
	require.Eventually(t, func() bool {
		status := tryCall("POST", front.frontend+"/topics/"+probe, body)
		return status == want || (small && status == http.StatusRequestEntityTooLarge)
	}, 30*time.Second, 20*time.Millisecond, "the frontend never saw %s's maxMessageSize %d", probe, size)
}

// Defect 15: a group-level change, and a ZooKeeper reconnect, emptied the
// frontend's topic cache, so the next ZooKeeper outage failed every
// publish with 500. Known topics keep publishing while ZooKeeper is away,
// an unknown one answers 503, management answers 503 and reports DOWN
// (defect 17), and the frontend stays ready.
func TestZooKeeperOutageKeepsPublishing(t *testing.T) {
	t.Parallel()
	kafka, _ := realBackends(t)
	zk := privateService(t, "zookeeper", "HERMES_ZOOKEEPER_PORT")
	env := clusterEnv(t, kafka, zk.addr)
	mgmt := startModules(t, "management", env...)
	front := startModules(t, "frontend", env...)
	createTopic(t, mgmt, "outage", "t")
	mustCall(t, http.StatusCreated, "POST", mgmt.management+"/topics", `{"name":"outage.probe","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}}`)
	mustCall(t, http.StatusCreated, "POST", mgmt.management+"/topics", `{"name":"outage.never-published","description":"d","contentType":"JSON",
"retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"t"}}`)
	waitStatus(t, 201, "POST", front.frontend+"/topics/outage.t", `{"n":1}`)
	waitStatus(t, 200, "GET", mgmt.management+"/status/health", "")

	// A group-level change, then the outage.
	mustCall(t, http.StatusCreated, "POST", mgmt.management+"/groups", `{"groupName":"outage-new"}`)
	frontendSynced(t, mgmt, front, "outage.probe", true)
	zk.stop()
	publish(t, front, "outage.t", `{"n":2}`)
	waitStatus(t, 503, "POST", front.frontend+"/topics/outage.never-published", `{"n":1}`)
	status, body, _ := call(t, "POST", front.frontend+"/topics/outage.never-published", `{"n":1}`)
	assert.Equal(t, 503, status, "a topic the frontend never read: %s", body)
	status, body, _ = call(t, "POST", mgmt.management+"/groups", `{"groupName":"while-down"}`)
	assert.Equal(t, 503, status, "management during the outage: %s", body)
	waitStatus(t, 503, "GET", mgmt.management+"/status/health", "")
	var report struct{ Status string }
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, 503, "GET", mgmt.management+"/status/health", "")), &report))
	assert.Equal(t, "DOWN", report.Status)
	assert.Equal(t, 200, tryCall("GET", front.frontend+"/status/ready", ""), "the frontend stays ready: it publishes from its cache")

	// ZooKeeper back (the frontend reconnects and resyncs), then away again.
	zk.start()
	waitStatus(t, 200, "GET", mgmt.management+"/status/health", "")
	frontendSynced(t, mgmt, front, "outage.probe", false)
	zk.stop()
	for i := range 5 {
		publish(t, front, "outage.t", fmt.Sprintf(`{"flap":%d}`, i))
	}
}

// slowSubscriber answers 200 to every request after delay and records
// the bodies it received.
type slowSubscriber struct {
	*httptest.Server
	mu     sync.Mutex
	bodies map[string]int
	total  int
}

func newSlowSubscriber(t *testing.T, delay time.Duration) *slowSubscriber {
	s := &slowSubscriber{bodies: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return // the consumer gave up: no delivery
		}
		s.mu.Lock()
		s.bodies[string(b)]++
		s.total++
		s.mu.Unlock()
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *slowSubscriber) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

func (s *slowSubscriber) has(body string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bodies[body] > 0
}

// Defect 14: consumer processes died (nil pointer in the commit callback)
// when an offset commit failed because Kafka stalled. Kafka is frozen
// with SIGSTOP while three consumer processes deliver to a slow endpoint:
// every consumer process survives, and every acknowledged message is
// delivered once Kafka resumes.
func TestKafkaFrozenDuringDelivery(t *testing.T) {
	t.Parallel()
	_, zk := realBackends(t)
	kafka := privateService(t, "kafka", "HERMES_KAFKA_PORT", "HERMES_KAFKA_CONTROLLER_PORT")
	env := append(clusterEnv(t, kafka.addr, zk),
		// Commit often, so commits are in flight when Kafka freezes.
		"HERMES_CONSUMERS__COMMIT_PERIOD=100ms")
	mgmt := startModules(t, "management", env...)
	front := startModules(t, "frontend", env...)
	var consumers []*hermes
	for range 3 {
		consumers = append(consumers, startModules(t, "consumers", env...))
	}
	sub := newSlowSubscriber(t, 300*time.Millisecond)
	createTopic(t, mgmt, "frozen", "t")
	createSubscription(t, mgmt, "frozen.t", "s", sub.URL, "")
	waitStatus(t, 201, "POST", front.frontend+"/topics/frozen.t", `{"warm":"up"}`)
	require.Eventually(t, func() bool { return sub.received() > 0 }, 30*time.Second, 10*time.Millisecond)

	// 3000 messages at about 500/s; each is retried until acknowledged
	// (201): those are the ones that must arrive.
	const total = 3000
	var acked sync.Map
	var ackedCount atomic.Int32
	publishing := make(chan struct{})
	go func() {
		defer close(publishing)
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		var wg sync.WaitGroup
		for i := range total {
			<-tick.C
			wg.Go(func() {
				body := fmt.Sprintf(`{"n":%d}`, i)
				for t.Context().Err() == nil {
					if tryPublish(front.frontend+"/topics/frozen.t", body) == http.StatusCreated {
						acked.Store(body, true)
						ackedCount.Add(1)
						return
					}
					time.Sleep(50 * time.Millisecond) // retry pause of a publisher, not a wait for an outcome
				}
			})
		}
		wg.Wait()
	}()

	// Freeze Kafka while messages are being delivered and committed, until
	// a consumer has seen a commit fail (the defect's trigger).
	require.Eventually(t, func() bool { return sub.received() > 200 }, 60*time.Second, 10*time.Millisecond)
	kafka.signal(syscall.SIGSTOP)
	frozenAt := sub.received()
	require.Eventually(t, func() bool {
		for _, c := range consumers {
			if strings.Contains(c.log.String(), "commit failed") {
				return true
			}
		}
		return false
	}, 90*time.Second, 20*time.Millisecond, "no commit failed while Kafka was frozen")
	for i, c := range consumers {
		select {
		case <-c.exited:
			t.Fatalf("consumer %d died while Kafka was frozen:\n%s", i, c.log.String())
		default:
		}
	}
	kafka.signal(syscall.SIGCONT)
	t.Logf("Kafka frozen after %d deliveries", frozenAt)

	<-publishing
	require.EqualValues(t, total, ackedCount.Load())
	missing := func() int {
		n := 0
		acked.Range(func(k, _ any) bool {
			if !sub.has(k.(string)) {
				n++
			}
			return true
		})
		return n
	}
	require.Eventually(t, func() bool { return missing() == 0 }, 180*time.Second, 100*time.Millisecond, "acknowledged messages never delivered")
	for i, c := range consumers {
		select {
		case <-c.exited:
			t.Fatalf("consumer %d died:\n%s", i, c.log.String())
		default:
		}
		assert.NotContains(t, c.log.String(), "panic:", "consumer %d", i)
	}
}

// tryPublish posts body and returns the status, 0 when the request failed.
func tryPublish(url, body string) int {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := publishClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// Defect 16: two management processes creating one topic at once, with
// retentions of 1 and 3 days, left ZooKeeper with the winner's and Kafka
// with the loser's in 2 of 50 runs. Whatever the interleaving, Kafka's
// retention.ms is the retention ZooKeeper kept.
func TestConcurrentTopicCreatesAgree(t *testing.T) {
	t.Parallel()
	kafkaAddr, zk := realBackends(t)
	env := clusterEnv(t, kafkaAddr, zk)
	var namespace string
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "HERMES_MESSAGE_STORE__NAMESPACE="); ok {
			namespace = v
		}
	}
	a, b := startModules(t, "management", env...), startModules(t, "management", env...)
	mustCall(t, http.StatusCreated, "POST", a.management+"/groups", `{"groupName":"race"}`)
	cl, err := kgo.NewClient(kgo.SeedBrokers(kafkaAddr))
	require.NoError(t, err)
	t.Cleanup(cl.Close)
	adm := kadm.NewClient(cl)

	const runs = 50
	for i := range runs {
		name := fmt.Sprintf("race.t%d", i)
		body := func(days int) string {
			return fmt.Sprintf(`{"name":%q,"description":"d","contentType":"JSON","retentionTime":{"duration":%d},"owner":{"source":"Plaintext","id":"t"}}`, name, days)
		}
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for j, h := range []*hermes{a, b} {
			wg.Go(func() { statuses[j] = tryCall("POST", h.management+"/topics", body(1+2*j)) })
		}
		wg.Wait()
		require.ElementsMatch(t, []int{http.StatusCreated, http.StatusBadRequest}, statuses, "run %d: one creation wins, the other finds the topic", i)

		var topic struct {
			RetentionTime struct{ Duration int } `json:"retentionTime"`
		}
		require.NoError(t, json.Unmarshal([]byte(mustCall(t, http.StatusOK, "GET", a.management+"/topics/"+name, "")), &topic))
		// The broker describes configuration changes a moment after they
		// were accepted (they go through the KRaft metadata log): wait
		// until it shows ZooKeeper's retention. Before the fix the loser's
		// retention stayed for good.
		want := strconv.FormatInt((time.Duration(topic.RetentionTime.Duration) * 24 * time.Hour).Milliseconds(), 10)
		var retention string
		var mu sync.Mutex
		assert.Eventually(t, func() bool {
			got := retentionMs(t, adm, namespace+"_"+name)
			mu.Lock()
			defer mu.Unlock()
			retention = got
			return got == want
		}, 20*time.Second, 20*time.Millisecond)
		mu.Lock()
		require.Equal(t, want, retention, "run %d: Kafka's retention.ms against ZooKeeper's %d days", i, topic.RetentionTime.Duration)
		mu.Unlock()
	}
}

// retentionMs is a Kafka topic's retention.ms as the broker describes it,
// "" while it cannot.
func retentionMs(t *testing.T, adm *kadm.Client, topic string) string {
	configs, err := adm.DescribeTopicConfigs(t.Context(), topic)
	if err != nil {
		return ""
	}
	rc, err := configs.On(topic, nil)
	if err != nil || rc.Err != nil {
		return ""
	}
	for _, c := range rc.Configs {
		if c.Key == "retention.ms" {
			return c.MaybeValue()
		}
	}
	return ""
}
