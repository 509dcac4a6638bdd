// Package fault runs the delivery use case in process on the embedded
// Kafka broker and the memory adapters, against a programmable fake
// subscriber: slow, failing, 4xx, 503 with Retry-After, hanging, dead.
// Tests written with onBrokers also run on the real Kafka at
// HERMES_TEST_KAFKA (test/infra/kafka.sh; required under CI=true).
package fault

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/adapters/sender"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/test/testenv"
)

// stack is one in-process Hermes: metadata, message store, observability
// and management, with Deliverers started on demand.
type stack struct {
	t           *testing.T
	kc          kafka.Config
	store       *memory.MetadataStore
	admin       *kafka.Admin
	producer    *kafka.Producer
	consumers   *kafka.ConsumerFactory
	sender      *sender.Sender
	metrics     *memory.Metrics
	tracker     *memory.Tracker
	undelivered *memory.UndeliveredLog
	mgmt        *app.Management
	log         *slog.Logger
	logs        *logBuffer // what log wrote
}

// find returns the logged lines containing every one of parts.
func (b *logBuffer) find(parts ...string) []string {
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			out = append(out, l)
		}
	}
	return out
}

// onBrokers runs test in parallel on a stack on the embedded broker and
// on one on the real Kafka at HERMES_TEST_KAFKA (skipped when unset,
// failing under CI=true).
func onBrokers(t *testing.T, test func(t *testing.T, s *stack)) {
	t.Parallel()
	for _, b := range []struct {
		name   string
		config func(t *testing.T) kafka.Config
	}{{"embedded", embeddedKafka}, {"kafka", realKafka}} {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, newStack(t, b.config(t)))
		})
	}
}

func embeddedKafka(t *testing.T) kafka.Config {
	emb, err := kafka.StartEmbedded("", 0)
	require.NoError(t, err)
	t.Cleanup(emb.Close)
	kc := kafka.DefaultConfig()
	kc.Brokers = emb.Addrs()
	kc.SessionTimeout, kc.RebalanceTimeout = 2*time.Second, 2*time.Second
	return kc
}

// realKafka is the broker at HERMES_TEST_KAFKA under a namespace of its
// own, so that runs against a broker that keeps its data never meet.
func realKafka(t *testing.T) kafka.Config {
	addr := testenv.Require(t, "HERMES_TEST_KAFKA", `eval "$(bash test/infra/kafka.sh start >&2 && bash test/infra/kafka.sh env)"`)
	kc := kafka.DefaultConfig()
	kc.Brokers = []string{addr}
	kc.Namespace = "fault" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	// The least session timeout Kafka accepts by default
	// (group.min.session.timeout.ms).
	kc.SessionTimeout, kc.RebalanceTimeout = 6*time.Second, 2*time.Second
	return kc
}

func newStack(t *testing.T, kc kafka.Config) *stack {
	t.Helper()
	logs := &logBuffer{}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(logOutput(), logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := &stack{t: t, kc: kc, store: memory.NewMetadataStore(), metrics: memory.NewMetrics(),
		tracker: memory.NewTracker(memory.DefaultMaxTraces), undelivered: memory.NewUndeliveredLog(), log: log, logs: logs}
	var err error
	s.admin, err = kafka.NewAdmin(kc, log)
	require.NoError(t, err)
	t.Cleanup(s.admin.Close)
	s.producer, err = kafka.NewProducer(kc, log)
	require.NoError(t, err)
	t.Cleanup(s.producer.Close)
	s.consumers, err = kafka.NewConsumerFactory(kc, log)
	require.NoError(t, err)
	s.sender = sender.New(sender.Config{}, log)
	t.Cleanup(s.sender.Close)
	s.mgmt = app.NewManagement(app.ManagementConfig{ClusterName: kc.ClusterName}, s.store, s.admin, s.tracker, s.undelivered, log).
		WithJSONPath(jsonPaths)
	return s
}

// jsonPaths compiles jsonpath filters for every stack.
var jsonPaths = jsonpath.New()

// testDeliveryConfig commits every 100 ms and keeps Hermes's 30 s rate
// supervisor period, so retry tests see their policy, not the slow mode
// (tests of the adaptive rate shorten it).
func testDeliveryConfig() app.DeliveryConfig {
	return app.DeliveryConfig{RestartBackoff: 100 * time.Millisecond, CommitPeriod: 100 * time.Millisecond}
}

// startDeliverer runs a Deliverer until the returned stop is called (or the
// test ends).
func (s *stack) startDeliverer(cfg app.DeliveryConfig) (stop func()) {
	d := app.NewDeliverer(cfg, s.store, s.admin, s.consumers, s.sender, s.metrics, s.tracker, s.undelivered, s.log).WithJSONPath(jsonPaths)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = d.Run(ctx) }()
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); <-done }) }
	s.t.Cleanup(stop)
	return stop
}

// topic creates group and JSON topic "<group>.t" and returns it.
func (s *stack) topic(group string) domain.Topic {
	t := s.t
	ctx := t.Context()
	require.NoError(t, s.mgmt.CreateGroup(ctx, domain.Group{GroupName: group}))
	topic, err := domain.DecodeTopic([]byte(fmt.Sprintf(`{"name":"%s.t","description":"d","contentType":"JSON","retentionTime":{"duration":1},"owner":{"source":"Plaintext","id":"x"}}`, group)))
	require.NoError(t, err)
	require.NoError(t, s.mgmt.CreateTopic(ctx, topic))
	// A real broker keeps topics; registered after the admin's Close and
	// before any Deliverer's stop, this runs after the stop and before Close.
	t.Cleanup(func() { _ = s.admin.DeleteTopic(context.Background(), topic.QualifiedName()) })
	got, err := s.mgmt.GetTopic(ctx, topic.Name)
	require.NoError(t, err)
	return got
}

// subscribe creates subscription name on topic with extra JSON fields.
func (s *stack) subscribe(topic domain.Topic, name, endpoint, extra string) domain.SubscriptionName {
	t := s.t
	sub, err := domain.DecodeSubscription([]byte(fmt.Sprintf(`{"topicName":%q,"name":%q,"endpoint":%q,"description":"d","owner":{"source":"Plaintext","id":"x"}%s}`,
		topic.Name, name, endpoint, extra)))
	require.NoError(t, err)
	require.NoError(t, s.mgmt.CreateSubscription(t.Context(), topic.Name, sub))
	// Runs after the stop of Deliverers started later (a group with
	// members cannot be deleted).
	t.Cleanup(func() { _ = s.admin.DeleteSubscriptionPosition(context.Background(), sub.QualifiedName()) })
	return sub.QualifiedName()
}

// publish stores bodies in order on one partition (same key) and returns
// their ids.
func (s *stack) publish(topic domain.Topic, headers map[string]string, bodies ...string) []string {
	ids := make([]string, len(bodies))
	for i, b := range bodies {
		ids[i] = fmt.Sprintf("id-%d-%d", time.Now().UnixNano(), i)
		require.NoError(s.t, s.producer.Produce(s.t.Context(), topic,
			domain.Message{ID: ids[i], Timestamp: time.Now(), Key: []byte("k"), Body: []byte(b), Headers: headers}))
	}
	return ids
}

// hit is one request the fake subscriber got.
type hit struct {
	At     time.Time
	Body   string
	Header http.Header
}

// response is what the fake subscriber answers: a status, optional
// Retry-After seconds, and an optional wait (until the request ends or
// hold is closed).
type response struct {
	Status     int
	RetryAfter string
	Hold       <-chan struct{}
}

// subscriber is a programmable endpoint: respond picks the answer to the
// n-th request (0-based) carrying body.
type subscriber struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newSubscriber(t *testing.T, respond func(n int, body string) response) *subscriber {
	s := &subscriber{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.hits)
		s.hits = append(s.hits, hit{At: time.Now(), Body: string(b), Header: r.Header.Clone()})
		s.mu.Unlock()
		res := response{Status: http.StatusOK}
		if respond != nil {
			res = respond(n, string(b))
		}
		if res.Hold != nil {
			select {
			case <-res.Hold:
			case <-r.Context().Done():
			}
		}
		if res.RetryAfter != "" {
			w.Header().Set("Retry-After", res.RetryAfter)
		}
		w.WriteHeader(res.Status)
	}))
	t.Cleanup(s.Close)
	return s
}

// okSubscriber answers 200 to everything.
func okSubscriber(t *testing.T) *subscriber { return newSubscriber(t, nil) }

func (s *subscriber) requests() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]hit(nil), s.hits...)
}

// bodies returns the bodies received, in arrival order.
func (s *subscriber) bodies() []string {
	var out []string
	for _, h := range s.requests() {
		out = append(out, h.Body)
	}
	return out
}

// waitFor waits until the subscriber got at least n requests.
func (s *subscriber) waitFor(t *testing.T, n int) []hit {
	t.Helper()
	require.Eventually(t, func() bool { return len(s.requests()) >= n }, 20*time.Second, 10*time.Millisecond,
		"subscriber got %d requests, want %d", len(s.requests()), n)
	return s.requests()
}

// deadEndpoint returns a URL where nothing listens (connection refused).
func deadEndpoint(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr + "/dead"
}

// countOf counts occurrences of body among bodies.
func countOf(bodies []string, body string) int {
	n := 0
	for _, b := range bodies {
		if b == body {
			n++
		}
	}
	return n
}

func logOutput() io.Writer {
	if os.Getenv("HERMES_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
