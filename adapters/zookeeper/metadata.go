package zookeeper

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// maxAttempts bounds the optimistic retries of updates, creates and
// deletes racing other writers; beyond it they return domain.ErrConflict.
const maxAttempts = 100

func notFound(names []string) error {
	switch len(names) {
	case 1:
		return domain.Errorf(domain.ErrGroupNotFound, "Group %s does not exist", names[0])
	case 2:
		return domain.Errorf(domain.ErrTopicNotFound, "Topic %s.%s does not exist", names[0], names[1])
	}
	return domain.Errorf(domain.ErrSubscriptionNotFound, "Subscription %s for topic %s.%s does not exist.", names[2], names[0], names[1])
}

func alreadyExists(names []string) error {
	switch len(names) {
	case 1:
		return domain.Errorf(domain.ErrGroupAlreadyExists, "Group %s already exists", names[0])
	case 2:
		return domain.Errorf(domain.ErrTopicAlreadyExists, "Topic %s.%s already exists", names[0], names[1])
	}
	return domain.Errorf(domain.ErrSubscriptionAlreadyExists, "Subscription %s for topic %s.%s already exists.", names[2], names[0], names[1])
}

func notEmpty(names []string) error {
	if len(names) == 1 {
		return domain.Errorf(domain.ErrGroupNotEmpty, "Group %s is not empty", names[0])
	}
	return domain.Errorf(domain.ErrTopicNotEmpty, "Topic %s.%s is not empty", names[0], names[1])
}

func topicNames(n domain.TopicName) []string { return []string{n.Group, n.Name} }

func subscriptionNames(n domain.SubscriptionName) []string {
	return []string{n.Topic.Group, n.Topic.Name, n.Name}
}

// instant converts a znode time (epoch milliseconds), Hermes's source of
// createdAt and modifiedAt.
func instant(ms int64) *domain.Instant { return &domain.Instant{Time: time.UnixMilli(ms).UTC()} }

// codec converts a topic or subscription to and from its znode: the name
// comes from the path and the times from the znode's stat.
type codec[T any] struct {
	decode func(names []string, data []byte, stat *zk.Stat) (T, error)
	encode func(names []string, v T) ([]byte, error)
}

var topicCodec = codec[domain.Topic]{
	decode: func(names []string, data []byte, stat *zk.Stat) (domain.Topic, error) {
		t, err := domain.DecodeTopic(data)
		t.Name, t.CreatedAt, t.ModifiedAt = names[0]+"."+names[1], instant(stat.Ctime), instant(stat.Mtime)
		return t, err
	},
	encode: func(names []string, t domain.Topic) ([]byte, error) {
		t.Name, t.CreatedAt, t.ModifiedAt = names[0]+"."+names[1], nil, nil
		return json.Marshal(t)
	},
}

var subscriptionCodec = codec[domain.Subscription]{
	decode: func(names []string, data []byte, stat *zk.Stat) (domain.Subscription, error) {
		s, err := domain.DecodeSubscription(data)
		s.TopicName, s.Name = names[0]+"."+names[1], names[2]
		s.CreatedAt, s.ModifiedAt = instant(stat.Ctime), instant(stat.Mtime)
		return s, err
	},
	encode: func(names []string, s domain.Subscription) ([]byte, error) {
		s.TopicName, s.Name, s.CreatedAt, s.ModifiedAt = names[0]+"."+names[1], names[2], nil, nil
		return json.Marshal(s)
	},
}

// malformed reports a znode whose JSON does not decode. It deliberately
// does not wrap domain.ErrFormat: that would blame the client (400) for
// bad stored data, which Hermes reports as an internal error.
func malformed(path string, err error) error {
	return fmt.Errorf("zookeeper: malformed data in %s: %v", path, err)
}

// Groups implements ports.MetadataStore.
func (s *Store) Groups(ctx context.Context) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	names, _, err := s.conn.Children(s.paths.kids(nil))
	if err != nil && !errors.Is(err, zk.ErrNoNode) { // a wiped tree has no groups

		return nil, s.fail("list groups", err)
	}
	slices.Sort(names)
	return names, nil
}

// Group implements ports.MetadataStore. The group is its znode: the name
// comes from the path whatever the JSON holds.
func (s *Store) Group(ctx context.Context, name string) (domain.Group, error) {
	if err := s.ready(ctx); err != nil {
		return domain.Group{}, err
	}
	if err := s.exists([]string{name}); err != nil {
		return domain.Group{}, err
	}
	return domain.Group{GroupName: name}, nil
}

// exists returns notFound(names) unless the entity's znode exists.
func (s *Store) exists(names []string) error {
	if !validNames(names...) {
		return notFound(names)
	}
	ok, _, err := s.conn.Exists(s.paths.node(names))
	switch {
	case err != nil:
		return s.fail("read "+s.paths.node(names), err)
	case !ok:
		return notFound(names)
	}
	return nil
}

// CreateGroup implements ports.MetadataStore: the group znode and its
// "topics" child in one transaction, as Hermes does.
func (s *Store) CreateGroup(ctx context.Context, g domain.Group) error {
	body, err := json.Marshal(g)
	if err != nil {
		return err
	}
	return s.create(ctx, []string{g.GroupName}, body)
}

// DeleteGroup implements ports.MetadataStore.
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	return s.delete(ctx, []string{name})
}

// Topics implements ports.MetadataStore. It returns domain.ErrGroupNotFound
// for a named group that does not exist, as Hermes does.
func (s *Store) Topics(ctx context.Context, group string) ([]string, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	groups := []string{group}
	if group == "" {
		var err error
		if groups, err = s.Groups(ctx); err != nil {
			return nil, err
		}
	} else if err := s.exists(groups); err != nil {
		return nil, err
	}
	names := []string{}
	for _, g := range groups {
		topics, _, err := s.conn.Children(s.paths.kids([]string{g}))
		if err != nil && !errors.Is(err, zk.ErrNoNode) { // no container: no topics
			return nil, s.fail("list topics of "+g, err)
		}
		for _, t := range topics {
			names = append(names, g+"."+t)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Topic implements ports.MetadataStore.
func (s *Store) Topic(ctx context.Context, name domain.TopicName) (domain.Topic, error) {
	return read(ctx, s, topicNames(name), topicCodec)
}

// CreateTopic implements ports.MetadataStore: the topic znode and its
// "subscriptions" child in one transaction, as Hermes does. A name that
// does not parse is a domain.ErrValidation.
func (s *Store) CreateTopic(ctx context.Context, t domain.Topic) error {
	name, err := t.TopicName()
	if err != nil {
		return err
	}
	body, err := topicCodec.encode(topicNames(name), t)
	if err != nil {
		return err
	}
	return s.create(ctx, topicNames(name), body)
}

// UpdateTopic implements ports.MetadataStore with a versioned set. The
// result is what Topic would now return.
func (s *Store) UpdateTopic(ctx context.Context, name domain.TopicName, update func(domain.Topic) (domain.Topic, error)) (domain.Topic, error) {
	return modify(ctx, s, topicNames(name), topicCodec, update)
}

// DeleteTopic implements ports.MetadataStore. The topic's other children
// (Hermes's metrics and preview) go with it in one transaction.
func (s *Store) DeleteTopic(ctx context.Context, name domain.TopicName) error {
	return s.delete(ctx, topicNames(name))
}

// Subscriptions implements ports.MetadataStore. Like Hermes it skips a
// subscription whose JSON does not decode, logging it.
func (s *Store) Subscriptions(ctx context.Context, topic domain.TopicName) ([]domain.Subscription, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	tn := topicNames(topic)
	if err := s.exists(tn); err != nil {
		return nil, err
	}
	kids, _, err := s.conn.Children(s.paths.kids(tn))
	if err != nil && !errors.Is(err, zk.ErrNoNode) {
		return nil, s.fail("list subscriptions of "+topic.String(), err)
	}
	slices.Sort(kids)
	subs := make([]domain.Subscription, 0, len(kids))
	for _, k := range kids {
		sub, err := read(ctx, s, append(slices.Clip(tn), k), subscriptionCodec)
		switch {
		case errors.Is(err, domain.ErrSubscriptionNotFound):
			continue // deleted since the listing
		case errors.Is(err, domain.ErrUnavailable), ctx.Err() != nil:
			return nil, err
		case err != nil:
			// Isolated, as Hermes skips it; reported by Unreadable.
			continue
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// Subscription implements ports.MetadataStore.
func (s *Store) Subscription(ctx context.Context, name domain.SubscriptionName) (domain.Subscription, error) {
	return read(ctx, s, subscriptionNames(name), subscriptionCodec)
}

// CreateSubscription implements ports.MetadataStore. A topic name that
// does not parse is a domain.ErrValidation.
func (s *Store) CreateSubscription(ctx context.Context, sub domain.Subscription) error {
	topic, err := domain.ParseTopicName(sub.TopicName)
	if err != nil {
		return err
	}
	names := subscriptionNames(domain.SubscriptionName{Topic: topic, Name: sub.Name})
	body, err := subscriptionCodec.encode(names, sub)
	if err != nil {
		return err
	}
	return s.create(ctx, names, body)
}

// UpdateSubscription implements ports.MetadataStore like UpdateTopic.
func (s *Store) UpdateSubscription(ctx context.Context, name domain.SubscriptionName, update func(domain.Subscription) (domain.Subscription, error)) (domain.Subscription, error) {
	return modify(ctx, s, subscriptionNames(name), subscriptionCodec, update)
}

// DeleteSubscription implements ports.MetadataStore. The subscription's
// children (Hermes's metrics, offsets, undelivered) go with it in one
// transaction.
func (s *Store) DeleteSubscription(ctx context.Context, name domain.SubscriptionName) error {
	return s.delete(ctx, subscriptionNames(name))
}

// Watch implements ports.MetadataStore. The first call primes the tree
// cache (waiting at most the session timeout; domain.ErrUnavailable when
// ZooKeeper cannot be read). Changes made through this store are delivered
// as they are made; the cache reports those of other processes, and may
// report this store's changes a second time.
func (s *Store) Watch(ctx context.Context) (<-chan ports.Change, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	ch, stop := s.hub.Watch(ctx)
	timeout := time.NewTimer(s.timeout)
	defer timeout.Stop()
	select {
	case <-s.cache.start():
		return ch, nil
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	case <-s.done:
		return nil, domain.Errorf(domain.ErrUnavailable, "zookeeper: store closed")
	case <-timeout.C:
		stop()
		return nil, domain.Errorf(domain.ErrUnavailable, "zookeeper: tree cache not ready after %s", s.timeout)
	}
}

// read fetches and decodes one topic or subscription.
func read[T any](ctx context.Context, s *Store, names []string, c codec[T]) (T, error) {
	v, _, err := readStat(ctx, s, names, c)
	return v, err
}

func readStat[T any](ctx context.Context, s *Store, names []string, c codec[T]) (T, *zk.Stat, error) {
	var zero T
	if err := s.ready(ctx); err != nil {
		return zero, nil, err
	}
	if !validNames(names...) {
		return zero, nil, notFound(names)
	}
	path := s.paths.node(names)
	data, stat, err := s.conn.Get(path)
	switch {
	case errors.Is(err, zk.ErrNoNode):
		return zero, nil, notFound(names)
	case err != nil:
		return zero, nil, s.fail("read "+path, err)
	}
	v, err := c.decode(names, data, stat)
	if err != nil {
		return zero, nil, s.bad.noteCorrupt(names, path, err)
	}
	s.bad.noteReadable(path)
	return v, stat, nil
}

// modify is the optimistic read-modify-write of UpdateTopic and
// UpdateSubscription: a set conditional on the version read, retried when
// another writer came first.
func modify[T any](ctx context.Context, s *Store, names []string, c codec[T], update func(T) (T, error)) (T, error) {
	var zero T
	path := s.paths.node(names)
	for range maxAttempts {
		current, stat, err := readStat(ctx, s, names, c)
		if err != nil {
			return zero, err
		}
		updated, err := update(current)
		if err != nil {
			return zero, err
		}
		body, err := c.encode(names, updated)
		if err != nil {
			return zero, err
		}
		after, err := s.conn.Set(path, body, stat.Version)
		switch {
		case errors.Is(err, zk.ErrBadVersion):
			continue
		case errors.Is(err, zk.ErrNoNode):
			return zero, notFound(names)
		case err != nil:
			return zero, s.fail("write "+path, err)
		}
		s.hub.Publish(changeOf(ports.ChangeUpdated, names))
		// Decoding what was stored gives exactly what a read returns.
		return c.decode(names, body, after)
	}
	return zero, domain.Errorf(domain.ErrConflict, "Concurrent modification of %s did not settle after %d attempts", path, maxAttempts)
}

// create writes an entity's znode, with its (empty) children container for
// groups and topics, in one transaction. A missing container of the parent
// (a tree not written by Hermes) is created when the parent exists.
func (s *Store) create(ctx context.Context, names []string, body []byte) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	if !validNames(names...) {
		return domain.Errorf(domain.ErrValidation, "invalid name: want names of 1 to %d bytes, without '/', not '.' or '..'", MaxName)
	}
	path := s.paths.node(names)
	ops := []any{&zk.CreateRequest{Path: path, Data: body, Acl: acl}}
	if len(names) <= len(containers) {
		ops = append(ops, &zk.CreateRequest{Path: s.paths.kids(names), Data: []byte{}, Acl: acl})
	}
	parent := names[:len(names)-1]
	for range maxAttempts {
		_, err := s.conn.Multi(ops...)
		switch {
		case err == nil:
			s.hub.Publish(changeOf(ports.ChangeCreated, names))
			return nil
		case errors.Is(err, zk.ErrNodeExists):
			return alreadyExists(names)
		case !errors.Is(err, zk.ErrNoNode):
			return s.fail("create "+path, err)
		}
		if len(parent) > 0 {
			if err := s.exists(parent); err != nil {
				return err
			}
		}
		if err := s.ensurePath(s.paths.kids(parent)); err != nil {
			return err
		}
	}
	return domain.Errorf(domain.ErrConflict, "Creating %s did not settle after %d attempts", path, maxAttempts)
}

// delete removes an entity's whole subtree in one transaction, as Hermes
// removes topics: deleting child by child would race Hermes processes that
// recreate containers. The children container (topics of a group,
// subscriptions of a topic) must be empty.
func (s *Store) delete(ctx context.Context, names []string) error {
	path := s.paths.node(names)
	for range maxAttempts {
		if err := s.ready(ctx); err != nil {
			return err
		}
		if !validNames(names...) {
			return notFound(names)
		}
		var ops []any
		if err := s.collect(names, path, &ops); err != nil {
			return err
		}
		_, err := s.conn.Multi(ops...)
		switch {
		case err == nil:
			s.bad.forgetTree(path)
			s.hub.Publish(changeOf(ports.ChangeDeleted, names))
			return nil
		case errors.Is(err, zk.ErrNotEmpty), errors.Is(err, zk.ErrNoNode):
			continue // the tree changed since collect: look again
		default:
			return s.fail("delete "+path, err)
		}
	}
	return domain.Errorf(domain.ErrConflict, "Deleting %s did not settle after %d attempts", path, maxAttempts)
}

// collect appends deletes for path's subtree, children first.
func (s *Store) collect(names []string, path string, ops *[]any) error {
	kids, _, err := s.conn.Children(path)
	switch {
	case errors.Is(err, zk.ErrNoNode) && path == s.paths.node(names):
		return notFound(names)
	case errors.Is(err, zk.ErrNoNode):
		return nil // vanished meanwhile; the transaction will tell
	case err != nil:
		return s.fail("list "+path, err)
	}
	if len(kids) > 0 && len(names) <= len(containers) && path == s.paths.kids(names) {
		return notEmpty(names)
	}
	for _, k := range kids {
		if err := s.collect(names, path+"/"+k, ops); err != nil {
			return err
		}
	}
	*ops = append(*ops, &zk.DeleteRequest{Path: path, Version: -1})
	return nil
}
