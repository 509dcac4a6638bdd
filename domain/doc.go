// Package domain holds Hermes-Go's entities (groups, topics, subscriptions,
// messages, traces), their validation and defaults, the delivery policies
// (retry, backoff, result classification) and the sentinel errors.
//
// It is pure Go: the standard library only, no I/O. JSON tags on the
// entities are Hermes's wire field names, so the same structs are stored in
// the metadata store and served by the management API.
package domain
