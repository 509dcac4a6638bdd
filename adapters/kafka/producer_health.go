package kafka

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.HealthCheck = (*Producer)(nil)

// StoreDownHold is how long the producer reports the store DOWN after the
// last write it refused, when no publish succeeded since. Past it the
// check is up again, so a load balancer that took the frontend out sends
// traffic once more and the next publish decides.
const StoreDownHold = 10 * time.Second

// storeFault reports whether err says the broker could not store a record
// for a reason of its own (its disk, its replicas), not the record's.
func storeFault(err error) bool {
	return errors.Is(err, kerr.UnknownServerError) || errors.Is(err, kerr.KafkaStorageError) ||
		errors.Is(err, kerr.NotEnoughReplicas) || errors.Is(err, kerr.NotEnoughReplicasAfterAppend)
}

// writeOutage tracks the store refusing writes, so the cause is logged
// once per outage rather than per publish, and readiness can report it.
type writeOutage struct {
	mu    sync.Mutex
	cause error // nil: no outage
	since time.Time
	last  time.Time // latest refusal
}

// WithWriteFailure lets the producer say why the store refuses writes:
// explain returns the cause (nil when unknown), e.g. Embedded.WriteFailure,
// whose errors name the disk problem that kfake reports only as
// UNKNOWN_SERVER_ERROR.
func (p *Producer) WithWriteFailure(explain func() error) *Producer {
	p.explain = explain
	return p
}

// refused records a store fault and returns the error Produce gives.
func (p *Producer) refused(topic string, err error) error {
	cause := p.noteOutage(topic, err)
	return fmt.Errorf("kafka: produce to %q: %w: %w", topic,
		domain.Errorf(domain.ErrStoreUnavailable, "Message store cannot take writes, message not published: %s", reason(cause)), err)
}

// noteOutage records that the store cannot take writes because of err,
// logging the first of an outage, and returns the cause to report.
func (p *Producer) noteOutage(topic string, err error) error {
	cause := err
	if p.explain != nil {
		if why := p.explain(); why != nil {
			cause = why
		}
	}
	o := &p.outage
	o.mu.Lock()
	now := time.Now()
	// Once per outage; an explainer (the embedded broker) logs its
	// outages itself, with the cause.
	if o.cause == nil && p.explain == nil {
		p.log.Error("message store cannot take writes: publishes answer 503 until it takes them again", "topic", topic, "err", cause)
	}
	if o.cause == nil {
		o.cause, o.since = cause, now
	}
	o.last = now
	o.mu.Unlock()
	return cause
}

// stored ends an outage.
func (p *Producer) stored() {
	o := &p.outage
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.cause == nil {
		return
	}
	if p.explain == nil {
		p.log.Info("message store takes writes again", "outage", time.Since(o.since).Round(time.Millisecond).String())
	}
	o.cause = nil
}

// Health implements ports.HealthCheck: DOWN from a refused write until a
// write succeeds or StoreDownHold passed without another refusal. A
// broker that cannot be reached at all shows as publish timeouts (503
// SENDING_TO_KAFKA_TIMEOUT), not here: kgo keeps such records buffered
// and never says why they wait.
func (p *Producer) Health() ports.HealthState {
	o := &p.outage
	o.mu.Lock()
	defer o.mu.Unlock()
	s := ports.HealthState{Name: "message_store", Status: ports.HealthUp}
	if o.cause != nil && time.Since(o.last) < StoreDownHold {
		s.Status = ports.HealthDown
		s.Problem = fmt.Sprintf("message store cannot take writes since %s: %s", o.since.UTC().Format(time.RFC3339), reason(o.cause))
	}
	return s
}
