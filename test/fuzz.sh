#!/usr/bin/env bash
# Runs every fuzz target for a bounded number of inputs (FUZZTIME, default
# 50000x each, a few seconds on this machine), one at a time: `go test -fuzz`
# takes one target per invocation. The bound is a count, not a duration: with
# a duration, Go's fuzz coordinator can report "context deadline exceeded"
# with no failing input when its deadline fires under CPU load (a toolchain
# race, golang/go#75804, not fixed in Go 1.26); a count never arms that
# deadline, and a loaded machine only makes the run slower. Their
# seed corpora already ran as plain tests in `go test ./...`. A crash
# leaves its input in the package's testdata/fuzz/<target>/: fix the bug
# and commit that file, so the input stays a regression seed.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-50000x}
targets=(
  "./domain FuzzNames"
  "./domain FuzzDecodeTopic"
  "./domain FuzzDecodeSubscription"
  "./domain FuzzHeaderFilter"
  "./domain FuzzUnwrapJSON"
  "./domain FuzzValidJSON"
  "./domain FuzzFilterDocument"
  "./domain FuzzQuery"
  "./app FuzzTopicCreateAndPatch"
  "./app FuzzSubscriptionCreateAndPatch"
  "./adapters/jsonpath FuzzJSONPathFilter"
  "./adapters/avro FuzzFromJSON"
  "./adapters/avro FuzzAvroPath"
  "./adapters/avro FuzzFastMatchesReader"
  "./adapters/avro FuzzFastMetadataMatchesReader"
  "./adapters/auth FuzzAuthorizationHeader"
)
failed=0
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" -timeout 10m "$pkg" >/tmp/hermes-fuzz.$$ 2>&1; then
    echo "FAIL fuzz $pkg $name"
    grep -v '^fuzz: elapsed' /tmp/hermes-fuzz.$$ | tail -30
    failed=$((failed + 1))
  else
    echo "ok   fuzz $pkg $name ($fuzztime)"
  fi
done
rm -f /tmp/hermes-fuzz.$$
if [ "$failed" -gt 0 ]; then
  echo "fuzz: $failed of ${#targets[@]} targets failed"
  exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
