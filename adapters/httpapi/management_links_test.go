package httpapi

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// fakeExtras answers the remaining admin ports with canned values.
type fakeExtras struct {
	*fakeManagement
	absent bool
	synced []string
	ready  []bool
}

func (f *fakeExtras) Stats(context.Context) (ports.Stats, error) {
	return ports.Stats{TopicStats: ports.TopicStats{TopicCount: 2}}, nil
}

func (f *fakeExtras) InactiveTopics(context.Context) ([]ports.InactiveTopic, error) { return nil, nil }

func (f *fakeExtras) DatacentersReadiness(context.Context) ([]ports.DatacenterReadiness, error) {
	return []ports.DatacenterReadiness{{Datacenter: "dc", Status: "READY"}}, nil
}

func (f *fakeExtras) SetReadiness(_ context.Context, _ string, ready bool) error {
	f.ready = append(f.ready, ready)
	return nil
}

func (f *fakeExtras) ConsistencyGroups(context.Context) ([]string, error) { return []string{"g"}, nil }

func (f *fakeExtras) InconsistentGroups(_ context.Context, groups []string) ([]ports.InconsistentGroup, error) {
	f.synced = append(f.synced, groups...)
	return nil, nil
}

func (f *fakeExtras) Sync(_ context.Context, group, topic, sub, dc string) error {
	f.synced = append(f.synced, group+"|"+topic+"|"+sub+"|"+dc)
	return nil
}

func (f *fakeExtras) InconsistentStoreTopics(context.Context) ([]string, error) {
	return []string{"orphan"}, nil
}

func (f *fakeExtras) RemoveStoreTopic(_ context.Context, name string) error {
	f.synced = append(f.synced, "remove "+name)
	return nil
}

func (f *fakeExtras) CreateRetransmissionTask(context.Context, ports.RetransmissionRequest) (ports.RetransmissionTask, error) {
	return ports.RetransmissionTask{}, nil
}

func (f *fakeExtras) RetransmissionTasks(context.Context) ([]ports.RetransmissionTask, error) {
	return nil, nil
}

func (f *fakeExtras) TopicRetransmissionTasks(_ context.Context, topic string) ([]ports.RetransmissionTaskInfo, error) {
	return []ports.RetransmissionTaskInfo{{TaskID: topic}}, nil
}

func (f *fakeExtras) DeleteRetransmissionTask(context.Context, string) error {
	return domain.Errorf(domain.ErrValidation, "no task")
}

func (f *fakeExtras) TopicClients(context.Context, string) ([]string, error) { return nil, nil }

func (f *fakeExtras) OfflineClientsSource(context.Context, string) (string, error) {
	if f.absent {
		return "", domain.Errorf(domain.ErrImplementationAbsent, "absent")
	}
	return "http://src", nil
}

func (f *fakeExtras) TrackingURLs(_ context.Context, topic, sub string) ([]ports.TrackingURL, error) {
	return []ports.TrackingURL{{Name: "t", URL: topic + "/" + sub}}, nil
}

func (f *fakeExtras) DashboardURL(_ context.Context, topic, sub string) (string, error) {
	if f.absent {
		return "", domain.Errorf(domain.ErrImplementationAbsent, "absent")
	}
	return "http://d/" + topic + "/" + sub, nil
}

func TestManagementExtraRoutes(t *testing.T) {
	t.Parallel()
	f := &fakeExtras{fakeManagement: &fakeManagement{}}
	h := NewManagement(f, nil)
	for _, tc := range []struct {
		method, path, body string
		status             int
		response           string
	}{
		{"GET", "/stats", "", 200, `{"topicStats":{"topicCount":2,"ackAllTopicCount":0,"trackingEnabledTopicCount":0,"avroTopicCount":0},"subscriptionStats":{"subscriptionCount":0,"trackingEnabledSubscriptionCount":0,"avroSubscriptionCount":0}}`},
		{"GET", "/inactive-topics", "", 200, `[]`},
		{"GET", "/readiness/datacenters", "", 200, `[{"datacenter":"dc","status":"READY"}]`},
		{"POST", "/readiness/datacenters/dc", `{"isReady":true}`, 202, ""},
		{"GET", "/consistency/groups", "", 200, `["g"]`},
		{"GET", "/consistency/inconsistencies/groups?groupNames=a&groupNames=b", "", 200, `[]`},
		{"POST", "/consistency/sync/groups/g?primaryDatacenter=dc", "", 200, ""},
		{"POST", "/consistency/sync/topics/g.t/subscriptions/s?primaryDatacenter=dc", "", 200, ""},
		{"GET", "/consistency/inconsistencies/topics", "", 200, `["orphan"]`},
		{"DELETE", "/consistency/inconsistencies/topics?topicName=orphan", "", 200, ""},
		{"POST", "/offline-retransmission/tasks", `{"type":"view","sourceViewPath":"v","targetTopic":"g.t"}`, 201, ""},
		{"GET", "/offline-retransmission/tasks", "", 200, `[]`},
		{"GET", "/offline-retransmission/topics/g.t/tasks/", "", 200, `[{"type":"","taskId":"g.t","logsUrl":"","metricsUrl":"","jobDetailsUrl":""}]`},
		{"GET", "/offline-retransmission/topics/g.t/tasks", "", 200, `[{"type":"","taskId":"g.t","logsUrl":"","metricsUrl":"","jobDetailsUrl":""}]`},
		{"GET", "/topics/g.t/clients", "", 200, `[]`},
		{"GET", "/topics/g.t/offline-clients-source", "", 200, `{"source":"http://src"}`},
		{"GET", "/tracking-urls/topics/g.t", "", 200, `[{"name":"t","url":"g.t/"}]`},
		{"GET", "/tracking-urls/topics/g.t/subscriptions/s", "", 200, `[{"name":"t","url":"g.t/s"}]`},
		{"GET", "/dashboards/topics/g.t", "", 200, `{"url":"http://d/g.t/"}`},
		{"GET", "/dashboards/topics/g.t/subscriptions/s", "", 200, `{"url":"http://d/g.t/s"}`},
	} {
		rec := serve(h, tc.method, tc.path, tc.body)
		assert.Equal(t, tc.status, rec.Code, "%s %s: %s", tc.method, tc.path, rec.Body.String())
		if tc.response != "" {
			assert.JSONEq(t, tc.response, rec.Body.String(), tc.path)
		}
	}
	assert.Equal(t, []bool{true}, f.ready)
	assert.Equal(t, []string{"a", "b", "g|||dc", "|g.t|s|dc", "remove orphan"}, f.synced)
	requireError(t, serve(h, "DELETE", "/offline-retransmission/tasks/x", ""), http.StatusBadRequest, "VALIDATION_ERROR")

	f.absent = true
	requireError(t, serve(h, "GET", "/topics/g.t/offline-clients-source", ""), http.StatusNotFound, "IMPLEMENTATION_ABSENT")
	requireError(t, serve(h, "GET", "/dashboards/topics/g.t", ""), http.StatusNotFound, "IMPLEMENTATION_ABSENT")
}
