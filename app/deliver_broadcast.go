package app

import (
	"context"
	"maps"
	"sync"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// broadcast is one message of a BROADCAST subscription on its way to
// every address of the endpoint (domain.BroadcastTargets), as Hermes's
// broadcast sender does: each attempt goes to the addresses that have
// not taken the message yet, all at once, and the attempt's results are
// combined into one (domain.CombineBroadcast) that the retry policy,
// metrics and traces see as one attempt. An address that answered 2xx,
// or a 4xx that is not retried, is not sent to again. It is a
// ports.Sender for one message's attempts; they run one at a time.
type broadcast struct {
	sender  ports.Sender
	targets []string // expanded addresses
	shown   []string // targets as logs show them
	done    []bool   // took the message, or refused it for good
	// retryClientErrors keeps a 4xx address pending.
	retryClientErrors bool
}

var _ ports.Sender = (*broadcast)(nil)

// parsedTarget is one address of a BROADCAST endpoint as a URI template,
// or why it does not parse.
type parsedTarget struct {
	tpl domain.EndpointTemplate
	err error
}

// parseTargets parses the addresses of endpoint (domain.BroadcastTargets).
func parseTargets(endpoint string) []parsedTarget {
	targets := domain.BroadcastTargets(endpoint)
	parsed := make([]parsedTarget, len(targets))
	for i, t := range targets {
		parsed[i].tpl, parsed[i].err = domain.ParseEndpointTemplate(t)
	}
	return parsed
}

// broadcastFor resolves a BROADCAST message's addresses, their URI
// templates filled from body. An address that does not parse or expand
// fails the attempt as a whole, as an unresolvable endpoint does.
func (dl *delivery) broadcastFor(body []byte) (*broadcast, error) {
	n := len(dl.broadcast)
	b := &broadcast{sender: dl.sender, targets: make([]string, n), shown: make([]string, n),
		done: make([]bool, n), retryClientErrors: dl.sub.Serial.RetryClientErrors}
	for i, t := range dl.broadcast {
		if t.err != nil {
			return nil, t.err
		}
		var err error
		if b.targets[i], err = t.tpl.Expand(body); err != nil {
			return nil, err
		}
		b.shown[i] = shownEndpoint(b.targets[i])
	}
	return b, nil
}

// Send sends req to every pending address at once (each with its own
// copy of the headers, which senders may add to) and returns the
// combined result; the addresses done before count as successes.
func (b *broadcast) Send(ctx context.Context, req ports.SendRequest) domain.SendResult {
	results := make([]domain.EndpointResult, len(b.targets))
	var wg sync.WaitGroup
	for i, target := range b.targets {
		results[i].Endpoint = b.shown[i]
		if b.done[i] {
			results[i].Result = domain.SendResult{StatusCode: 200}
			continue
		}
		one := req
		one.Endpoint, one.Headers = target, maps.Clone(req.Headers)
		wg.Go(func() { results[i].Result = b.sender.Send(ctx, one) })
	}
	wg.Wait()
	for i, r := range results {
		if r.Result.Succeeded() || (r.Result.ClientError() && !b.retryClientErrors) {
			b.done[i] = true
		}
	}
	return domain.CombineBroadcast(results)
}
