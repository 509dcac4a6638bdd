package memory

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/watch"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var _ ports.MetadataStore = (*MetadataStore)(nil)

// maxUpdateAttempts bounds the optimistic retries of UpdateTopic and
// UpdateSubscription; beyond it they return domain.ErrConflict.
const maxUpdateAttempts = 100

// MetadataStore is a ports.MetadataStore in process memory. Watch sees the
// changes of this store only. The zero value is not usable; call
// NewMetadataStore.
type MetadataStore struct {
	mu     sync.RWMutex
	groups map[string]*groupEntry
	hub    watch.Hub
	nodes  nodeMap // ports.NodeStore documents, see nodes.go
}

type groupEntry struct {
	group  domain.Group
	topics map[string]*topicEntry
}

type topicEntry struct {
	topic domain.Topic
	rev   uint64
	subs  map[string]*subscriptionEntry
}

type subscriptionEntry struct {
	sub domain.Subscription
	rev uint64
}

// NewMetadataStore returns an empty store.
func NewMetadataStore() *MetadataStore {
	return &MetadataStore{groups: map[string]*groupEntry{}}
}

func now() *domain.Instant {
	// UTC also drops the monotonic reading, so stored times compare with ==.
	return &domain.Instant{Time: time.Now().UTC()}
}

// Groups implements ports.MetadataStore.
func (s *MetadataStore) Groups(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Sorted(maps.Keys(s.groups)), nil
}

// Group implements ports.MetadataStore.
func (s *MetadataStore) Group(ctx context.Context, name string) (domain.Group, error) {
	if err := ctx.Err(); err != nil {
		return domain.Group{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	g, err := s.group(name)
	if err != nil {
		return domain.Group{}, err
	}
	return g.group, nil
}

func (s *MetadataStore) group(name string) (*groupEntry, error) {
	g, ok := s.groups[name]
	if !ok {
		return nil, domain.Errorf(domain.ErrGroupNotFound, "Group %s does not exist", name)
	}
	return g, nil
}

// CreateGroup implements ports.MetadataStore.
func (s *MetadataStore) CreateGroup(ctx context.Context, g domain.Group) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.groups[g.GroupName]; ok {
		return domain.Errorf(domain.ErrGroupAlreadyExists, "Group %s already exists", g.GroupName)
	}
	s.groups[g.GroupName] = &groupEntry{group: g, topics: map[string]*topicEntry{}}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Group: g.GroupName})
	return nil
}

// DeleteGroup implements ports.MetadataStore.
func (s *MetadataStore) DeleteGroup(ctx context.Context, name string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(name)
	if err != nil {
		return err
	}
	if len(g.topics) > 0 {
		return domain.Errorf(domain.ErrGroupNotEmpty, "Group %s is not empty", name)
	}
	delete(s.groups, name)
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Group: name})
	return nil
}

// Topics implements ports.MetadataStore. It returns domain.ErrGroupNotFound
// for a named group that does not exist, as Hermes does.
func (s *MetadataStore) Topics(ctx context.Context, group string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	groups := s.groups
	if group != "" {
		g, err := s.group(group)
		if err != nil {
			return nil, err
		}
		groups = map[string]*groupEntry{group: g}
	}
	names := []string{}
	for gn, g := range groups {
		for tn := range g.topics {
			names = append(names, domain.TopicName{Group: gn, Name: tn}.String())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Topic implements ports.MetadataStore.
func (s *MetadataStore) Topic(ctx context.Context, name domain.TopicName) (domain.Topic, error) {
	if err := ctx.Err(); err != nil {
		return domain.Topic{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.topic(name)
	if err != nil {
		return domain.Topic{}, err
	}
	return cloneTopic(t.topic), nil
}

func (s *MetadataStore) topic(name domain.TopicName) (*topicEntry, error) {
	if g, ok := s.groups[name.Group]; ok {
		if t, ok := g.topics[name.Name]; ok {
			return t, nil
		}
	}
	return nil, domain.Errorf(domain.ErrTopicNotFound, "Topic %s does not exist", name)
}

// CreateTopic implements ports.MetadataStore. A name that does not parse
// is a domain.ErrValidation.
func (s *MetadataStore) CreateTopic(ctx context.Context, t domain.Topic) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name, err := t.TopicName()
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.group(name.Group)
	if err != nil {
		return err
	}
	if _, ok := g.topics[name.Name]; ok {
		return domain.Errorf(domain.ErrTopicAlreadyExists, "Topic %s already exists", name)
	}
	t = cloneTopic(t)
	t.CreatedAt, t.ModifiedAt = now(), now()
	g.topics[name.Name] = &topicEntry{topic: t, subs: map[string]*subscriptionEntry{}}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Topic: name})
	return nil
}

// UpdateTopic implements ports.MetadataStore. update runs without the
// store's lock (it may read the store) and is retried when the topic
// changed meanwhile. The stored topic keeps its name and CreatedAt.
func (s *MetadataStore) UpdateTopic(ctx context.Context, name domain.TopicName, update func(domain.Topic) (domain.Topic, error)) (domain.Topic, error) {
	read := func() (domain.Topic, uint64, error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		t, err := s.topic(name)
		if err != nil {
			return domain.Topic{}, 0, err
		}
		return cloneTopic(t.topic), t.rev, nil
	}
	modify := func(current domain.Topic) (domain.Topic, error) {
		updated, err := update(current)
		updated.Name, updated.CreatedAt, updated.ModifiedAt = current.Name, current.CreatedAt, now()
		return updated, err
	}
	return readModifyWrite(ctx, read, modify, func(rev uint64, t domain.Topic) (bool, error) {
		return s.swapTopic(name, rev, cloneTopic(t))
	})
}

// readModifyWrite is the optimistic loop of the Update methods: swap stores
// the modified value unless the revision read has changed.
func readModifyWrite[T any](ctx context.Context, read func() (T, uint64, error), modify func(T) (T, error), swap func(uint64, T) (bool, error)) (T, error) {
	var zero T
	for range maxUpdateAttempts {
		if err := ctx.Err(); err != nil {
			return zero, err
		}
		current, rev, err := read()
		if err != nil {
			return zero, err
		}
		updated, err := modify(current)
		if err != nil {
			return zero, err
		}
		if ok, err := swap(rev, updated); err != nil {
			return zero, err
		} else if ok {
			return updated, nil
		}
	}
	return zero, domain.Errorf(domain.ErrConflict, "Concurrent modification did not settle after %d attempts", maxUpdateAttempts)
}

func (s *MetadataStore) swapTopic(name domain.TopicName, rev uint64, updated domain.Topic) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topic(name)
	if err != nil || t.rev != rev {
		return false, err
	}
	t.topic, t.rev = updated, rev+1
	s.hub.Publish(ports.Change{Kind: ports.ChangeUpdated, Topic: name})
	return true, nil
}

// DeleteTopic implements ports.MetadataStore.
func (s *MetadataStore) DeleteTopic(ctx context.Context, name domain.TopicName) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topic(name)
	if err != nil {
		return err
	}
	if len(t.subs) > 0 {
		return domain.Errorf(domain.ErrTopicNotEmpty, "Topic %s is not empty", name)
	}
	delete(s.groups[name.Group].topics, name.Name)
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Topic: name})
	return nil
}

// Subscriptions implements ports.MetadataStore.
func (s *MetadataStore) Subscriptions(ctx context.Context, topic domain.TopicName) ([]domain.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, err := s.topic(topic)
	if err != nil {
		return nil, err
	}
	subs := make([]domain.Subscription, 0, len(t.subs))
	for _, name := range slices.Sorted(maps.Keys(t.subs)) {
		subs = append(subs, cloneSubscription(t.subs[name].sub))
	}
	return subs, nil
}

// Subscription implements ports.MetadataStore.
func (s *MetadataStore) Subscription(ctx context.Context, name domain.SubscriptionName) (domain.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return domain.Subscription{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, err := s.subscription(name)
	if err != nil {
		return domain.Subscription{}, err
	}
	return cloneSubscription(e.sub), nil
}

func (s *MetadataStore) subscription(name domain.SubscriptionName) (*subscriptionEntry, error) {
	if t, err := s.topic(name.Topic); err == nil {
		if e, ok := t.subs[name.Name]; ok {
			return e, nil
		}
	}
	return nil, domain.Errorf(domain.ErrSubscriptionNotFound, "Subscription %s for topic %s does not exist.", name.Name, name.Topic)
}

// CreateSubscription implements ports.MetadataStore. A topic name that does
// not parse is a domain.ErrValidation.
func (s *MetadataStore) CreateSubscription(ctx context.Context, sub domain.Subscription) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	topic, err := domain.ParseTopicName(sub.TopicName)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.topic(topic)
	if err != nil {
		return err
	}
	if _, ok := t.subs[sub.Name]; ok {
		return domain.Errorf(domain.ErrSubscriptionAlreadyExists, "Subscription %s for topic %s already exists.", sub.Name, topic)
	}
	sub = cloneSubscription(sub)
	sub.CreatedAt, sub.ModifiedAt = now(), now()
	t.subs[sub.Name] = &subscriptionEntry{sub: sub}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Topic: topic, Subscription: sub.Name})
	return nil
}

// UpdateSubscription implements ports.MetadataStore like UpdateTopic: the
// stored subscription keeps its topic, name and CreatedAt.
func (s *MetadataStore) UpdateSubscription(ctx context.Context, name domain.SubscriptionName, update func(domain.Subscription) (domain.Subscription, error)) (domain.Subscription, error) {
	read := func() (domain.Subscription, uint64, error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		e, err := s.subscription(name)
		if err != nil {
			return domain.Subscription{}, 0, err
		}
		return cloneSubscription(e.sub), e.rev, nil
	}
	modify := func(current domain.Subscription) (domain.Subscription, error) {
		updated, err := update(current)
		updated.TopicName, updated.Name = current.TopicName, current.Name
		updated.CreatedAt, updated.ModifiedAt = current.CreatedAt, now()
		return updated, err
	}
	return readModifyWrite(ctx, read, modify, func(rev uint64, sub domain.Subscription) (bool, error) {
		return s.swapSubscription(name, rev, cloneSubscription(sub))
	})
}

func (s *MetadataStore) swapSubscription(name domain.SubscriptionName, rev uint64, updated domain.Subscription) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.subscription(name)
	if err != nil || e.rev != rev {
		return false, err
	}
	e.sub, e.rev = updated, rev+1
	s.hub.Publish(ports.Change{Kind: ports.ChangeUpdated, Topic: name.Topic, Subscription: name.Name})
	return true, nil
}

// DeleteSubscription implements ports.MetadataStore.
func (s *MetadataStore) DeleteSubscription(ctx context.Context, name domain.SubscriptionName) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.subscription(name); err != nil {
		return err
	}
	delete(s.groups[name.Topic.Group].topics[name.Topic.Name].subs, name.Name)
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Topic: name.Topic, Subscription: name.Name})
	return nil
}

// Watch implements ports.MetadataStore for the changes made through this
// store. Each watcher is served by a goroutine that ends with ctx; a reader
// more than WatchBuffer changes behind receives one ports.ChangeResync.
func (s *MetadataStore) Watch(ctx context.Context) (<-chan ports.Change, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ch, _ := s.hub.Watch(ctx) // the watcher ends with ctx
	return ch, nil
}

// WatchBuffer is how many changes a watcher may fall behind before its
// pending changes are coalesced into one ports.ChangeResync.
const WatchBuffer = watch.Buffer
