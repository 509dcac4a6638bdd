package app

import (
	"context"
	"errors"
	"maps"
	"strconv"
	"sync"
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
	headerBatchID          = "Hermes-Batch-Id"
	headerKeepAlive        = "Keep-Alive"
)

// filtered reports (and accounts for) a message the subscription's filters
// reject: it is finished without being sent.
func (dl *delivery) filtered(m ports.ReceivedMessage) bool {
	if dl.filters.Match(m.Body, m.Headers) {
		return false
	}
	dl.reject(m)
	return true
}

// reject accounts for a message a filter rejected.
func (dl *delivery) reject(m ports.ReceivedMessage) {
	dl.perMessage().filtered.Add(1)
	dl.trace(m, "", domain.SentFiltered, "", false)
}

// metadataMessageID is the external-metadata key of the message id.
const metadataMessageID = "messageId"

// withMessageIDMetadata adds messageId to the message's external metadata
// where Hermes has it: an Avro message's metadata is its __metadata map,
// which holds messageId, and a message with propagated headers gets it
// added beside them. Subscribers receive it as a "messageId" header,
// header filters see it and batch items carry it.
func (dl *delivery) withMessageIDMetadata(m ports.ReceivedMessage) ports.ReceivedMessage {
	avro := dl.topic.ContentType == domain.ContentTypeAvro && m.ContentType != domain.ContentTypeJSON
	if m.ID == "" || (!avro && len(m.Headers) == 0) {
		return m
	}
	h := make(map[string]string, len(m.Headers)+1)
	maps.Copy(h, m.Headers)
	h[metadataMessageID] = m.ID
	m.Headers = h
	return m
}

// admission is what admit decided about a message.
type admission int

const (
	admitSend admission = iota // send it
	admitDone                  // finished without sending (filtered or discarded)
	admitStop                  // ctx ended first: not finished
)

// admit applies the subscription's filters and renders an AVRO topic's
// message for the subscription (filters see the stored Avro, as in
// Hermes). A message whose schema is gone or that does not decode is
// discarded; a schema store that fails is retried until ctx ends.
func (dl *delivery) admit(ctx context.Context, m ports.ReceivedMessage, host *hostToken) (ports.ReceivedMessage, admission) {
	m = dl.withMessageIDMetadata(m)
	if dl.topic.ContentType != domain.ContentTypeAvro || dl.schemas == nil || m.ContentType == domain.ContentTypeJSON {
		if hasAvroPathFilter(dl.sub) && dl.topic.ContentType != domain.ContentTypeAvro {
			// Hermes's avropath filter throws on other content types, which rejects.
			dl.reject(m)
			return m, admitDone
		}
		if dl.filtered(m) {
			return m, admitDone
		}
		return m, admitSend
	}
	for {
		schema, c, err := dl.schemas.load(ctx, dl.topic.QualifiedName(), m.SchemaVersion)
		if errors.Is(err, domain.ErrSchemaNotFound) || errors.Is(err, domain.ErrSchemaVersionNotFound) {
			dl.discarded(m, "", "schema not found: "+domain.ErrorMessage(err))
			return m, admitDone
		}
		if err != nil {
			dl.log.Warn("loading schema failed; retrying", "message_id", m.ID, "err", err)
			host.pause()
			if !sleep(ctx, dl.cfg.RestartBackoff) {
				return m, admitStop
			}
			continue
		}
		if dl.filtered(m) {
			return m, admitDone
		}
		if !dl.schemas.matchAvroPaths(c, dl.sub, m.Body) {
			dl.reject(m)
			return m, admitDone
		}
		out, err := forSubscription(schema, c, dl.sub, m)
		if err != nil {
			dl.discarded(m, "", "conversion failed: "+domain.ErrorMessage(err))
			return m, admitDone
		}
		return out, admitSend
	}
}

// deliverMessage sends one message until it is delivered, discarded or ctx
// ends; it reports whether the message is finished (safe to commit).
// Every attempt waits for the output rate and reports its outcome to it,
// and holds host's token (deliver_hostgate.go), which it gives back
// (pause) whenever it waits for anything else.
func (dl *delivery) deliverMessage(ctx context.Context, m ports.ReceivedMessage, host *hostToken) bool {
	defer host.release()
	m, verdict := dl.admit(ctx, m, host)
	if verdict != admitSend {
		return verdict == admitDone
	}
	policy := *dl.sub.Serial
	if policy.SendingDelay > 0 && !m.Timestamp.IsZero() {
		if wait := time.Until(m.Timestamp.Add(time.Duration(policy.SendingDelay) * time.Millisecond)); wait > 0 {
			host.pause()
			if !sleep(ctx, wait) {
				return false
			}
		}
	}
	dl.trace(m, "", domain.SentInflight, "", false)
	headers := dl.messageHeaders(m)
	defer releaseHeaders(headers)
	req := dl.request(m.Body, headers, time.Duration(policy.RequestTimeout)*time.Millisecond)
	req.SocketTimeout = time.Duration(policy.SocketTimeout) * time.Millisecond
	var endpointErr error
	sender := dl.sender
	if dl.sub.Mode == domain.ModeBroadcast {
		sender, endpointErr = dl.broadcastFor(m.Body)
	} else {
		req.Endpoint, endpointErr = dl.endpointFor(m.Body)
	}
	for retries := 0; ; retries++ {
		if !dl.limiter.acquire(ctx, host.pause) || !host.take(ctx) {
			return false
		}
		req.Headers[headerRetryCount] = strconv.Itoa(retries)
		var res domain.SendResult
		if endpointErr != nil {
			// Hermes fails such an attempt without sending: retried like
			// any failure, then discarded when messageTtl has passed.
			res = domain.SendResult{Err: endpointErr}
			dl.metrics.Count("subscription.other-errors", dl.labels, 1)
		} else {
			res = dl.sendVia(ctx, sender, req)
		}
		host.release()
		if ctx.Err() != nil {
			return false
		}
		decision := policy.Decide(res, retries+1, m.ReadAt, time.Now(), dl.sub.OAuthPolicy != nil)
		dl.limiter.record(!res.Succeeded() && decision.SlowsRate)
		switch decision.Verdict {
		case domain.Delivered:
			dl.delivered(1, len(m.Body))
			dl.trace(m, "", domain.SentSuccess, "", false)
			return true
		case domain.Discard:
			dl.discarded(m, "", res.Reason())
			return true
		}
		dl.metrics.Count("subscription.retries", dl.labels, 1)
		dl.log.Debug("retrying message", "message_id", m.ID, "reason", res.Reason(), "delay", decision.Delay)
		dl.trace(m, "", domain.SentFailed, res.Reason(), false)
		host.pause()
		if !sleep(ctx, decision.Delay) {
			return false
		}
	}
}

// request builds a send to the subscription's endpoint.
func (dl *delivery) request(body []byte, headers map[string]string, timeout time.Duration) ports.SendRequest {
	return ports.SendRequest{Endpoint: dl.sub.Endpoint, Body: body, Headers: headers, Timeout: timeout, HTTP2: dl.sub.HTTP2Enabled}
}

// endpointFor is where a serial message goes: the subscription endpoint
// with its URI template variables filled from the body (Hermes
// interpolates serial deliveries only; batches go to the endpoint as is).
func (dl *delivery) endpointFor(body []byte) (string, error) {
	if dl.endpointErr != nil {
		return "", dl.endpointErr
	}
	return dl.endpoint.Expand(body)
}

// send performs one attempt and records Hermes's per-attempt metrics.
func (dl *delivery) send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	return dl.sendVia(ctx, dl.sender, req)
}

// sendVia is send through sender (a BROADCAST message's, which sends to
// all its addresses as one attempt).
func (dl *delivery) sendVia(ctx context.Context, sender ports.Sender, req ports.SendRequest) domain.SendResult {
	start := time.Now()
	res := sender.Send(ctx, req)
	s := dl.perMessage()
	s.latency.Observe(time.Since(start))
	switch {
	case res.StatusCode != 0:
		s.statusCode(res.StatusCode)
	case res.Timeout:
		dl.metrics.Count("subscription.timeouts", dl.labels, 1)
	case res.Err != nil:
		dl.metrics.Count("subscription.other-errors", dl.labels, 1)
		if errors.Is(res.Err, domain.ErrEndpointForbidden) {
			dl.metrics.Count(EndpointGuardRefusalsMetric, dl.labels, 1)
		}
	}
	return res
}

// statusCodeMetrics are the names of the status classes 1xx to 5xx,
// built once: send counts one per attempt.
var statusCodeMetrics = func() (names [6]string) {
	for i := range names {
		names[i] = "subscription.http-status-codes." + strconv.Itoa(i) + "xx"
	}
	return names
}()

// statusCodeMetric names the counter of an HTTP status's class.
func statusCodeMetric(status int) string {
	if c := status / 100; c >= 0 && c < len(statusCodeMetrics) {
		return statusCodeMetrics[c]
	}
	return "subscription.http-status-codes." + strconv.Itoa(status/100) + "xx"
}

func (dl *delivery) delivered(messages, bytes int) {
	s := dl.perMessage()
	s.delivered.Add(int64(messages))
	s.throughput.Add(int64(bytes))
}

// deliverySeries are the metric series a delivery records into for every
// message, resolved once per delivery: looked up by name and labels they
// cost a key or path per call.
type deliverySeries struct {
	once       sync.Once
	latency    ports.Timer
	delivered  ports.Counter
	throughput ports.Counter
	filtered   ports.Counter
	codes      *ports.CounterSet // by status class, statusCodeMetrics
	m          ports.Metrics
	l          ports.Labels
}

// perMessage returns the delivery's per-message series.
func (dl *delivery) perMessage() *deliverySeries {
	s := &dl.series
	s.once.Do(func() {
		s.m, s.l = dl.metrics, dl.labels
		s.latency = ports.TimerOf(s.m, "subscription.latency", s.l)
		s.delivered = ports.CounterOf(s.m, "subscription.delivered", s.l)
		s.throughput = ports.CounterOf(s.m, "subscription.throughput", s.l)
		s.filtered = ports.CounterOf(s.m, "subscription.filtered", s.l)
		s.codes = ports.NewCounterSet(s.m, s.l, statusCodeMetrics[:])
	})
	return s
}

// statusCode counts one answer of an HTTP status's class.
func (s *deliverySeries) statusCode(status int) {
	if c := status / 100; c >= 0 && c < len(statusCodeMetrics) {
		s.codes.Add(c, 1)
		return
	}
	s.m.Count(statusCodeMetric(status), s.l, 1)
}
func (dl *delivery) discarded(m ports.ReceivedMessage, batchID, reason string) {
	dl.metrics.Count("subscription.discarded", dl.labels, 1)
	dl.trace(m, batchID, domain.SentDiscarded, reason, true)
	dl.log.Warn("message discarded", "message_id", m.ID, "batch_id", batchID, "reason", reason)
}

// commonHeaders are the headers of serial and batch deliveries alike.
func (dl *delivery) commonHeaders(h map[string]string) map[string]string {
	// Hermes names the body's own format: an AVRO subscription of a JSON
	// topic gets JSON.
	h["Content-Type"] = "application/json"
	if dl.sub.ContentType == domain.ContentTypeAvro && dl.topic.ContentType == domain.ContentTypeAvro {
		h["Content-Type"] = "avro/binary"
	}
	if dl.sub.SubscriptionIdentityHeadersEnabled {
		h[headerTopicName] = dl.topic.Name
		h[headerSubscriptionName] = dl.sub.Name
	}
	for _, x := range dl.sub.Headers {
		h[x.Name] = x.Value
	}
	return h
}

// messageHeaders are a serial delivery's headers: Hermes's own, the
// subscription's, and the message's propagated headers, which a
// subscription header of the same name does not override (Hermes adds
// them to the request first, so the subscriber reads theirs).
//
// The map comes from a pool: give it back with releaseHeaders once no
// send uses it (ports.Sender keeps no request after Send returns).
func (dl *delivery) messageHeaders(m ports.ReceivedMessage) map[string]string {
	h := headerMaps.Get().(map[string]string)
	h[headerMessageID] = m.ID
	if !dl.sub.HTTP2Enabled && !dl.cfg.OmitKeepAliveHeader {
		// Hermes's HTTP/1 sender always asks for a kept-alive connection.
		h[headerKeepAlive] = "true"
	}
	dl.commonHeaders(h)
	if m.ContentType == domain.ContentTypeJSON {
		h["Content-Type"] = "application/json" // published before the topic moved to AVRO
	}
	for k, v := range m.Headers {
		if !hermesHeaders[k] {
			h[k] = v
		}
	}
	return h
}

// headerMaps are serial deliveries' header maps, reused: a map per
// message was about a third of what delivering a message allocated.
var headerMaps = sync.Pool{New: func() any { return make(map[string]string, 8) }}

// maxPooledHeaders keeps maps grown by a subscription with many headers
// out of the pool: clear keeps a map's size.
const maxPooledHeaders = 32

func releaseHeaders(h map[string]string) {
	if len(h) > maxPooledHeaders {
		return
	}
	clear(h)
	headerMaps.Put(h)
}

// hermesHeaders are the headers Hermes sets itself; a propagated header
// of the same name does not replace them.
var hermesHeaders = map[string]bool{
	"Content-Type": true, "Content-Length": true, "Host": true, "Authorization": true,
	headerMessageID: true, headerRetryCount: true, headerTopicName: true, headerSubscriptionName: true,
	headerBatchID: true, headerKeepAlive: true,
}

// trace records a sent-message event as the subscription's trackingMode
// asks; undelivered messages always reach the undelivered log.
func (dl *delivery) trace(m ports.ReceivedMessage, batchID, status, reason string, undelivered bool) {
	if !undelivered && dl.sub.TrackingMode != domain.TrackingAll {
		return
	}
	partition, offset := m.Partition, m.Offset
	t := domain.SentMessageTrace{
		MessageID: m.ID, BatchID: batchID, Timestamp: time.Now().UnixMilli(), Subscription: dl.sub.Name,
		TopicName: dl.sub.TopicName, Status: status, Reason: reason, Message: string(m.Body),
		Partition: &partition, Offset: &offset, Cluster: dl.cfg.ClusterName,
	}
	if undelivered {
		dl.undelivered.Add(t)
		if dl.sub.TrackingMode == domain.TrackingOff {
			return
		}
	}
	dl.tracker.Sent(t)
}
