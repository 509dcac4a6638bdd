package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors. Adapters and use cases wrap them (see Errorf) so callers
// test with errors.Is; the HTTP adapters map each one to a Hermes error code.
var (
	// ErrValidation is returned when an entity or request breaks a rule.
	ErrValidation = errors.New("validation error")
	// ErrFormat is returned when a body is not parsable JSON or has a bad enum.
	ErrFormat = errors.New("format error")
	// ErrGroupNameInvalid is returned when a group name fails the configured pattern.
	ErrGroupNameInvalid = errors.New("group name is invalid")
	// ErrGroupNotFound is returned when a group does not exist.
	ErrGroupNotFound = errors.New("group not found")
	// ErrGroupAlreadyExists is returned when creating a group that exists.
	ErrGroupAlreadyExists = errors.New("group already exists")
	// ErrGroupNotEmpty is returned when deleting a group that still has topics.
	ErrGroupNotEmpty = errors.New("group not empty")
	// ErrTopicNotFound is returned when a topic does not exist.
	ErrTopicNotFound = errors.New("topic not found")
	// ErrTopicAlreadyExists is returned when creating a topic that exists.
	ErrTopicAlreadyExists = errors.New("topic already exists")
	// ErrTopicNotEmpty is returned when deleting a topic that has subscriptions
	// which are not autoDeleteWithTopicEnabled.
	ErrTopicNotEmpty = errors.New("topic not empty")
	// ErrSubscriptionNotFound is returned when a subscription does not exist.
	ErrSubscriptionNotFound = errors.New("subscription not found")
	// ErrSubscriptionAlreadyExists is returned when creating a subscription that exists.
	ErrSubscriptionAlreadyExists = errors.New("subscription already exists")
	// ErrOperationDisabled is returned when configuration forbids an operation.
	ErrOperationDisabled = errors.New("operation disabled")
	// ErrMessageTooLarge is returned when a published body exceeds the topic's maxMessageSize.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrTimeout is returned when a request body was not read in time.
	ErrTimeout = errors.New("timeout")
	// ErrStoreTimeout is returned when the message store did not acknowledge in time.
	ErrStoreTimeout = errors.New("message store timeout")
	// ErrStoreRefused is returned when the message store refused a message
	// for good (an illegal topic, a record it never takes): retrying cannot
	// help, so it comes back at once instead of as an ErrStoreTimeout.
	ErrStoreRefused = errors.New("message store refused the message")
	// ErrStoreUnavailable is returned when the message store is reachable
	// but cannot take writes (disk full, unwritable data dir, broker
	// storage error): the publish was not stored and may be retried later.
	ErrStoreUnavailable = errors.New("message store cannot take writes")
	// ErrCorrupt is returned when a stored entity exists but cannot be read
	// back (a truncated or hand-edited file, a znode with broken JSON).
	// Only that entity is affected; writing valid data or deleting it
	// repairs it.
	ErrCorrupt = errors.New("stored entity is unreadable")
	// ErrUnavailable is returned when a backend cannot be reached.
	ErrUnavailable = errors.New("unavailable")
	// ErrUnauthenticated is returned when presented credentials do not
	// prove who the caller is (bad signature, expired, wrong password).
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrPermissionDenied is returned when the caller may not do what it
	// asked (Hermes's PERMISSION_DENIED on management, AUTH_ERROR on
	// publishing).
	ErrPermissionDenied = errors.New("permission denied")
	// ErrConflict is returned when a concurrent update won a read-modify-write race.
	ErrConflict = errors.New("conflict")
	// ErrRetransmission is returned when offsets cannot be moved for a subscription.
	ErrRetransmission = errors.New("retransmission not possible")
	// ErrNotFound is returned for other missing things (traces, undelivered messages).
	ErrNotFound = errors.New("not found")
)

// Error is a sentinel with a human message, the text Hermes shows in the
// "message" field of its error JSON.
type Error struct {
	Kind    error
	Message string
}

func (e *Error) Error() string { return e.Message }

// Unwrap returns the sentinel so errors.Is works.
func (e *Error) Unwrap() error { return e.Kind }

// Errorf returns an *Error of kind with a formatted message.
func Errorf(kind error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// ErrorMessage returns the human text of err: the message of the outermost
// *Error in its chain, else err.Error().
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}
