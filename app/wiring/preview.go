package wiring

// MessagePreviewConfig is Hermes's frontend.message.preview.* (defaults
// Hermes's).
type MessagePreviewConfig struct {
	// Enabled turns topic previews on (default false, as Hermes: the
	// preview is then empty).
	Enabled bool `koanf:"enabled"`
	// Size is how many of a topic's newest messages are shown (default 3).
	Size int `koanf:"size"`
	// MaxSizeKB truncates each shown message (default 10).
	MaxSizeKB int `koanf:"max_size_kb"`
}
