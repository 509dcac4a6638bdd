package e2e

import (
	"encoding/json"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Two consumer processes with the shared-fetch consumer on real Kafka
// and ZooKeeper, workload balancing on: the instances of a subscription
// split its partitions by their share, keyed messages all arrive in
// order per key, and when one instance is killed with SIGKILL the other
// takes its partitions from their committed positions without losing a
// message.
func TestSharedConsumerSplitsAndSurvivesAKill(t *testing.T) {
	t.Parallel()
	kafka, zk := realBackends(t)
	env := append(clusterEnv(t, kafka, zk),
		"HERMES_MESSAGE_STORE__CONSUMER=shared", "HERMES_MESSAGE_STORE__PARTITIONS=4",
		"HERMES_CONSUMERS__WORKLOAD__REBALANCE_INTERVAL=5s")
	mgmt := startModules(t, "management", env...)
	front := startModules(t, "frontend", env...)
	consumer := func(id string) *hermes {
		return startModules(t, "consumers", append(slices.Clone(env), "HERMES_CONSUMERS__INSTANCE_ID="+id)...)
	}
	consumers := map[string]*hermes{"c1": consumer("c1"), "c2": consumer("c2")}

	const topic = "pl.allegro.shared.orders"
	createTopic(t, mgmt, "pl.allegro.shared", "orders")
	keyed := newSubscriber(t)
	// inflightSize 1 keeps partition order, as in Hermes.
	createSubscription(t, mgmt, topic, "s", keyed.URL, `, "subscriptionPolicy": {"rate": 10000, "inflightSize": 1}`)
	waitSpread(t, consumers, []string{topic + "$s"}, 2, 1)
	waitStatus(t, 201, "POST", front.frontend+"/topics/"+topic, `{"key":"warm-up","seq":0}`)
	keyed.waitFor(t, 1)
	keyed.reset()

	const keys, perKey = 16, 150
	done := make(chan struct{})
	go func() {
		defer close(done)
		publishKeyed(t, front, topic, keys, perKey)
	}()
	require.Eventually(t, func() bool { return len(keyed.requests()) > keys*perKey/4 }, 60*time.Second, 10*time.Millisecond)
	require.NoError(t, consumers["c1"].cmd.Process.Signal(syscall.SIGKILL))
	<-consumers["c1"].exited
	delete(consumers, "c1")
	<-done
	got := waitForKeyed(t, keyed, keys, perKey, 120*time.Second)
	duplicates := checkKeyed(t, got, keys, perKey)

	// No Kafka group membership: the subscription's group is Empty.
	var groups []struct {
		State string `json:"state"`
	}
	require.NoError(t, json.Unmarshal([]byte(mustCall(t, 200, "GET", mgmt.management+"/topics/"+topic+"/subscriptions/s/consumer-groups", "")), &groups))
	require.Len(t, groups, 1)
	assert.Equal(t, "Empty", groups[0].State)
	t.Logf("%d messages delivered with %d duplicates after one of two shared consumers was killed", keys*perKey, duplicates)
}
