package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// seedTopic is the topic the seed notes create.
const seedTopic = `{
"name": "my-group.my-topic",
"description": "This is my topic",
"contentType": "JSON",
"retentionTime": {
"duration": 1
},
"owner": {
"source": "Plaintext",
"id": "MyTeam"
}
}`

func TestDecodeTopicSeedDefaults(t *testing.T) {
	t.Parallel()
	topic, err := domain.DecodeTopic([]byte(seedTopic))
	require.NoError(t, err)
	require.NoError(t, topic.Validate())

	assert.Equal(t, "my-group.my-topic", topic.Name)
	assert.Equal(t, domain.TopicName{Group: "my-group", Name: "my-topic"}, topic.QualifiedName())
	assert.Equal(t, domain.AckLeader, topic.Ack)
	assert.Equal(t, 51200, topic.MaxMessageSize)
	assert.Equal(t, domain.ContentTypeJSON, topic.ContentType)
	assert.Equal(t, &domain.Owner{Source: "Plaintext", ID: "MyTeam"}, topic.Owner)
	assert.Equal(t, "DISABLED", topic.Chaos.Mode)
	assert.True(t, topic.Auth.UnauthenticatedAccessEnabled)
	assert.NotNil(t, topic.Auth.Publishers)
	assert.False(t, topic.TrackingEnabled)
	require.NotNil(t, topic.RetentionTime)
	assert.Equal(t, 24*time.Hour, topic.RetentionTime.AsDuration(), "an omitted retentionUnit means DAYS")
}

func TestRetentionTimeAsDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		r    domain.RetentionTime
		want time.Duration
	}{
		{domain.RetentionTime{Duration: 2}, 48 * time.Hour},
		{domain.RetentionTime{Duration: 2, RetentionUnit: domain.Days}, 48 * time.Hour},
		{domain.RetentionTime{Duration: 3, RetentionUnit: domain.Hours}, 3 * time.Hour},
		{domain.RetentionTime{Duration: 90, RetentionUnit: domain.Minutes}, 90 * time.Minute},
		{domain.RetentionTime{Duration: 30, RetentionUnit: domain.Seconds}, 30 * time.Second},
		{domain.RetentionTime{Duration: 5, RetentionUnit: "MILLISECONDS"}, 5 * time.Millisecond},
		{domain.RetentionTime{Duration: 0, RetentionUnit: domain.Days}, 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.r.AsDuration(), "%+v", tt.r)
	}
}

func TestTopicMarshalRendersDefaultRetentionUnit(t *testing.T) {
	t.Parallel()
	topic, err := domain.DecodeTopic([]byte(seedTopic))
	require.NoError(t, err)
	b, err := json.Marshal(topic)
	require.NoError(t, err)
	var out struct {
		RetentionTime map[string]any `json:"retentionTime"`
	}
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, map[string]any{"duration": 1.0, "retentionUnit": "DAYS"}, out.RetentionTime)
}

func TestTopicJSONRoundTrip(t *testing.T) {
	t.Parallel()
	in, err := domain.DecodeTopic([]byte(`{"name":"g.t","description":"d","owner":{"source":"s","id":"i"},
		"retentionTime":{"duration":3,"retentionUnit":"HOURS"},"contentType":"AVRO","ack":"ALL","maxMessageSize":2048,
		"trackingEnabled":true,"auth":{"publishers":["p"],"enabled":true,"unauthenticatedAccessEnabled":false},
		"offlineStorage":{"enabled":true,"retentionTime":{"duration":7,"infinite":false}},"createdAt":1700000000.5}`))
	require.NoError(t, err)
	b, err := json.Marshal(in)
	require.NoError(t, err)
	out, err := domain.DecodeTopic(b)
	require.NoError(t, err)
	assert.Equal(t, in, out)
	assert.Equal(t, domain.AckAll, out.Ack)
	assert.Equal(t, 3*time.Hour, out.RetentionTime.AsDuration())
}

func validTopic() domain.Topic {
	t := domain.NewTopic()
	t.Name = "g.t"
	t.Description = new(string)
	t.Owner = &domain.Owner{Source: "Plaintext", ID: "team"}
	t.RetentionTime = &domain.RetentionTime{Duration: 1}
	t.ContentType = domain.ContentTypeJSON
	return t
}

func TestTopicValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		mutate func(*domain.Topic)
		want   []string // fragments of the message; nil = valid
	}{
		{"valid", func(*domain.Topic) {}, nil},
		{"min size", func(t *domain.Topic) { t.MaxMessageSize = 1024 }, nil},
		{"max size", func(t *domain.Topic) { t.MaxMessageSize = 2 * 1024 * 1024 }, nil},
		{"zero retention", func(t *domain.Topic) { t.RetentionTime.Duration = 0 }, nil},
		{"missing name", func(t *domain.Topic) { t.Name = "" }, []string{"name"}},
		{"bad name chars", func(t *domain.Topic) { t.Name = "g.t t" }, []string{"name"}},
		{"missing description", func(t *domain.Topic) { t.Description = nil }, []string{"description"}},
		{"missing owner", func(t *domain.Topic) { t.Owner = nil }, []string{"owner"}},
		{"owner without id", func(t *domain.Topic) { t.Owner.ID = "" }, []string{"owner.id"}},
		{"owner without source", func(t *domain.Topic) { t.Owner.Source = "" }, []string{"owner.source"}},
		{"missing retention", func(t *domain.Topic) { t.RetentionTime = nil }, []string{"retentionTime"}},
		{"negative retention", func(t *domain.Topic) { t.RetentionTime.Duration = -1 }, []string{"retentionTime.duration"}},
		{"missing content type", func(t *domain.Topic) { t.ContentType = "" }, []string{"contentType"}},
		{"size too small", func(t *domain.Topic) { t.MaxMessageSize = 1023 }, []string{"maxMessageSize"}},
		{"size too big", func(t *domain.Topic) { t.MaxMessageSize = 2*1024*1024 + 1 }, []string{"maxMessageSize"}},
		{"offline retention", func(t *domain.Topic) { t.OfflineStorage.RetentionTime.Duration = new(int) }, []string{"offlineStorage"}},
		{"several at once", func(t *domain.Topic) {
			t.Owner, t.Description, t.RetentionTime, t.ContentType = nil, nil, nil, ""
		}, []string{"owner", "description", "retentionTime", "contentType"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			topic := validTopic()
			tt.mutate(&topic)
			assertViolations(t, topic.Validate(), tt.want)
		})
	}
}

func TestTopicValidateNameWithoutDot(t *testing.T) {
	t.Parallel()
	topic := validTopic()
	topic.Name = "nodot"
	assert.ErrorIs(t, topic.Validate(), domain.ErrValidation)
}

func TestDecodeTopicIgnoresUnknownFields(t *testing.T) {
	t.Parallel()
	body := strings.Replace(seedTopic, `"contentType"`, `"someFutureField":{"x":[1]},"schema":"x","contentType"`, 1)
	topic, err := domain.DecodeTopic([]byte(body))
	require.NoError(t, err)
	assert.Equal(t, "my-group.my-topic", topic.Name)
	assert.Equal(t, domain.ContentTypeJSON, topic.ContentType)
}

// assertViolations checks err is nil when want is, else an ErrValidation
// whose message names every fragment of want.
func assertViolations(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		assert.NoError(t, err)
		return
	}
	require.ErrorIs(t, err, domain.ErrValidation)
	for _, frag := range want {
		assert.Contains(t, domain.ErrorMessage(err), frag)
	}
}

func TestDecodeFormatErrors(t *testing.T) {
	t.Parallel()
	decodeTopic := func(b []byte) error { _, err := domain.DecodeTopic(b); return err }
	decodeSub := func(b []byte) error { _, err := domain.DecodeSubscription(b); return err }
	tests := []struct {
		name   string
		decode func([]byte) error
		body   string
	}{
		{"topic bad ack", decodeTopic, `{"name":"g.t","ack":"SOME"}`},
		{"topic bad content type", decodeTopic, `{"name":"g.t","contentType":"XML"}`},
		{"topic bad unit", decodeTopic, `{"name":"g.t","retentionTime":{"duration":1,"retentionUnit":"WEEKS"}}`},
		{"topic lower-case enum", decodeTopic, `{"name":"g.t","ack":"all"}`},
		{"topic enum not string", decodeTopic, `{"name":"g.t","ack":1}`},
		{"topic wrong type", decodeTopic, `{"name":"g.t","maxMessageSize":"big"}`},
		{"topic malformed", decodeTopic, `{"name":`},
		{"topic not an object", decodeTopic, `[]`},
		{"subscription bad state", decodeSub, `{"state":"RUNNING"}`},
		{"subscription bad delivery type", decodeSub, `{"deliveryType":"STREAM"}`},
		{"subscription bad mode", decodeSub, `{"mode":"MULTICAST"}`},
		{"subscription bad content type", decodeSub, `{"contentType":"XML"}`},
		{"subscription bad policy type", decodeSub, `{"subscriptionPolicy":{"rate":"fast"}}`},
		{"subscription bad batch policy", decodeSub, `{"deliveryType":"BATCH","subscriptionPolicy":{"batchSize":"x"}}`},
		{"subscription malformed", decodeSub, `{"name":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.ErrorIs(t, tt.decode([]byte(tt.body)), domain.ErrFormat)
		})
	}
}

// Hermes serializes without null fields: an unset chaos policy or offline
// retention duration must not appear as null.
func TestTopicMarshalOmitsNulls(t *testing.T) {
	t.Parallel()
	topic, err := domain.DecodeTopic([]byte(`{"name":"g.t","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"o"}}`))
	require.NoError(t, err)
	b, err := json.Marshal(topic)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "null")
}
