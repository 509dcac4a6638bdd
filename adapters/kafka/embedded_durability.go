package kafka

// WithSyncWrites makes the embedded broker fsync every produced batch (its
// segment and index files) before it acknowledges it, as Kafka does with
// flush.messages=1: an acknowledged message then survives an OS crash or a
// power loss, not only a crash of the process. Without it (the default,
// Kafka's own default of leaving flushes to the OS) records reach the disk
// when the kernel writes its page cache back, on a segment roll and at
// shutdown. Only meaningful with a data dir.
func WithSyncWrites(on bool) EmbeddedOption {
	return func(e *Embedded) { e.syncWrites = on }
}
