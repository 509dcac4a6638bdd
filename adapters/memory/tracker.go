package memory

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.Tracker         = (*Tracker)(nil)
	_ ports.TraceRepository = (*Tracker)(nil)
	_ ports.UndeliveredLog  = (*UndeliveredLog)(nil)
)

// DefaultMaxTraces is the Tracker's bound when NewTracker gets 0.
const DefaultMaxTraces = 10000

// ring keeps the newest max values, oldest first.
type ring[T any] struct {
	items []T
	next  int // where the next push goes once items is full
	max   int
}

func (r *ring[T]) push(v T) {
	if len(r.items) < r.max {
		r.items = append(r.items, v)
		return
	}
	r.items[r.next] = v
	r.next = (r.next + 1) % r.max
}

// each calls f from oldest to newest.
func (r *ring[T]) each(f func(T)) {
	for i := range r.items {
		f(r.items[(r.next+i)%len(r.items)])
	}
}

// Tracker is a ports.Tracker and ports.TraceRepository in memory. It keeps
// the newest max published and max sent traces; older ones are forgotten.
type Tracker struct {
	mu        sync.Mutex
	published ring[domain.PublishedMessageTrace]
	sent      ring[domain.SentMessageTrace]
}

// NewTracker returns a tracker keeping up to maxTraces traces of each kind
// (DefaultMaxTraces when maxTraces <= 0).
func NewTracker(maxTraces int) *Tracker {
	if maxTraces <= 0 {
		maxTraces = DefaultMaxTraces
	}
	return &Tracker{published: ring[domain.PublishedMessageTrace]{max: maxTraces}, sent: ring[domain.SentMessageTrace]{max: maxTraces}}
}

// Published implements ports.Tracker.
func (t *Tracker) Published(trace domain.PublishedMessageTrace) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.published.push(trace)
}

// Sent implements ports.Tracker.
func (t *Tracker) Sent(trace domain.SentMessageTrace) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.sent.push(trace)
}

// isOf reports whether a sent trace belongs to sub; traces carry the
// subscription's short name and the qualified topic name, as in Hermes.
func isOf(trace domain.SentMessageTrace, sub domain.SubscriptionName) bool {
	return trace.Subscription == sub.Name && trace.TopicName == sub.Topic.String()
}

// MessageTraces implements ports.TraceRepository.
func (t *Tracker) MessageTraces(ctx context.Context, sub domain.SubscriptionName, messageID string) ([]domain.PublishedMessageTrace, []domain.SentMessageTrace, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	published, sent := []domain.PublishedMessageTrace{}, []domain.SentMessageTrace{}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.published.each(func(p domain.PublishedMessageTrace) {
		if p.MessageID == messageID && p.TopicName == sub.Topic.String() {
			published = append(published, p)
		}
	})
	t.sent.each(func(s domain.SentMessageTrace) {
		if s.MessageID == messageID && isOf(s, sub) {
			sent = append(sent, s)
		}
	})
	// Traces may be recorded out of timestamp order (async writers).
	slices.SortStableFunc(published, func(a, b domain.PublishedMessageTrace) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	slices.SortStableFunc(sent, func(a, b domain.SentMessageTrace) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	return published, sent, nil
}

// Undelivered implements ports.TraceRepository, newest first.
func (t *Tracker) Undelivered(ctx context.Context, sub domain.SubscriptionName, limit int) ([]domain.SentMessageTrace, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var discarded []domain.SentMessageTrace
	t.mu.Lock()
	t.sent.each(func(s domain.SentMessageTrace) {
		if s.Status == domain.SentDiscarded && isOf(s, sub) {
			discarded = append(discarded, s)
		}
	})
	t.mu.Unlock()
	slices.SortStableFunc(discarded, func(a, b domain.SentMessageTrace) int { return cmp.Compare(a.Timestamp, b.Timestamp) })
	newest := make([]domain.SentMessageTrace, 0, min(limit, len(discarded)))
	for i := len(discarded) - 1; i >= 0 && len(newest) < limit; i-- {
		newest = append(newest, discarded[i])
	}
	return newest, nil
}

// UndeliveredLog is a ports.UndeliveredLog in memory: one trace per
// subscription, so its size is bounded by the number of subscriptions.
type UndeliveredLog struct {
	mu   sync.Mutex
	last map[domain.SubscriptionName]domain.SentMessageTrace
}

// NewUndeliveredLog returns an empty log.
func NewUndeliveredLog() *UndeliveredLog {
	return &UndeliveredLog{last: map[domain.SubscriptionName]domain.SentMessageTrace{}}
}

// Add implements ports.UndeliveredLog. A trace whose topic name does not
// parse is ignored; an older trace than the one kept does not replace it.
func (l *UndeliveredLog) Add(trace domain.SentMessageTrace) {
	topic, err := domain.ParseTopicName(trace.TopicName)
	if err != nil {
		return
	}
	key := domain.SubscriptionName{Topic: topic, Name: trace.Subscription}
	l.mu.Lock()
	defer l.mu.Unlock()
	if kept, ok := l.last[key]; !ok || kept.Timestamp <= trace.Timestamp {
		l.last[key] = trace
	}
}

// Last implements ports.UndeliveredLog.
func (l *UndeliveredLog) Last(ctx context.Context, sub domain.SubscriptionName) (domain.SentMessageTrace, error) {
	if err := ctx.Err(); err != nil {
		return domain.SentMessageTrace{}, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	trace, ok := l.last[sub]
	if !ok {
		return domain.SentMessageTrace{}, domain.Errorf(domain.ErrNotFound, "Last undelivered message for subscription %s not found", sub)
	}
	return trace, nil
}
