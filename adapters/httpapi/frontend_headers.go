package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// HeaderPropagation says which publish request headers travel with the
// message to its subscribers (Hermes's frontend.http.headers).
type HeaderPropagation struct {
	// Enabled turns propagation on (Hermes's propagationEnabled, default
	// false).
	Enabled bool
	// Allowed lists the header names to propagate, case-insensitively
	// (Hermes's allowedSet). Empty propagates every header, as in Hermes,
	// except those that describe the publish request itself (see
	// requestOnlyHeaders).
	Allowed []string
}

// requestOnlyHeaders describe the publish request's own connection and
// framing; propagated to a subscriber they would misdescribe its request
// (a Host or Content-Length that is not its own) or leak the publisher's
// credentials, so "every header" leaves them out.
var requestOnlyHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "Content-Type": true, "Content-Encoding": true,
	"Transfer-Encoding": true, "Connection": true, "Keep-Alive": true, "Te": true,
	"Trailer": true, "Upgrade": true, "Expect": true, "Authorization": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "Cookie": true,
}

// headerPropagator picks the headers of a publish request to store with
// its message.
type headerPropagator struct {
	enabled bool
	allowed map[string]bool // lower-case names; empty: all but requestOnlyHeaders
}

func newHeaderPropagator(c HeaderPropagation) headerPropagator {
	p := headerPropagator{enabled: c.Enabled}
	for _, n := range c.Allowed {
		if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
			if p.allowed == nil {
				p.allowed = map[string]bool{}
			}
			p.allowed[n] = true
		}
	}
	return p
}

// extract returns the headers to propagate (nil when none): the first
// value of each, empty values left out, as Hermes does.
func (p headerPropagator) extract(h http.Header) map[string]string {
	if !p.enabled {
		return nil
	}
	var out map[string]string
	for name, values := range h {
		if len(values) == 0 || values[0] == "" {
			continue
		}
		if p.allowed != nil && !p.allowed[strings.ToLower(name)] || p.allowed == nil && requestOnlyHeaders[name] {
			continue
		}
		if out == nil {
			out = map[string]string{}
		}
		out[name] = values[0]
	}
	return out
}

// keepAliveValue is the Keep-Alive response header Hermes's frontend
// sends when frontend.handlers.keepAliveHeader is enabled: "timeout=N",
// N in whole seconds.
func keepAliveValue(timeout time.Duration) string {
	return "timeout=" + strconv.FormatInt(int64(timeout/time.Second), 10)
}
