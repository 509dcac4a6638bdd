package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// serve sends one request with a JSON body (when body is not empty).
func serve(h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// requireError checks a Hermes error response and returns its message.
func requireError(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) string {
	t.Helper()
	require.Equal(t, status, rec.Code, rec.Body.String())
	assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	var e errorBody
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e), rec.Body.String())
	assert.Equal(t, code, e.Code)
	return e.Message
}

const subPath = "/topics/pl.group.topic/subscriptions/sub"

func TestManagementRoutes(t *testing.T) {
	t.Parallel()
	retransmitAt := time.Date(2021, 10, 25, 0, 0, 0, 0, time.FixedZone("", 2*3600))
	tests := []struct {
		name, method, path, body string
		fake                     fakeManagement
		status                   int
		response                 string // JSON, or "" for an empty body
		call                     call
	}{
		{name: "list groups", method: "GET", path: "/groups", fake: fakeManagement{groups: []string{"a", "b"}},
			status: 200, response: `["a","b"]`, call: call{"ListGroups", nil}},
		{name: "list no groups", method: "GET", path: "/groups",
			status: 200, response: `[]`, call: call{"ListGroups", nil}},
		{name: "get group", method: "GET", path: "/groups/g", fake: fakeManagement{group: domain.Group{GroupName: "g"}},
			status: 200, response: `{"groupName":"g"}`, call: call{"GetGroup", []any{"g"}}},
		{name: "create group ignores unknown fields", method: "POST", path: "/groups", body: `{"groupName":"g","x":1}`,
			status: 201, call: call{"CreateGroup", []any{domain.Group{GroupName: "g"}}}},
		{name: "update group", method: "PUT", path: "/groups/g", body: `{"x":1}`,
			status: 204, call: call{"UpdateGroup", []any{"g", `{"x":1}`}}},
		{name: "delete group", method: "DELETE", path: "/groups/g",
			status: 200, call: call{"DeleteGroup", []any{"g"}}},
		{name: "list topics", method: "GET", path: "/topics", fake: fakeManagement{topics: []string{"g.t"}},
			status: 200, response: `["g.t"]`, call: call{"ListTopics", []any{"", false}}},
		{name: "list tracked topics of group", method: "GET", path: "/topics?groupName=g&tracked=TRUE",
			status: 200, response: `[]`, call: call{"ListTopics", []any{"g", true}}},
		{name: "update topic with dotted group", method: "PUT", path: "/topics/pl.group.topic", body: `{"description":"d"}`,
			status: 200, call: call{"UpdateTopic", []any{"pl.group.topic", `{"description":"d"}`}}},
		{name: "delete topic", method: "DELETE", path: "/topics/pl.group.topic",
			status: 200, call: call{"DeleteTopic", []any{"pl.group.topic"}}},
		{name: "list subscriptions", method: "GET", path: "/topics/pl.group.topic/subscriptions", fake: fakeManagement{subs: []string{"s"}},
			status: 200, response: `["s"]`, call: call{"ListSubscriptions", []any{"pl.group.topic", false}}},
		{name: "list tracked subscriptions", method: "GET", path: "/topics/pl.group.topic/subscriptions?tracked=true",
			status: 200, response: `[]`, call: call{"ListSubscriptions", []any{"pl.group.topic", true}}},
		{name: "update subscription", method: "PUT", path: subPath, body: `{"endpoint":"http://x"}`,
			status: 200, call: call{"UpdateSubscription", []any{"pl.group.topic", "sub", `{"endpoint":"http://x"}`}}},
		{name: "delete subscription", method: "DELETE", path: subPath,
			status: 200, call: call{"DeleteSubscription", []any{"pl.group.topic", "sub"}}},
		{name: "get state", method: "GET", path: subPath + "/state", fake: fakeManagement{subscription: domain.Subscription{State: domain.StateActive}},
			status: 200, response: `"ACTIVE"`, call: call{"GetSubscription", []any{"pl.group.topic", "sub"}}},
		{name: "set state", method: "PUT", path: subPath + "/state", body: `"SUSPENDED"`,
			status: 200, call: call{"SetSubscriptionState", []any{"pl.group.topic", "sub", domain.StateSuspended}}},
		{name: "retransmit dry run", method: "PUT", path: subPath + "/retransmission?dryRun=true",
			body:   `{"retransmissionDate":"2021-10-25T00:00:00+02:00"}`,
			fake:   fakeManagement{offsets: map[string][]ports.PartitionOffset{"primary": {{Topic: "pl.group.topic", Partition: 1, Offset: 42}}}},
			status: 200, response: `{"primary":[{"topic":{"value":"pl.group.topic"},"partition":1,"offset":42}]}`,
			call: call{"Retransmit", []any{"pl.group.topic", "sub", retransmitAt, true}}},
		{name: "retransmit", method: "PUT", path: subPath + "/retransmission", body: `{"retransmissionDate":"2021-10-25T00:00:00+02:00"}`,
			status: 200, response: `{}`, call: call{"Retransmit", []any{"pl.group.topic", "sub", retransmitAt, false}}},
		{name: "undelivered", method: "GET", path: subPath + "/undelivered",
			fake:   fakeManagement{traces: []domain.SentMessageTrace{{MessageID: "m", Status: domain.SentDiscarded}}},
			status: 200, response: `[{"messageId":"m","timestamp":0,"subscription":"","topicName":"","status":"DISCARDED"}]`,
			call: call{"Undelivered", []any{"pl.group.topic", "sub"}}},
		{name: "last undelivered", method: "GET", path: subPath + "/undelivered/last",
			fake:   fakeManagement{lastTrace: domain.SentMessageTrace{MessageID: "m", Status: domain.SentDiscarded}},
			status: 200, response: `{"messageId":"m","timestamp":0,"subscription":"","topicName":"","status":"DISCARDED"}`,
			call: call{"LastUndelivered", []any{"pl.group.topic", "sub"}}},
		{name: "message traces", method: "GET", path: subPath + "/events/id-1/trace", fake: fakeManagement{msgTraces: []any{map[string]string{"status": "SUCCESS"}}},
			status: 200, response: `[{"status":"SUCCESS"}]`, call: call{"MessageTraces", []any{"pl.group.topic", "sub", "id-1"}}},
		{name: "health", method: "GET", path: "/status/health", status: 200, response: `{"status":"UP"}`},
	}
	for i := range tests {
		tc := &tests[i]
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &tc.fake
			rec := serve(NewManagement(fake, nil), tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			if tc.response == "" {
				assert.Empty(t, rec.Body.String())
			} else {
				assert.JSONEq(t, tc.response, rec.Body.String())
				assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
			}
			if tc.call.method != "" {
				assert.Equal(t, tc.call, fake.lastCall())
			}
		})
	}
}

func TestManagementMode(t *testing.T) {
	t.Parallel()
	rec := serve(NewManagement(&fakeManagement{}, nil), "GET", "/mode", "")
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "readWrite", rec.Body.String())
	assert.Equal(t, "text/plain", rec.Header().Get("Content-Type"))
}

func TestManagementTopicBodies(t *testing.T) {
	t.Parallel()
	desc := "d"
	topic := domain.NewTopic()
	topic.Name, topic.Description, topic.ContentType = "pl.group.topic", &desc, domain.ContentTypeJSON
	fake := &fakeManagement{topic: topic}
	h := NewManagement(fake, nil)

	rec := serve(h, "POST", "/topics", `{"name":"pl.group.topic","description":"d","contentType":"JSON","unknown":true}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Empty(t, rec.Body.String())
	c := fake.lastCall()
	require.Equal(t, "CreateTopic", c.method)
	assert.Equal(t, topic, c.args[0], "body decoded on top of Hermes's defaults")

	rec = serve(h, "GET", "/topics/pl.group.topic", "")
	require.Equal(t, http.StatusOK, rec.Code)
	want, err := json.Marshal(topic)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), rec.Body.String())
	assert.Equal(t, call{"GetTopic", []any{"pl.group.topic"}}, fake.lastCall())
}

func TestManagementSubscriptionBodies(t *testing.T) {
	t.Parallel()
	stored := domain.NewSubscription()
	stored.Name, stored.TopicName = "sub", "pl.group.topic"
	stored.Endpoint = "https://user:secret@example.com/hook"
	stored.OAuthPolicy = &domain.OAuthPolicy{GrantType: "password", ProviderName: "p", Username: "u", Password: "pw"}
	fake := &fakeManagement{subscription: stored}
	h := NewManagement(fake, nil)

	t.Run("get masks credentials", func(t *testing.T) {
		rec := serve(h, "GET", subPath, "")
		require.Equal(t, http.StatusOK, rec.Code)
		var got map[string]any
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		assert.Equal(t, "https://user:*****@example.com/hook", got["endpoint"])
		assert.Equal(t, "******", got["oAuthPolicy"].(map[string]any)["password"])
		assert.NotContains(t, rec.Body.String(), "secret")
	})
	t.Run("create passes body and path topic", func(t *testing.T) {
		rec := serve(h, "POST", "/topics/pl.group.topic/subscriptions", `{"name":"sub","endpoint":"http://x/y","deliveryType":"BATCH"}`)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		assert.Empty(t, rec.Body.String())
		c := fake.lastCall()
		require.Equal(t, "CreateSubscription", c.method)
		assert.Equal(t, "pl.group.topic", c.args[0])
		s := c.args[1].(domain.Subscription)
		assert.Equal(t, "sub", s.Name)
		assert.Equal(t, "http://x/y", s.Endpoint)
		assert.Equal(t, domain.DeliveryBatch, s.DeliveryType)
		assert.NotNil(t, s.Batch, "decoded with domain defaults")
	})
}

func TestManagementErrorMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind   error
		status int
		code   string
	}{
		{domain.ErrValidation, 400, "VALIDATION_ERROR"},
		{domain.ErrFormat, 400, "FORMAT_ERROR"},
		{domain.ErrGroupNameInvalid, 400, "GROUP_NAME_IS_INVALID"},
		{domain.ErrGroupNotFound, 404, "GROUP_NOT_EXISTS"},
		{domain.ErrGroupAlreadyExists, 400, "GROUP_ALREADY_EXISTS"},
		{domain.ErrGroupNotEmpty, 403, "GROUP_NOT_EMPTY"},
		{domain.ErrTopicNotFound, 404, "TOPIC_NOT_EXISTS"},
		{domain.ErrTopicAlreadyExists, 400, "TOPIC_ALREADY_EXISTS"},
		{domain.ErrTopicNotEmpty, 403, "TOPIC_NOT_EMPTY"},
		{domain.ErrSubscriptionNotFound, 400, "SUBSCRIPTION_NOT_EXISTS"},
		{domain.ErrSubscriptionAlreadyExists, 400, "SUBSCRIPTION_ALREADY_EXISTS"},
		{domain.ErrOperationDisabled, 406, "OPERATION_DISABLED"},
		{domain.ErrMessageTooLarge, 400, "VALIDATION_ERROR"},
		{domain.ErrTimeout, 408, "TIMEOUT"},
		{domain.ErrStoreTimeout, 503, "SENDING_TO_KAFKA_TIMEOUT"},
		{domain.ErrRetransmission, 400, "MOVING_SUBSCRIPTION_OFFSETS_VALIDATION_ERROR"},
		{domain.ErrNotFound, 404, "OTHER"},
		{domain.ErrConflict, 409, "OTHER"},
		{domain.ErrUnavailable, 503, "OTHER"}, // ZooKeeper or Kafka away
		{errors.New("boom"), 500, "OTHER"},
	}
	for _, tc := range tests {
		t.Run(tc.code+" "+tc.kind.Error(), func(t *testing.T) {
			t.Parallel()
			fake := &fakeManagement{err: fmt.Errorf("use case: %w", domain.Errorf(tc.kind, "human text"))}
			rec := serve(NewManagement(fake, nil), "DELETE", "/groups/g", "")
			assert.Equal(t, "human text", requireError(t, rec, tc.status, tc.code))
		})
	}
	t.Run("every route reports use case errors", func(t *testing.T) {
		t.Parallel()
		fake := &fakeManagement{err: domain.Errorf(domain.ErrSubscriptionNotFound, "Subscription not found")}
		h := NewManagement(fake, nil)
		for _, r := range [][3]string{
			{"GET", "/groups", ""}, {"GET", "/groups/g", ""}, {"POST", "/groups", `{"groupName":"g"}`},
			{"PUT", "/groups/g", `{}`}, {"GET", "/topics", ""}, {"GET", "/topics/g.t", ""},
			{"POST", "/topics", `{"name":"g.t"}`}, {"PUT", "/topics/g.t", `{}`}, {"DELETE", "/topics/g.t", ""},
			{"GET", "/topics/g.t/subscriptions", ""}, {"POST", "/topics/g.t/subscriptions", `{"name":"s"}`},
			{"GET", subPath, ""}, {"PUT", subPath, `{}`}, {"DELETE", subPath, ""},
			{"GET", subPath + "/state", ""}, {"PUT", subPath + "/state", `"ACTIVE"`},
			{"PUT", subPath + "/retransmission", `{"retransmissionDate":"2021-10-25T00:00:00Z"}`},
			{"GET", subPath + "/undelivered", ""}, {"GET", subPath + "/undelivered/last", ""},
			{"GET", subPath + "/events/m/trace", ""},
		} {
			rec := serve(h, r[0], r[1], r[2])
			assert.Equal(t, "Subscription not found", requireError(t, rec, 400, "SUBSCRIPTION_NOT_EXISTS"), r[0]+" "+r[1])
		}
	})
}

func TestManagementBadBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		code                     string
	}{
		{"group not JSON", "POST", "/groups", `{"groupName":`, 400, "FORMAT_ERROR"},
		{"topic not JSON", "POST", "/topics", `nope`, 400, "FORMAT_ERROR"},
		{"topic bad enum", "POST", "/topics", `{"name":"g.t","ack":"MAYBE"}`, 400, "FORMAT_ERROR"},
		{"empty topic body", "POST", "/topics", ``, 400, "FORMAT_ERROR"},
		{"subscription not JSON", "POST", "/topics/g.t/subscriptions", `{`, 400, "FORMAT_ERROR"},
		{"subscription bad policy", "POST", "/topics/g.t/subscriptions", `{"subscriptionPolicy":{"rate":"x"}}`, 400, "FORMAT_ERROR"},
		{"patch not an object", "PUT", "/topics/g.t", `[1]`, 400, "FORMAT_ERROR"},
		{"patch null", "PUT", "/groups/g", `null`, 400, "FORMAT_ERROR"},
		{"subscription patch not JSON", "PUT", subPath, `{x}`, 400, "FORMAT_ERROR"},
		{"state without quotes", "PUT", subPath + "/state", `ACTIVE`, 400, "FORMAT_ERROR"},
		{"unknown state", "PUT", subPath + "/state", `"PAUSED"`, 400, "FORMAT_ERROR"},
		{"null state", "PUT", subPath + "/state", `null`, 400, "FORMAT_ERROR"},
		{"retransmission without date", "PUT", subPath + "/retransmission", `{}`, 400, "VALIDATION_ERROR"},
		{"retransmission date without offset", "PUT", subPath + "/retransmission", `{"retransmissionDate":"2021-10-25T00:00:00"}`, 400, "FORMAT_ERROR"},
		{"retransmission date not a date", "PUT", subPath + "/retransmission", `{"retransmissionDate":"yesterday"}`, 400, "FORMAT_ERROR"},
		{"retransmission date of wrong type", "PUT", subPath + "/retransmission", `{"retransmissionDate":true}`, 400, "FORMAT_ERROR"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeManagement{}
			rec := serve(NewManagement(fake, nil), tc.method, tc.path, tc.body)
			requireError(t, rec, tc.status, tc.code)
			assert.Empty(t, fake.calls, "use case not called")
		})
	}
}

func TestManagementMediaType(t *testing.T) {
	t.Parallel()
	fake := &fakeManagement{}
	h := NewManagement(fake, nil)
	send := func(contentType string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/groups", strings.NewReader(`{"groupName":"g"}`))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	requireError(t, send("application/x-www-form-urlencoded"), http.StatusUnsupportedMediaType, "VALIDATION_ERROR")
	requireError(t, send("text/plain"), http.StatusUnsupportedMediaType, "VALIDATION_ERROR")
	assert.Empty(t, fake.calls)
	for _, ct := range []string{"", "application/json; charset=UTF-8", "application/merge-patch+json"} {
		assert.Equal(t, http.StatusCreated, send(ct).Code, ct)
	}
}

func TestManagementBodyTooLarge(t *testing.T) {
	t.Parallel()
	fake := &fakeManagement{}
	body := `{"groupName":"` + strings.Repeat("a", MaxManagementBodySize) + `"}`
	rec := serve(NewManagement(fake, nil), "POST", "/groups", body)
	requireError(t, rec, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR")
	assert.Empty(t, fake.calls)
}

func TestManagementRetransmissionDates(t *testing.T) {
	t.Parallel()
	tests := map[string]time.Time{
		`"2021-10-25T00:00:00+02:00"`:      time.Date(2021, 10, 24, 22, 0, 0, 0, time.UTC),
		`"2021-10-25T00:00:00.5Z"`:         time.Date(2021, 10, 25, 0, 0, 0, 5e8, time.UTC),
		`"2021-10-25T00:00+02:00"`:         time.Date(2021, 10, 24, 22, 0, 0, 0, time.UTC),
		`1635112800`:                       time.Date(2021, 10, 24, 22, 0, 0, 0, time.UTC),
		`1635112800.25`:                    time.Date(2021, 10, 24, 22, 0, 0, 25e7, time.UTC),
		`"2021-10-24T22:00:00.000000001Z"`: time.Date(2021, 10, 24, 22, 0, 0, 1, time.UTC),
	}
	for date, want := range tests {
		t.Run(date, func(t *testing.T) {
			t.Parallel()
			fake := &fakeManagement{}
			rec := serve(NewManagement(fake, nil), "PUT", subPath+"/retransmission", `{"retransmissionDate":`+date+`}`)
			require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
			c := fake.lastCall()
			require.Equal(t, "Retransmit", c.method)
			assert.True(t, want.Equal(c.args[2].(time.Time)), "got %v", c.args[2])
		})
	}
}

func TestManagementLastUndeliveredNone(t *testing.T) {
	t.Parallel()
	fake := &fakeManagement{err: fmt.Errorf("zookeeper: %w", domain.ErrNotFound)}
	rec := serve(NewManagement(fake, nil), "GET", subPath+"/undelivered/last", "")
	assert.Equal(t, http.StatusNotFound, rec.Code)
	assert.Empty(t, rec.Body.String())
}

func TestManagementUnknownRoutes(t *testing.T) {
	t.Parallel()
	h := NewManagement(&fakeManagement{}, nil)
	requireError(t, serve(h, "GET", "/nothing/here", ""), http.StatusNotFound, "OTHER")
	rec := serve(h, "PATCH", "/groups/g", "")
	requireError(t, rec, http.StatusMethodNotAllowed, "OTHER")
	assert.Contains(t, rec.Header().Get("Allow"), "PUT")
}

func TestManagementLogsOnlyInternalFailures(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	log := slog.New(slog.NewTextHandler(&logs, nil))
	fake := &fakeManagement{err: domain.Errorf(domain.ErrGroupNotFound, "no group")}
	h := NewManagement(fake, log)
	serve(h, "GET", "/groups/g", "")
	assert.Empty(t, logs.String(), "client errors are not logged")
	fake.err = errors.New("filestore: open /abs/path/groups/g: disk on fire")
	rec := serve(h, "GET", "/groups/g", "")
	assert.Contains(t, logs.String(), "disk on fire")
	// The cause is for the log only (issue 15, defect 3).
	assert.Equal(t, internalFailure, requireError(t, rec, http.StatusInternalServerError, "OTHER"))
	assert.NotContains(t, rec.Body.String(), "/abs/path")
}
