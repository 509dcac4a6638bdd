package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// seedSubscription is the subscription the seed notes create.
const seedSubscription = `{
"topicName": "my-group.my-topic",
"name": "my-Subscription",
"description": "This is my subscription",
"endpoint": "http://172.16.18.1:8081/",
"owner": {
"source": "Plaintext",
"id": "MyTeam"
}
}`

func decodeSub(t *testing.T, body string) domain.Subscription {
	t.Helper()
	s, err := domain.DecodeSubscription([]byte(body))
	require.NoError(t, err)
	return s
}

func TestDecodeSubscriptionSeedDefaults(t *testing.T) {
	t.Parallel()
	s := decodeSub(t, seedSubscription)

	assert.Equal(t, domain.StatePending, s.State)
	assert.Equal(t, domain.TrackingOff, s.TrackingMode)
	assert.Equal(t, domain.ContentTypeJSON, s.ContentType)
	assert.Equal(t, domain.DeliverySerial, s.DeliveryType)
	assert.Equal(t, domain.ModeAnycast, s.Mode)
	assert.Equal(t, domain.MonitoringDetails{Severity: "NON_IMPORTANT"}, s.MonitoringDetails)
	assert.NotNil(t, s.Filters)
	assert.NotNil(t, s.Headers)
	assert.Nil(t, s.Batch)
	require.NotNil(t, s.Serial)
	assert.Equal(t, domain.SubscriptionPolicy{
		Rate: 400, MessageTTL: 3600, MessageBackoff: 100, RequestTimeout: 1000,
		BackoffMultiplier: 1, BackoffMaxIntervalInSec: 600,
	}, *s.Serial)
	assert.Equal(t, domain.SubscriptionName{Topic: domain.TopicName{Group: "my-group", Name: "my-topic"}, Name: "my-Subscription"}, s.QualifiedName())

	topic, err := domain.DecodeTopic([]byte(seedTopic))
	require.NoError(t, err)
	assert.NoError(t, s.Validate(topic, domain.SubscriptionRules{}))
}

func TestDecodeSubscriptionPartialPolicyKeepsDefaults(t *testing.T) {
	t.Parallel()
	s := decodeSub(t, `{"name":"s","subscriptionPolicy":{"rate":10,"retryClientErrors":true,"unknownKey":1}}`)
	require.NotNil(t, s.Serial)
	want := domain.DefaultSubscriptionPolicy()
	want.Rate, want.RetryClientErrors = 10, true
	assert.Equal(t, want, *s.Serial)
}

func TestDecodeSubscriptionTracking(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body string
		want domain.TrackingMode
	}{
		{`{}`, domain.TrackingOff},
		{`{"trackingMode":"trackingAll"}`, domain.TrackingAll},
		{`{"trackingMode":"discardedOnly"}`, domain.TrackingDiscardedOnly},
		{`{"trackingMode":"trackingOff","trackingEnabled":true}`, domain.TrackingOff},
		{`{"trackingMode":"bogus"}`, domain.TrackingOff},
		{`{"trackingMode":"bogus","trackingEnabled":true}`, domain.TrackingOff},
		{`{"trackingEnabled":true}`, domain.TrackingAll},
		{`{"trackingEnabled":false}`, domain.TrackingOff},
		{`{"trackingMode":null,"trackingEnabled":true}`, domain.TrackingAll},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, decodeSub(t, tt.body).TrackingMode)
		})
	}
}

func TestDecodeBatchSubscription(t *testing.T) {
	t.Parallel()
	s := decodeSub(t, `{"name":"s","deliveryType":"BATCH","subscriptionPolicy":{"batchSize":10}}`)
	assert.Nil(t, s.Serial)
	require.NotNil(t, s.Batch)
	assert.Equal(t, domain.BatchSubscriptionPolicy{
		MessageTTL: 60, MessageBackoff: 500, RequestTimeout: 30000,
		BatchSize: 10, BatchTime: 30000, BatchVolume: 64000,
	}, *s.Batch)

	// deliveryType after the policy in the document still picks the batch policy.
	s = decodeSub(t, `{"subscriptionPolicy":{"batchVolume":5},"deliveryType":"BATCH"}`)
	require.NotNil(t, s.Batch)
	assert.Equal(t, 5, s.Batch.BatchVolume)
	assert.Equal(t, 100, s.Batch.BatchSize)
}

func TestSubscriptionJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for name, body := range map[string]string{
		"seed": seedSubscription,
		"serial full": `{"topicName":"g.t","name":"s","endpoint":"https://u:p@h/x","state":"ACTIVE","description":"d",
			"subscriptionPolicy":{"rate":5,"messageTtl":10,"messageBackoff":20,"requestTimeout":300,"socketTimeout":40,
			"sendingDelay":50,"backoffMultiplier":1.5,"backoffMaxIntervalInSec":60,"retryClientErrors":true,"inflightSize":3},
			"trackingMode":"discardedOnly","owner":{"source":"s","id":"i"},"monitoringDetails":{"severity":"CRITICAL","reaction":"r"},
			"contentType":"AVRO","filters":[{"type":"jsonpath","path":"$.a","matcher":"^x$","matchingStrategy":"any"}],
			"mode":"BROADCAST","headers":[{"name":"X-A","value":"1"}],"endpointAddressResolverMetadata":{"k":"v"},
			"oAuthPolicy":{"grantType":"password","providerName":"p","username":"u","password":"pw"},
			"http2Enabled":true,"profilingEnabled":true,"profilingThresholdMs":7,"subscriptionIdentityHeadersEnabled":true,
			"autoDeleteWithTopicEnabled":true,"createdAt":1700000000.000000001,"modifiedAt":1700000001.5}`,
		"batch": `{"name":"s","deliveryType":"BATCH","subscriptionPolicy":{"messageTtl":1,"messageBackoff":2,
			"retryClientErrors":true,"requestTimeout":3,"batchSize":4,"batchTime":5,"batchVolume":6}}`,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := decodeSub(t, body)
			b, err := json.Marshal(in)
			require.NoError(t, err)
			out, err := domain.DecodeSubscription(b)
			require.NoError(t, err)
			if in.Serial != nil && out.Serial != nil {
				// Derived output field; TestDecodeSubscriptionIgnoresDerivedBackoffMillis covers it.
				out.Serial.BackoffMaxIntervalMillis = in.Serial.BackoffMaxIntervalMillis
			}
			assert.Equal(t, in, out)
		})
	}
}

func TestSubscriptionMarshalJSON(t *testing.T) {
	t.Parallel()
	decodeMap := func(s domain.Subscription) map[string]any {
		b, err := json.Marshal(s)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		return m
	}

	m := decodeMap(decodeSub(t, `{"trackingEnabled":true,"subscriptionPolicy":{"backoffMaxIntervalInSec":30}}`))
	assert.Equal(t, true, m["trackingEnabled"])
	assert.Equal(t, "trackingAll", m["trackingMode"])
	policy := m["subscriptionPolicy"].(map[string]any)
	assert.Equal(t, 30000.0, policy["backoffMaxIntervalMillis"])
	assert.Equal(t, 30.0, policy["backoffMaxIntervalInSec"])
	assert.NotContains(t, policy, "inflightSize", "null inflightSize is omitted")
	assert.NotContains(t, m, "oAuthPolicy")
	assert.NotContains(t, m, "Serial")

	m = decodeMap(decodeSub(t, seedSubscription))
	assert.Equal(t, false, m["trackingEnabled"])
	assert.Equal(t, "trackingOff", m["trackingMode"])
	for _, key := range []string{"topicName", "name", "endpoint", "state", "description", "owner", "monitoringDetails",
		"contentType", "deliveryType", "filters", "mode", "headers", "endpointAddressResolverMetadata", "http2Enabled",
		"profilingEnabled", "profilingThresholdMs", "subscriptionIdentityHeadersEnabled", "autoDeleteWithTopicEnabled"} {
		assert.Contains(t, m, key)
	}

	m = decodeMap(decodeSub(t, `{"deliveryType":"BATCH"}`))
	policy = m["subscriptionPolicy"].(map[string]any)
	assert.Equal(t, 100.0, policy["batchSize"])
	assert.NotContains(t, policy, "rate")
}

func TestDecodeSubscriptionIgnoresDerivedBackoffMillis(t *testing.T) {
	t.Parallel()
	s := decodeSub(t, `{"subscriptionPolicy":{"backoffMaxIntervalMillis":5}}`)
	require.NotNil(t, s.Serial)
	assert.Equal(t, domain.DefaultSubscriptionPolicy(), *s.Serial)
}
