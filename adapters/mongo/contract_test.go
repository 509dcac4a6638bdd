package mongo

import (
	"context"
	"log/slog"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/hermes-go/hermes/test/contract/tracker"
	"github.com/hermes-go/hermes/test/testenv"
)

// testDatabase is unique per run, dropped when the tests end.
var testDatabase = "hermes_test_" + strconv.FormatInt(time.Now().UnixNano(), 36)

// testDatabases numbers the per-test databases below testDatabase.
var testDatabases atomic.Int64

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
	tracker.Run(t, func(t *testing.T) tracker.Harness {
		// A database per test: FerretDB v1.24 panics (and drops the
		// connection of every operation in flight) when two clients create
		// indexes in one new database at once.
		db := testDatabase + "_" + strconv.FormatInt(testDatabases.Add(1), 10)
		tr := openTracker(t, Config{URI: uri, Database: db, FlushInterval: 20 * time.Millisecond})
		t.Cleanup(func() { _ = tr.client.Database(db).Drop(context.Background()) })
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
