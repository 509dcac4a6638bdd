package domain

import "time"

// SendResult is what one delivery attempt to a subscriber returned.
type SendResult struct {
	// StatusCode is the HTTP status, 0 when no response came.
	StatusCode int
	// RetryAfter is the parsed Retry-After header; valid when HasRetryAfter.
	RetryAfter    time.Duration
	HasRetryAfter bool
	// Timeout is set when the request timed out.
	Timeout bool
	// Err is the transport error, nil when a response came.
	Err error

	// combined marks a BROADCAST attempt merged by CombineBroadcast:
	// allClientErrors is then its ClientError, reason its Reason, and its
	// Retry-After counts whatever its status (broadcast.go).
	combined, allClientErrors bool
	reason                    string
}

// Succeeded reports a 2xx response.
func (r SendResult) Succeeded() bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// ClientError reports a 4xx response.
func (r SendResult) ClientError() bool {
	if r.combined {
		return r.allClientErrors
	}
	return r.StatusCode >= 400 && r.StatusCode < 500
}

// Reason is the text Hermes logs for a failed attempt.
func (r SendResult) Reason() string {
	switch {
	case r.combined:
		return r.reason
	case r.Timeout:
		return "Message sending failed: timeout"
	case r.Err != nil:
		return "Message sending failed: " + r.Err.Error()
	case r.StatusCode != 0:
		return "Message sending failed with status code: " + itoa(r.StatusCode)
	}
	return ""
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}

// Verdict is what to do with a message after an attempt.
type Verdict int

// Verdicts.
const (
	// Delivered: the subscriber accepted the message.
	Delivered Verdict = iota
	// Retry: try again after the returned delay.
	Retry
	// Discard: give up (4xx without retryClientErrors, or messageTtl passed).
	Discard
)

// RetryDecision is the outcome of Decide.
type RetryDecision struct {
	Verdict Verdict
	Delay   time.Duration
	// SlowsRate tells the rate limiter to count the attempt as a failure.
	SlowsRate bool
}

// Decide classifies an attempt as Hermes does. attempt is the number of
// the retry that would follow (1 for the first retry); readAt is when the
// message was read from the store, now the current time.
func (p SubscriptionPolicy) Decide(r SendResult, attempt int, readAt, now time.Time, oauth bool) RetryDecision {
	if r.Succeeded() {
		return RetryDecision{Verdict: Delivered}
	}
	retryable := !r.ClientError() || p.RetryClientErrors || (r.StatusCode == 401 && oauth)
	if !retryable {
		return RetryDecision{Verdict: Discard}
	}
	delay := p.Backoff(attempt)
	ttl := time.Duration(p.MessageTTL) * time.Second
	usesRetryAfter := r.HasRetryAfter && (r.combined || r.StatusCode == 503 || r.StatusCode == 429)
	if usesRetryAfter {
		delay = min(r.RetryAfter, ttl)
	}
	if now.Add(delay).After(readAt.Add(ttl)) {
		return RetryDecision{Verdict: Discard, SlowsRate: !usesRetryAfter}
	}
	return RetryDecision{Verdict: Retry, Delay: delay, SlowsRate: !usesRetryAfter}
}
