package mongo

import (
	"time"

	"github.com/hermes-go/hermes/adapters/internal/tracking"
)

// Config configures the MongoDB tracker. Zero fields take the defaults.
type Config struct {
	// URI is the MongoDB connection string. Default "mongodb://127.0.0.1:27017/".
	URI string
	// Database holds the published_messages and sent_messages collections.
	// Default "hermes".
	Database string
	// Retention is how long traces are kept. Default 7 days (Hermes left
	// expiry to the MongoDB operator; a default bound keeps the store from
	// growing forever).
	Retention time.Duration
	// ExpiryInterval is the period of the app-side expiry that replaces the
	// TTL index where the server has none (FerretDB). Default 1 minute, the
	// period of MongoDB's own TTL monitor.
	ExpiryInterval time.Duration
	// QueueSize bounds the traces waiting to be written; more are dropped.
	// Default 10000.
	QueueSize int
	// BatchSize is the most traces one insert gets. Default 100.
	BatchSize int
	// FlushInterval is the longest a trace waits for its batch. Default 1s.
	FlushInterval time.Duration
	// Timeout bounds one write and server selection (so queries fail with
	// domain.ErrUnavailable when the server is down). Default 5s.
	Timeout time.Duration
	// CloseTimeout bounds the final flush of Close. Default 5s.
	CloseTimeout time.Duration

	now func() time.Time // the clock of expiry; tests replace it
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	return Config{
		URI:            "mongodb://127.0.0.1:27017/",
		Database:       "hermes",
		Retention:      7 * 24 * time.Hour,
		ExpiryInterval: time.Minute,
		QueueSize:      tracking.DefaultQueueSize,
		BatchSize:      tracking.DefaultBatchSize,
		FlushInterval:  tracking.DefaultFlushInterval,
		Timeout:        tracking.DefaultWriteTimeout,
		CloseTimeout:   tracking.DefaultCloseTimeout,
		now:            time.Now,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.URI == "" {
		c.URI = d.URI
	}
	if c.Database == "" {
		c.Database = d.Database
	}
	if c.Retention <= 0 {
		c.Retention = d.Retention
	}
	if c.ExpiryInterval <= 0 {
		c.ExpiryInterval = d.ExpiryInterval
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.now == nil {
		c.now = d.now
	}
	return c // the queue fields default in tracking.Queue
}
