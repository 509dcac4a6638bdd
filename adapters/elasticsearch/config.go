package elasticsearch

import (
	"net/http"
	"time"

	"github.com/hermes-go/hermes/adapters/internal/tracking"
)

// Config configures the Elasticsearch/OpenSearch tracker. Zero fields take
// the defaults.
type Config struct {
	// URL is the REST endpoint of the cluster. Default "http://127.0.0.1:9200".
	URL string
	// Username and Password, when Username is set, go as HTTP basic auth.
	Username string
	Password string
	// IndexPrefix goes before Hermes's names (published_messages_YYYY_MM_DD,
	// sent_messages_YYYY_MM_DD, their templates and aliases). Default "",
	// which keeps Hermes's names so Hermes tooling finds the traces.
	IndexPrefix string
	// RefreshOnWrite makes every bulk write wait for a refresh
	// (refresh=wait_for), so traces are searchable when a flush returns.
	// Costly; meant for tests. Default false (traces become searchable
	// after the index refresh interval, 1 s by default).
	RefreshOnWrite bool
	// QueueSize bounds the traces waiting to be written; more are dropped.
	// Default 10000.
	QueueSize int
	// BatchSize is the most traces one bulk request gets. Default 100.
	BatchSize int
	// FlushInterval is the longest a trace waits for its batch. Default 1s.
	FlushInterval time.Duration
	// Timeout bounds one bulk write or template request. Default 5s.
	Timeout time.Duration
	// CloseTimeout bounds the final flush of Close. Default 5s.
	CloseTimeout time.Duration
	// HTTPClient sends the requests. Default a client with
	// http.DefaultTransport's settings.
	HTTPClient *http.Client

	now func() time.Time // picks the daily index; tests replace it
}

// DefaultConfig returns the configuration with every default filled in.
func DefaultConfig() Config {
	return Config{
		URL:           "http://127.0.0.1:9200",
		QueueSize:     tracking.DefaultQueueSize,
		BatchSize:     tracking.DefaultBatchSize,
		FlushInterval: tracking.DefaultFlushInterval,
		Timeout:       tracking.DefaultWriteTimeout,
		CloseTimeout:  tracking.DefaultCloseTimeout,
		HTTPClient:    &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
		now:           time.Now,
	}
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.URL == "" {
		c.URL = d.URL
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.HTTPClient == nil {
		c.HTTPClient = d.HTTPClient
	}
	if c.now == nil {
		c.now = d.now
	}
	return c // the queue fields default in tracking.Queue
}
