// Package mongo implements ports.Tracker and ports.TraceRepository over
// MongoDB or a MongoDB wire-protocol server (FerretDB), storing message
// traces the way Hermes's former hermes-tracker-mongo did: collections
// published_messages and sent_messages with Hermes's field names.
package mongo
