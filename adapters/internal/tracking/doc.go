// Package tracking holds what the message-tracking adapters (mongo,
// elasticsearch) share: Hermes's stored trace documents and a write-behind
// Queue. Callers enqueue without blocking, one owned goroutine writes
// batches, and whatever cannot be queued or written is dropped and counted,
// because tracing must never slow down publishing or delivery.
package tracking
