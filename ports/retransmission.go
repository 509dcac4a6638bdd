package ports

import "context"

// RetransmissionTask is Hermes's OfflineRetransmissionTask. Times are ISO
// instants; the optional ones are absent when not set.
type RetransmissionTask struct {
	Type           string `json:"type"`
	TaskID         string `json:"taskId"`
	SourceViewPath string `json:"sourceViewPath,omitempty"`
	SourceTopic    string `json:"sourceTopic,omitempty"`
	TargetTopic    string `json:"targetTopic"`
	StartTimestamp string `json:"startTimestamp,omitempty"`
	EndTimestamp   string `json:"endTimestamp,omitempty"`
	CreatedAt      string `json:"createdAt"`
}

// RetransmissionRequest is Hermes's OfflineRetransmissionRequest: type
// "topic" (source topic and time range) or "view" (a source view path).
type RetransmissionRequest struct {
	Type           string `json:"type"`
	SourceTopic    string `json:"sourceTopic"`
	TargetTopic    string `json:"targetTopic"`
	StartTimestamp string `json:"startTimestamp"`
	EndTimestamp   string `json:"endTimestamp"`
	SourceViewPath string `json:"sourceViewPath"`
}

// RetransmissionTaskInfo is Hermes's OfflineRetransmissionTaskMonitoringInfo.
type RetransmissionTaskInfo struct {
	Type          string `json:"type"`
	TaskID        string `json:"taskId"`
	LogsURL       string `json:"logsUrl"`
	MetricsURL    string `json:"metricsUrl"`
	JobDetailsURL string `json:"jobDetailsUrl"`
}

// OfflineRetransmissionService is the driving port of Hermes's
// /offline-retransmission: tasks stored for an external job that copies
// messages from offline storage, as Hermes stores them.
type OfflineRetransmissionService interface {
	// CreateRetransmissionTask validates and stores a task;
	// domain.ErrValidation.
	CreateRetransmissionTask(ctx context.Context, r RetransmissionRequest) (RetransmissionTask, error)
	// RetransmissionTasks lists every task.
	RetransmissionTasks(ctx context.Context) ([]RetransmissionTask, error)
	// TopicRetransmissionTasks lists the tasks from or to a topic.
	TopicRetransmissionTasks(ctx context.Context, topic string) ([]RetransmissionTaskInfo, error)
	// DeleteRetransmissionTask removes a task; domain.ErrValidation when
	// absent, as Hermes answers.
	DeleteRetransmissionTask(ctx context.Context, id string) error
}
