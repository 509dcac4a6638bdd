package kafka

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	"github.com/hermes-go/hermes/domain"
)

// The embedded broker keeps its topic list in <dataDir>/topics.json and
// each partition in <dataDir>/partitions/<escaped topic>-<partition>. One
// entry whose directory cannot exist (a name too long for a file name)
// makes every later start fail while loading it, so such entries are moved
// aside before kfake reads the list.
const (
	topicsFile      = "topics.json"
	quarantinedFile = "topics.quarantined.json"
)

// persistedTopics is the part of kfake's topics.json read here; every
// entry is carried over as it is, so fields kfake adds later survive.
type persistedTopics struct {
	Version int               `json:"version"`
	Topics  []json.RawMessage `json:"topics"`
}

// unloadable says why kfake could not load the topic entry raw, or "".
func unloadable(raw json.RawMessage) string {
	var t struct {
		Name       string `json:"name"`
		Partitions int    `json:"partitions"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		return "entry is not a topic: " + err.Error()
	}
	if err := domain.CheckStoreTopicName(t.Name); err != nil {
		return domain.ErrorMessage(err)
	}
	// The longest partition directory is the last partition's.
	if dir := url.PathEscape(t.Name) + "-" + strconv.Itoa(max(t.Partitions-1, 0)); len(dir) > domain.MaxFileName {
		return fmt.Sprintf("partition directory name is %d bytes long, more than a file name takes (%d)", len(dir), domain.MaxFileName)
	}
	return ""
}

// quarantineUnloadable moves the entries of dataDir/topics.json that the
// broker could not load into dataDir/topics.quarantined.json (appending to
// what an earlier start moved there), logging each, so that the broker
// starts with the rest. Their records, if any, stay where they are.
func quarantineUnloadable(dataDir string, log *slog.Logger) error {
	path := filepath.Join(dataDir, topicsFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kafka: embedded broker: read %s: %w", topicsFile, err)
	}
	var all persistedTopics
	if err := json.Unmarshal(b, &all); err != nil {
		// kfake reports this itself, naming the file.
		return nil
	}
	var keep, bad []json.RawMessage
	for _, raw := range all.Topics {
		if why := unloadable(raw); why != "" {
			log.Error("embedded broker: topic cannot be loaded; moved aside, the other topics are served",
				"entry", abbreviated(raw), "reason", why, "moved_to", filepath.Join(dataDir, quarantinedFile))
			bad = append(bad, raw)
			continue
		}
		keep = append(keep, raw)
	}
	if len(bad) == 0 {
		return nil
	}
	qpath := filepath.Join(dataDir, quarantinedFile)
	var moved persistedTopics
	if qb, err := os.ReadFile(qpath); err == nil {
		_ = json.Unmarshal(qb, &moved) // a damaged quarantine file is replaced, the entries are in the log
	}
	moved.Version = all.Version
	moved.Topics = append(moved.Topics, bad...)
	// The quarantine is written first: a crash in between leaves an entry
	// in both files, never in neither.
	if err := writeFileAtomic(qpath, moved); err != nil {
		return err
	}
	all.Topics = keep
	if all.Topics == nil {
		all.Topics = []json.RawMessage{}
	}
	return writeFileAtomic(path, all)
}

// abbreviated bounds a logged entry.
func abbreviated(raw json.RawMessage) string {
	const keep = 512
	if len(raw) <= keep {
		return string(raw)
	}
	return string(raw[:keep]) + "..."
}

// writeFileAtomic replaces path with v as JSON: temporary file, fsync,
// rename, fsync of the directory.
func writeFileAtomic(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kafka: embedded broker: encode %s: %w", filepath.Base(path), err)
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: embedded broker: %w", err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("kafka: embedded broker: write %s: %w", filepath.Base(path), err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
