package kafka_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/hermes-go/hermes/adapters/kafka"
	"github.com/hermes-go/hermes/domain"
)

// A persisted topic the broker cannot load is moved aside at start, and
// the rest is served (issue 15, defect 1: a topic whose partition
// directory name was too long failed every start with "file name too
// long" until topics.json was edited by hand).
func TestEmbeddedStartsBesideAnUnloadableTopic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	emb, err := kafka.StartEmbedded(dir, 0)
	require.NoError(t, err)
	cfg := kafka.Config{Brokers: emb.Addrs()}
	adm, err := kafka.NewAdmin(cfg, testLogger())
	require.NoError(t, err)
	require.NoError(t, adm.CreateTopic(t.Context(), jsonTopic("g.good")))
	adm.Close()
	prod, err := kafka.NewProducer(cfg, testLogger())
	require.NoError(t, err)
	require.NoError(t, prod.Produce(t.Context(), jsonTopic("g.good"), domain.Message{ID: "kept", Timestamp: time.Now(), Body: []byte(`{}`)}))
	prod.Close()
	// What the management API let through before names were checked: the
	// broker takes the topic and cannot reload it.
	bad := strings.Repeat("g", 250) + ".tttttt"
	resp, err := kadm.NewClient(kgoClient(t, emb)).CreateTopic(t.Context(), 3, 1, nil, bad)
	require.NoError(t, err)
	require.NoError(t, resp.Err)
	emb.Close()

	var logs bytes.Buffer
	emb, err = kafka.StartEmbedded(dir, 0, kafka.WithEmbeddedLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	require.NoError(t, err, "the broker starts beside the bad entry")
	t.Cleanup(emb.Close)
	assert.Contains(t, logs.String(), "topic cannot be loaded")
	assert.Contains(t, logs.String(), "tttttt")

	topics, err := kadm.NewClient(kgoClient(t, emb)).ListTopics(t.Context())
	require.NoError(t, err)
	assert.True(t, topics.Has("g.good"), "the other topics are served")
	assert.False(t, topics.Has(bad))
	offsets, err := kadm.NewClient(kgoClient(t, emb)).ListEndOffsets(t.Context(), "g.good")
	require.NoError(t, err)
	var records int64
	offsets.Each(func(o kadm.ListedOffset) { records += o.Offset })
	assert.EqualValues(t, 1, records, "the other topics keep their records")

	var moved struct {
		Topics []struct{ Name string } `json:"topics"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "topics.quarantined.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &moved))
	require.Len(t, moved.Topics, 1)
	assert.Equal(t, bad, moved.Topics[0].Name, "the bad entry is kept aside, not lost")
}
