package app

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// AccessConfig is security.management: who may change what through the
// management API.
type AccessConfig struct {
	// Enabled turns authorization on. Off (the default), every caller may
	// do everything, as with Hermes's AllowAllSecurityProvider.
	Enabled bool
	// AdminRole is the principal role that makes an administrator
	// (default "admin").
	AdminRole string
	// OpenReads lets anonymous callers read (Hermes serves its
	// unannotated GETs and queries to anyone); off, reads need a
	// logged-in caller. Endpoints Hermes restricts stay restricted.
	OpenReads bool
	// NonAdminGroupCreation lets any logged-in caller create groups
	// (Hermes's management group.nonAdminCreationEnabled, default false).
	NonAdminGroupCreation bool
	// PrivilegedSubscribers may subscribe to topics with
	// subscribingRestricted (Hermes's
	// subscription.subscribersWithAccessToAnyTopic).
	PrivilegedSubscribers []PrivilegedSubscriber
}

// PrivilegedSubscriber is a subscription owner whose subscriptions with an
// endpoint of one of Protocols ("http", "https", ...) may be made to any
// topic, restricted or not.
type PrivilegedSubscriber struct {
	OwnerSource, OwnerID string
	Protocols            []string
}

// matches reports whether s is owned by p with an endpoint of its protocols.
func (p PrivilegedSubscriber) matches(s domain.Subscription) bool {
	scheme, _, _ := strings.Cut(s.Endpoint, "://")
	return s.Owner != nil && s.Owner.Source == p.OwnerSource && s.Owner.ID == p.OwnerID && slices.Contains(p.Protocols, scheme)
}

// ManagementAccess decides what the caller of a management request may do,
// from the domain.Principal on its context and the owners of the topic or
// subscription concerned. It implements ports.ManagementAuthorizer and
// ports.RoleService, and the creator rules the management use cases apply
// (Hermes's ManagementRights, TopicValidator and SubscriptionValidator).
type ManagementAccess struct {
	cfg   AccessConfig
	store ports.MetadataStore
}

var (
	_ ports.ManagementAuthorizer = (*ManagementAccess)(nil)
	_ ports.RoleService          = (*ManagementAccess)(nil)
)

// NewManagementAccess returns the management authorization over store,
// where topic and subscription owners are read.
func NewManagementAccess(cfg AccessConfig, store ports.MetadataStore) *ManagementAccess {
	if cfg.AdminRole == "" {
		cfg.AdminRole = ports.RoleAdmin
	}
	return &ManagementAccess{cfg: cfg, store: store}
}

// notAuthorized is the message Hermes's role check (Jersey's
// RolesAllowedDynamicFeature) answers with.
const notAuthorized = "User not authorized."

// Authorize implements ports.ManagementAuthorizer.
func (a *ManagementAccess) Authorize(ctx context.Context, access ports.Access, topic, subscription string) error {
	if a == nil || !a.cfg.Enabled || access == ports.AccessPublic || (access == ports.AccessRead && a.cfg.OpenReads) {
		return nil
	}
	p := domain.PrincipalFrom(ctx)
	if p.Anonymous() {
		return domain.Errorf(domain.ErrUnauthenticated, "Authentication required: this endpoint needs credentials")
	}
	if p.HasRole(a.cfg.AdminRole) {
		return nil
	}
	switch access {
	case ports.AccessRead, ports.AccessLoggedIn:
		return nil
	case ports.AccessTopicOwner, ports.AccessSubscriptionOwner:
		owns, err := a.ownsTopic(ctx, p, topic)
		if err != nil || owns {
			return err
		}
		if access == ports.AccessSubscriptionOwner {
			owns, err = a.ownsSubscription(ctx, p, topic, subscription)
			if err != nil || owns {
				return err
			}
		}
	}
	return domain.Errorf(domain.ErrPermissionDenied, notAuthorized)
}

// IsAdmin implements ports.ManagementAuthorizer: false with authorization
// off, so that read-only mode keeps refusing every caller then.
func (a *ManagementAccess) IsAdmin(ctx context.Context) bool {
	return a != nil && a.cfg.Enabled && domain.PrincipalFrom(ctx).HasRole(a.cfg.AdminRole)
}

// Roles implements ports.RoleService: with authorization off every role,
// as AllowAllRoles; on, admin for administrators, any for every logged-in
// caller, and the owner roles where the caller owns the topic or the
// subscription (a topic or subscription that does not exist gives no
// owner role).
func (a *ManagementAccess) Roles(ctx context.Context, topic, subscription string) ([]string, error) {
	if a == nil || !a.cfg.Enabled {
		return AllowAllRoles{}.Roles(ctx, topic, subscription)
	}
	p := domain.PrincipalFrom(ctx)
	roles := []string{}
	if p.Anonymous() {
		return roles, nil
	}
	if p.HasRole(a.cfg.AdminRole) {
		roles = append(roles, ports.RoleAdmin)
	}
	roles = append(roles, ports.RoleAny)
	if topic != "" {
		owns, err := a.ownsTopic(ctx, p, topic)
		if err != nil && !absent(err) {
			return nil, err
		}
		if owns {
			roles = append(roles, ports.RoleTopicOwner)
		}
	}
	if subscription != "" {
		owns, err := a.ownsSubscription(ctx, p, topic, subscription)
		if err != nil && !absent(err) {
			return nil, err
		}
		if owns {
			roles = append(roles, ports.RoleSubscriptionOwner)
		}
	}
	return roles, nil
}

// privileged reports whether the creator rules let the caller past them:
// with authorization off every caller is an administrator, as in Hermes.
func (a *ManagementAccess) privileged(ctx context.Context) bool {
	return a == nil || !a.cfg.Enabled || domain.PrincipalFrom(ctx).HasRole(a.cfg.AdminRole)
}

// checkGroupCreation is Hermes's GroupCreatorRights: administrators
// create groups, others only with non-admin creation on.
func (a *ManagementAccess) checkGroupCreation(ctx context.Context) error {
	if a.privileged(ctx) || a.cfg.NonAdminGroupCreation {
		return nil
	}
	return domain.Errorf(domain.ErrPermissionDenied, "You are not allowed to create groups")
}

// checkOwnerIncludesCaller refuses a topic or subscription (kind) whose
// owner a non-administrator does not act for: the caller could not manage
// it afterwards. Hermes answers this with a validation error (400).
func (a *ManagementAccess) checkOwnerIncludesCaller(ctx context.Context, owner *domain.Owner, kind string) error {
	if a.privileged(ctx) || ownedBy(domain.PrincipalFrom(ctx), owner) {
		return nil
	}
	return domain.Errorf(domain.ErrValidation, "Provide an owner that includes you, you would not be able to manage this %s later", kind)
}

// maxNonAdminRetention is the longest retention a non-administrator may
// set (Hermes's RetentionTime.MAX).
const maxNonAdminRetention = 2 * 24 * time.Hour

// checkTopicRights applies Hermes's TopicValidator rules for
// non-administrators to a topic being created (prev nil) or updated from
// prev: a new topic's owner must include the caller; a fallback to the
// remote datacenter may be enabled but neither set at creation nor
// disabled; the chaos policy is the administrators'; the retention is at
// most 2 days in seconds to days (checked on an update only when it
// changes).
func (a *ManagementAccess) checkTopicRights(ctx context.Context, t domain.Topic, prev *domain.Topic) error {
	if a.privileged(ctx) {
		return nil
	}
	if prev == nil {
		if err := a.checkOwnerIncludesCaller(ctx, t.Owner, "topic"); err != nil {
			return err
		}
		if t.FallbackToRemoteDatacenterEnabled {
			return domain.Errorf(domain.ErrValidation, "User is not allowed to set non-default fallback to remote datacenter for this topic")
		}
		if t.Chaos.Mode != domain.NewTopic().Chaos.Mode {
			return domain.Errorf(domain.ErrValidation, "User is not allowed to set chaos policy for this topic")
		}
		return checkNonAdminRetention(retention(t))
	}
	if prev.FallbackToRemoteDatacenterEnabled && !t.FallbackToRemoteDatacenterEnabled {
		return domain.Errorf(domain.ErrValidation, "User is not allowed to disable fallback to remote datacenter for this topic")
	}
	if !sameChaos(prev.Chaos, t.Chaos) {
		return domain.Errorf(domain.ErrValidation, "User is not allowed to update chaos policy for this topic")
	}
	if r := retention(t); r.AsDuration() != retention(*prev).AsDuration() {
		return checkNonAdminRetention(r)
	}
	return nil
}

// retention is a topic's retention, Hermes's default (1 day) when unset.
func retention(t domain.Topic) domain.RetentionTime {
	if t.RetentionTime == nil {
		return domain.RetentionTime{Duration: 1, RetentionUnit: domain.Days}
	}
	return *t.RetentionTime
}

func checkNonAdminRetention(r domain.RetentionTime) error {
	switch r.RetentionUnit {
	case "", domain.Seconds, domain.Minutes, domain.Hours, domain.Days:
	default:
		return domain.Errorf(domain.ErrValidation, "Retention time unit must be one of: [SECONDS, MINUTES, HOURS, DAYS]")
	}
	if r.AsDuration() > maxNonAdminRetention {
		return domain.Errorf(domain.ErrValidation, "Retention time larger than 2 days can't be configured by non admin users")
	}
	return nil
}

// sameChaos compares two chaos policies, a nil and an empty map of
// datacenter policies being the same.
func sameChaos(a, b domain.Chaos) bool {
	if len(a.DatacenterPolicies) == 0 && len(b.DatacenterPolicies) == 0 {
		a.DatacenterPolicies, b.DatacenterPolicies = nil, nil
	}
	return reflect.DeepEqual(a, b)
}

// checkSubscribing refuses a subscription to a topic with
// subscribingRestricted unless the caller is an administrator or an owner
// of the topic, or s is a privileged subscriber's; action is "create a
// new subscription" or "modify the endpoint of this subscription", as
// Hermes says.
func (a *ManagementAccess) checkSubscribing(ctx context.Context, s domain.Subscription, t domain.Topic, action string) error {
	if !t.SubscribingRestricted || a.privileged(ctx) || ownedBy(domain.PrincipalFrom(ctx), t.Owner) ||
		slices.ContainsFunc(a.cfg.PrivilegedSubscribers, func(p PrivilegedSubscriber) bool { return p.matches(s) }) {
		return nil
	}
	return domain.Errorf(domain.ErrPermissionDenied, "Subscribing to this topic has been restricted. Contact the topic owner to %s.", action)
}

// checkManagesTopics is Hermes's offline retransmission permission: a
// non-administrator must own every topic named (source and target of a
// topic task, the target of a view task); message is Hermes's refusal.
func (a *ManagementAccess) checkManagesTopics(ctx context.Context, message string, topics ...string) error {
	if a.privileged(ctx) {
		return nil
	}
	p := domain.PrincipalFrom(ctx)
	for _, t := range topics {
		owns, err := a.ownsTopic(ctx, p, t)
		if err != nil {
			return err
		}
		if !owns {
			return domain.Errorf(domain.ErrPermissionDenied, "%s", message)
		}
	}
	return nil
}

func (a *ManagementAccess) ownsTopic(ctx context.Context, p domain.Principal, topic string) (bool, error) {
	n, err := domain.ParseTopicName(topic)
	if err != nil {
		return false, err
	}
	t, err := a.store.Topic(ctx, n)
	if err != nil {
		return false, err
	}
	return ownedBy(p, t.Owner), nil
}

func (a *ManagementAccess) ownsSubscription(ctx context.Context, p domain.Principal, topic, subscription string) (bool, error) {
	n, err := subscriptionName(topic, subscription)
	if err != nil {
		return false, err
	}
	s, err := a.store.Subscription(ctx, n)
	if err != nil {
		return false, err
	}
	return ownedBy(p, s.Owner), nil
}

// ownedBy reports whether p acts for owner. Owner ids are matched alone,
// whatever their source: a principal's owner ids carry no source.
func ownedBy(p domain.Principal, owner *domain.Owner) bool {
	return owner != nil && owner.ID != "" && p.OwnsID(owner.ID)
}

// absent reports whether err says the topic or subscription does not exist
// (or its name is not one).
func absent(err error) bool {
	return errors.Is(err, domain.ErrTopicNotFound) || errors.Is(err, domain.ErrSubscriptionNotFound) ||
		errors.Is(err, domain.ErrValidation)
}

// WithAccess makes the use cases apply a's creator rules (who may create
// groups, owners that include the caller, restricted subscribing); without
// it every caller may do everything.
func (m *Management) WithAccess(a *ManagementAccess) *Management {
	m.access = a
	return m
}

// checkSubscriptionRights applies Hermes's SubscriptionValidator rules for
// non-administrators to a subscription being created (prev nil) or
// updated from prev: its owner must include the caller (so a topic owner
// updating another team's subscription is refused too, as in Hermes),
// its inflight size is the administrators' to set, and a topic with
// subscribingRestricted takes new subscriptions and endpoint changes from
// its owners only.
func (a *ManagementAccess) checkSubscriptionRights(ctx context.Context, s domain.Subscription, t domain.Topic, prev *domain.Subscription) error {
	if a.privileged(ctx) {
		return nil
	}
	if err := a.checkOwnerIncludesCaller(ctx, s.Owner, "subscription"); err != nil {
		return err
	}
	if next, before := inflightSize(&s), inflightSize(prev); next != nil && (prev == nil || before == nil || *before != *next) {
		if prev == nil {
			return domain.Errorf(domain.ErrValidation, "Inflight size can't be set by non admin users")
		}
		return domain.Errorf(domain.ErrValidation, "Inflight size can't be changed by non admin users. Changed from: %s, to: %d", orNull(before), *next)
	}
	if prev == nil {
		return a.checkSubscribing(ctx, s, t, "create a new subscription")
	}
	if s.Endpoint != prev.Endpoint {
		return a.checkSubscribing(ctx, s, t, "modify the endpoint of this subscription")
	}
	return nil
}

func inflightSize(s *domain.Subscription) *int {
	if s == nil || s.Serial == nil {
		return nil
	}
	return s.Serial.InflightSize
}

// orNull renders an optional number as Java renders a null Integer.
func orNull(n *int) string {
	if n == nil {
		return "null"
	}
	return strconv.Itoa(*n)
}

// WithAccess makes task creation need the rights to manage the topics
// involved, as in Hermes; without it every caller may create tasks.
func (o *OfflineRetransmission) WithAccess(a *ManagementAccess) *OfflineRetransmission {
	o.access = a
	return o
}

// checkPermissions is Hermes's RetransmissionPermissions: the source and
// target topics of a topic task, the target of a view task.
func (o *OfflineRetransmission) checkPermissions(ctx context.Context, task ports.RetransmissionTask) error {
	if task.Type == "TOPIC" {
		return o.access.checkManagesTopics(ctx, "User needs permissions to source and target topics.", task.SourceTopic, task.TargetTopic)
	}
	return o.access.checkManagesTopics(ctx, "User needs permissions to target topic.", task.TargetTopic)
}
