package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// ManagementConfig holds the configurable management rules.
type ManagementConfig struct {
	// GroupNamePattern validates new group names (Hermes 1.4 default: the
	// generic name pattern, which accepts "my-group").
	GroupNamePattern *regexp.Regexp
	// AllowTopicRemoval enables DELETE of topics (Hermes's
	// management.topic.allowRemoval; Hermes defaults it to false).
	AllowTopicRemoval bool
	// OwnerSources are the accepted owner sources (Hermes: "Plaintext").
	OwnerSources []string
	// EndpointProtocols are the accepted subscription endpoint schemes.
	EndpointProtocols []string
	// ClusterName names the message store cluster in retransmission results.
	ClusterName string
	// NameLimits are the longest names every configured store can hold;
	// zero means domain.DefaultNameLimits.
	NameLimits domain.NameLimits
}

// Management implements the management use cases (ports.Management).
type Management struct {
	cfg         ManagementConfig
	store       ports.MetadataStore
	admin       ports.MessageStoreAdmin
	traces      ports.TraceRepository
	undelivered ports.UndeliveredLog
	log         *slog.Logger
	schemas     *Schemas               // nil: AVRO topics are refused
	jsonPath    ports.JSONPathCompiler // nil: jsonpath filters are refused
	access      *ManagementAccess      // nil: every caller may do everything
	// endpointGuard is the SSRF guard; nil: every endpoint is accepted.
	endpointGuard ports.EndpointGuard
}

var _ ports.Management = (*Management)(nil)

// NewManagement returns the management use cases.
func NewManagement(cfg ManagementConfig, store ports.MetadataStore, admin ports.MessageStoreAdmin, traces ports.TraceRepository, undelivered ports.UndeliveredLog, log *slog.Logger) *Management {
	if cfg.GroupNamePattern == nil {
		cfg.GroupNamePattern = regexp.MustCompile(domain.DefaultGroupNamePattern)
	}
	if cfg.NameLimits == (domain.NameLimits{}) {
		cfg.NameLimits = domain.DefaultNameLimits()
	}
	if len(cfg.OwnerSources) == 0 {
		cfg.OwnerSources = []string{"Plaintext"}
	}
	return &Management{cfg: cfg, store: store, admin: admin, traces: traces, undelivered: undelivered, log: log}
}

func (m *Management) checkOwner(o *domain.Owner) error {
	if o != nil && !slices.Contains(m.cfg.OwnerSources, o.Source) {
		return domain.Errorf(domain.ErrValidation, "owner.source %q is not a registered owner source (registered: %v)", o.Source, m.cfg.OwnerSources)
	}
	return nil
}

// ListGroups lists group names.
func (m *Management) ListGroups(ctx context.Context) ([]string, error) { return m.store.Groups(ctx) }

// GetGroup returns one group.
func (m *Management) GetGroup(ctx context.Context, name string) (domain.Group, error) {
	return m.store.Group(ctx, name)
}

// CreateGroup validates and stores a group.
func (m *Management) CreateGroup(ctx context.Context, g domain.Group) error {
	if err := g.Validate(m.cfg.GroupNamePattern); err != nil {
		return err
	}
	if err := m.cfg.NameLimits.CheckGroup(g.GroupName); err != nil {
		return err
	}
	if err := m.access.checkGroupCreation(ctx); err != nil {
		return err
	}
	return m.store.CreateGroup(ctx, g)
}

// UpdateGroup accepts a patch of an existing group; a group has no field
// besides its name, which cannot change.
func (m *Management) UpdateGroup(ctx context.Context, name string, patch []byte) error {
	g, err := m.store.Group(ctx, name)
	if err != nil {
		return err
	}
	merged, err := mergePatch(g, patch)
	if err != nil {
		return err
	}
	var updated domain.Group
	if err := decodeInto(merged, &updated); err != nil {
		return err
	}
	if updated.GroupName != name {
		return domain.Errorf(domain.ErrValidation, "groupName cannot be changed")
	}
	return nil
}

// DeleteGroup removes an empty group.
func (m *Management) DeleteGroup(ctx context.Context, name string) error {
	return m.store.DeleteGroup(ctx, name)
}

// ListTopics lists qualified topic names.
func (m *Management) ListTopics(ctx context.Context, group string, trackedOnly bool) ([]string, error) {
	if group != "" {
		if _, err := m.store.Group(ctx, group); err != nil {
			return nil, err
		}
	}
	names, err := m.store.Topics(ctx, group)
	if err != nil || !trackedOnly {
		return names, err
	}
	tracked := []string{}
	for _, n := range names {
		t, err := m.GetTopic(ctx, n)
		if errors.Is(err, domain.ErrTopicNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if t.TrackingEnabled {
			tracked = append(tracked, n)
		}
	}
	return tracked, nil
}

// GetTopic returns one topic.
func (m *Management) GetTopic(ctx context.Context, name string) (domain.Topic, error) {
	n, err := domain.ParseTopicName(name)
	if err != nil {
		return domain.Topic{}, err
	}
	return m.store.Topic(ctx, n)
}

func (m *Management) validateTopic(t domain.Topic) error {
	if err := t.Validate(); err != nil {
		return err
	}
	// Before any store is written: a name one store refuses must not be
	// half-created in another.
	if err := m.cfg.NameLimits.CheckTopic(t.QualifiedName()); err != nil {
		return err
	}
	if err := m.checkOwner(t.Owner); err != nil {
		return err
	}
	if t.ContentType == domain.ContentTypeAvro && m.schemas == nil {
		return domain.Errorf(domain.ErrValidation, "contentType AVRO needs a schema, and schemas are not supported yet")
	}
	return nil
}

// CreateTopic validates t, creates its store topic and stores it. An AVRO
// topic needs a schema: see CreateTopicWithSchema.
func (m *Management) CreateTopic(ctx context.Context, t domain.Topic) error {
	if t.ContentType == domain.ContentTypeAvro && m.schemas != nil {
		return m.CreateTopicWithSchema(ctx, t, "")
	}
	if err := m.validateTopic(t); err != nil {
		return err
	}
	return m.createTopic(ctx, t)
}

func (m *Management) createTopic(ctx context.Context, t domain.Topic) error {
	if err := m.access.checkTopicRights(ctx, t, nil); err != nil {
		return err
	}
	name := t.QualifiedName()
	if _, err := m.store.Group(ctx, name.Group); err != nil {
		return err
	}
	if _, err := m.store.Topic(ctx, name); err == nil {
		return domain.Errorf(domain.ErrTopicAlreadyExists, "Topic %s already exists", name)
	} else if !errors.Is(err, domain.ErrTopicNotFound) {
		return err
	}
	if err := m.admin.CreateTopic(ctx, t); err != nil {
		return err
	}
	created := m.store.CreateTopic(ctx, t)
	if created != nil && !errors.Is(created, domain.ErrTopicAlreadyExists) {
		return created
	}
	// Another process may have created the same topic meanwhile: both pass
	// the check above, the first store topic creation fixes the Kafka
	// configuration and the first metadata creation wins. The metadata
	// winner decides, so whichever process gets here makes the store
	// topic match what the metadata store holds (the winner covers a
	// loser that lost its Kafka race, a loser covers a winner that
	// stopped before aligning).
	winner, err := m.store.Topic(ctx, name)
	if err != nil {
		return err
	}
	if err := m.admin.UpdateTopic(ctx, winner); err != nil {
		return fmt.Errorf("topic %s created, but its store topic configuration could not be aligned: %w", name, err)
	}
	return created
}

// UpdateTopic merge-patches a topic and applies retention changes to its
// store topic.
func (m *Management) UpdateTopic(ctx context.Context, name string, patch []byte) error {
	n, err := domain.ParseTopicName(name)
	if err != nil {
		return err
	}
	updated, err := m.store.UpdateTopic(ctx, n, func(cur domain.Topic) (domain.Topic, error) {
		merged, err := mergePatch(cur, patch)
		if err != nil {
			return domain.Topic{}, err
		}
		next, err := domain.DecodeTopic(merged)
		if err != nil {
			return domain.Topic{}, err
		}
		if next.Name != cur.Name {
			return domain.Topic{}, domain.Errorf(domain.ErrValidation, "name cannot be changed")
		}
		if err := m.checkContentTypeChange(ctx, cur, next); err != nil {
			return domain.Topic{}, err
		}
		next.CreatedAt, next.ModifiedAt = cur.CreatedAt, cur.ModifiedAt
		if err := m.validateTopic(next); err != nil {
			return domain.Topic{}, err
		}
		return next, m.access.checkTopicRights(ctx, next, &cur)
	})
	if err != nil {
		return err
	}
	return m.admin.UpdateTopic(ctx, updated)
}

// DeleteTopic removes a topic, its auto-deletable subscriptions and its
// store topic.
func (m *Management) DeleteTopic(ctx context.Context, name string) error {
	n, err := domain.ParseTopicName(name)
	if err != nil {
		return err
	}
	subs, err := m.store.Subscriptions(ctx, n)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if !s.AutoDeleteWithTopicEnabled {
			return domain.Errorf(domain.ErrTopicNotEmpty, "Topic %s is not empty, remove subscriptions first", n)
		}
	}
	if !m.cfg.AllowTopicRemoval {
		return domain.Errorf(domain.ErrOperationDisabled, "Topic removal is disabled")
	}
	for _, s := range subs {
		if err := m.deleteSubscription(ctx, s.QualifiedName()); err != nil {
			return err
		}
	}
	if err := m.store.DeleteTopic(ctx, n); err != nil {
		return err
	}
	if m.schemas != nil {
		// A topic created again under this name starts without a schema.
		m.schemas.forget(n)
		if m.schemas.cfg.KeepOnTopicRemoval {
			return m.admin.DeleteTopic(ctx, n)
		}
		if err := m.schemas.repo.DeleteSchemas(ctx, n); err != nil {
			m.log.Warn("deleting schemas of removed topic failed", "topic", n.String(), "err", err)
		}
	}
	return m.admin.DeleteTopic(ctx, n)
}
