package app

import (
	"context"
	"strconv"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Hermes delivery headers.
const (
	headerMessageID        = "Hermes-Message-Id"
	headerRetryCount       = "Hermes-Retry-Count"
	headerTopicName        = "Hermes-Topic-Name"
	headerSubscriptionName = "Hermes-Subscription-Name"
)

// deliverMessage sends one message until it is delivered, discarded or ctx
// ends; it reports whether the message is finished (safe to commit).
func (d *Deliverer) deliverMessage(ctx context.Context, topic domain.Topic, sub domain.Subscription, m ports.ReceivedMessage) bool {
	policy := *sub.Serial
	if sub.Batch != nil {
		// Batch delivery arrives with its own issue; until then a BATCH
		// subscription gets serial delivery with its batch timeouts.
		policy = domain.DefaultSubscriptionPolicy()
		policy.MessageTTL, policy.MessageBackoff = sub.Batch.MessageTTL, sub.Batch.MessageBackoff
		policy.RequestTimeout, policy.RetryClientErrors = sub.Batch.RequestTimeout, sub.Batch.RetryClientErrors
	}
	if policy.SendingDelay > 0 && !m.Timestamp.IsZero() {
		if wait := time.Until(m.Timestamp.Add(time.Duration(policy.SendingDelay) * time.Millisecond)); wait > 0 && !sleep(ctx, wait) {
			return false
		}
	}
	name := sub.QualifiedName()
	labels := ports.Labels{"group": name.Topic.Group, "topic": name.Topic.Name, "subscription": name.Name}
	d.trace(sub, m, domain.SentInflight, "", false)
	req := ports.SendRequest{
		Endpoint:      sub.Endpoint,
		Body:          m.Body,
		Headers:       deliveryHeaders(topic, sub, m),
		Timeout:       time.Duration(policy.RequestTimeout) * time.Millisecond,
		SocketTimeout: time.Duration(policy.SocketTimeout) * time.Millisecond,
		HTTP2:         sub.HTTP2Enabled,
	}
	for retries := 0; ; retries++ {
		req.Headers[headerRetryCount] = strconv.Itoa(retries)
		start := time.Now()
		res := d.sender.Send(ctx, req)
		d.metrics.Observe("subscription.latency", labels, time.Since(start))
		if res.StatusCode != 0 {
			d.metrics.Count("subscription.http-status-codes."+strconv.Itoa(res.StatusCode/100)+"xx", labels, 1)
		}
		if ctx.Err() != nil {
			return false
		}
		decision := policy.Decide(res, retries+1, m.ReadAt, time.Now(), sub.OAuthPolicy != nil)
		switch decision.Verdict {
		case domain.Delivered:
			d.metrics.Count("subscription.delivered", labels, 1)
			d.metrics.Count("subscription.throughput", labels, int64(len(m.Body)))
			d.trace(sub, m, domain.SentSuccess, "", false)
			return true
		case domain.Discard:
			d.metrics.Count("subscription.discarded", labels, 1)
			d.trace(sub, m, domain.SentDiscarded, res.Reason(), true)
			d.log.Warn("message discarded", "subscription", name.String(), "message_id", m.ID, "reason", res.Reason())
			return true
		}
		if res.Timeout {
			d.metrics.Count("subscription.timeouts", labels, 1)
		} else if res.Err != nil {
			d.metrics.Count("subscription.other-errors", labels, 1)
		}
		d.metrics.Count("subscription.retries", labels, 1)
		d.trace(sub, m, domain.SentFailed, res.Reason(), false)
		if !sleep(ctx, decision.Delay) {
			return false
		}
	}
}

func deliveryHeaders(topic domain.Topic, sub domain.Subscription, m ports.ReceivedMessage) map[string]string {
	h := make(map[string]string, 4+len(sub.Headers)+len(m.Headers))
	for k, v := range m.Headers {
		h[k] = v
	}
	h["Content-Type"] = "application/json"
	h[headerMessageID] = m.ID
	if sub.SubscriptionIdentityHeadersEnabled {
		h[headerTopicName] = topic.Name
		h[headerSubscriptionName] = sub.Name
	}
	for _, x := range sub.Headers {
		h[x.Name] = x.Value
	}
	return h
}

// trace records a sent-message event as the subscription's trackingMode
// asks; undelivered messages always reach the undelivered log.
func (d *Deliverer) trace(sub domain.Subscription, m ports.ReceivedMessage, status, reason string, undelivered bool) {
	if !undelivered && sub.TrackingMode != domain.TrackingAll {
		return
	}
	partition, offset := m.Partition, m.Offset
	t := domain.SentMessageTrace{
		MessageID: m.ID, Timestamp: time.Now().UnixMilli(), Subscription: sub.Name, TopicName: sub.TopicName,
		Status: status, Reason: reason, Message: string(m.Body), Partition: &partition, Offset: &offset,
		Cluster: d.cfg.ClusterName,
	}
	if undelivered {
		d.undelivered.Add(t)
		if sub.TrackingMode == domain.TrackingOff {
			return
		}
	}
	d.tracker.Sent(t)
}
