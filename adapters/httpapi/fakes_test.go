package httpapi

import (
	"context"
	"maps"
	"sync"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// call is one recorded use-case call.
type call struct {
	method string
	args   []any
}

// fakeManagement records calls and answers with canned values, or err
// for every method when err is set.
type fakeManagement struct {
	err error

	groups       []string
	group        domain.Group
	topics       []string
	topic        domain.Topic
	subs         []string
	subscription domain.Subscription
	offsets      map[string][]ports.PartitionOffset
	lastTrace    domain.SentMessageTrace
	traces       []domain.SentMessageTrace
	msgTraces    []any

	mu    sync.Mutex
	calls []call
}

var _ ports.Management = (*fakeManagement)(nil)

func (f *fakeManagement) record(method string, args ...any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{method, args})
	return f.err
}

func (f *fakeManagement) lastCall() call {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return call{}
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeManagement) ListGroups(context.Context) ([]string, error) {
	return f.groups, f.record("ListGroups")
}

func (f *fakeManagement) GetGroup(_ context.Context, name string) (domain.Group, error) {
	return f.group, f.record("GetGroup", name)
}

func (f *fakeManagement) CreateGroup(_ context.Context, g domain.Group) error {
	return f.record("CreateGroup", g)
}

func (f *fakeManagement) UpdateGroup(_ context.Context, name string, patch []byte) error {
	return f.record("UpdateGroup", name, string(patch))
}

func (f *fakeManagement) DeleteGroup(_ context.Context, name string) error {
	return f.record("DeleteGroup", name)
}

func (f *fakeManagement) ListTopics(_ context.Context, group string, trackedOnly bool) ([]string, error) {
	return f.topics, f.record("ListTopics", group, trackedOnly)
}

func (f *fakeManagement) GetTopic(_ context.Context, name string) (domain.Topic, error) {
	return f.topic, f.record("GetTopic", name)
}

func (f *fakeManagement) CreateTopic(_ context.Context, t domain.Topic) error {
	return f.record("CreateTopic", t)
}

func (f *fakeManagement) UpdateTopic(_ context.Context, name string, patch []byte) error {
	return f.record("UpdateTopic", name, string(patch))
}

func (f *fakeManagement) DeleteTopic(_ context.Context, name string) error {
	return f.record("DeleteTopic", name)
}

func (f *fakeManagement) ListSubscriptions(_ context.Context, topic string, trackedOnly bool) ([]string, error) {
	return f.subs, f.record("ListSubscriptions", topic, trackedOnly)
}

func (f *fakeManagement) GetSubscription(_ context.Context, topic, name string) (domain.Subscription, error) {
	return f.subscription, f.record("GetSubscription", topic, name)
}

func (f *fakeManagement) CreateSubscription(_ context.Context, topic string, s domain.Subscription) error {
	return f.record("CreateSubscription", topic, s)
}

func (f *fakeManagement) UpdateSubscription(_ context.Context, topic, name string, patch []byte) error {
	return f.record("UpdateSubscription", topic, name, string(patch))
}

func (f *fakeManagement) DeleteSubscription(_ context.Context, topic, name string) error {
	return f.record("DeleteSubscription", topic, name)
}

func (f *fakeManagement) SetSubscriptionState(_ context.Context, topic, name string, state domain.State) error {
	return f.record("SetSubscriptionState", topic, name, state)
}

func (f *fakeManagement) Retransmit(_ context.Context, topic, name string, t time.Time, dryRun bool) (map[string][]ports.PartitionOffset, error) {
	return f.offsets, f.record("Retransmit", topic, name, t, dryRun)
}

func (f *fakeManagement) LastUndelivered(_ context.Context, topic, name string) (domain.SentMessageTrace, error) {
	return f.lastTrace, f.record("LastUndelivered", topic, name)
}

func (f *fakeManagement) Undelivered(_ context.Context, topic, name string) ([]domain.SentMessageTrace, error) {
	return f.traces, f.record("Undelivered", topic, name)
}

func (f *fakeManagement) MessageTraces(_ context.Context, topic, name, messageID string) ([]any, error) {
	return f.msgTraces, f.record("MessageTraces", topic, name, messageID)
}

// fakePublisher serves topics from a map and records published messages.
type fakePublisher struct {
	topics     map[string]domain.Topic
	topicErr   error
	publishErr error
	// block makes Publish wait for its ctx to end, then return
	// domain.ErrStoreTimeout.
	block bool

	mu        sync.Mutex
	published []domain.Message
	deadlines []time.Time
}

var _ ports.Publisher = (*fakePublisher)(nil)

func (p *fakePublisher) Topic(_ context.Context, qualified string) (domain.Topic, error) {
	if p.topicErr != nil {
		return domain.Topic{}, p.topicErr
	}
	t, ok := p.topics[qualified]
	if !ok {
		return domain.Topic{}, domain.Errorf(domain.ErrTopicNotFound, "Topic not found: %s", qualified)
	}
	return t, nil
}

func (p *fakePublisher) Publish(ctx context.Context, _ domain.Topic, msg domain.Message) error {
	deadline, _ := ctx.Deadline()
	p.mu.Lock()
	p.published = append(p.published, msg)
	p.deadlines = append(p.deadlines, deadline)
	p.mu.Unlock()
	if p.block {
		<-ctx.Done()
		return domain.Errorf(domain.ErrStoreTimeout, "kafka: produce: %v", ctx.Err())
	}
	return p.publishErr
}

func (p *fakePublisher) messages() []domain.Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]domain.Message(nil), p.published...)
}

// metricsRecorder records counters, timer observations and distribution
// values by name and group/topic labels (this adapter's tests may not use
// another adapter's Metrics).
type metricsRecorder struct {
	mu            sync.Mutex
	counters      map[string]int64
	timers        map[string][]time.Duration
	distributions map[string][]float64
}

var _ ports.Metrics = (*metricsRecorder)(nil)

func newMetricsRecorder() *metricsRecorder {
	return &metricsRecorder{counters: map[string]int64{}, timers: map[string][]time.Duration{}, distributions: map[string][]float64{}}
}

func metricKey(name string, l ports.Labels) string {
	return name + "{" + l["group"] + "/" + l["topic"] + "}"
}

func (m *metricsRecorder) Count(name string, l ports.Labels, delta int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counters[metricKey(name, l)] += delta
}

func (m *metricsRecorder) Observe(name string, l ports.Labels, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.timers[metricKey(name, l)] = append(m.timers[metricKey(name, l)], d)
}

func (m *metricsRecorder) Record(name string, l ports.Labels, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.distributions[metricKey(name, l)] = append(m.distributions[metricKey(name, l)], v)
}

func (m *metricsRecorder) Gauge(string, ports.Labels, float64) {}

// snapshot returns copies of the counters, timers and distributions.
func (m *metricsRecorder) snapshot() (map[string]int64, map[string][]time.Duration, map[string][]float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.counters), maps.Clone(m.timers), maps.Clone(m.distributions)
}
