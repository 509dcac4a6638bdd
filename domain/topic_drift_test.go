package domain_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

// Hermes's default offline storage is retentionTime {duration 0, infinite
// false}; the console shows "undefined days" when duration is absent.
func TestOfflineRetentionDurationAlwaysRendered(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   domain.OfflineRetentionTime
		want string
	}{
		"default":  {domain.OfflineRetentionTime{}, `{"duration":0,"infinite":false}`},
		"set":      {domain.OfflineRetentionTime{Duration: ptr(7)}, `{"duration":7,"infinite":false}`},
		"infinite": {domain.OfflineRetentionTime{Duration: ptr(7), Infinite: true}, `{"infinite":true}`},
	} {
		b, err := json.Marshal(tc.in)
		require.NoError(t, err, name)
		assert.JSONEq(t, tc.want, string(b), name)
	}
	topic, err := domain.DecodeTopic([]byte(`{"name":"g.t","description":"d","owner":{"source":"Plaintext","id":"o"},"retentionTime":{"duration":1},"contentType":"JSON"}`))
	require.NoError(t, err)
	b, err := json.Marshal(topic)
	require.NoError(t, err)
	var got map[string]any
	require.NoError(t, json.Unmarshal(b, &got))
	assert.Equal(t, map[string]any{"enabled": false, "retentionTime": map[string]any{"duration": 0.0, "infinite": false}}, got["offlineStorage"])
	assert.NotContains(t, got, "schemaIdAwareSerializationEnabled", "gone from Hermes's Topic")
}

func ptr[T any](v T) *T { return &v }
