package app_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// lossyAdmin is a store that holds the topics in have.
type lossyAdmin struct {
	ports.MessageStoreAdmin
	mu      sync.Mutex
	have    []domain.TopicName
	created []domain.TopicName
}

func (a *lossyAdmin) MissingTopics(_ context.Context, topics []domain.TopicName) ([]domain.TopicName, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var missing []domain.TopicName
	for _, t := range topics {
		if !slices.Contains(a.have, t) {
			missing = append(missing, t)
		}
	}
	return missing, nil
}

func (a *lossyAdmin) CreateTopic(_ context.Context, t domain.Topic) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.have = append(a.have, t.QualifiedName())
	a.created = append(a.created, t.QualifiedName())
	return nil
}

// A metadata topic whose store topic was lost is re-created with its own
// settings (issue 15, defect 9: it answered 503 for ever); the others are
// left alone.
func TestStoreTopicRepairRecreatesLostTopics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := memory.NewMetadataStore()
	require.NoError(t, store.CreateGroup(ctx, domain.Group{GroupName: "g"}))
	for _, name := range []string{"g.kept", "g.lost"} {
		topic := domain.NewTopic()
		topic.Name, topic.ContentType = name, domain.ContentTypeJSON
		topic.RetentionTime = &domain.RetentionTime{Duration: 3, RetentionUnit: domain.Days}
		require.NoError(t, store.CreateTopic(ctx, topic))
	}
	kept := domain.TopicName{Group: "g", Name: "kept"}
	lost := domain.TopicName{Group: "g", Name: "lost"}
	adm := &lossyAdmin{have: []domain.TopicName{kept}}
	r := app.NewStoreTopicRepair(store, adm, slog.New(slog.DiscardHandler))

	repaired, err := r.Repair(ctx)
	require.NoError(t, err)
	assert.Equal(t, []domain.TopicName{lost}, repaired)
	assert.Equal(t, []domain.TopicName{lost}, adm.created)

	repaired, err = r.Repair(ctx)
	require.NoError(t, err)
	assert.Empty(t, repaired, "nothing left to repair")
}

// fakeUnreadable is a metadata store reporting a fixed list of broken
// entries.
type fakeUnreadable struct {
	ports.MetadataStore
	mu      sync.Mutex
	entries []ports.UnreadableEntry
}

func (f *fakeUnreadable) Unreadable(context.Context) []ports.UnreadableEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.entries)
}

func (f *fakeUnreadable) set(e ...ports.UnreadableEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.entries = e
}

// Unreadable entries are reported in health (DEGRADED, named), metrics
// (a gauge) and logs (once per entry, not per pass) (issue 15, defect 8).
func TestMetadataEntriesReportsUnreadableEntries(t *testing.T) {
	t.Parallel()
	store := &fakeUnreadable{MetadataStore: memory.NewMetadataStore()}
	metrics := memory.NewMetrics()
	var logs logCounter
	m := app.NewMetadataEntries(store, metrics, slog.New(&logs))

	m.Check(t.Context())
	assert.Equal(t, ports.HealthUp, m.Health().Status)
	v, _ := metrics.GaugeValue(app.UnreadableEntriesMetric, nil)
	assert.Zero(t, v)

	store.set(ports.UnreadableEntry{Kind: "subscription", Name: "g.t$s", Reason: "stored JSON does not decode: unexpected end of JSON input"})
	m.Check(t.Context())
	m.Check(t.Context())
	h := m.Health()
	assert.Equal(t, ports.HealthDegraded, h.Status)
	assert.Contains(t, h.Problem, "g.t$s")
	v, _ = metrics.GaugeValue(app.UnreadableEntriesMetric, nil)
	assert.Equal(t, float64(1), v)
	assert.Equal(t, 1, logs.count(slog.LevelError), "logged once, not per pass")

	store.set()
	m.Check(t.Context())
	assert.Equal(t, ports.HealthUp, m.Health().Status)
	v, _ = metrics.GaugeValue(app.UnreadableEntriesMetric, nil)
	assert.Zero(t, v)
	assert.Equal(t, 1, logs.count(slog.LevelInfo), "the repair is logged")
}

// logCounter is a slog.Handler counting records by level.
type logCounter struct {
	mu     sync.Mutex
	levels map[slog.Level]int
}

func (l *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.levels == nil {
		l.levels = map[slog.Level]int{}
	}
	l.levels[r.Level]++
	return nil
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }
func (l *logCounter) count(level slog.Level) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.levels[level]
}
