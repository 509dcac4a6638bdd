package filestore

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// Groups implements ports.MetadataStore.
func (s *Store) Groups(ctx context.Context) ([]string, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return children(filepath.Join(s.dir, "groups"), groupFile)
}

// Group implements ports.MetadataStore.
func (s *Store) Group(ctx context.Context, name string) (domain.Group, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Group{}, err
	}
	if !validName(name) {
		return domain.Group{}, groupNotFound(name)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	path := filepath.Join(s.groupDir(name), groupFile)
	g, _, err := load[domain.Group](path)
	if errors.Is(err, fs.ErrNotExist) {
		return domain.Group{}, groupNotFound(name)
	}
	return g, s.bad.note(path, groupEntry(name), err)
}

// CreateGroup implements ports.MetadataStore.
func (s *Store) CreateGroup(ctx context.Context, g domain.Group) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	if !validName(g.GroupName) {
		return invalidName("group", g.GroupName)
	}
	b, _, err := encode(g)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	path := filepath.Join(s.groupDir(g.GroupName), groupFile)
	if err := mustNotExist(path, domain.Errorf(domain.ErrGroupAlreadyExists, "Group %s already exists", g.GroupName)); err != nil {
		return err
	}
	if err := write(path, b); err != nil {
		return err
	}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Group: g.GroupName})
	return nil
}

// DeleteGroup implements ports.MetadataStore.
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireGroup(name); err != nil {
		return err
	}
	topics, err := children(filepath.Join(s.groupDir(name), "topics"), topicFile)
	if err != nil {
		return err
	}
	if len(topics) > 0 {
		return domain.Errorf(domain.ErrGroupNotEmpty, "Group %s is not empty", name)
	}
	if err := remove(s.groupDir(name), groupFile); err != nil {
		return err
	}
	s.bad.forget(filepath.Join(s.groupDir(name), groupFile))
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Group: name})
	return nil
}

// Topics implements ports.MetadataStore. It returns domain.ErrGroupNotFound
// for a named group that does not exist, as Hermes does.
func (s *Store) Topics(ctx context.Context, group string) ([]string, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	groups := []string{group}
	if group == "" {
		var err error
		if groups, err = children(filepath.Join(s.dir, "groups"), groupFile); err != nil {
			return nil, err
		}
	} else if err := s.requireGroup(group); err != nil {
		return nil, err
	}
	names := []string{}
	for _, g := range groups {
		topics, err := children(filepath.Join(s.groupDir(g), "topics"), topicFile)
		if err != nil {
			return nil, err
		}
		for _, t := range topics {
			names = append(names, domain.TopicName{Group: g, Name: t}.String())
		}
	}
	slices.Sort(names)
	return names, nil
}

// Topic implements ports.MetadataStore.
func (s *Store) Topic(ctx context.Context, name domain.TopicName) (domain.Topic, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Topic{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	t, _, err := s.loadTopic(name)
	return t, err
}

func (s *Store) loadTopic(name domain.TopicName) (domain.Topic, []byte, error) {
	if !validName(name.Group) || !validName(name.Name) {
		return domain.Topic{}, nil, topicNotFound(name)
	}
	path := filepath.Join(s.topicDir(name), topicFile)
	t, raw, err := load[domain.Topic](path)
	if errors.Is(err, fs.ErrNotExist) {
		return domain.Topic{}, nil, topicNotFound(name)
	}
	return t, raw, s.bad.note(path, topicEntry(name), err)
}

// CreateTopic implements ports.MetadataStore. A name that does not parse
// is a domain.ErrValidation.
func (s *Store) CreateTopic(ctx context.Context, t domain.Topic) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	name, err := t.TopicName()
	if err != nil {
		return err
	}
	if !validName(name.Name) {
		return invalidName("topic", name.Name)
	}
	t.CreatedAt, t.ModifiedAt = now(), now()
	b, _, err := encode(t)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireGroup(name.Group); err != nil {
		return err
	}
	path := filepath.Join(s.topicDir(name), topicFile)
	if err := mustNotExist(path, domain.Errorf(domain.ErrTopicAlreadyExists, "Topic %s already exists", name)); err != nil {
		return err
	}
	if err := write(path, b); err != nil {
		return err
	}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Topic: name})
	return nil
}

// UpdateTopic implements ports.MetadataStore. update runs without the
// store's lock (it may read the store) and is retried when the topic file
// changed meanwhile. The stored topic keeps its name and CreatedAt.
func (s *Store) UpdateTopic(ctx context.Context, name domain.TopicName, update func(domain.Topic) (domain.Topic, error)) (domain.Topic, error) {
	read := func() (domain.Topic, []byte, error) { return s.loadTopic(name) }
	modify := func(current domain.Topic) (domain.Topic, error) {
		updated, err := update(current)
		updated.Name, updated.CreatedAt, updated.ModifiedAt = current.Name, current.CreatedAt, now()
		return updated, err
	}
	path := filepath.Join(s.topicDir(name), topicFile)
	return compareAndSwap(ctx, s, path, read, modify, ports.Change{Kind: ports.ChangeUpdated, Topic: name})
}

// compareAndSwap is the optimistic read-modify-write of the entity file at
// path: the modified entity is written only if the file still holds the
// bytes that were read. It returns the entity as a later read returns it.
func compareAndSwap[T any](ctx context.Context, s *Store, path string, read func() (T, []byte, error), modify func(T) (T, error), change ports.Change) (T, error) {
	var zero T
	for range maxUpdateAttempts {
		if err := s.usable(ctx); err != nil {
			return zero, err
		}
		s.mu.RLock()
		current, raw, err := read()
		s.mu.RUnlock()
		if err != nil {
			return zero, err
		}
		updated, err := modify(current)
		if err != nil {
			return zero, err
		}
		b, stored, err := encode(updated)
		if err != nil {
			return zero, err
		}
		swapped, err := func() (bool, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if _, now, err := read(); err != nil || !bytes.Equal(now, raw) {
				return false, err
			}
			if err := write(path, b); err != nil {
				return false, err
			}
			s.hub.Publish(change)
			return true, nil
		}()
		if err != nil {
			return zero, err
		}
		if swapped {
			return stored, nil
		}
	}
	return zero, domain.Errorf(domain.ErrConflict, "Concurrent modification did not settle after %d attempts", maxUpdateAttempts)
}

// DeleteTopic implements ports.MetadataStore.
func (s *Store) DeleteTopic(ctx context.Context, name domain.TopicName) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireTopic(name); err != nil {
		return err
	}
	subs, err := children(filepath.Join(s.topicDir(name), "subscriptions"), subscriptionFile)
	if err != nil {
		return err
	}
	if len(subs) > 0 {
		return domain.Errorf(domain.ErrTopicNotEmpty, "Topic %s is not empty", name)
	}
	if err := remove(s.topicDir(name), topicFile); err != nil {
		return err
	}
	s.bad.forget(filepath.Join(s.topicDir(name), topicFile))
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Topic: name})
	return nil
}

// Subscriptions implements ports.MetadataStore.
func (s *Store) Subscriptions(ctx context.Context, topic domain.TopicName) ([]domain.Subscription, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.requireTopic(topic); err != nil {
		return nil, err
	}
	names, err := children(filepath.Join(s.topicDir(topic), "subscriptions"), subscriptionFile)
	if err != nil {
		return nil, err
	}
	subs := make([]domain.Subscription, 0, len(names))
	for _, n := range names {
		sub, _, err := s.loadSubscription(domain.SubscriptionName{Topic: topic, Name: n})
		if errors.Is(err, domain.ErrCorrupt) {
			continue // isolated: reported by Unreadable
		}
		if err != nil {
			return nil, err
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// Subscription implements ports.MetadataStore.
func (s *Store) Subscription(ctx context.Context, name domain.SubscriptionName) (domain.Subscription, error) {
	if err := s.usable(ctx); err != nil {
		return domain.Subscription{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	sub, _, err := s.loadSubscription(name)
	return sub, err
}

func (s *Store) loadSubscription(name domain.SubscriptionName) (domain.Subscription, []byte, error) {
	if !validName(name.Topic.Group) || !validName(name.Topic.Name) || !validName(name.Name) {
		return domain.Subscription{}, nil, subscriptionNotFound(name)
	}
	path := filepath.Join(s.subscriptionDir(name), subscriptionFile)
	sub, raw, err := load[domain.Subscription](path)
	if errors.Is(err, fs.ErrNotExist) {
		return domain.Subscription{}, nil, subscriptionNotFound(name)
	}
	return sub, raw, s.bad.note(path, subscriptionEntry(name), err)
}

// CreateSubscription implements ports.MetadataStore. A topic name that does
// not parse is a domain.ErrValidation.
func (s *Store) CreateSubscription(ctx context.Context, sub domain.Subscription) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	topic, err := domain.ParseTopicName(sub.TopicName)
	if err != nil {
		return err
	}
	name := domain.SubscriptionName{Topic: topic, Name: sub.Name}
	if !validName(sub.Name) {
		return invalidName("subscription", sub.Name)
	}
	sub.CreatedAt, sub.ModifiedAt = now(), now()
	b, _, err := encode(sub)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.requireTopic(topic); err != nil {
		return err
	}
	path := filepath.Join(s.subscriptionDir(name), subscriptionFile)
	if err := mustNotExist(path, domain.Errorf(domain.ErrSubscriptionAlreadyExists, "Subscription %s for topic %s already exists.", sub.Name, topic)); err != nil {
		return err
	}
	if err := write(path, b); err != nil {
		return err
	}
	s.hub.Publish(ports.Change{Kind: ports.ChangeCreated, Topic: topic, Subscription: sub.Name})
	return nil
}

// UpdateSubscription implements ports.MetadataStore like UpdateTopic: the
// stored subscription keeps its topic, name and CreatedAt.
func (s *Store) UpdateSubscription(ctx context.Context, name domain.SubscriptionName, update func(domain.Subscription) (domain.Subscription, error)) (domain.Subscription, error) {
	read := func() (domain.Subscription, []byte, error) { return s.loadSubscription(name) }
	modify := func(current domain.Subscription) (domain.Subscription, error) {
		updated, err := update(current)
		updated.TopicName, updated.Name = current.TopicName, current.Name
		updated.CreatedAt, updated.ModifiedAt = current.CreatedAt, now()
		return updated, err
	}
	path := filepath.Join(s.subscriptionDir(name), subscriptionFile)
	return compareAndSwap(ctx, s, path, read, modify, ports.Change{Kind: ports.ChangeUpdated, Topic: name.Topic, Subscription: name.Name})
}

// DeleteSubscription implements ports.MetadataStore.
func (s *Store) DeleteSubscription(ctx context.Context, name domain.SubscriptionName) error {
	if err := s.usable(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Existence, not a read: an unreadable subscription can be deleted.
	if !validName(name.Topic.Group) || !validName(name.Topic.Name) || !validName(name.Name) {
		return subscriptionNotFound(name)
	}
	path := filepath.Join(s.subscriptionDir(name), subscriptionFile)
	if err := mustExist(path, subscriptionNotFound(name)); err != nil {
		return err
	}
	if err := remove(s.subscriptionDir(name), subscriptionFile); err != nil {
		return err
	}
	s.bad.forget(path)
	s.hub.Publish(ports.Change{Kind: ports.ChangeDeleted, Topic: name.Topic, Subscription: name.Name})
	return nil
}

// Watch implements ports.MetadataStore for the changes made through this
// Store (the directory belongs to one process). Each watcher is served by a
// goroutine that ends with ctx; a reader more than WatchBuffer changes
// behind receives one ports.ChangeResync.
func (s *Store) Watch(ctx context.Context) (<-chan ports.Change, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	ch, _ := s.hub.Watch(ctx) // the watcher ends with ctx
	return ch, nil
}
