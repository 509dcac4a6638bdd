package memory

import (
	"testing"

	"github.com/hermes-go/hermes/test/contract/tracker"
)

func TestTrackerContract(t *testing.T) {
	tracker.Run(t, func(t *testing.T) tracker.Harness {
		tr := NewTracker(0)
		return tracker.Harness{Tracker: tr, Repository: tr}
	}, tracker.Features{})
}
