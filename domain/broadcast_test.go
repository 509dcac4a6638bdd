package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/domain"
)

func TestBroadcastAddresses(t *testing.T) {
	t.Parallel()
	for endpoint, want := range map[string][]string{
		"http://a/x":                          {"http://a/x"},
		"http://a/x;http://b/y":               {"http://a/x", "http://b/y"},
		"http://a/x;https://b:81/y;http://c/": {"http://a/x", "https://b:81/y", "http://c/"},
		"http://a/x;v=1;http://b/y;w=2":       {"http://a/x;v=1", "http://b/y;w=2"}, // matrix parameters stay
		"http://a/{id};http://b/{+path}":      {"http://a/{id}", "http://b/{+path}"},
	} {
		assert.Equal(t, want, domain.BroadcastAddresses(endpoint), endpoint)
	}
}

func TestBroadcastTargetsCarryTheFirstCredentials(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"http://u:p@a/x", "https://u:p@b/y"}, domain.BroadcastTargets("http://u:p@a/x;https://b/y"))
	assert.Equal(t, []string{"http://a/x", "http://b/y"}, domain.BroadcastTargets("http://a/x;http://b/y"))
}

func TestBroadcastEndpointValidation(t *testing.T) {
	t.Parallel()
	rules := domain.SubscriptionRules{}
	for endpoint, want := range map[string]string{
		"http://a/x;http://b/y":        "",
		"http://u:p@a/x;http://b/y":    "",
		"http://a/x;ftp://b/y":         "protocol ftp",
		"http://a/x;http://b_c/y":      "Underscore",
		"http://a/x;http://u:p@b/y":    "first address",
		"http://a/x;http:///no-host/y": "not a valid URI",
	} {
		s := validSubscription()
		s.Mode, s.Endpoint = domain.ModeBroadcast, endpoint
		err := s.Validate(domain.Topic{ContentType: domain.ContentTypeJSON}, rules)
		if want == "" {
			assert.NoError(t, err, endpoint)
			continue
		}
		require.ErrorIs(t, err, domain.ErrValidation, endpoint)
		assert.Contains(t, err.Error(), want, endpoint)
		assert.NotContains(t, err.Error(), ":p@", "no password in the message")
	}
	// ANYCAST reads the same string as one address, as Hermes does.
	s := validSubscription()
	s.Endpoint = "http://a/x;ftp://b_c/y"
	assert.NoError(t, s.Validate(domain.Topic{ContentType: domain.ContentTypeJSON}, rules))
}

func ok() domain.SendResult { return domain.SendResult{StatusCode: 200} }

func TestCombineBroadcast(t *testing.T) {
	t.Parallel()
	at := func(results ...domain.SendResult) []domain.EndpointResult {
		out := make([]domain.EndpointResult, len(results))
		for i, r := range results {
			out[i] = domain.EndpointResult{Endpoint: string(rune('a'+i)) + "/", Result: r}
		}
		return out
	}
	timeout := domain.SendResult{Timeout: true, Err: errors.New("deadline")}
	retryLater := domain.SendResult{StatusCode: 503, RetryAfter: 2 * time.Second, HasRetryAfter: true}
	tooMany := domain.SendResult{StatusCode: 429, RetryAfter: time.Second, HasRetryAfter: true}

	all := domain.CombineBroadcast(at(ok(), domain.SendResult{StatusCode: 204}))
	assert.True(t, all.Succeeded())
	assert.Equal(t, 204, all.StatusCode, "the highest status of all")

	clientOnly := domain.CombineBroadcast(at(ok(), domain.SendResult{StatusCode: 400}, domain.SendResult{StatusCode: 404}))
	assert.False(t, clientOnly.Succeeded())
	assert.True(t, clientOnly.ClientError(), "every failure a 4xx")
	assert.Equal(t, 404, clientOnly.StatusCode, "the highest failed status")
	assert.Equal(t, "b/: Message sending failed with status code: 400; c/: Message sending failed with status code: 404", clientOnly.Reason())

	mixed := domain.CombineBroadcast(at(domain.SendResult{StatusCode: 400}, timeout))
	assert.Equal(t, 400, mixed.StatusCode)
	assert.False(t, mixed.ClientError(), "a timeout beside the 4xx is retried")
	assert.True(t, mixed.Timeout)

	later := domain.CombineBroadcast(at(retryLater, tooMany, domain.SendResult{StatusCode: 500}))
	assert.Equal(t, 503, later.StatusCode)
	assert.True(t, later.HasRetryAfter)
	assert.Equal(t, time.Second, later.RetryAfter, "the shortest Retry-After")

	none := domain.CombineBroadcast(nil)
	assert.False(t, none.Succeeded())
	assert.False(t, none.ClientError())
	assert.NotEmpty(t, none.Reason())
}

// The retry policy judges a combined attempt as Hermes judges its
// MultiMessageSendingResult.
func TestDecideOnACombinedBroadcast(t *testing.T) {
	t.Parallel()
	p := domain.DefaultSubscriptionPolicy()
	now := time.Now()
	decide := func(results ...domain.SendResult) domain.RetryDecision {
		rs := make([]domain.EndpointResult, len(results))
		for i, r := range results {
			rs[i].Result = r
		}
		return p.Decide(domain.CombineBroadcast(rs), 1, now, now, false)
	}
	assert.Equal(t, domain.Delivered, decide(ok(), ok()).Verdict)
	assert.Equal(t, domain.Discard, decide(ok(), domain.SendResult{StatusCode: 400}).Verdict)
	assert.Equal(t, domain.Retry, decide(domain.SendResult{StatusCode: 400}, domain.SendResult{StatusCode: 500}).Verdict)
	d := decide(domain.SendResult{StatusCode: 429, RetryAfter: 3 * time.Second, HasRetryAfter: true}, domain.SendResult{StatusCode: 500})
	assert.Equal(t, domain.Retry, d.Verdict, "a 429 beside a 5xx is retried")
	assert.Equal(t, 3*time.Second, d.Delay, "after the Retry-After a 429 asked for, though the status is 500")
}
