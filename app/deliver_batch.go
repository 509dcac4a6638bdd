package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// batchLoop delivers a BATCH subscription as Hermes's BatchConsumer does:
// messages (after filters), each as {"_w":true,"metadata":{"timestamp",
// "id","externalMetadata"},"message":<body>}, fill a JSON array until
// batchSize, batchVolume
// or batchTime is reached; batches go out one after another, so partition
// order is kept. A message larger than batchVolume alone is discarded as
// "too large". Offsets are committed after each batch and before each poll.
//
// A batch may span polls; a rebalance at such a poll can hand a partition
// whose messages wait in the batch to another consumer, which then sends
// them too (duplicates, never loss: revoke forgets the partition, so the
// batch's later finish of them commits nothing).
func (dl *delivery) batchLoop(ctx context.Context, c ports.MessageConsumer, offsets *offsetTracker) error {
	policy := *dl.sub.Batch
	var pending []ports.ReceivedMessage
	for {
		batch := domain.NewJSONBatch(policy)
		var members []ports.ReceivedMessage
	fill:
		for !batch.Ready(time.Now()) {
			if len(pending) == 0 {
				dl.commit(ctx, c, offsets)
				msgs, err := dl.pollBatch(ctx, c, batch)
				switch {
				case ctx.Err() != nil:
					return nil
				case errors.Is(err, context.DeadlineExceeded):
					break fill
				case err != nil:
					return err
				}
				offsets.add(msgs)
				pending = msgs
			}
			m, verdict := dl.admit(ctx, pending[0], nil)
			var item []byte
			if verdict == admitSend {
				// Hermes sends each batch item in its Kafka wrapper, so the
				// subscriber gets every message's id, timestamp and
				// propagated headers; batchVolume counts the wrapped bytes.
				item = domain.WrapJSON(m.Message)
			}
			switch {
			case verdict == admitStop:
				return nil
			case verdict == admitDone:
				offsets.finish(m)
			case batch.TooLarge(item):
				dl.discarded(m, "", "too large")
				offsets.finish(m)
			case !batch.Fits(item):
				break fill
			default:
				batch.Append(item, time.Now())
				members = append(members, m)
			}
			pending = pending[1:]
		}
		if len(members) > 0 && !dl.sendBatch(ctx, batch, members) {
			return nil
		}
		for _, m := range members {
			offsets.finish(m)
		}
		dl.commit(ctx, c, offsets)
	}
}

// pollBatch polls; while batch holds messages, only until the batch
// expires (then it returns context.DeadlineExceeded).
func (dl *delivery) pollBatch(ctx context.Context, c ports.MessageConsumer, batch *domain.JSONBatch) ([]ports.ReceivedMessage, error) {
	if batch.Len() == 0 {
		return c.Poll(ctx)
	}
	pctx, cancel := context.WithDeadline(ctx, batch.Deadline())
	defer cancel()
	msgs, err := c.Poll(pctx)
	if err != nil && pctx.Err() != nil && ctx.Err() == nil {
		return nil, context.DeadlineExceeded
	}
	return msgs, err
}

// sendBatch sends a batch until it is delivered or given up, retrying every
// messageBackoff while the failure is retryable and messageTtl has not
// passed since the first attempt; a batch given up is discarded message by
// message. It returns false only when ctx ended first.
func (dl *delivery) sendBatch(ctx context.Context, batch *domain.JSONBatch, members []ports.ReceivedMessage) bool {
	policy := *dl.sub.Batch
	id := newUUID()
	body := batch.Body()
	req := dl.request(body, dl.commonHeaders(map[string]string{headerBatchID: id}), time.Duration(policy.RequestTimeout)*time.Millisecond)
	first := time.Now()
	for _, m := range members {
		dl.trace(m, id, domain.SentInflight, "", false)
	}
	for retries := 0; ; retries++ {
		req.Headers[headerRetryCount] = strconv.Itoa(retries)
		res := dl.send(ctx, req)
		if ctx.Err() != nil {
			return false
		}
		if res.Succeeded() {
			dl.delivered(len(members), len(body))
			for _, m := range members {
				dl.trace(m, id, domain.SentSuccess, "", false)
			}
			return true
		}
		if !policy.ShouldRetry(res, first, time.Now()) {
			for _, m := range members {
				dl.discarded(m, id, res.Reason())
			}
			return true
		}
		dl.metrics.Count("subscription.retries", dl.labels, 1)
		for _, m := range members {
			dl.trace(m, id, domain.SentFailed, res.Reason(), false)
		}
		if !sleep(ctx, time.Duration(policy.MessageBackoff)*time.Millisecond) {
			return false
		}
	}
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand contract since Go 1.24)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
