package ports

import (
	"context"
	"time"

	"github.com/hermes-go/hermes/domain"
)

// SendRequest is one delivery to a subscriber endpoint.
type SendRequest struct {
	// Endpoint is the subscription endpoint, possibly with user:pass@
	// credentials, which the sender turns into Basic auth.
	Endpoint string
	Body     []byte
	Headers  map[string]string
	// Timeout bounds the whole request; SocketTimeout (0 = none) bounds
	// waiting for bytes.
	Timeout       time.Duration
	SocketTimeout time.Duration
	HTTP2         bool
}

// Sender delivers messages to subscribers.
type Sender interface {
	// Send performs one attempt and reports its outcome; it never returns
	// a Go error: transport failures are in the result. Safe for
	// concurrent use; connections are pooled per endpoint. It keeps
	// nothing of req after it returns: callers reuse its Headers map.
	Send(ctx context.Context, req SendRequest) domain.SendResult
}
