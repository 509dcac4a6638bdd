package kafka_test

import (
	"log/slog"
	"net"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/ports"
	"github.com/hermes-go/hermes/test/contract/messagestore"
	"github.com/hermes-go/hermes/test/testenv"
)

// harness runs the suite against kfake (emb set) or a real broker.
type harness struct {
	cfg     kafka.Config
	emb     *kafka.Embedded
	dataDir string
	// shared selects the shared-fetch consumer factory.
	shared bool

	producer     *kafka.Producer
	admin        *kafka.Admin
	consumers    ports.MessageConsumerFactory
	closeFactory func() error
}

func (h *harness) Producer() ports.MessageProducer         { return h.producer }
func (h *harness) Admin() ports.MessageStoreAdmin          { return h.admin }
func (h *harness) Consumers() ports.MessageConsumerFactory { return h.consumers }

func (h *harness) open(t *testing.T) {
	t.Helper()
	log := testLogger()
	var err error
	h.producer, err = kafka.NewProducer(h.cfg, log)
	require.NoError(t, err)
	h.admin, err = kafka.NewAdmin(h.cfg, log)
	require.NoError(t, err)
	if h.shared {
		f, err := kafka.NewSharedConsumerFactory(h.cfg, log)
		require.NoError(t, err)
		h.consumers, h.closeFactory = f, f.Close
		return
	}
	h.consumers, err = kafka.NewConsumerFactory(h.cfg, log)
	require.NoError(t, err)
	h.closeFactory = func() error { return nil }
}

func (h *harness) closeClients() {
	h.producer.Close()
	h.admin.Close()
	_ = h.closeFactory()
}

func (h *harness) Close() {
	h.closeClients()
	if h.emb != nil {
		h.emb.Close()
	}
}

// Restart implements messagestore.Restarter: the broker comes back on the
// same port and data dir.
func (h *harness) Restart(t *testing.T) {
	h.closeClients()
	h.emb.Close()
	_, port, err := net.SplitHostPort(h.cfg.Brokers[0])
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	h.emb, err = kafka.StartEmbedded(h.dataDir, p)
	require.NoError(t, err)
	h.open(t)
}

// embeddedHarness returns a maker of harnesses that each start a fresh
// persistent kfake broker.
func embeddedHarness(shared bool) func(t *testing.T) messagestore.Harness {
	return func(t *testing.T) messagestore.Harness {
		dir := t.TempDir()
		emb, err := kafka.StartEmbedded(dir, 0)
		require.NoError(t, err)
		h := &harness{cfg: kafka.Config{Brokers: emb.Addrs()}, emb: emb, dataDir: dir, shared: shared}
		h.open(t)
		return h
	}
}

func TestContractEmbedded(t *testing.T) {
	t.Parallel()
	messagestore.Run(t, embeddedHarness(false), messagestore.Features{Persistence: true})
}

// TestContractEmbeddedShared runs the suite with the shared-fetch
// consumer (message_store.consumer: shared).
func TestContractEmbeddedShared(t *testing.T) {
	t.Parallel()
	messagestore.Run(t, embeddedHarness(true), messagestore.Features{Persistence: true, ReadsShare: true})
}

// TestContractBroker runs the suite against the broker at HERMES_TEST_KAFKA
// (host:port, set by test/infra/kafka.sh).
func TestContractBroker(t *testing.T) {
	t.Parallel()
	addr := testenv.Require(t, "HERMES_TEST_KAFKA", `eval "$(bash test/infra/kafka.sh start >&2 && bash test/infra/kafka.sh env)"`)
	messagestore.Run(t, brokerHarness(addr, false), messagestore.Features{})
}

// TestContractBrokerShared runs the suite with the shared-fetch consumer
// against the broker at HERMES_TEST_KAFKA.
func TestContractBrokerShared(t *testing.T) {
	t.Parallel()
	addr := testenv.Require(t, "HERMES_TEST_KAFKA", `eval "$(bash test/infra/kafka.sh start >&2 && bash test/infra/kafka.sh env)"`)
	messagestore.Run(t, brokerHarness(addr, true), messagestore.Features{ReadsShare: true})
}

func brokerHarness(addr string, shared bool) func(t *testing.T) messagestore.Harness {
	return func(t *testing.T) messagestore.Harness {
		h := &harness{cfg: kafka.Config{Brokers: []string{addr}, Namespace: "contract"}, shared: shared}
		h.open(t)
		return h
	}
}

func testLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}
