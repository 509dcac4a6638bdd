package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Hermes is a running hermes binary and its management API.
type Hermes struct {
	*Proc
}

// StartHermes runs the hermes binary on free 127.0.0.1 ports with its
// message store on k and its metadata as JSON files under dataDir, plus
// env (later entries win).
func StartHermes(bin Binaries, k *Kafka, dataDir string, env ...string) (*Hermes, error) {
	p, err := StartProc("hermes", bin.Hermes, []string{"--data-dir", dataDir}, append(hermesEnv(k), env...),
		"frontend", "management", "pprof")
	if err != nil {
		return nil, err
	}
	return &Hermes{Proc: p}, nil
}

// hermesEnv points the binary at k, on free loopback ports.
func hermesEnv(k *Kafka) []string {
	// Goroutine counts for the footprint and density scenarios, on
	// loopback; an address in the harness's environment wins, so that a
	// profile can be taken at a known place (docs/benchmarks.md).
	pprof := "127.0.0.1:0"
	if addr := os.Getenv("HERMES_DEBUG__PPROF_ADDR"); addr != "" {
		pprof = addr
	}
	return []string{
		"HERMES_FRONTEND__ADDR=127.0.0.1:0",
		"HERMES_MANAGEMENT__ADDR=127.0.0.1:0",
		"HERMES_CONSUMERS__ADDR=127.0.0.1:0",
		"HERMES_MESSAGE_STORE__KIND=kafka",
		"HERMES_MESSAGE_STORE__BROKERS=" + k.Brokers,
		"HERMES_DEBUG__PPROF_ADDR=" + pprof,
	}
}

// PublishURL is where messages of a topic are published.
func (h *Hermes) PublishURL(topic string) string { return h.URL("frontend") + "/topics/" + topic }

// call sends a management request; want is the expected status.
func (h *Hermes) call(ctx context.Context, want int, method, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, method, h.URL("management")+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("bench: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("bench: %s %s: %d %s", method, path, resp.StatusCode, got)
	}
	return nil
}

// CreateTopic creates group.topic (and its group when missing).
func (h *Hermes) CreateTopic(ctx context.Context, group, topic string) error {
	err := h.call(ctx, http.StatusCreated, "POST", "/groups", fmt.Sprintf(`{"groupName": %q}`, group))
	if err != nil && !strings.Contains(err.Error(), "GROUP_ALREADY_EXISTS") {
		return err
	}
	return h.call(ctx, http.StatusCreated, "POST", "/topics", fmt.Sprintf(`{"name": "%s.%s", "description": "bench",
"contentType": "JSON", "retentionTime": {"duration": 1}, "owner": {"source": "Plaintext", "id": "bench"}}`, group, topic))
}

// SubscriptionRate is the subscriptionPolicy.rate of every subscription
// the harness creates. Hermes's default, 400 messages/s per subscription,
// reached by an adaptive ramp starting at 144/s, would measure the rate
// limiter, not the delivery path.
const SubscriptionRate = 1_000_000

// CreateSubscription subscribes endpoint to topic (qualified).
func (h *Hermes) CreateSubscription(ctx context.Context, topic, name, endpoint string) error {
	return h.call(ctx, http.StatusCreated, "POST", "/topics/"+topic+"/subscriptions", fmt.Sprintf(`{"topicName": %q,
"name": %q, "description": "bench", "endpoint": %q, "owner": {"source": "Plaintext", "id": "bench"},
"subscriptionPolicy": {"rate": %d}}`, topic, name, endpoint, SubscriptionRate))
}

// SetState sets a subscription ACTIVE or SUSPENDED.
func (h *Hermes) SetState(ctx context.Context, topic, name, state string) error {
	return h.call(ctx, http.StatusOK, "PUT", "/topics/"+topic+"/subscriptions/"+name+"/state", `"`+state+`"`)
}

// DeleteSubscription removes a subscription, stopping its consumer.
func (h *Hermes) DeleteSubscription(ctx context.Context, topic, name string) error {
	return h.call(ctx, http.StatusOK, "DELETE", "/topics/"+topic+"/subscriptions/"+name, "")
}

// WaitActive waits until the consumers activated the subscription.
func (h *Hermes) WaitActive(ctx context.Context, topic, name string) error {
	path := "/topics/" + topic + "/subscriptions/" + name + "/state"
	var last error
	if poll(ctx, 60*time.Second, func() bool {
		req, _ := http.NewRequestWithContext(ctx, "GET", h.URL("management")+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if last = err; err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b) == `"ACTIVE"`
	}) {
		return nil
	}
	return fmt.Errorf("bench: subscription %s.%s not ACTIVE: %v", topic, name, last)
}

// Goroutines is the process's goroutine count (from its pprof server).
func (h *Hermes) Goroutines(ctx context.Context) (int, error) {
	b, err := h.get(ctx, h.URL("pprof")+"/debug/pprof/goroutine?debug=1")
	if err != nil {
		return 0, fmt.Errorf("bench: goroutines: %w", err)
	}
	var n int
	// The first line reads "goroutine profile: total N".
	if _, err := fmt.Sscanf(string(b), "goroutine profile: total %d", &n); err != nil {
		return 0, fmt.Errorf("bench: goroutines: %w", err)
	}
	return n, nil
}

// RunningCount is how many subscriptions the consumers status server
// says this process runs (/status/subscriptionsCount).
func (h *Hermes) RunningCount(ctx context.Context) (int, error) {
	b, err := h.get(ctx, h.URL("consumers")+"/status/subscriptionsCount")
	if err != nil {
		return 0, fmt.Errorf("bench: running subscriptions: %w", err)
	}
	return strconv.Atoi(strings.TrimSpace(string(b)))
}

// get reads the body of a GET of url.
func (h *Hermes) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// KeepState is Proc.KeepLog plus, when err is not nil, the process's
// goroutine dump (from its pprof server) in a file of the temporary
// directory: what a stalled delivery waits on.
func (h *Hermes) KeepState(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	err = h.KeepLog(err)
	b, gerr := h.get(ctx, h.URL("pprof")+"/debug/pprof/goroutine?debug=2")
	if gerr != nil {
		return err
	}
	f, ferr := os.CreateTemp("", "hermes-bench-"+h.Name+"-goroutines-*.txt")
	if ferr != nil {
		return err
	}
	defer f.Close()
	if _, ferr := f.Write(b); ferr != nil {
		return err
	}
	return fmt.Errorf("%w (goroutines: %s)", err, f.Name())
}
