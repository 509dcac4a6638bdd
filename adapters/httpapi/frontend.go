package httpapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// MessageIDHeader carries the id the frontend gave a message; it is on
// every response to a publish, successful or not.
const MessageIDHeader = "Hermes-Message-Id"

// FrontendConfig tunes the publish API. Zero durations take the defaults
// of DefaultFrontendConfig; start from DefaultFrontendConfig, since the
// zero ForceMaxMessageSize does not enforce.
//
// Hermes runs one timer (65 ms / 400 ms / 500 ms by ack level) across body
// reading and the Kafka ack. Here reading and acking have separate budgets
// and generous defaults: a Go process on a shared machine can pause for
// longer than 65 ms (GC, CPU steal), and a timed-out publish may still be
// stored, so a tight budget only turns successes into retried duplicates.
type FrontendConfig struct {
	// ReadTimeout bounds reading the request body, counted from when the
	// topic is known; past it the answer is 408 TIMEOUT. Default 2s (the
	// Hermes server's readTimeout).
	ReadTimeout time.Duration
	// IdleTimeout bounds waiting for the store's ack on topics with ack
	// NONE or LEADER; past it the answer is 503 SENDING_TO_KAFKA_TIMEOUT.
	// Default 2s (Hermes frontend.handlers.idleTimeout: 65 ms).
	IdleTimeout time.Duration
	// LongIdleTimeout is IdleTimeout for ack ALL topics. Default 3s
	// (Hermes longIdleTimeout: 400 ms).
	LongIdleTimeout time.Duration
	// MaxPublishRequestDuration is IdleTimeout for topics with
	// fallbackToRemoteDatacenterEnabled. Default 5s (Hermes: 500 ms).
	MaxPublishRequestDuration time.Duration
	// ForceMaxMessageSize rejects bodies above the topic's maxMessageSize
	// with 400 VALIDATION_ERROR. Default true (Hermes's
	// forceTopicMaxMessageSize defaults to false). When false, bodies are
	// still capped at domain.MaxMessageSize.
	ForceMaxMessageSize bool
	// Ready reports readiness for GET /status/ready (200 READY, else 503
	// NOT_READY). Nil means always ready.
	Ready func() bool
	// Metrics receives the per-topic measurements only this adapter sees
	// (see publishMetrics). Nil records none.
	Metrics ports.Metrics
	// Headers says which request headers are stored with the message and
	// delivered with it (off by default, as in Hermes).
	Headers HeaderPropagation
	// KeepAliveHeader, when positive, adds "Keep-Alive: timeout=N" to
	// publish responses (Hermes's frontend.handlers.keepAliveHeader,
	// disabled by default).
	KeepAliveHeader time.Duration
	// Auth says who may publish (publishing permissions).
	Auth FrontendAuth
}

// DefaultFrontendConfig returns the defaults documented on FrontendConfig.
func DefaultFrontendConfig() FrontendConfig {
	return FrontendConfig{
		ReadTimeout:               2 * time.Second,
		IdleTimeout:               2 * time.Second,
		LongIdleTimeout:           3 * time.Second,
		MaxPublishRequestDuration: 5 * time.Second,
		ForceMaxMessageSize:       true,
		Auth:                      FrontendAuth{PublisherRole: domain.DefaultPublisherRole},
	}
}

func (c FrontendConfig) withDefaults() FrontendConfig {
	d := DefaultFrontendConfig()
	for _, p := range []struct{ v, def *time.Duration }{
		{&c.ReadTimeout, &d.ReadTimeout},
		{&c.IdleTimeout, &d.IdleTimeout},
		{&c.LongIdleTimeout, &d.LongIdleTimeout},
		{&c.MaxPublishRequestDuration, &d.MaxPublishRequestDuration},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return c
}

// ackTimeout picks the ack budget for topic as Hermes picks its request timeout.
func (c FrontendConfig) ackTimeout(t domain.Topic) time.Duration {
	switch {
	case t.FallbackToRemoteDatacenterEnabled:
		return c.MaxPublishRequestDuration
	case t.Ack == domain.AckAll:
		return c.LongIdleTimeout
	default:
		return c.IdleTimeout
	}
}

type frontend struct {
	pub     ports.Publisher
	cfg     FrontendConfig
	headers headerPropagator
	log     *slog.Logger
	metrics *publishMetrics // nil: cfg.Metrics is nil
}

// NewFrontend returns the publish API (Hermes port 8080): POST
// /topics/{topic} answers 201 with an empty body once the message is
// stored, and GET /, /status/ping, /status/health ("UP") and /status/ready.
// Requests no route matches get 404 (or 405) error JSON with code OTHER
// (Hermes: Undertow's bare 404).
func NewFrontend(pub ports.Publisher, cfg FrontendConfig, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	f := &frontend{pub: pub, cfg: cfg.withDefaults(), log: log, headers: newHeaderPropagator(cfg.Headers)}
	if cfg.Metrics != nil {
		f.metrics = &publishMetrics{m: cfg.Metrics}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /topics/{topic}", f.publish)
	for _, p := range []string{"GET /{$}", "GET /status/ping", "GET /status/health"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, _ *http.Request) { writeText(w, http.StatusOK, "UP") })
	}
	mux.HandleFunc("GET /status/ready", f.ready)
	mux.HandleFunc("GET /openapi.json", serveOpenAPI(FrontendOpenAPI))
	fallback := withJSONFallback(mux)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A publish surely matches its route: the fallback's check, a
		// second route match per request, is skipped.
		if r.Method == http.MethodPost && plainTopicPath(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		fallback.ServeHTTP(w, r)
	})
}

// plainTopicPath reports whether path is /topics/ and one segment of
// characters a topic name may hold (not "." or ".."), so a path the mux
// matches as it is, without cleaning or unescaping it first.
func plainTopicPath(path string) bool {
	name, ok := strings.CutPrefix(path, "/topics/")
	if !ok || name == "" || name == "." || name == ".." {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (f *frontend) ready(w http.ResponseWriter, _ *http.Request) {
	if f.cfg.Ready != nil && !f.cfg.Ready() {
		writeText(w, http.StatusServiceUnavailable, "NOT_READY")
		return
	}
	writeText(w, http.StatusOK, "READY")
}

func (f *frontend) publish(w http.ResponseWriter, r *http.Request) {
	// As in Hermes, whose authentication handlers run before the topic
	// handler: no message id, no topic lookup.
	if f.cfg.Auth.unauthenticated(w, r) {
		return
	}
	start := time.Now()
	id := uuid.NewString()
	w.Header().Set(MessageIDHeader, id)
	if f.cfg.KeepAliveHeader > 0 {
		w.Header().Set("Keep-Alive", keepAliveValue(f.cfg.KeepAliveHeader))
	}
	name := r.PathValue("topic")
	topic, err := f.pub.Topic(r.Context(), name)
	if errors.Is(err, domain.ErrTopicNotFound) || errors.Is(err, domain.ErrValidation) {
		f.metrics.unknownTopic()
		writeError(w, http.StatusNotFound, codeTopicNotExists, "Topic not found: "+name)
		return
	}
	if err != nil {
		f.fail(w, r, err)
		return
	}
	// Hermes refuses before it counts the publish in the topic's metrics.
	if f.cfg.Auth.forbidden(w, r, topic) {
		return
	}
	tm := f.metrics.topic(name, topic)
	status := f.publishTo(w, r, id, topic, tm)
	tm.answered(status, start)
}

// publishTo reads, stores and answers one message for a known topic; it
// returns the status it answered.
func (f *frontend) publishTo(w http.ResponseWriter, r *http.Request, id string, topic domain.Topic, tm *topicMetrics) int {
	body, err := f.readBody(w, r, topic)
	if err != nil {
		return f.fail(w, r, err)
	}
	tm.size(len(body))
	msg := domain.Message{ID: id, Timestamp: time.Now(), Body: body, Headers: f.headers.extract(r.Header)}
	if key := r.Header.Get("Partition-Key"); key != "" {
		msg.Key = []byte(key)
	}
	// A client that disconnects does not cancel the produce: the message
	// may already be on its way, and Hermes also finishes the send.
	timeout := f.cfg.ackTimeout(topic)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), timeout)
	defer cancel()
	if err := f.store(ctx, r, topic, msg); err != nil {
		if errors.Is(err, domain.ErrStoreTimeout) {
			err = fmt.Errorf("%w: %w", domain.Errorf(domain.ErrStoreTimeout,
				"Timeout while sending to kafka message after %d milliseconds", timeout.Milliseconds()), err)
		}
		return f.fail(w, r, err)
	}
	w.WriteHeader(http.StatusCreated)
	return http.StatusCreated
}

// store publishes msg; an AVRO topic's body goes with the request's
// Content-Type and Schema-Version (an int; anything else means the
// latest, as in Hermes) to a publisher that converts Avro. Schema-Id is
// not honoured (Hermes's schema-id header support is off by default).
func (f *frontend) store(ctx context.Context, r *http.Request, topic domain.Topic, msg domain.Message) error {
	ap, ok := f.pub.(ports.AvroPublisher)
	if !ok || topic.ContentType != domain.ContentTypeAvro {
		return f.pub.Publish(ctx, topic, msg)
	}
	// Atoi of "" allocates its error: most publishes name no version.
	if h := r.Header.Get("Schema-Version"); h != "" {
		if v, err := strconv.Atoi(h); err == nil && v > 0 {
			msg.SchemaVersion = v
		}
	}
	return ap.PublishContent(ctx, topic, msg, r.Header.Get("Content-Type"))
}

// fail answers err per the error table and returns the status; internal
// failures are INTERNAL_ERROR "Message not published. <cause>", as in
// Hermes: 503 for an unreachable backend (the metadata store during an
// outage), else 500, which is logged.
func (f *frontend) fail(w http.ResponseWriter, r *http.Request, err error) int {
	status, code, ok := errorStatus(err)
	msg := domain.ErrorMessage(err)
	if !ok {
		code, msg = codeInternal, "Message not published. "+internalMessage(err)
		logInternal(f.log, r, status, err)
	}
	writeError(w, status, code, msg)
	return status
}

// readBody reads the whole body within ReadTimeout, never more than the
// size limit (plus one byte, to tell an oversized body from a full one).
func (f *frontend) readBody(w http.ResponseWriter, r *http.Request, topic domain.Topic) (body []byte, err error) {
	limit := int64(domain.MaxMessageSize)
	if f.cfg.ForceMaxMessageSize && topic.MaxMessageSize > 0 {
		limit = int64(topic.MaxMessageSize)
	}
	if r.ContentLength > limit {
		return nil, tooLarge(r.ContentLength, limit)
	}
	rc := http.NewResponseController(w)
	// Servers that cannot set deadlines (tests' recorders) read unbounded
	// in time. The deadline is lifted only after a complete body: after a
	// failed read, the server closes the body by reading what is left of
	// it, and only a deadline already past stops a stalled client from
	// holding the connection there.
	if rc.SetReadDeadline(time.Now().Add(f.cfg.ReadTimeout)) == nil {
		defer func() {
			if err == nil {
				_ = rc.SetReadDeadline(time.Time{})
			}
		}()
	}
	var n int64
	if r.ContentLength > 0 {
		body, err = readKnownLength(r.Body, r.ContentLength, limit)
		n = int64(len(body))
	} else {
		var buf bytes.Buffer
		_, err = buf.ReadFrom(io.LimitReader(r.Body, limit+1))
		body, n = buf.Bytes(), int64(buf.Len())
	}
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return nil, domain.Errorf(domain.ErrTimeout, "Timeout while reading message after %d milliseconds", f.cfg.ReadTimeout.Milliseconds())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, contentLengthMismatch(r.ContentLength, n)
	case err != nil:
		return nil, bodyReadError(err)
	case n > limit:
		return nil, tooLarge(n, limit)
	case r.ContentLength >= 0 && n != r.ContentLength:
		return nil, contentLengthMismatch(r.ContentLength, n)
	}
	if n > int64(topic.MaxMessageSize) {
		f.log.WarnContext(r.Context(), "message larger than the topic's maxMessageSize", "topic", topic.Name, "size", n, "max", topic.MaxMessageSize)
	}
	return body, nil
}

// readKnownLength reads a body that announced its length (at most limit)
// into a buffer of exactly that size, then reads on to tell a body longer
// than announced, up to limit+1 bytes as the unknown-length read does. A
// bytes.Buffer wants bytes.MinRead free before each read: for a 157-byte
// body it allocated 704 bytes.
func readKnownLength(r io.Reader, length, limit int64) ([]byte, error) {
	got := make([]byte, length, length+1) // the one byte more goes in place
	n, err := io.ReadFull(r, got)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = nil // shorter than announced: the caller compares the lengths
		}
		return got[:n], err
	}
	if m, err := io.ReadFull(r, got[length:length+1]); m == 0 {
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return got, err
	}
	buf := bytes.NewBuffer(got[:length+1])
	_, err = buf.ReadFrom(io.LimitReader(r, limit-length))
	return buf.Bytes(), err
}

func tooLarge(n, limit int64) error {
	return domain.Errorf(domain.ErrMessageTooLarge, "Content-Length is larger than max on this topic [length:%d, max:%d].", n, limit)
}

func contentLengthMismatch(header, actual int64) error {
	return domain.Errorf(domain.ErrValidation, "Content-Length does not match the header [header:%d, actual:%d].", header, actual)
}

// publishMetrics records what only the HTTP layer sees of a publish, as
// Hermes's frontend does (its CachedTopic and ExchangeMetrics):
//   - topic.http-status-codes.<class> ("2xx", "4xx", "5xx"): every answer
//     to a publish to a known topic, including the 400s and 408s that
//     never reach the use case;
//   - topic.ack-all.latency or topic.ack-leader.latency, by the topic's
//     ack (NONE counts as leader, as in Hermes): the whole request, from
//     its arrival to the answer;
//   - topic.message-size-bytes: the size in bytes of each body read, a
//     distribution.
//
// A publish to a topic that does not exist counts once in topic-not-found,
// without labels: per-topic series for whatever names clients send would
// grow without bound. Topic lookups that fail otherwise (store down) are
// not counted: their name is unverified too.
//
// A nil *publishMetrics records nothing.
type publishMetrics struct {
	m      ports.Metrics
	mu     sync.RWMutex
	topics map[string]*topicMetrics // by the name in the URL; only topics that existed
}

// topicMetrics is one topic's series, resolved once: they are used on
// every publish.
type topicMetrics struct {
	ack     domain.Ack
	labels  ports.Labels
	latency ports.Timer
	sizes   ports.Distribution
	codes   *ports.CounterSet // by status class, topicStatusCodes
}

// topicStatusCodes names the per-topic status class counters.
var topicStatusCodes = func() (names []string) {
	names = make([]string, 6)
	for i := range names {
		names[i] = "topic.http-status-codes." + strconv.Itoa(i) + "xx"
	}
	return names
}()

func (p *publishMetrics) unknownTopic() {
	if p != nil {
		p.m.Count("topic-not-found", nil, 1)
	}
}

// topic returns the metrics of a topic that exists, rebuilt when its ack changed.
func (p *publishMetrics) topic(name string, topic domain.Topic) *topicMetrics {
	if p == nil {
		return nil
	}
	p.mu.RLock()
	tm := p.topics[name]
	p.mu.RUnlock()
	if tm != nil && tm.ack == topic.Ack {
		return tm
	}
	q := topic.QualifiedName()
	tm = &topicMetrics{ack: topic.Ack, labels: ports.Labels{"group": q.Group, "topic": q.Name}}
	latency := "topic.ack-leader.latency"
	if topic.Ack == domain.AckAll {
		latency = "topic.ack-all.latency"
	}
	tm.latency = ports.TimerOf(p.m, latency, tm.labels)
	tm.sizes = ports.DistributionOf(p.m, "topic.message-size-bytes", tm.labels)
	tm.codes = ports.NewCounterSet(p.m, tm.labels, topicStatusCodes)
	p.mu.Lock()
	if p.topics == nil {
		p.topics = map[string]*topicMetrics{}
	}
	p.topics[name] = tm
	p.mu.Unlock()
	return tm
}

func (tm *topicMetrics) size(n int) {
	if tm != nil {
		tm.sizes.Record(float64(n))
	}
}

// answered records a publish's answer and its whole duration.
func (tm *topicMetrics) answered(status int, start time.Time) {
	if tm == nil {
		return
	}
	tm.latency.Observe(time.Since(start))
	if c := status / 100; c >= 0 && c < len(topicStatusCodes) {
		tm.codes.Add(c, 1)
	}
}
