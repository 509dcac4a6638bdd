package e2e

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runningOn reads each consumer's /status/subscriptions: which
// subscriptions (group.topic$name) run where.
func runningOn(consumers map[string]*hermes) (map[string][]string, bool) {
	out := map[string][]string{}
	for id, c := range consumers {
		var running []struct {
			QualifiedName string `json:"qualifiedName"`
		}
		if !pollJSON(c.consumers+"/status/subscriptions", &running) {
			return nil, false
		}
		for _, r := range running {
			out[r.QualifiedName] = append(out[r.QualifiedName], id)
		}
	}
	for _, ids := range out {
		slices.Sort(ids)
	}
	return out, true
}

// waitSpread waits until each of subs runs on want distinct consumers
// and no consumer runs more than most of them.
func waitSpread(t *testing.T, consumers map[string]*hermes, subs []string, want, most int) map[string][]string {
	t.Helper()
	var last map[string][]string
	ok := assert.Eventually(t, func() bool {
		on, ok := runningOn(consumers)
		if !ok {
			return false
		}
		last = on
		load := map[string]int{}
		for _, s := range subs {
			if len(on[s]) != want {
				return false
			}
			for _, id := range on[s] {
				load[id]++
			}
		}
		for _, n := range load {
			if n > most {
				return false
			}
		}
		return len(on) == len(subs)
	}, 3*time.Minute, 100*time.Millisecond)
	if !ok {
		t.Fatalf("subscriptions should run on %d consumers each (at most %d per consumer); last seen %v", want, most, last)
	}
	return last
}

// publisher publishes numbered messages until stopped and remembers
// those answered 201: the acknowledged ones, which must all arrive.
type publisher struct {
	mu    sync.Mutex
	acked []string
	stop  chan struct{}
	done  chan struct{}
}

func startPublisher(t *testing.T, front *hermes, topic string) *publisher {
	p := &publisher{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for i := 0; ; i++ {
			select {
			case <-p.stop:
				return
			default:
			}
			body := fmt.Sprintf(`{"seq":%d}`, i)
			resp, err := publishClient.Do(mustRequest(t, "POST", front.frontend+"/topics/"+topic, body))
			if err != nil {
				continue
			}
			resp.Body.Close()
			if resp.StatusCode == http.StatusCreated {
				p.mu.Lock()
				p.acked = append(p.acked, body)
				p.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { p.finish() })
	return p
}

func (p *publisher) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.acked)
}

// finish stops publishing and returns the acknowledged bodies.
func (p *publisher) finish() []string {
	select {
	case <-p.stop:
	default:
		close(p.stop)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.acked)
}

// TestWorkloadBalancing runs two, then three consumer processes on real
// Kafka and ZooKeeper: the assignments follow consumers_per_subscription
// (2) as the status servers show; then the leader is killed with SIGKILL
// while messages are published, its subscriptions move to the other two,
// and every acknowledged message reaches every subscription.
func TestWorkloadBalancing(t *testing.T) {
	t.Parallel()
	workloadBalancing(t, "group")
}

// TestWorkloadBalancingShared is TestWorkloadBalancing with the shared
// consumer, whose instances split each subscription's partitions by the
// assignment instead of joining a Kafka group: GET .../consumer-groups
// shows the assigned instances as the members.
func TestWorkloadBalancingShared(t *testing.T) {
	t.Parallel()
	workloadBalancing(t, "shared")
}

// workloadBalancing runs TestWorkloadBalancing with the consumer kind
// (message_store.consumer).
func workloadBalancing(t *testing.T, kind string) {
	kafka, zk := realBackends(t)
	env := append(clusterEnv(t, kafka, zk), "HERMES_CONSUMERS__WORKLOAD__REBALANCE_INTERVAL=5s", "HERMES_MESSAGE_STORE__CONSUMER="+kind)
	mgmt := startModules(t, "management", env...)
	front := startModules(t, "frontend", env...)
	consumer := func(id string) *hermes {
		return startModules(t, "consumers", append(slices.Clone(env), "HERMES_CONSUMERS__INSTANCE_ID="+id)...)
	}
	consumers := map[string]*hermes{"c1": consumer("c1"), "c2": consumer("c2")}

	const topic = "pl.allegro.workload.events"
	createTopic(t, mgmt, "pl.allegro.workload", "events")
	var subs []string
	endpoints := map[string]*subscriber{}
	for i := range 4 {
		name := fmt.Sprint("s", i)
		s := newSubscriber(t)
		createSubscription(t, mgmt, topic, name, s.URL, "")
		subs = append(subs, topic+"$"+name)
		endpoints[topic+"$"+name] = s
	}
	waitStatus(t, 201, "POST", front.frontend+"/topics/"+topic, seedMessage)
	for _, s := range endpoints {
		s.waitFor(t, 1)
	}

	// Two consumers, two per subscription: both run everything.
	waitSpread(t, consumers, subs, 2, 4)

	// A third: each subscription keeps two consumers, the load spreads
	// (8 assignments over 3 instances: at most 3 each).
	consumers["c3"] = consumer("c3")
	spread := waitSpread(t, consumers, subs, 2, 3)
	if kind == "shared" {
		for _, sub := range subs {
			waitGroupMembers(t, mgmt, sub, spread[sub])
		}
	}

	var status struct {
		Leader   string   `json:"leader"`
		Assigned []string `json:"assigned"`
	}
	require.True(t, pollJSON(consumers["c3"].consumers+"/status/workload", &status))
	leader := status.Leader
	require.Contains(t, consumers, leader)

	pub := startPublisher(t, front, topic)
	require.Eventually(t, func() bool { return pub.count() > 50 }, time.Minute, 10*time.Millisecond)
	require.NoError(t, consumers[leader].cmd.Process.Signal(syscall.SIGKILL))
	<-consumers[leader].exited
	delete(consumers, leader)

	// The survivors take the killed leader's subscriptions: two left, two
	// per subscription, so both run everything again.
	waitSpread(t, consumers, subs, 2, 4)
	require.Eventually(t, func() bool {
		var st struct {
			Leader string `json:"leader"`
		}
		for _, c := range consumers {
			if !pollJSON(c.consumers+"/status/workload", &st) || st.Leader == leader {
				return false
			}
		}
		return true
	}, time.Minute, 100*time.Millisecond, "a survivor leads")
	before := pub.count()
	require.Eventually(t, func() bool { return pub.count() > before+50 }, time.Minute, 10*time.Millisecond)
	acked := pub.finish()

	for _, name := range slices.Sorted(maps.Keys(endpoints)) {
		s := endpoints[name]
		require.Eventually(t, func() bool {
			seen := map[string]bool{}
			for _, r := range s.requests() {
				seen[r.Body] = true
			}
			for _, b := range acked {
				if !seen[b] {
					return false
				}
			}
			return true
		}, 3*time.Minute, 100*time.Millisecond, "%s should get all %d acknowledged messages", name, len(acked))
	}
	assert.NotEmpty(t, acked)
	t.Logf("%d acknowledged messages delivered to each of %d subscriptions after the leader %s was killed", len(acked), len(subs), leader)
}

// waitGroupMembers waits until GET .../consumer-groups of sub
// (group.topic$name) shows exactly the instances running it as members,
// with its partitions split among them, each partition once.
func waitGroupMembers(t *testing.T, mgmt *hermes, sub string, instances []string) {
	t.Helper()
	topic, name, _ := strings.Cut(sub, "$")
	var last []consumerGroupJSON
	ok := assert.Eventually(t, func() bool {
		if !pollJSON(mgmt.management+"/topics/"+topic+"/subscriptions/"+name+"/consumer-groups", &last) || len(last) != 1 {
			return false
		}
		var ids []string
		partitions := map[int]int{}
		for _, m := range last[0].Members {
			ids = append(ids, m.ConsumerID)
			for _, p := range m.Partitions {
				partitions[p.Partition]++
			}
		}
		slices.Sort(ids)
		if !slices.Equal(ids, instances) || len(partitions) == 0 {
			return false
		}
		for _, n := range partitions {
			if n != 1 {
				return false
			}
		}
		return true
	}, time.Minute, 100*time.Millisecond)
	if !ok {
		t.Fatalf("consumer groups of %s should show members %v; last seen %+v", sub, instances, last)
	}
}

// consumerGroupJSON is the part of Hermes's ConsumerGroup JSON these tests read.
type consumerGroupJSON struct {
	Members []struct {
		ConsumerID string `json:"consumerId"`
		Partitions []struct {
			Partition int `json:"partition"`
		} `json:"partitions"`
	} `json:"members"`
}
