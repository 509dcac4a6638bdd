package zookeeper

import (
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/testenv"
)

const waitFor = 10 * time.Second

// awaitChange reads ch until want arrives, skipping other changes; a
// ChangeResync fails unless allowResync.
func awaitChange(t *testing.T, ch <-chan ports.Change, want ports.Change, allowResync bool) {
	t.Helper()
	deadline := time.After(waitFor)
	for {
		select {
		case c, ok := <-ch:
			require.True(t, ok, "watch closed while waiting for %+v", want)
			require.True(t, allowResync || c.Kind != ports.ChangeResync, "unexpected resync while waiting for %+v", want)
			if c == want {
				return
			}
		case <-deadline:
			require.FailNow(t, "change missing", "%+v", want)
		}
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	_, err = Open(t.Context(), Config{Servers: []string{addr}, SessionTimeout: time.Second}, nil)
	assert.ErrorIs(t, err, domain.ErrUnavailable)
}

func TestConfigValidation(t *testing.T) {
	t.Parallel()
	for _, cfg := range []Config{{}, {Servers: []string{"127.0.0.1:1"}, Root: "hermes"}, {Servers: []string{"127.0.0.1:1"}, Root: "/hermes/"}} {
		_, err := Open(t.Context(), cfg, nil)
		assert.ErrorIs(t, err, domain.ErrValidation, "%+v", cfg)
	}
}

func TestLayoutParse(t *testing.T) {
	t.Parallel()
	l := layout{root: "/hermes"}
	for _, names := range [][]string{{"g"}, {"g.x", "t"}, {"g", "t", "s"}} {
		got, isKids, ok := l.parse(l.node(names))
		assert.True(t, ok)
		assert.False(t, isKids)
		assert.Equal(t, names, got)
		if len(names) <= len(containers) {
			got, isKids, ok = l.parse(l.kids(names))
			assert.True(t, ok && isKids)
			assert.Equal(t, names, got)
		}
	}
	for _, p := range []string{"/hermes", "/hermes/groupsx", "/hermes/groups/g/metrics", "/hermes/groups/g/topics/t/preview", "/hermes/groups/g/topics/t/subscriptions/s/metrics", "/other/groups/g"} {
		_, _, ok := l.parse(p)
		assert.False(t, ok, p)
	}
}

// TestWatchSeesRawWrites makes every change with a plain ZooKeeper client,
// as a Hermes management process would, step by step.
func TestWatchSeesRawWrites(t *testing.T) {
	t.Parallel()
	servers, root := testServers(t), uniqueRoot()
	raw := rawConn(t, servers, root)
	s := openStore(t, servers, root)
	ch, err := s.Watch(t.Context())
	require.NoError(t, err)
	p := s.paths
	g, tn, sn := []string{"g"}, []string{"g", "t"}, []string{"g", "t", "s"}
	steps := []struct {
		do   func() error
		want ports.Change
	}{
		{func() error { return multiCreate(raw, p.node(g), p.kids(g)) }, changeOf(ports.ChangeCreated, g)},
		{func() error { return multiCreate(raw, p.node(tn), p.kids(tn)) }, changeOf(ports.ChangeCreated, tn)},
		{func() error { _, err := raw.Set(p.node(tn), []byte(`{"name":"g.t"}`), -1); return err }, changeOf(ports.ChangeUpdated, tn)},
		{func() error { return multiCreate(raw, p.node(sn)) }, changeOf(ports.ChangeCreated, sn)},
		{func() error { _, err := raw.Set(p.node(sn), []byte(`{"name":"s"}`), -1); return err }, changeOf(ports.ChangeUpdated, sn)},
		{func() error { _, err := raw.Set(p.node(g), []byte(`{"groupName":"g"}`), -1); return err }, changeOf(ports.ChangeUpdated, g)},
		{func() error { return raw.Delete(p.node(sn), -1) }, changeOf(ports.ChangeDeleted, sn)},
		{func() error { return removeTree(raw, p.node(tn)) }, changeOf(ports.ChangeDeleted, tn)},
		{func() error { return removeTree(raw, p.node(g)) }, changeOf(ports.ChangeDeleted, g)},
	}
	for _, st := range steps {
		require.NoError(t, st.do())
		awaitChange(t, ch, st.want, false)
	}
}

// createRecursive creates path with data, and its missing parents empty.
func createRecursive(conn *zk.Conn, path, data string) error {
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			if _, err := conn.Create(path[:i], nil, 0, acl); err != nil && !errors.Is(err, zk.ErrNodeExists) {
				return err
			}
		}
	}
	_, err := conn.Create(path, []byte(data), 0, acl)
	if errors.Is(err, zk.ErrNodeExists) {
		_, err = conn.Set(path, []byte(data), -1)
	}
	return err
}

func multiCreate(conn *zk.Conn, paths ...string) error {
	ops := make([]any, 0, len(paths))
	for _, p := range paths {
		ops = append(ops, &zk.CreateRequest{Path: p, Data: []byte(`{}`), Acl: acl})
	}
	_, err := conn.Multi(ops...)
	return err
}

// TestSecondStoreSeesChanges: two stores are two processes.
func TestSecondStoreSeesChanges(t *testing.T) {
	t.Parallel()
	servers, root := testServers(t), uniqueRoot()
	rawConn(t, servers, root)
	a, b := openStore(t, servers, root), openStore(t, servers, root)
	ch, err := a.Watch(t.Context())
	require.NoError(t, err)
	ctx := t.Context()
	topic := domain.TopicName{Group: "pl.allegro", Name: "orders"}
	sub := domain.SubscriptionName{Topic: topic, Name: "hook"}

	require.NoError(t, b.CreateGroup(ctx, domain.Group{GroupName: topic.Group}))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: topic.Group}, false)
	require.NoError(t, b.CreateTopic(ctx, hermesTopic(topic)))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Topic: topic}, false)
	_, err = b.UpdateTopic(ctx, topic, func(t domain.Topic) (domain.Topic, error) { t.MaxMessageSize = 4096; return t, nil })
	require.NoError(t, err)
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeUpdated, Topic: topic}, false)
	got, err := a.Topic(ctx, topic)
	require.NoError(t, err)
	assert.Equal(t, 4096, got.MaxMessageSize)

	s := domain.NewSubscription()
	s.TopicName, s.Name, s.Endpoint = topic.String(), sub.Name, "http://localhost:1/"
	require.NoError(t, b.CreateSubscription(ctx, s))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Topic: topic, Subscription: sub.Name}, false)
	_, err = b.UpdateSubscription(ctx, sub, func(s domain.Subscription) (domain.Subscription, error) {
		s.State = domain.StateSuspended
		return s, nil
	})
	require.NoError(t, err)
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeUpdated, Topic: topic, Subscription: sub.Name}, false)
	require.NoError(t, b.DeleteSubscription(ctx, sub))
	require.NoError(t, b.DeleteTopic(ctx, topic))
	require.NoError(t, b.DeleteGroup(ctx, topic.Group))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeDeleted, Topic: topic, Subscription: sub.Name}, false)
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeDeleted, Topic: topic}, false)
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeDeleted, Group: topic.Group}, false)
}

func hermesTopic(name domain.TopicName) domain.Topic {
	t := domain.NewTopic()
	t.Name, t.Description = name.String(), ptr("orders")
	t.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	t.RetentionTime = &domain.RetentionTime{Duration: 1, RetentionUnit: domain.Days}
	t.ContentType = domain.ContentTypeJSON
	return t
}

// Node data as Hermes 2.x writes it (Jackson), with fields this
// implementation does not know and Hermes's extra child nodes.
const (
	hermesGroupJSON = `{"groupName":"pl.allegro.shop","supportTeam":"legacy","contact":"a@b.c"}`
	hermesTopicJSON = `{"name":"pl.allegro.shop.orders","description":"Orders","owner":{"source":"Plaintext","id":"shop"},
"retentionTime":{"duration":2,"retentionUnit":"DAYS"},"jsonToAvroDryRun":false,"ack":"ALL",
"fallbackToRemoteDatacenterEnabled":true,"chaos":{"mode":"DISABLED","globalPolicy":null,"datacenterPolicies":{}},
"trackingEnabled":true,"migratedFromJsonType":false,"schemaIdAwareSerializationEnabled":false,"contentType":"AVRO",
"maxMessageSize":10240,"auth":{"publishers":["svc"],"enabled":true,"unauthenticatedAccessEnabled":false},
"subscribingRestricted":false,"offlineStorage":{"enabled":false,"retentionTime":{"duration":60,"infinite":false}},
"labels":[{"value":"internal"}],"createdAt":1.0,"modifiedAt":2.0,"someFutureField":{"x":1}}`
	hermesSubscriptionJSON = `{"topicName":"pl.allegro.shop.orders","name":"billing","endpoint":"http://billing/orders",
"state":"ACTIVE","description":"bills","subscriptionPolicy":{"rate":100,"messageTtl":3600,"messageBackoff":100,
"requestTimeout":1000,"socketTimeout":0,"sendingDelay":0,"backoffMultiplier":1.0,"backoffMaxIntervalInSec":600,
"retryClientErrors":false,"backoffMaxIntervalMillis":600000,"inflightSize":null},"trackingEnabled":false,
"trackingMode":"trackingOff","owner":{"source":"Plaintext","id":"billing"},"monitoringDetails":{"severity":"NON_IMPORTANT","reaction":""},
"contentType":"JSON","deliveryType":"SERIAL","filters":[],"mode":"ANYCAST","headers":[],
"endpointAddressResolverMetadata":{},"oAuthPolicy":null,"http2Enabled":false,"profilingEnabled":false,
"profilingThresholdMs":0,"subscriptionIdentityHeadersEnabled":false,"autoDeleteWithTopicEnabled":false,
"createdAt":1.0,"modifiedAt":2.0,"unknownFlag":true}`
)

func TestReadsHermesTree(t *testing.T) {
	t.Parallel()
	servers, root := testServers(t), uniqueRoot()
	raw := rawConn(t, servers, root)
	group := root + "/groups/pl.allegro.shop"
	topic := group + "/topics/orders"
	sub := topic + "/subscriptions/billing"
	for path, data := range map[string]string{
		group: hermesGroupJSON, group + "/topics": "", topic: hermesTopicJSON, topic + "/subscriptions": "",
		topic + "/metrics/published": "12", topic + "/metrics/volume": "34", topic + "/preview": "[]",
		sub: hermesSubscriptionJSON, sub + "/metrics/delivered": "5",
		sub + "/kafka_topics/pl.allegro.shop.orders/offset/primary/0": "42",
	} {
		require.NoError(t, createRecursive(raw, path, data), path)
	}
	s := openStore(t, servers, root)
	ctx := t.Context()
	name := domain.TopicName{Group: "pl.allegro.shop", Name: "orders"}
	subName := domain.SubscriptionName{Topic: name, Name: "billing"}

	g, err := s.Group(ctx, name.Group)
	require.NoError(t, err)
	assert.Equal(t, domain.Group{GroupName: name.Group}, g)
	topics, err := s.Topics(ctx, "")
	require.NoError(t, err)
	assert.Equal(t, []string{name.String()}, topics)

	got, err := s.Topic(ctx, name)
	require.NoError(t, err)
	_, stat, err := raw.Get(topic)
	require.NoError(t, err)
	assert.Equal(t, name.String(), got.Name)
	assert.Equal(t, domain.AckAll, got.Ack)
	assert.Equal(t, domain.ContentTypeAvro, got.ContentType)
	assert.Equal(t, 10240, got.MaxMessageSize)
	assert.Equal(t, []string{"svc"}, got.Auth.Publishers)
	assert.Equal(t, stat.Ctime, got.CreatedAt.UnixMilli(), "createdAt is the znode ctime, not the JSON's")
	assert.Equal(t, stat.Mtime, got.ModifiedAt.UnixMilli())

	subs, err := s.Subscriptions(ctx, name)
	require.NoError(t, err)
	require.Len(t, subs, 1)
	assert.Equal(t, "http://billing/orders", subs[0].Endpoint)
	assert.Equal(t, domain.StateActive, subs[0].State)
	require.NotNil(t, subs[0].Serial)
	assert.Equal(t, 100, subs[0].Serial.Rate)

	// What we write back is Hermes's layout: JSON without the times.
	_, err = s.UpdateTopic(ctx, name, func(t domain.Topic) (domain.Topic, error) { t.MaxMessageSize = 2048; return t, nil })
	require.NoError(t, err)
	data, _, err := raw.Get(topic)
	require.NoError(t, err)
	var stored map[string]any
	require.NoError(t, json.Unmarshal(data, &stored))
	assert.Equal(t, name.String(), stored["name"])
	assert.EqualValues(t, 2048, stored["maxMessageSize"])
	assert.NotContains(t, stored, "createdAt")

	// Deletes take Hermes's extra child nodes with them.
	assert.ErrorIs(t, s.DeleteTopic(ctx, name), domain.ErrTopicNotEmpty)
	require.NoError(t, s.DeleteSubscription(ctx, subName))
	require.NoError(t, s.DeleteTopic(ctx, name))
	require.NoError(t, s.DeleteGroup(ctx, name.Group))
	exists, _, err := raw.Exists(group)
	require.NoError(t, err)
	assert.False(t, exists)
}

func TestWritesHermesLayout(t *testing.T) {
	t.Parallel()
	servers, root := testServers(t), uniqueRoot()
	raw := rawConn(t, servers, root)
	s := openStore(t, servers, root)
	ctx := t.Context()
	name := domain.TopicName{Group: "pl.allegro", Name: "orders"}
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: name.Group}))
	require.NoError(t, s.CreateTopic(ctx, hermesTopic(name)))
	for path, want := range map[string]string{
		root + "/groups/pl.allegro":                             `{"groupName":"pl.allegro"}`,
		root + "/groups/pl.allegro/topics":                      "",
		root + "/groups/pl.allegro/topics/orders/subscriptions": "",
	} {
		data, _, err := raw.Get(path)
		require.NoError(t, err, path)
		assert.Equal(t, want, string(data), path)
	}
}

// TestZooKeeperRestart runs a private ZooKeeper (test/infra/zookeeper.sh
// on a free port and its own run dir) and stops it mid-test.
func TestZooKeeperRestart(t *testing.T) {
	testServers(t) // the infra scripts work here
	if testing.Short() {
		t.Skip("starts its own ZooKeeper")
	}
	t.Parallel()
	port, dir := testenv.FreePort(t), t.TempDir()
	zkctl := func(cmd string) {
		c := exec.Command("bash", "../../test/infra/zookeeper.sh", cmd)
		c.Env = append(os.Environ(), "HERMES_ZOOKEEPER_PORT="+strconv.Itoa(port), "HERMES_INFRA_DIR="+dir)
		out, err := c.CombinedOutput()
		require.NoError(t, err, "zookeeper.sh %s: %s", cmd, out)
	}
	zkctl("start")
	t.Cleanup(func() { zkctl("stop") })
	servers := []string{"127.0.0.1:" + strconv.Itoa(port)}
	s := openStore(t, servers, "/hermes")
	ctx := t.Context()
	ch, err := s.Watch(ctx)
	require.NoError(t, err)
	require.NoError(t, s.CreateGroup(ctx, domain.Group{GroupName: "before"}))

	zkctl("stop")
	require.Eventually(t, func() bool {
		_, err := s.Groups(ctx)
		return errors.Is(err, domain.ErrUnavailable)
	}, waitFor, 50*time.Millisecond)
	assert.ErrorIs(t, s.CreateGroup(ctx, domain.Group{GroupName: "during"}), domain.ErrUnavailable)
	_, err = s.Topic(ctx, domain.TopicName{Group: "before", Name: "t"})
	assert.ErrorIs(t, err, domain.ErrUnavailable)

	zkctl("start")
	require.Eventually(t, func() bool {
		groups, err := s.Groups(ctx)
		return err == nil && slices.Contains(groups, "before")
	}, 2*waitFor, 100*time.Millisecond)
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeResync}, true)

	other := openStore(t, servers, "/hermes")
	require.NoError(t, other.CreateGroup(ctx, domain.Group{GroupName: "after"}))
	awaitChange(t, ch, ports.Change{Kind: ports.ChangeCreated, Group: "after"}, false)

}

func ptr[T any](v T) *T { return &v }
