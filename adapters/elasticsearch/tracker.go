package elasticsearch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/hermes-go/hermes/adapters/internal/tracking"
	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

var (
	_ ports.Tracker         = (*Tracker)(nil)
	_ ports.TraceRepository = (*Tracker)(nil)
)

// Tracker is a ports.Tracker and ports.TraceRepository over Elasticsearch
// or OpenSearch, laid out as Hermes's hermes-tracker-elasticsearch: daily
// indices published_messages_YYYY_MM_DD and sent_messages_YYYY_MM_DD
// (UTC date of the write), index templates template_published_messages and
// template_sent_messages with keyword mappings, and the aliases
// alias_published_messages and alias_sent_messages. Queries search the
// index pattern, so they work before the first index exists.
//
// Writes go through a bounded queue to one background writer that sends
// _bulk requests; a slow or dead cluster never blocks Published or Sent, it
// makes traces drop (see Dropped). The index templates are put before the
// first bulk write and retried while the cluster is unreachable, so New
// succeeds while it is down. There is no index deletion: as in Hermes,
// retention of the daily indices is left to the cluster (ILM/ISM).
type Tracker struct {
	*tracking.Recorder // Published, Sent, Dropped, Flush

	cfg       Config
	log       *slog.Logger
	rest      rest
	templated bool // owned by the writer goroutine
}

// New validates cfg and starts the writer goroutine; Close stops it. It
// does not contact the cluster.
func New(ctx context.Context, cfg Config, log *slog.Logger) (*Tracker, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("elasticsearch: url %q: want http(s)://host:port: %w", cfg.URL, domain.ErrValidation)
	}
	t := &Tracker{
		cfg:  cfg,
		log:  log,
		rest: rest{base: strings.TrimSuffix(cfg.URL, "/"), client: cfg.HTTPClient, username: cfg.Username, password: cfg.Password},
	}
	t.Recorder = tracking.NewRecorder(tracking.Config{QueueSize: cfg.QueueSize, BatchSize: cfg.BatchSize,
		FlushInterval: cfg.FlushInterval, CloseTimeout: cfg.CloseTimeout, WriteTimeout: cfg.Timeout}, t.log, t.write)
	return t, nil
}

// Close flushes what is queued (bounded by Config.CloseTimeout) and stops
// the writer. Traces recorded after Close are dropped.
func (t *Tracker) Close() error {
	t.Recorder.Close()
	t.cfg.HTTPClient.CloseIdleConnections()
	return nil
}

// name is a Hermes name with the configured prefix.
func (t *Tracker) name(hermesName string) string { return t.cfg.IndexPrefix + hermesName }

// dailyIndex is Hermes's daily index of base for the current UTC day.
func (t *Tracker) dailyIndex(base string) string {
	return t.name(base) + "_" + t.cfg.now().UTC().Format("2006_01_02")
}

// write sends one batch as a _bulk request.
func (t *Tracker) write(ctx context.Context, batch []tracking.Item) (int, error) {
	if !t.templated {
		if err := t.putTemplates(ctx); errors.Is(err, domain.ErrUnavailable) {
			return len(batch), err
		} else if err != nil {
			// A cluster that refuses the template still takes the traces
			// with dynamic mappings; do not lose them over it.
			t.log.Warn("index template rejected, indexing with dynamic mappings", "err", err)
		}
		t.templated = true
	}
	published, sent := t.dailyIndex(tracking.PublishedName), t.dailyIndex(tracking.SentName)
	var body bytes.Buffer
	enc := json.NewEncoder(&body) // one JSON document per line, as _bulk wants
	for _, it := range batch {
		index, doc := published, any(it.Published)
		if it.Sent != nil {
			index, doc = sent, it.Sent
		}
		if err := errors.Join(enc.Encode(map[string]any{"index": map[string]string{"_index": index}}), enc.Encode(doc)); err != nil {
			return len(batch), fmt.Errorf("elasticsearch: encode trace: %w", err)
		}
	}
	path := "/_bulk"
	if t.cfg.RefreshOnWrite {
		path += "?refresh=wait_for"
	}
	var answer bulkAnswer
	if err := t.rest.do(ctx, "POST", path, "application/x-ndjson", body.Bytes(), &answer); err != nil {
		return len(batch), err
	}
	return answer.failed()
}

// putTemplates puts the index templates of both kinds of traces.
func (t *Tracker) putTemplates(ctx context.Context) error {
	common := map[string]any{
		"messageId":             keyword,
		"timestamp":             map[string]any{"type": "date", "format": "epoch_millis"},
		"timestamp_seconds":     map[string]any{"type": "date", "format": "epoch_second"},
		"topicName":             keyword,
		"status":                keyword,
		"cluster":               keyword,
		"hostname":              keyword,
		"remote_hostname":       keyword,
		"reason":                text,
		"message":               map[string]any{"type": "text", "index": false},
		"storageDc":             text,
		"extra_request_headers": text,
	}
	sent := map[string]any{
		"subscription":      keyword,
		"batchId":           keyword,
		"publish_timestamp": map[string]any{"type": "date", "index": false},
		"offset":            map[string]any{"type": "long"},
		"partition":         map[string]any{"type": "integer"},
	}
	for k, v := range common {
		sent[k] = v
	}
	for base, properties := range map[string]map[string]any{tracking.PublishedName: common, tracking.SentName: sent} {
		template := map[string]any{
			"index_patterns": []string{t.name(base) + "_*"},
			"priority":       100,
			"template": map[string]any{
				"mappings": map[string]any{"properties": properties},
				"aliases":  map[string]any{t.name("alias_" + base): map[string]any{}},
			},
		}
		if err := t.rest.doJSON(ctx, "PUT", "/_index_template/"+t.name("template_"+base), template, nil); err != nil {
			return err
		}
	}
	return nil
}

// maxResultWindow is the default index.max_result_window: larger sizes are
// rejected.
const maxResultWindow = 10000

var (
	keyword = map[string]any{"type": "keyword"}
	text    = map[string]any{"type": "text"}
)

// search runs a filtered, timestamp-sorted query over all daily indices of
// base; no index yet means no hits.
func search[D any](ctx context.Context, t *Tracker, base string, filter map[string]string, order string, size int) ([]D, error) {
	terms := make([]any, 0, len(filter))
	for field, value := range filter {
		terms = append(terms, map[string]any{"term": map[string]any{field: value}})
	}
	query := map[string]any{
		"size":  size,
		"query": map[string]any{"bool": map[string]any{"filter": terms}},
		"sort":  []any{map[string]any{tracking.FieldTimestamp: map[string]any{"order": order, "unmapped_type": "long"}}},
	}
	var answer searchAnswer[D]
	path := "/" + url.PathEscape(t.name(base)+"_*") + "/_search?ignore_unavailable=true&allow_no_indices=true"
	if err := t.rest.doJSON(ctx, "POST", path, query, &answer); err != nil {
		return nil, err
	}
	return answer.docs(), nil
}

// MessageTraces implements ports.TraceRepository.
func (t *Tracker) MessageTraces(ctx context.Context, sub domain.SubscriptionName, messageID string) ([]domain.PublishedMessageTrace, []domain.SentMessageTrace, error) {
	topic := sub.Topic.String()
	published, err := search[tracking.PublishedDoc](ctx, t, tracking.PublishedName, map[string]string{
		tracking.FieldMessageID: messageID, tracking.FieldTopicName: topic,
	}, "asc", tracking.MaxTraces)
	if err != nil {
		return nil, nil, err
	}
	sent, err := search[tracking.SentDoc](ctx, t, tracking.SentName, map[string]string{
		tracking.FieldMessageID: messageID, tracking.FieldTopicName: topic, tracking.FieldSubscription: sub.Name,
	}, "asc", tracking.MaxTraces)
	if err != nil {
		return nil, nil, err
	}
	return tracking.Traces[tracking.PublishedDoc, domain.PublishedMessageTrace](published),
		tracking.Traces[tracking.SentDoc, domain.SentMessageTrace](sent), nil
}

// Undelivered implements ports.TraceRepository.
func (t *Tracker) Undelivered(ctx context.Context, sub domain.SubscriptionName, limit int) ([]domain.SentMessageTrace, error) {
	if limit <= 0 {
		return []domain.SentMessageTrace{}, ctx.Err()
	}
	sent, err := search[tracking.SentDoc](ctx, t, tracking.SentName, map[string]string{
		tracking.FieldTopicName: sub.Topic.String(), tracking.FieldSubscription: sub.Name, tracking.FieldStatus: domain.SentDiscarded,
	}, "desc", min(limit, maxResultWindow))
	if err != nil {
		return nil, err
	}
	return tracking.Traces[tracking.SentDoc, domain.SentMessageTrace](sent), nil
}
