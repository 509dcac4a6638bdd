package domain

import (
	"regexp"
	"strings"
)

// broadcastSeparator is where a BROADCAST endpoint splits: a ';' that
// starts another absolute address. Hermes's BROADCAST sends to every
// address its EndpointAddressResolver.resolveAll returns; its
// integration tests resolve "http://a/x;http://b/y" into both, which is
// the resolver Hermes-Go builds in. A ';' not followed by a scheme stays
// in the address (a path's matrix parameter).
var broadcastSeparator = regexp.MustCompile(`;[a-zA-Z][a-zA-Z0-9.+-]*://`)

// BroadcastAddresses splits a BROADCAST subscription's endpoint into the
// addresses each message goes to, in order, each still an endpoint (and
// URI template) of its own. An endpoint without a separator is one
// address.
func BroadcastAddresses(endpoint string) []string {
	var out []string
	for {
		loc := broadcastSeparator.FindStringIndex(endpoint)
		if loc == nil {
			return append(out, endpoint)
		}
		out = append(out, endpoint[:loc[0]])
		endpoint = endpoint[loc[0]+1:]
	}
}

// endpointProblem says what is wrong with the endpoint, "" when nothing.
func (s Subscription) endpointProblem(rules SubscriptionRules) string {
	if s.Mode == ModeBroadcast {
		return validateBroadcastEndpoint(s.Endpoint, rules)
	}
	return validateEndpoint(s.Endpoint, rules)
}

// validateBroadcastEndpoint checks each address of a BROADCAST endpoint
// as an endpoint of its own. Credentials may stand in the first address
// only: they are the subscription's, sent to every address as Hermes
// sends a subscription's credentials with each request, and the masks
// that GET shows cover the first address alone.
func validateBroadcastEndpoint(endpoint string, rules SubscriptionRules) string {
	for i, address := range BroadcastAddresses(endpoint) {
		if msg := validateEndpoint(address, rules); msg != "" {
			return msg
		}
		if _, _, ok := EndpointCredentials(address); ok && i > 0 {
			return "endpoint credentials of a BROADCAST subscription must be in its first address"
		}
	}
	return ""
}

// BroadcastTargets are the addresses a BROADCAST message goes to, with
// the first address's credentials carried into the others (see
// validateBroadcastEndpoint).
func BroadcastTargets(endpoint string) []string {
	addresses := BroadcastAddresses(endpoint)
	m := credentialsPattern.FindStringSubmatch(addresses[0])
	if m == nil || m[2] == "" {
		return addresses
	}
	for i, a := range addresses[1:] {
		if _, _, ok := EndpointCredentials(a); ok {
			continue
		}
		if scheme, rest, ok := strings.Cut(a, "://"); ok {
			addresses[i+1] = scheme + "://" + m[2] + rest
		}
	}
	return addresses
}

// EndpointResult is one address's part of a BROADCAST attempt.
type EndpointResult struct {
	// Endpoint is the address as logs may show it (credentials masked).
	Endpoint string
	Result   SendResult
}

// CombineBroadcast merges one BROADCAST attempt's results over its
// addresses as Hermes's MultiMessageSendingResult does. Addresses that
// took the message in an earlier attempt are given as successes. The
// attempt succeeds when there are results and all succeeded; its status
// is the highest of all (on success) or of the failed ones; it is a
// client error (discarded unless retryClientErrors) only when every
// failure is a 4xx; a timeout in any makes it a timeout; its Retry-After
// is the shortest a 503 or 429 asked for. The reason names each failed
// address.
func CombineBroadcast(results []EndpointResult) SendResult {
	out := SendResult{combined: true, allClientErrors: true}
	if len(results) == 0 {
		out.allClientErrors = false
		out.reason = "Message sending failed: no address to send to"
		return out
	}
	succeeded := true
	for _, r := range results {
		succeeded = succeeded && r.Result.Succeeded()
	}
	var reasons []string
	for _, r := range results {
		res := r.Result
		out.Timeout = out.Timeout || res.Timeout
		if res.HasRetryAfter && (res.StatusCode == 503 || res.StatusCode == 429) && (!out.HasRetryAfter || res.RetryAfter < out.RetryAfter) {
			out.RetryAfter, out.HasRetryAfter = res.RetryAfter, true
		}
		if succeeded {
			out.StatusCode = max(out.StatusCode, res.StatusCode)
			continue
		}
		if res.Succeeded() {
			continue
		}
		out.StatusCode = max(out.StatusCode, res.StatusCode)
		out.allClientErrors = out.allClientErrors && res.ClientError()
		if out.Err == nil {
			out.Err = res.Err
		}
		reasons = append(reasons, r.Endpoint+": "+res.Reason())
	}
	if succeeded {
		out.allClientErrors = false
	}
	out.reason = strings.Join(reasons, "; ")
	return out
}
