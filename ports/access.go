package ports

import "context"

// Management roles (Hermes's Roles): what RoleService reports.
const (
	RoleAny               = "any"
	RoleAdmin             = "admin"
	RoleTopicOwner        = "topicOwner"
	RoleSubscriptionOwner = "subscriptionOwner"
)

// RoleService answers GET /roles...: the caller's roles, in Hermes's order
// (admin, any, then topicOwner and subscriptionOwner where they apply).
type RoleService interface {
	// Roles returns the caller's roles in general (topic and subscription
	// ""), for a topic, or for a subscription of it. It does not check that
	// they exist, as Hermes does not.
	Roles(ctx context.Context, topic, subscription string) ([]string, error)
}

// Management modes (Hermes's ModeService), as GET /mode renders them.
const (
	ModeReadWrite     = "readWrite"
	ModeReadOnly      = "readOnly"
	ModeReadOnlyAdmin = "readOnlyAdmin"
)

// ModeService is Hermes's management mode: in read-only mode changes are
// refused. Safe for concurrent use.
type ModeService interface {
	// Mode returns one of the Mode* constants.
	Mode() string
	// SetMode sets readWrite, or read-only for readOnly and readOnlyAdmin
	// (both become readOnlyAdmin: set by an operator, so only an operator
	// lifts it). Another value gives domain.ErrValidation.
	SetMode(ctx context.Context, mode string) error
	// ReadOnly reports whether changes are refused now.
	ReadOnly() bool
}
