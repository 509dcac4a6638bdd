package domain_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestJSONBatchThresholds(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	p := domain.BatchSubscriptionPolicy{BatchSize: 3, BatchVolume: 20, BatchTime: 1000}

	b := domain.NewJSONBatch(p)
	assert.False(t, b.Ready(now.Add(time.Hour)), "an empty batch never expires")
	assert.Equal(t, "[]", string(b.Body()))
	for _, m := range []string{`1`, `{"a":2}`} {
		require.True(t, b.Fits([]byte(m)))
		b.Append([]byte(m), now)
	}
	assert.False(t, b.Ready(now.Add(999*time.Millisecond)))
	assert.True(t, b.Ready(now.Add(time.Second)), "batchTime after the first message")
	assert.Equal(t, now.Add(time.Second), b.Deadline())
	assert.False(t, b.Fits([]byte(`"0123456789"`)), "batchVolume counts separators and brackets")
	b.Append([]byte(`3`), now)
	assert.True(t, b.Ready(now), "batchSize reached")
	var got []any
	require.NoError(t, json.Unmarshal(b.Body(), &got))
	assert.Equal(t, `[1,{"a":2},3]`, string(b.Body()))
	assert.Equal(t, 3, b.Len())

	assert.True(t, b.TooLarge(make([]byte, 19)))
	assert.False(t, b.TooLarge(make([]byte, 18)))

	full := domain.NewJSONBatch(domain.BatchSubscriptionPolicy{BatchSize: 100, BatchVolume: 5, BatchTime: 1000})
	full.Append([]byte(`123`), now)
	assert.True(t, full.Ready(now), "no room for another message")
}

func TestBatchShouldRetry(t *testing.T) {
	t.Parallel()
	first := time.Unix(1000, 0)
	p := domain.DefaultBatchSubscriptionPolicy()
	assert.False(t, p.ShouldRetry(domain.SendResult{StatusCode: 200}, first, first))
	assert.True(t, p.ShouldRetry(domain.SendResult{StatusCode: 500}, first, first.Add(60*time.Second)))
	assert.False(t, p.ShouldRetry(domain.SendResult{StatusCode: 500}, first, first.Add(60*time.Second+time.Millisecond)), "past messageTtl")
	assert.True(t, p.ShouldRetry(domain.SendResult{Timeout: true}, first, first))
	assert.False(t, p.ShouldRetry(domain.SendResult{StatusCode: 400}, first, first))
	p.RetryClientErrors = true
	assert.True(t, p.ShouldRetry(domain.SendResult{StatusCode: 400}, first, first))
}
