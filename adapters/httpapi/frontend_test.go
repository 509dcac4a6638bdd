package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

const testTopic = "pl.group.topic"

func newTestPublisher(maxSize int) *fakePublisher {
	t := domain.NewTopic()
	t.Name, t.ContentType, t.MaxMessageSize = testTopic, domain.ContentTypeJSON, maxSize
	return &fakePublisher{topics: map[string]domain.Topic{testTopic: t}}
}

// post publishes body to topic through h.
func post(h http.Handler, topic, body string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", "/topics/"+topic, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// requireMessageID checks the Hermes-Message-Id header holds a UUIDv4.
func requireMessageID(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	id := rec.Header().Get(MessageIDHeader)
	parsed, err := uuid.Parse(id)
	require.NoError(t, err, "header %q", id)
	assert.Equal(t, uuid.Version(4), parsed.Version())
	return id
}

func TestFrontendPublishes(t *testing.T) {
	t.Parallel()
	pub := newTestPublisher(domain.DefaultMessageSize)
	h := NewFrontend(pub, DefaultFrontendConfig(), nil)

	rec := post(h, testTopic, `{"a":1}`, http.Header{"Partition-Key": {"user-7"}})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assert.Empty(t, rec.Body.String())
	id := requireMessageID(t, rec)

	rec = post(h, testTopic, `{"b":2}`, nil)
	require.Equal(t, http.StatusCreated, rec.Code)
	assert.NotEqual(t, id, requireMessageID(t, rec), "ids are unique")

	msgs := pub.messages()
	require.Len(t, msgs, 2)
	assert.Equal(t, id, msgs[0].ID)
	assert.Equal(t, `{"a":1}`, string(msgs[0].Body))
	assert.Equal(t, []byte("user-7"), msgs[0].Key)
	assert.False(t, msgs[0].Timestamp.IsZero())
	assert.Nil(t, msgs[1].Key, "no Partition-Key, no key")
	for _, d := range pub.deadlines {
		assert.False(t, d.IsZero(), "publish runs under a deadline")
	}
}

func TestFrontendTopicNotFound(t *testing.T) {
	t.Parallel()
	h := NewFrontend(newTestPublisher(domain.DefaultMessageSize), DefaultFrontendConfig(), nil)
	for _, name := range []string{"pl.group.other", "nodot"} {
		rec := post(h, name, `{}`, nil)
		assert.Equal(t, "Topic not found: "+name, requireError(t, rec, http.StatusNotFound, "TOPIC_NOT_EXISTS"))
		requireMessageID(t, rec)
	}
	pub := &fakePublisher{topicErr: domain.Errorf(domain.ErrValidation, "bad name")}
	requireError(t, post(NewFrontend(pub, DefaultFrontendConfig(), nil), "x", `{}`, nil), http.StatusNotFound, "TOPIC_NOT_EXISTS")
}

func TestFrontendTopicLookupFails(t *testing.T) {
	t.Parallel()
	// The metadata store is away and the topic is not cached: 503, so the
	// client retries, not a 500.
	pub := &fakePublisher{topicErr: fmt.Errorf("zookeeper: %w: connection lost", domain.ErrUnavailable)}
	rec := post(NewFrontend(pub, DefaultFrontendConfig(), nil), testTopic, `{}`, nil)
	requireError(t, rec, http.StatusServiceUnavailable, "INTERNAL_ERROR")
	requireMessageID(t, rec)
}

func TestFrontendPublishErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err     error
		status  int
		code    string
		message string
	}{
		{domain.Errorf(domain.ErrValidation, "Invalid message: body is not valid JSON"), 400, "VALIDATION_ERROR", "Invalid message: body is not valid JSON"},
		{domain.Errorf(domain.ErrMessageTooLarge, "too large"), 400, "VALIDATION_ERROR", "too large"},
		{fmt.Errorf("kafka: %w: %w", domain.ErrStoreTimeout, errors.New("deadline")), 503, "SENDING_TO_KAFKA_TIMEOUT", "Timeout while sending to kafka message after 2000 milliseconds"},
		// Internal causes stay in the log (issue 15, defect 3: a file
		// system path came back to the client).
		{fmt.Errorf("kafka: produce: %w: %w", domain.ErrUnavailable, errors.New("broker down")), 503, "INTERNAL_ERROR", "Message not published. " + internalFailure},
		{errors.New("filestore: open /abs/path/x: file name too long"), 500, "INTERNAL_ERROR", "Message not published. " + internalFailure},
	}
	for _, tc := range tests {
		t.Run(tc.code+" "+tc.err.Error(), func(t *testing.T) {
			t.Parallel()
			pub := newTestPublisher(domain.DefaultMessageSize)
			pub.publishErr = tc.err
			rec := post(NewFrontend(pub, DefaultFrontendConfig(), nil), testTopic, `{}`, nil)
			assert.Equal(t, tc.message, requireError(t, rec, tc.status, tc.code))
			requireMessageID(t, rec)
		})
	}
}

func TestFrontendStoreTimeout(t *testing.T) {
	t.Parallel()
	pub := newTestPublisher(domain.DefaultMessageSize)
	pub.block = true
	cfg := DefaultFrontendConfig()
	cfg.IdleTimeout = 10 * time.Millisecond
	rec := post(NewFrontend(pub, cfg, nil), testTopic, `{}`, nil)
	assert.Equal(t, "Timeout while sending to kafka message after 10 milliseconds", requireError(t, rec, http.StatusServiceUnavailable, "SENDING_TO_KAFKA_TIMEOUT"))
	requireMessageID(t, rec)
}

func TestFrontendAckTimeouts(t *testing.T) {
	t.Parallel()
	cfg := FrontendConfig{IdleTimeout: 1, LongIdleTimeout: 2, MaxPublishRequestDuration: 3}.withDefaults()
	assert.Equal(t, time.Duration(1), cfg.ackTimeout(domain.Topic{Ack: domain.AckLeader}))
	assert.Equal(t, time.Duration(1), cfg.ackTimeout(domain.Topic{Ack: domain.AckNone}))
	assert.Equal(t, time.Duration(2), cfg.ackTimeout(domain.Topic{Ack: domain.AckAll}))
	assert.Equal(t, time.Duration(3), cfg.ackTimeout(domain.Topic{Ack: domain.AckAll, FallbackToRemoteDatacenterEnabled: true}))
	assert.Equal(t, DefaultFrontendConfig().ReadTimeout, cfg.ReadTimeout, "zero durations take defaults")
}

func TestFrontendMessageSize(t *testing.T) {
	t.Parallel()
	const max = 1024
	enforced := DefaultFrontendConfig()
	lenient := DefaultFrontendConfig()
	lenient.ForceMaxMessageSize = false
	tests := []struct {
		name    string
		cfg     FrontendConfig
		size    int
		chunked bool
		status  int
	}{
		{"at max", enforced, max, false, http.StatusCreated},
		{"over max", enforced, max + 1, false, http.StatusBadRequest},
		{"over max chunked", enforced, max + 1, true, http.StatusBadRequest},
		{"over max not enforced", lenient, max + 1, false, http.StatusCreated},
		{"over cap not enforced", lenient, domain.MaxMessageSize + 1, false, http.StatusBadRequest},
		{"over cap not enforced chunked", lenient, domain.MaxMessageSize + 1, true, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pub := newTestPublisher(max)
			body := `"` + strings.Repeat("x", tc.size-2) + `"`
			req := httptest.NewRequest("POST", "/topics/"+testTopic, strings.NewReader(body))
			if tc.chunked {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			NewFrontend(pub, tc.cfg, nil).ServeHTTP(rec, req)
			requireMessageID(t, rec)
			if tc.status == http.StatusCreated {
				require.Equal(t, tc.status, rec.Code, rec.Body.String())
				require.Len(t, pub.messages(), 1)
				assert.Len(t, pub.messages()[0].Body, tc.size)
				return
			}
			requireError(t, rec, tc.status, "VALIDATION_ERROR")
			assert.Empty(t, pub.messages())
		})
	}
}

func TestFrontendContentLengthMismatch(t *testing.T) {
	t.Parallel()
	for _, declared := range []int64{2, 10} {
		pub := newTestPublisher(domain.DefaultMessageSize)
		req := httptest.NewRequest("POST", "/topics/"+testTopic, strings.NewReader(`{"a":1}`))
		req.ContentLength = declared
		rec := httptest.NewRecorder()
		NewFrontend(pub, DefaultFrontendConfig(), nil).ServeHTTP(rec, req)
		requireError(t, rec, http.StatusBadRequest, "VALIDATION_ERROR")
		requireMessageID(t, rec)
		assert.Empty(t, pub.messages())
	}
}

func TestFrontendSlowBody(t *testing.T) {
	t.Parallel()
	pub := newTestPublisher(domain.DefaultMessageSize)
	cfg := DefaultFrontendConfig()
	cfg.ReadTimeout = 50 * time.Millisecond
	srv := httptest.NewServer(NewFrontend(pub, cfg, nil))
	t.Cleanup(srv.Close)

	// The body starts, then stalls until the test ends.
	body, stall := io.Pipe()
	t.Cleanup(func() { _ = stall.Close() })
	go func() { _, _ = stall.Write([]byte(`{"a":`)) }()
	req, err := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/topics/"+testTopic, body)
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { _ = resp.Body.Close() })

	assert.Equal(t, http.StatusRequestTimeout, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get(MessageIDHeader))
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"message":"Timeout while reading message after 50 milliseconds","code":"TIMEOUT"}`, string(got))
	assert.Empty(t, pub.messages())
}

func TestFrontendStatus(t *testing.T) {
	t.Parallel()
	ready := false
	cfg := DefaultFrontendConfig()
	cfg.Ready = func() bool { return ready }
	h := NewFrontend(newTestPublisher(domain.DefaultMessageSize), cfg, nil)
	for _, path := range []string{"/", "/status/ping", "/status/health"} {
		rec := serve(h, "GET", path, "")
		assert.Equal(t, http.StatusOK, rec.Code, path)
		assert.Equal(t, "UP", rec.Body.String(), path)
	}
	rec := serve(h, "GET", "/status/ready", "")
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "NOT_READY", rec.Body.String())
	ready = true
	rec = serve(h, "GET", "/status/ready", "")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "READY", rec.Body.String())

	requireError(t, serve(h, "GET", "/status/nothing", ""), http.StatusNotFound, "OTHER")
	requireError(t, serve(h, "GET", "/topics/"+testTopic, ""), http.StatusMethodNotAllowed, "OTHER")
}

// TestFrontendMetrics: every answer to a publish to a known topic counts in
// its status class with the whole request's latency (by the topic's ack);
// bodies read count their size; unknown topics count once, without labels.
func TestFrontendMetrics(t *testing.T) {
	t.Parallel()
	pub := newTestPublisher(10)
	leader := pub.topics[testTopic]
	all := leader
	all.Name, all.Ack = "pl.group.all", domain.AckAll
	pub.topics[all.Name] = all
	m := newMetricsRecorder()
	cfg := DefaultFrontendConfig()
	cfg.Metrics = m
	h := NewFrontend(pub, cfg, nil)

	require.Equal(t, http.StatusCreated, post(h, testTopic, `{"a":1}`, nil).Code)
	require.Equal(t, http.StatusCreated, post(h, all.Name, `{}`, nil).Code)
	require.Equal(t, http.StatusBadRequest, post(h, testTopic, `{"a":"too long"}`, nil).Code)
	require.Equal(t, http.StatusNotFound, post(h, "pl.group.missing", `{}`, nil).Code)
	require.Equal(t, http.StatusNotFound, post(h, "pl.group.missing2", `{}`, nil).Code)
	pub.publishErr = fmt.Errorf("kafka: %w: %w", domain.ErrStoreTimeout, errors.New("deadline"))
	require.Equal(t, http.StatusServiceUnavailable, post(h, testTopic, `{"b":22}`, nil).Code)

	counters, timers, distributions := m.snapshot()
	assert.Equal(t, map[string]int64{
		"topic.http-status-codes.2xx{pl.group/topic}": 1,
		"topic.http-status-codes.4xx{pl.group/topic}": 1,
		"topic.http-status-codes.5xx{pl.group/topic}": 1,
		"topic.http-status-codes.2xx{pl.group/all}":   1,
		"topic-not-found{/}":                          2,
	}, counters, "no series for the unknown topics' names")
	assert.Len(t, timers["topic.ack-leader.latency{pl.group/topic}"], 3, "every answer of the leader topic")
	assert.Len(t, timers["topic.ack-all.latency{pl.group/all}"], 1)
	assert.Len(t, timers, 2)
	assert.Equal(t, map[string][]float64{"topic.message-size-bytes{pl.group/topic}": {7, 8}, "topic.message-size-bytes{pl.group/all}": {2}},
		distributions, "bytes of the bodies read; the refused one was never read")
}
