package e2e

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// publishWithHeaders publishes body with extra request headers and
// returns the Hermes-Message-Id.
func publishWithHeaders(t *testing.T, h *hermes, topic, body string, headers map[string]string) string {
	t.Helper()
	req := mustRequest(t, "POST", h.frontend+"/topics/"+topic, body)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	return resp.Header.Get("Hermes-Message-Id")
}

// The integration setup of Hermes's own tests: propagation on, the trace
// headers allowed.
var propagating = []string{"HERMES_FRONTEND__HTTP_HEADERS__PROPAGATION_ENABLED=true",
	"HERMES_FRONTEND__HTTP_HEADERS__ALLOWED_SET=trace-id,span-id,parent-span-id,trace-sampled,trace-reported"}

var traceHeaders = map[string]string{"Trace-Id": "t-1", "Span-Id": "s-1", "Parent-Span-Id": "p-1", "Trace-Sampled": "1", "Trace-Reported": "0"}

// PublishingAndConsumingTest#shouldPublishAndConsumeMessageWithTraceAndSpanHeaders
// and #shouldNotOverrideHeadersAddedByMetadataAppendersWithSubscriptionHeaders:
// allowed request headers reach the subscriber, over a subscription header
// of the same name; others do not.
func TestPropagatedHeadersReachSubscribers(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), append([]string{"HERMES_IN_MEMORY=true"}, propagating...)...)
	createTopic(t, h, "headers", "traced")
	sub := newSubscriber(t)
	createSubscription(t, h, "headers.traced", "s", sub.URL, `, "headers": [{"name": "Trace-Id", "value": "defaultValue"}]`)
	sent := map[string]string{"X-Not-Allowed": "x"}
	for k, v := range traceHeaders {
		sent[k] = v
	}
	id := publishWithHeaders(t, h, "headers.traced", `{"hello":"world"}`, sent)

	got := sub.waitFor(t, 1)[0]
	for k, v := range traceHeaders {
		assert.Equal(t, v, got.Header.Get(k), k)
	}
	assert.Empty(t, got.Header.Get("X-Not-Allowed"))
	// Hermes adds the message id beside propagated headers.
	assert.Equal(t, id, got.Header.Get("messageId"))
	assert.Equal(t, id, got.Header.Get("Hermes-Message-Id"))
}

// Propagation is off by default, as in Hermes: the subscription's own
// header is what the subscriber gets.
func TestHeadersAreNotPropagatedByDefault(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), "HERMES_IN_MEMORY=true")
	createTopic(t, h, "headers", "plain")
	sub := newSubscriber(t)
	createSubscription(t, h, "headers.plain", "s", sub.URL, `, "headers": [{"name": "Trace-Id", "value": "defaultValue"}]`)
	publishWithHeaders(t, h, "headers.plain", `{"hello":"world"}`, traceHeaders)

	got := sub.waitFor(t, 1)[0]
	assert.Equal(t, "defaultValue", got.Header.Get("Trace-Id"))
	assert.Empty(t, got.Header.Get("Span-Id"))
	assert.Empty(t, got.Header.Get("messageId"))
}

// FilteringHeadersTest#shouldFilterIncomingEventsByHeaders: header filters
// see the propagated headers; both must match.
func TestHeaderFiltersSeePropagatedHeaders(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), append([]string{"HERMES_IN_MEMORY=true", "HERMES_MESSAGE_STORE__PARTITIONS=1"}, propagating...)...)
	createTopic(t, h, "headers", "filtered")
	sub := newSubscriber(t)
	createSubscription(t, h, "headers.filtered", "s", sub.URL, oneAtATime+`, "filters": [
		{"type": "header", "header": "Trace-Id", "matcher": "^vte.*"},
		{"type": "header", "header": "Span-Id", "matcher": ".*span$"}]`)
	for _, hs := range []map[string]string{
		{"Trace-Id": "vte12"},
		{"Span-Id": "my-span"},
		{"Trace-Id": "vte12", "Span-Id": "span-1"},
		{"Trace-Id": "invalid", "Span-Id": "my-span"},
		{"Trace-Id": "vte12", "Span-Id": "my-span"},
	} {
		publishWithHeaders(t, h, "headers.filtered", `{"trace":"`+hs["Trace-Id"]+`","span":"`+hs["Span-Id"]+`"}`, hs)
	}
	got := sub.waitFor(t, 1)
	require.Len(t, got, 1)
	assert.JSONEq(t, `{"trace":"vte12","span":"my-span"}`, got[0].Body)
}

// PublishingAndConsumingTest#shouldConsumeMessageWithKeepAliveHeader: HTTP/1
// subscribers get "Keep-Alive: true"; consumers.keep_alive_header=false
// turns it off.
func TestKeepAliveHeaderToSubscribers(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"default": {nil, "true"},
		"off":     {[]string{"HERMES_CONSUMERS__KEEP_ALIVE_HEADER=false"}, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := startHermes(t, t.TempDir(), append([]string{"HERMES_IN_MEMORY=true"}, tc.env...)...)
			createTopic(t, h, "keepalive", "t")
			sub := newSubscriber(t)
			createSubscription(t, h, "keepalive.t", "s", sub.URL, "")
			publish(t, h, "keepalive.t", `{"hello":"world"}`)
			got := sub.waitFor(t, 1)[0]
			assert.Equal(t, `{"hello":"world"}`, got.Body)
			assert.Equal(t, tc.want, got.Header.Get("Keep-Alive"))
		})
	}
}

// AttachingKeepAliveHeaderTest: with frontend.keep_alive_header enabled
// and a 2 s timeout a publish is answered with "Keep-Alive: timeout=2";
// by default with none.
func TestKeepAliveHeaderOnPublishResponses(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  []string
		want string
	}{
		"enabled": {[]string{"HERMES_FRONTEND__KEEP_ALIVE_HEADER__ENABLED=true", "HERMES_FRONTEND__KEEP_ALIVE_HEADER__TIMEOUT=2s"}, "timeout=2"},
		"default": {nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := startHermes(t, t.TempDir(), append([]string{"HERMES_IN_MEMORY=true"}, tc.env...)...)
			createTopic(t, h, "keepalive", "publish")
			status, body, header := call(t, "POST", h.frontend+"/topics/keepalive.publish", `{"hello":"world"}`)
			require.Equal(t, http.StatusCreated, status, body)
			assert.Equal(t, tc.want, header.Get("Keep-Alive"))
		})
	}
}

// PublishingAvroTest#shouldSendMessageIdHeaderToSubscriber: an AVRO
// subscription gets a messageId header equal to Hermes-Message-Id (it is
// part of the Avro message's metadata), with the propagated Trace-Id.
func TestAvroSubscriptionGetsMessageIDHeader(t *testing.T) {
	t.Parallel()
	h := startHermes(t, t.TempDir(), append([]string{"HERMES_IN_MEMORY=true"}, propagating...)...)
	createAvroTopic(t, h, "avroheaders", "orders")
	sub := newSubscriber(t)
	createSubscription(t, h, "avroheaders.orders", "s", sub.URL, `, "contentType": "AVRO"`)
	id := publishWithHeaders(t, h, "avroheaders.orders", `{"id":"o-1","amount":1,"tags":[]}`, map[string]string{"Trace-Id": "trace-1"})

	got := sub.waitFor(t, 1)[0]
	require.NotEmpty(t, got.Header.Get("Hermes-Message-Id"))
	assert.Equal(t, id, got.Header.Get("Hermes-Message-Id"))
	assert.Equal(t, got.Header.Get("Hermes-Message-Id"), got.Header.Get("messageId"))
	assert.Equal(t, "trace-1", got.Header.Get("Trace-Id"))
}
