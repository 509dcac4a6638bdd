package mongo

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

// testDatabase is unique per run, dropped when the tests end.
var testDatabase = "hermes_test_" + strconv.FormatInt(time.Now().UnixNano(), 36)

// testURI returns HERMES_TEST_MONGO (set by test/infra/ferretdb.sh env) or
// skips, failing instead under CI.
func testURI(t *testing.T) string {
	t.Helper()
	return testenv.Require(t, "HERMES_TEST_MONGO", `eval "$(bash test/infra/ferretdb.sh start >&2 && bash test/infra/ferretdb.sh env)"`)
}

// openTracker opens a tracker on the test database, closed at cleanup.
func openTracker(t *testing.T, cfg Config) *Tracker {
	t.Helper()
	tr, err := New(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = tr.Close() })
	return tr
}

func TestContract(t *testing.T) {
	uri := testURI(t)
	t.Cleanup(func() {
		tr, err := New(context.Background(), Config{URI: uri, Database: testDatabase}, slog.New(slog.DiscardHandler))
		require.NoError(t, err)
		require.NoError(t, tr.client.Database(testDatabase).Drop(context.Background()))
		require.NoError(t, tr.Close())
	})
	tracker.Run(t, func(t *testing.T) tracker.Harness {
		tr := openTracker(t, Config{URI: uri, Database: testDatabase, FlushInterval: 20 * time.Millisecond})
		return tracker.Harness{
			Tracker: tr, Repository: tr, Flush: tr.Flush,
			Unreachable: func(t *testing.T) tracker.Unreachable {
				down := openTracker(t, Config{
					URI: "mongodb://127.0.0.1:1/", Timeout: 300 * time.Millisecond,
					CloseTimeout: time.Second, FlushInterval: 20 * time.Millisecond,
				})
				return tracker.Unreachable{Tracker: down, Repository: down}
			},
		}
	}, tracker.Features{Backend: true})
}
