package app_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

type fakeInventory struct {
	topics  map[string]string
	deleted []string
	last    map[string]time.Time
}

func (f *fakeInventory) StoreTopics(context.Context) (map[string]string, error) { return f.topics, nil }
func (f *fakeInventory) DeleteStoreTopic(_ context.Context, name string) error {
	f.deleted = append(f.deleted, name)
	return nil
}
func (f *fakeInventory) LastPublished(_ context.Context, t domain.TopicName) (time.Time, bool, error) {
	at, ok := f.last[t.String()]
	return at, ok, nil
}

func TestConsistencyFindsStoreTopicsWithoutTopic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.a", "Plaintext", "x")))
	inv := &fakeInventory{topics: map[string]string{"ns_g.a": "g.a", "ns_g.a_avro": "g.a", "ns_g.gone": "g.gone", "other": "other"}}
	c := app.NewConsistency(store, inv, "dc1")
	got, err := c.InconsistentStoreTopics(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{"ns_g.gone", "other"}, got)
	require.NoError(t, c.RemoveStoreTopic(ctx, "ns_g.gone"))
	assert.Equal(t, []string{"ns_g.gone"}, inv.deleted)
	assert.NoError(t, c.Sync(ctx, "g", "", "", "dc1"))
	assert.ErrorIs(t, c.Sync(ctx, "g", "", "", "dc2"), domain.ErrValidation, "unknown source of truth")
	groups, err := c.InconsistentGroups(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, groups, "one copy is consistent")
}

func TestReadinessDefaultsAndStores(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	r := app.NewReadiness(store, "dc1")
	got, err := r.DatacentersReadiness(ctx)
	require.NoError(t, err)
	assert.Equal(t, []ports.DatacenterReadiness{{Datacenter: "dc1", Status: "READY"}}, got)
	require.NoError(t, r.SetReadiness(ctx, "dc1", false))
	got, err = r.DatacentersReadiness(ctx)
	require.NoError(t, err)
	assert.Equal(t, []ports.DatacenterReadiness{{Datacenter: "dc1", Status: "NOT_READY"}}, got)
	raw, err := store.Node(ctx, "", ports.NodeReadiness)
	require.NoError(t, err)
	assert.JSONEq(t, `{"datacenters":[{"datacenter":"dc1","status":"NOT_READY"}]}`, string(raw), "Hermes's node")
}

func TestLinksExpandTemplates(t *testing.T) {
	t.Parallel()
	l := app.NewLinks(memory.NewMetadataStore(), app.LinksConfig{
		SubscriptionDashboardURL: "http://d/{group}/{topicName}/{subscription}?q={topic}",
		TopicTrackingURLs:        []app.LinkTemplate{{Name: "kibana", URL: "http://k/{topic}"}},
	})
	url, err := l.DashboardURL(t.Context(), "pl.g.t", "s")
	require.NoError(t, err)
	assert.Equal(t, "http://d/pl.g/t/s?q=pl.g.t", url)
	_, err = l.DashboardURL(t.Context(), "pl.g.t", "")
	assert.ErrorIs(t, err, domain.ErrImplementationAbsent)
	urls, err := l.TrackingURLs(t.Context(), "pl.g.t", "")
	require.NoError(t, err)
	assert.Equal(t, []ports.TrackingURL{{Name: "kibana", URL: "http://k/pl.g.t"}}, urls)
	urls, err = l.TrackingURLs(t.Context(), "pl.g.t", "s")
	require.NoError(t, err)
	assert.Empty(t, urls)
}

func TestOfflineRetransmissionValidates(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	require.NoError(t, store.CreateTopic(ctx, ownedTopic("g.src", "Plaintext", "x")))
	offline := ownedTopic("g.offline", "Plaintext", "x")
	offline.OfflineStorage.Enabled = true
	require.NoError(t, store.CreateTopic(ctx, offline))
	o := app.NewOfflineRetransmission(store, store, app.RetransmissionLinks{LogsURL: "l/{taskId}"})
	topicReq := func(src, dst, from, to string) ports.RetransmissionRequest {
		return ports.RetransmissionRequest{Type: "topic", SourceTopic: src, TargetTopic: dst, StartTimestamp: from, EndTimestamp: to}
	}
	for name, r := range map[string]ports.RetransmissionRequest{
		"end before start":  topicReq("g.src", "g.src", "2024-01-02T00:00Z", "2024-01-01T00:00Z"),
		"missing source":    topicReq("g.none", "g.src", "2024-01-01T00:00Z", "2024-01-02T00:00Z"),
		"offline target":    topicReq("g.src", "g.offline", "2024-01-01T00:00Z", "2024-01-02T00:00Z"),
		"view without path": {Type: "view", TargetTopic: "g.src"},
	} {
		_, err := o.CreateRetransmissionTask(ctx, r)
		assert.ErrorIs(t, err, domain.ErrValidation, name)
	}
	task, err := o.CreateRetransmissionTask(ctx, ports.RetransmissionRequest{Type: "view", SourceViewPath: "gs://v", TargetTopic: "g.src"})
	require.NoError(t, err)
	raw, err := store.Node(ctx, ports.NodeRetransmissionTasks, task.TaskID)
	require.NoError(t, err)
	var stored map[string]any
	require.NoError(t, json.Unmarshal(raw, &stored))
	assert.Equal(t, "VIEW", stored["type"])
	assert.Equal(t, "gs://v", stored["sourceViewPath"])
	infos, err := o.TopicRetransmissionTasks(ctx, "g.src")
	require.NoError(t, err)
	require.Len(t, infos, 1)
	assert.Equal(t, "l/"+task.TaskID, infos[0].LogsURL)
}

func TestInactiveTopicsFromLastMessage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	for _, n := range []string{"g.old", "g.new", "g.empty"} {
		require.NoError(t, store.CreateTopic(ctx, ownedTopic(n, "Plaintext", "x")))
	}
	now := time.Now()
	inv := &fakeInventory{last: map[string]time.Time{"g.old": now.Add(-61 * 24 * time.Hour), "g.new": now.Add(-time.Hour)}}
	_, err := store.SetNode(ctx, "", ports.NodeInactiveTopics, []byte(`[{"topic":"g.old","lastPublishedTsMs":1,"notificationTsMs":[5],"whitelisted":false}]`))
	require.NoError(t, err)
	i := app.NewInactiveTopics(store, store, inv, app.InactiveTopicsConfig{Threshold: 60 * 24 * time.Hour})
	got, err := i.InactiveTopics(ctx)
	require.NoError(t, err)
	require.Len(t, got, 1)
	assert.Equal(t, "g.old", got[0].Topic)
	assert.Equal(t, inv.last["g.old"].UnixMilli(), got[0].LastPublishedTsMs)
	assert.Equal(t, []int64{5}, got[0].NotificationTsMs, "the stored notification history is kept")
}
