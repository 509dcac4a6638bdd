package domain

import (
	"bytes"
	"time"
)

// JSONBatch accumulates JSON messages into the body Hermes sends to BATCH
// subscriptions: a JSON array "[m1,m2,...]" of at most batchVolume bytes.
type JSONBatch struct {
	policy  BatchSubscriptionPolicy
	body    bytes.Buffer
	count   int
	started time.Time
}

// NewJSONBatch returns an empty batch with p's thresholds.
func NewJSONBatch(p BatchSubscriptionPolicy) *JSONBatch {
	return &JSONBatch{policy: p}
}

// Len is the number of messages in the batch.
func (b *JSONBatch) Len() int { return b.count }

// TooLarge reports a message that can never fit in a batch (Hermes
// discards it as "too large").
func (b *JSONBatch) TooLarge(msg []byte) bool { return len(msg)+2 > b.policy.BatchVolume }

// Fits reports whether msg still fits (with its separator and the closing
// bracket) within batchVolume.
func (b *JSONBatch) Fits(msg []byte) bool {
	return b.body.Len()+len(msg)+2 <= b.policy.BatchVolume
}

// Append adds msg; the first message starts the batchTime clock. The
// caller checks Fits first.
func (b *JSONBatch) Append(msg []byte, now time.Time) {
	if b.count == 0 {
		b.started = now
		b.body.WriteByte('[')
	} else {
		b.body.WriteByte(',')
	}
	b.body.Write(msg)
	b.count++
}

// Deadline is when a non-empty batch expires (batchTime after its first
// message).
func (b *JSONBatch) Deadline() time.Time {
	return b.started.Add(time.Duration(b.policy.BatchTime) * time.Millisecond)
}

// Ready reports whether the batch must be sent: batchSize messages, no
// room left for another byte, or batchTime passed since its first message.
func (b *JSONBatch) Ready(now time.Time) bool {
	if b.count == 0 {
		return false
	}
	return b.count >= b.policy.BatchSize || b.policy.BatchVolume-b.body.Len() < 2 || !now.Before(b.Deadline())
}

// Body returns the JSON array ("[]" when empty).
func (b *JSONBatch) Body() []byte {
	if b.count == 0 {
		return []byte("[]")
	}
	out := make([]byte, 0, b.body.Len()+1)
	return append(append(out, b.body.Bytes()...), ']')
}

// ShouldRetry says whether a failed batch attempt is retried: any failure
// but a 4xx, unless retryClientErrors. Retries wait messageBackoff (fixed)
// until messageTtl has passed since the first attempt.
func (p BatchSubscriptionPolicy) ShouldRetry(r SendResult, firstAttempt, now time.Time) bool {
	if r.Succeeded() || (r.ClientError() && !p.RetryClientErrors) {
		return false
	}
	return now.Sub(firstAttempt) <= time.Duration(p.MessageTTL)*time.Second
}
