package bench

import (
	"os"
	"testing"
	"time"
)

// TestMirrorProfile runs one Hermes mirror benchmark in this process,
// twice, so that go test's -cpuprofile and -memprofile cover it (the
// hot-path work of docs/benchmarks.md). HERMES_BENCH_MIRROR names it:
// json, avro, consumer or filter; unset, the test is skipped. It asserts
// nothing about the figures, it logs them:
//
//	HERMES_BENCH_MIRROR=json go test -run TestMirrorProfile -v \
//	    -memprofile /tmp/mem.out -memprofilerate 512 ./test/bench/
func TestMirrorProfile(t *testing.T) {
	which := os.Getenv("HERMES_BENCH_MIRROR")
	if which == "" {
		t.Skip("HERMES_BENCH_MIRROR unset")
	}
	cfg := DefaultConfig()
	cfg.Duration = 5 * time.Second
	r := &Run{cfg: cfg, report: NewReport()}
	rec := func(name, unit string, v float64) { t.Logf("%s %s: %.3f %s", which, name, v, unit) }
	for range 2 {
		var err error
		switch which {
		case "json":
			err = r.mirrorFrontend(t.Context(), false, TargetMirrorPub, rec)
		case "avro":
			err = r.mirrorFrontend(t.Context(), true, TargetMirrorAvro, rec)
		case "consumer":
			err = r.mirrorConsumer(t.Context(), false, rec)
		case "filter":
			err = r.mirrorConsumer(t.Context(), true, rec)
		default:
			t.Fatalf("HERMES_BENCH_MIRROR=%q: want json, avro, consumer or filter", which)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
