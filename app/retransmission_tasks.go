package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hermes-go/hermes/domain"
	"github.com/hermes-go/hermes/ports"
)

// RetransmissionLinks are URL templates of a task's monitoring links;
// "{taskId}" is replaced by the task's id.
type RetransmissionLinks struct {
	LogsURL, MetricsURL, JobDetailsURL string
}

// OfflineRetransmission implements ports.OfflineRetransmissionService as
// Hermes's OfflineRetransmissionService: tasks are validated and stored at
// offline-retransmission/tasks/{taskId} for an external job; Hermes itself
// runs none, and neither does Hermes-Go.
type OfflineRetransmission struct {
	store ports.MetadataStore
	nodes ports.NodeStore
	links RetransmissionLinks
	// access, when set, lets only owners of the topics create tasks.
	access *ManagementAccess
	now    func() time.Time
}

var _ ports.OfflineRetransmissionService = (*OfflineRetransmission)(nil)

// NewOfflineRetransmission returns the offline retransmission use cases.
func NewOfflineRetransmission(store ports.MetadataStore, nodes ports.NodeStore, links RetransmissionLinks) *OfflineRetransmission {
	return &OfflineRetransmission{store: store, nodes: nodes, links: links, now: time.Now}
}

// isoInstant renders as Java's Instant.toString (UTC, fraction only when
// not zero).
func isoInstant(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseInstant reads the formats Hermes accepts: ISO instants, and
// yyyy-MM-ddTHH:mm:ssZ / yyyy-MM-ddTHH:mmZ in UTC.
func parseInstant(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z", "2006-01-02T15:04Z"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func retransmissionInvalid(msg string) error { return domain.Errorf(domain.ErrValidation, "%s", msg) }

// targetTopic checks that the topic exists and is not stored offline.
func (o *OfflineRetransmission) targetTopic(ctx context.Context, name string) error {
	n, err := domain.ParseTopicName(name)
	if err != nil {
		return err
	}
	t, err := o.store.Topic(ctx, n)
	if errors.Is(err, domain.ErrTopicNotFound) {
		return retransmissionInvalid("Target topic does not exist")
	}
	if err != nil {
		return err
	}
	if t.OfflineStorage.Enabled {
		return retransmissionInvalid("Target topic must not be stored offline")
	}
	return nil
}

// CreateRetransmissionTask validates and stores a task.
func (o *OfflineRetransmission) CreateRetransmissionTask(ctx context.Context, r ports.RetransmissionRequest) (ports.RetransmissionTask, error) {
	task := ports.RetransmissionTask{TaskID: uuid.NewString(), TargetTopic: r.TargetTopic, CreatedAt: isoInstant(o.now())}
	if r.TargetTopic == "" {
		return task, retransmissionInvalid("targetTopic must not be empty")
	}
	switch strings.ToLower(r.Type) {
	case "topic":
		start, okStart := parseInstant(r.StartTimestamp)
		end, okEnd := parseInstant(r.EndTimestamp)
		if r.SourceTopic == "" || !okStart || !okEnd || !start.Before(end) {
			return task, retransmissionInvalid("sourceTopic, startTimestamp and endTimestamp are required, with startTimestamp before endTimestamp")
		}
		src, err := domain.ParseTopicName(r.SourceTopic)
		if err != nil {
			return task, err
		}
		if _, err := o.store.Topic(ctx, src); errors.Is(err, domain.ErrTopicNotFound) {
			return task, retransmissionInvalid("Source topic does not exist")
		} else if err != nil {
			return task, err
		}
		task.Type, task.SourceTopic, task.StartTimestamp, task.EndTimestamp = "TOPIC", r.SourceTopic, isoInstant(start), isoInstant(end)
	case "view":
		if r.SourceViewPath == "" {
			return task, retransmissionInvalid("sourceViewPath must not be empty")
		}
		task.Type, task.SourceViewPath = "VIEW", r.SourceViewPath
	default:
		return task, domain.Errorf(domain.ErrFormat, "type %q: want topic or view", r.Type)
	}
	if err := o.targetTopic(ctx, r.TargetTopic); err != nil {
		return task, err
	}
	if err := o.checkPermissions(ctx, task); err != nil {
		return task, err
	}
	b, err := json.Marshal(task)
	if err != nil {
		return task, fmt.Errorf("retransmission task: encode: %w", err)
	}
	return task, o.nodes.CreateNode(ctx, ports.NodeRetransmissionTasks, task.TaskID, b)
}

// RetransmissionTasks lists every stored task; unreadable nodes are skipped.
func (o *OfflineRetransmission) RetransmissionTasks(ctx context.Context) ([]ports.RetransmissionTask, error) {
	ids, err := o.nodes.Children(ctx, ports.NodeRetransmissionTasks)
	if err != nil {
		return nil, err
	}
	out := []ports.RetransmissionTask{}
	for _, id := range ids {
		b, err := o.nodes.Node(ctx, ports.NodeRetransmissionTasks, id)
		if errors.Is(err, domain.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var t ports.RetransmissionTask
		if json.Unmarshal(b, &t) != nil {
			continue
		}
		if t.Type == "" {
			t.Type = "TOPIC" // tasks written before Hermes had view tasks
		}
		out = append(out, t)
	}
	return out, nil
}

// TopicRetransmissionTasks lists the tasks from or to topic with their links.
func (o *OfflineRetransmission) TopicRetransmissionTasks(ctx context.Context, topic string) ([]ports.RetransmissionTaskInfo, error) {
	tasks, err := o.RetransmissionTasks(ctx)
	if err != nil {
		return nil, err
	}
	out := []ports.RetransmissionTaskInfo{}
	link := func(tmpl, id string) string { return strings.ReplaceAll(tmpl, "{taskId}", id) }
	for _, t := range tasks {
		if t.SourceTopic == topic || t.TargetTopic == topic {
			out = append(out, ports.RetransmissionTaskInfo{Type: t.Type, TaskID: t.TaskID,
				LogsURL: link(o.links.LogsURL, t.TaskID), MetricsURL: link(o.links.MetricsURL, t.TaskID), JobDetailsURL: link(o.links.JobDetailsURL, t.TaskID)})
		}
	}
	return out, nil
}

// DeleteRetransmissionTask removes a task.
func (o *OfflineRetransmission) DeleteRetransmissionTask(ctx context.Context, id string) error {
	err := o.nodes.DeleteNode(ctx, ports.NodeRetransmissionTasks, id)
	if errors.Is(err, domain.ErrNotFound) || errors.Is(err, domain.ErrValidation) {
		return retransmissionInvalid(fmt.Sprintf("Retransmission task with id %s does not exist.", id))
	}
	return err
}
