package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	avrocodec "github.com/hermes-go/hermes/adapters/avro"
	"github.com/hermes-go/hermes/adapters/httpapi"
	"github.com/hermes-go/hermes/adapters/jsonpath"
	"github.com/hermes-go/hermes/adapters/memory"
	"github.com/hermes-go/hermes/app"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/bench/internal/send"
)

// The Hermes mirror runs in this process what Hermes's JMH suite
// (hermes-benchmark) runs in its JVM: the frontend publishing to a store
// that acks at once, and the consumer pipeline fed from memory and sending
// to a sender that completes after 1 ms. Allocation is read as Hermes's GC
// profiler reads it: everything the process allocated, client included,
// over the operations.
const (
	MirrorScenario   = "hermes mirror/in-process"
	TargetMirrorPub  = "frontend, no-op store"
	TargetMirrorAvro = "frontend, no-op store, AVRO topic"
	TargetMirrorCons = "consumer"
	TargetMirrorFilt = "consumer, jsonpath filter"
	mirrorClients    = 2   // Hermes: @Threads(2), one blocking publish each
	mirrorInflight   = 160 // Hermes: the benchmark subscription's inflightSize
	mirrorSendDelay  = time.Millisecond
	mirrorPollSize   = 500 // messages per Poll, Kafka's default max.poll.records
)

// mirrorRow is one line of the Hermes mirror table: our figure and the
// one Hermes publishes for the same benchmark.
type mirrorRow struct {
	target, name, hermes string
}

// mirrorRows are Hermes's published JMH results (its gh-pages performance
// page, runs of May 2026, GitHub-hosted 4-vCPU runner): the consumer
// benchmarks' ops are 100 000 messages each, turned here into per-message
// figures.
var mirrorRows = []mirrorRow{
	{TargetMirrorAvro, "throughput", "6.7-7.7k ops/s"},
	{TargetMirrorAvro, "latency mean", "0.25-0.30 ms"},
	{TargetMirrorAvro, "allocated per publish", "~67 kB"},
	{TargetMirrorPub, "throughput", "(JSON topic: not in Hermes's suite)"},
	{TargetMirrorPub, "latency mean", ""},
	{TargetMirrorPub, "allocated per publish", ""},
	{TargetMirrorCons, "throughput", "~0.74 M msg/s"},
	{TargetMirrorCons, "allocated per message", "~1.9 kB"},
	{TargetMirrorFilt, "throughput", "~0.8 M msg/s"},
	{TargetMirrorFilt, "allocated per message", "~1.4 kB"},
}

// mirrorHermesHardware is the machine Hermes's figures come from.
const mirrorHermesHardware = "GitHub Actions ubuntu runner, 4 vCPU (JMH, 1 fork, @Threads(2) frontend)"

// MirrorMessage is our benchmark message, of the size and shape of
// Hermes's (a user: name, favourite number and colour, a nested address;
// 157 bytes, pretty-printed): a JSON document of that shape padded to
// exactly 157 bytes.
func MirrorMessage() []byte {
	const size = 157
	head := `{"name":"Alice","favorite_number":42,"favorite_color":"green","address":{"city":"Poznan","street":"Polwiejska","number":7},"note":"`
	pad := max(size-len(head)-2, 0)
	b := make([]byte, 0, size)
	b = append(b, head...)
	for range pad {
		b = append(b, '-')
	}
	return append(b, `"}`...)
}

// Mirror runs the Hermes mirror: the frontend, the consumer, and the
// consumer with a jsonpath filter passing half the messages.
func (r *Run) Mirror(ctx context.Context, _ *Kafka) error {
	return r.rounds(MirrorScenario,
		target{TargetMirrorAvro, func(_ bool, rec recorder) error { return r.mirrorFrontend(ctx, true, TargetMirrorAvro, rec) }},
		target{TargetMirrorPub, func(_ bool, rec recorder) error { return r.mirrorFrontend(ctx, false, TargetMirrorPub, rec) }},
		target{TargetMirrorCons, func(_ bool, rec recorder) error { return r.mirrorConsumer(ctx, false, rec) }},
		target{TargetMirrorFilt, func(_ bool, rec recorder) error { return r.mirrorConsumer(ctx, true, rec) }},
	)
}

// noopProducer is a message store that acks every message at once.
type noopProducer struct{}

func (noopProducer) Produce(context.Context, domain.Topic, domain.Message) error { return nil }

var _ ports.MessageProducer = noopProducer{}

// mirrorSchema is the Avro schema of MirrorMessage, of the shape of
// Hermes's benchmark schema (nullable fields, a nested record, Hermes's
// __metadata map).
const mirrorSchema = `{"type":"record","name":"MirrorUser","namespace":"bench","fields":[
{"name":"name","type":"string"},
{"name":"favorite_number","type":["null","int"],"default":null},
{"name":"favorite_color","type":["null","string"],"default":null},
{"name":"address","type":["null",{"type":"record","name":"MirrorAddress","fields":[
  {"name":"city","type":"string"},{"name":"street","type":"string"},{"name":"number","type":["null","int"],"default":null}]}],"default":null},
{"name":"note","type":"string"},
{"name":"__metadata","type":["null",{"type":"map","values":"string"}],"default":null}]}`

// mirrorFrontend publishes MirrorMessage in a closed loop through the real
// frontend handler; with avro, to an AVRO topic, so every publish is
// converted from JSON to Avro as in Hermes's benchmark.
func (r *Run) mirrorFrontend(ctx context.Context, avro bool, name string, rec recorder) error {
	store := memory.NewMetadataStore()
	topic := domain.NewTopic()
	topic.Name, topic.ContentType = "bench.mirror", domain.ContentTypeJSON
	if avro {
		topic.ContentType = domain.ContentTypeAvro
	}
	if err := store.CreateGroup(ctx, domain.Group{GroupName: "bench"}); err != nil {
		return err
	}
	if err := store.CreateTopic(ctx, topic); err != nil {
		return err
	}
	metrics := memory.NewMetrics()
	pub := app.NewPublishMessage(store, noopProducer{}, metrics, memory.NewTracker(10), slog.New(slog.DiscardHandler))
	if avro {
		repo := memory.NewSchemaRepository()
		if _, err := repo.RegisterSchema(ctx, domain.TopicName{Group: "bench", Name: "mirror"}, mirrorSchema); err != nil {
			return err
		}
		pub = pub.WithSchemas(app.NewSchemas(app.SchemaConfig{MetadataOptional: true}, repo, avrocodec.NewCodec()))
	}
	handler := httpapi.NewFrontend(pub, httpapi.FrontendConfig{Metrics: metrics}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close(); <-served }()

	tr := &http.Transport{MaxIdleConnsPerHost: mirrorClients, MaxConnsPerHost: mirrorClients, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/topics/bench.mirror"
	body := MirrorMessage()
	if !send.Post(ctx, client, url, body) { // opens the topic cache and a connection
		return errors.New("the first publish failed")
	}

	lctx, cancel := context.WithTimeout(ctx, r.cfg.Duration)
	defer cancel()
	var (
		ok, failed, sent atomic.Int64
		total            atomic.Int64 // nanoseconds over successful publishes
		wg               sync.WaitGroup
	)
	before := totalAlloc()
	start := time.Now()
	for range mirrorClients {
		wg.Go(func() {
			for lctx.Err() == nil && sent.Add(1) <= int64(r.cfg.Requests) {
				t := time.Now()
				if send.Post(lctx, client, url, body) {
					total.Add(int64(time.Since(t)))
					ok.Add(1)
				} else if lctx.Err() == nil {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	alloc := totalAlloc() - before
	n := ok.Load()
	if n == 0 {
		return fmt.Errorf("no publish succeeded (%d failed)", failed.Load())
	}
	if f := failed.Load(); f > 0 {
		r.report.Note("%s %s: %d of %d publishes failed", MirrorScenario, name, f, n+f)
	}
	rec("throughput", "ops/s", float64(n)/elapsed.Seconds())
	rec("latency mean", "ms", ms(time.Duration(total.Load()/n)))
	rec("allocated per publish", "kB", float64(alloc)/float64(n)/1000)
	return nil
}

// memoryReceiver is the in-memory receiver: it hands out pre-built
// messages a Poll at a time, then waits.
type memoryReceiver struct {
	mu     sync.Mutex
	msgs   []ports.ReceivedMessage
	polled chan struct{} // closed at the first Poll
	once   sync.Once
}

func (c *memoryReceiver) Poll(ctx context.Context) ([]ports.ReceivedMessage, error) {
	c.once.Do(func() { close(c.polled) })
	c.mu.Lock()
	n := min(len(c.msgs), mirrorPollSize)
	batch := c.msgs[:n:n]
	c.msgs = c.msgs[n:]
	c.mu.Unlock()
	if n > 0 {
		return batch, nil
	}
	<-ctx.Done()
	return nil, ctx.Err()
}

func (c *memoryReceiver) left() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.msgs)
}

func (c *memoryReceiver) Commit(context.Context, []ports.PartitionOffset) error { return nil }
func (c *memoryReceiver) Close() error                                          { return nil }

func (c *memoryReceiver) Consumer(context.Context, domain.Topic, domain.SubscriptionName, ports.ConsumerOptions) (ports.MessageConsumer, error) {
	return c, nil
}

// delayedSender completes every send after mirrorSendDelay and closes
// done at the want-th.
type delayedSender struct {
	sent atomic.Int64
	want int64
	done chan struct{}
}

// It sleeps rather than waiting on a timer or ctx: what the sender itself
// allocates is counted in the figures, and a timer per send (240 bytes)
// was as much as a fifth of what delivering a message allocated. A
// cancelled ctx waits out the 1 ms.
func (s *delayedSender) Send(ctx context.Context, _ ports.SendRequest) domain.SendResult {
	time.Sleep(mirrorSendDelay)
	if err := ctx.Err(); err != nil {
		return domain.SendResult{Err: err}
	}
	if s.sent.Add(1) == s.want {
		close(s.done)
	}
	return domain.SendResult{StatusCode: http.StatusOK}
}

// positions is the message store admin as far as delivery uses it: no
// lag to report.
type positions struct{ ports.MessageStoreAdmin }

func (positions) Lag(context.Context, domain.SubscriptionName) (int64, error) { return 0, nil }

func (positions) DeleteSubscriptionPosition(context.Context, domain.SubscriptionName) error {
	return nil
}

func (r *Run) mirrorConsumer(ctx context.Context, filtered bool, rec recorder) error {
	n := r.cfg.MirrorMessages
	store := memory.NewMetadataStore()
	topic := domain.NewTopic()
	topic.Name, topic.ContentType = "bench.mirror", domain.ContentTypeJSON
	policy := domain.DefaultSubscriptionPolicy()
	// The rate limiter off: a permit every 0 ns. Hermes: a no-op limiter.
	policy.Rate = math.MaxInt32
	inflight := mirrorInflight
	policy.InflightSize = &inflight
	sub := domain.Subscription{TopicName: topic.Name, Name: "s", Endpoint: "http://127.0.0.1:1/", State: domain.StateActive,
		ContentType: domain.ContentTypeJSON, Serial: &policy}
	want := n
	if filtered {
		// Hermes filters on the name, which half of the messages match.
		sub.Filters = []domain.MessageFilter{{Type: "jsonpath", Path: "$.name", Matcher: "Robert"}}
		want = n / 2
	}
	if err := store.CreateGroup(ctx, domain.Group{GroupName: "bench"}); err != nil {
		return err
	}
	if err := store.CreateTopic(ctx, topic); err != nil {
		return err
	}
	if err := store.CreateSubscription(ctx, sub); err != nil {
		return err
	}
	recv := &memoryReceiver{msgs: make([]ports.ReceivedMessage, n), polled: make(chan struct{})}
	now := time.Now()
	for i := range recv.msgs {
		name := "Mark"
		if i >= n/2 {
			name = "Robert"
		}
		body := `{"name":"` + name + `","favorite_number":` + strconv.Itoa(i) + `,"favorite_color":"blue"}`
		recv.msgs[i] = ports.ReceivedMessage{Message: domain.Message{ID: strconv.Itoa(i), Timestamp: now, Body: []byte(body)},
			Partition: 1, Offset: int64(i), ReadAt: now, Size: len(body)}
	}
	sender := &delayedSender{want: int64(want), done: make(chan struct{})}
	d := app.NewDeliverer(app.DeliveryConfig{InflightSize: mirrorInflight}, store, positions{}, recv, sender,
		memory.NewMetrics(), memory.NewTracker(10), memory.NewUndeliveredLog(), slog.New(slog.DiscardHandler)).
		WithJSONPath(jsonpath.New())

	dctx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { defer close(ran); _ = d.Run(dctx) }()
	defer func() { cancel(); <-ran }()
	timeout := time.NewTimer(r.cfg.Timeout)
	defer timeout.Stop()
	select {
	case <-recv.polled:
	case <-timeout.C:
		return errors.New("the consumer never polled")
	}
	before := totalAlloc()
	start := time.Now()
	select {
	case <-sender.done:
	case <-timeout.C:
		return fmt.Errorf("%d of %d messages sent (%d not polled)", sender.sent.Load(), want, recv.left())
	case <-ctx.Done():
		return ctx.Err()
	}
	elapsed := time.Since(start)
	alloc := totalAlloc() - before
	if left := recv.left(); left != 0 {
		return fmt.Errorf("all %d sent, %d messages never polled", want, left)
	}
	// Hermes counts ops of n received messages, filtered or not.
	rec("throughput", "msg/s", float64(n)/elapsed.Seconds())
	rec("delivered", "msg", float64(sender.sent.Load()))
	rec("allocated per message", "kB", float64(alloc)/float64(n)/1000)
	return nil
}

// totalAlloc is the bytes this process allocated so far.
func totalAlloc() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
