package elasticsearch

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/contract/tracker"
	"github.com/hermes-go/hermes/test/testenv"
)

// testPrefix keeps this run's indices and templates apart; they are
// deleted when the tests end.
var testPrefix = "hermes_test_" + strconv.FormatInt(time.Now().UnixNano(), 36) + "_"

// realServerTimeout bounds a write to the real server in tests that
// assert nothing was dropped: creating a day's index and its mappings
// took more than the 5 s default on a loaded machine (the write then
// failed and its traces were counted as dropped).
const realServerTimeout = time.Minute

// testURL returns HERMES_TEST_ELASTICSEARCH (set by test/infra/opensearch.sh
// env) or skips, failing instead under CI.
func testURL(t *testing.T) string {
	t.Helper()
	return testenv.Require(t, "HERMES_TEST_ELASTICSEARCH", `eval "$(bash test/infra/opensearch.sh start >&2 && bash test/infra/opensearch.sh env)"`)
}

func openTracker(t *testing.T, cfg Config) *Tracker {
	t.Helper()
	tr, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

// deleteTestData removes the indices and templates of prefix.
func deleteTestData(t *testing.T, tr *Tracker, prefix string) {
	ctx := context.Background()
	require.NoError(t, tr.rest.do(ctx, "DELETE", "/"+prefix+"*?expand_wildcards=all", "application/json", nil, nil))
	for _, name := range []string{"template_published_messages", "template_sent_messages"} {
		_ = tr.rest.do(ctx, "DELETE", "/_index_template/"+prefix+name, "application/json", nil, nil)
	}
}

func TestContract(t *testing.T) {
	u := testURL(t)
	t.Cleanup(func() {
		tr, err := New(context.Background(), Config{URL: u}, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		deleteTestData(t, tr, testPrefix)
		require.NoError(t, tr.Close())
	})
	tracker.Run(t, func(t *testing.T) tracker.Harness {
		tr := openTracker(t, Config{URL: u, IndexPrefix: testPrefix, RefreshOnWrite: true, FlushInterval: 20 * time.Millisecond, Timeout: realServerTimeout})
		return tracker.Harness{
			Tracker: tr, Repository: tr, Flush: tr.Flush,
			Unreachable: func(t *testing.T) tracker.Unreachable {
				down := openTracker(t, Config{
					URL: "http://127.0.0.1:1", IndexPrefix: testPrefix, Timeout: 300 * time.Millisecond,
					CloseTimeout: time.Second, FlushInterval: 20 * time.Millisecond,
				})
				return tracker.Unreachable{Tracker: down, Repository: down}
			},
		}
	}, tracker.Features{Backend: true})
}
