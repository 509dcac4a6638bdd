package ports

import "context"

// Access says who may call a management endpoint: Hermes's @RolesAllowed
// annotations, plus the two levels Hermes leaves unannotated (public and
// read endpoints). Each level admits the callers of the levels after it
// only where it says so; an administrator passes every level.
type Access int

const (
	// AccessPublic admits every caller, always: health, the OpenAPI
	// document, the console configuration, the caller's roles.
	AccessPublic Access = iota
	// AccessRead admits every caller while reads are open (the default,
	// as Hermes serves GETs to anyone), else logged-in callers.
	AccessRead
	// AccessLoggedIn admits any identified caller (Hermes's Roles.ANY).
	AccessLoggedIn
	// AccessTopicOwner admits an owner of the path's topic
	// (Roles.TOPIC_OWNER).
	AccessTopicOwner
	// AccessSubscriptionOwner admits an owner of the path's subscription
	// or of its topic (Roles.SUBSCRIPTION_OWNER or TOPIC_OWNER).
	AccessSubscriptionOwner
	// AccessAdmin admits administrators only (Roles.ADMIN).
	AccessAdmin
)

// String names the level as docs/security.md does.
func (a Access) String() string {
	switch a {
	case AccessPublic:
		return "public"
	case AccessRead:
		return "read"
	case AccessLoggedIn:
		return "logged-in"
	case AccessTopicOwner:
		return "topic owner"
	case AccessSubscriptionOwner:
		return "subscription owner"
	case AccessAdmin:
		return "admin"
	}
	return "unknown"
}

// ManagementAuthorizer decides what the caller on a context (the
// domain.Principal put there by the identity middleware) may do on the
// management API. Safe for concurrent use.
type ManagementAuthorizer interface {
	// Authorize returns nil when the caller may use an endpoint of level
	// access on topic and subscription (qualified topic name and
	// subscription name from the path; "" when the path has none). It
	// returns an error wrapping domain.ErrUnauthenticated for an
	// anonymous caller the level does not admit, one wrapping
	// domain.ErrPermissionDenied for an identified one, and the lookup's
	// error (domain.ErrTopicNotFound, ...) when the owners of a topic or
	// subscription cannot be read. With authorization off it returns nil.
	Authorize(ctx context.Context, access Access, topic, subscription string) error
	// IsAdmin reports whether the caller is an identified administrator,
	// whom read-only mode lets through (as Hermes does). False with
	// authorization off: then read-only mode refuses every caller.
	IsAdmin(ctx context.Context) bool
}
