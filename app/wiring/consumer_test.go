package wiring

import (
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/fx"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/ports"
)

func TestMessageStoreConsumerIsValidated(t *testing.T) {
	assert.Equal(t, ConsumerGroup, Defaults().MessageStore.Consumer, "the group consumer stays the default")
	cfg := Defaults()
	cfg.MessageStore.Consumer = "sharde"
	assert.ErrorContains(t, cfg.Validate(), `message_store.consumer "sharde": want group`)
}

// Both consumers build a complete graph with either message store, and
// message_store.consumer picks the factory.
func TestMessageStoreConsumerPicksTheFactory(t *testing.T) {
	for _, store := range []string{MessageStoreEmbedded, MessageStoreKafka} {
		for consumer, want := range map[string]any{ConsumerGroup: &kafka.ConsumerFactory{}, ConsumerShared: &kafka.SharedConsumerFactory{}} {
			t.Run(store+"/"+consumer, func(t *testing.T) {
				cfg := Defaults()
				cfg.MessageStore.Kind, cfg.MessageStore.Consumer = store, consumer
				cfg.MessageStore.Brokers = []string{"127.0.0.1:1"}
				cfg.DataDir = t.TempDir()
				require.NoError(t, cfg.Validate())
				require.NoError(t, fx.ValidateApp(Options(cfg)))

				var cf ports.MessageConsumerFactory
				app := fx.New(fx.NopLogger, fx.Supply(kafka.Config{Brokers: cfg.MessageStore.Brokers}, slog.Default()),
					fx.Provide(consumerFactory(cfg)), fx.Populate(&cf))
				require.NoError(t, app.Err())
				assert.IsType(t, want, cf, fmt.Sprint(consumer))
				require.NoError(t, app.Stop(t.Context()), "the shared factory closes with the app")
			})
		}
	}
}

func TestMessageStoreCompressionCodecIsValidated(t *testing.T) {
	assert.Equal(t, "none", Defaults().MessageStore.CompressionCodec, "Hermes's producer does not compress by default")
	cfg := Defaults()
	cfg.MessageStore.CompressionCodec = "snapy"
	assert.ErrorContains(t, cfg.Validate(), `message_store.compression_codec "snapy": want none`)
}

func TestWhisperBatchIsValidated(t *testing.T) {
	cfg := Defaults()
	for _, n := range []int{0, 31} {
		cfg.Metrics.WhisperBatch = n
		assert.ErrorContains(t, cfg.Validate(), fmt.Sprintf("metrics.whisper_batch %d: want 1", n))
	}
}
