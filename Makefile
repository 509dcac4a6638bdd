# Hermes-Go. `make run` starts everything on the embedded default;
# `make test` installs what the tests need and runs them all.
GO        ?= go
BIN       ?= bin/hermes
ARGS      ?=
GOFILES    = $(shell git ls-files '*.go' 2>/dev/null)

.PHONY: run run-memory run-distributed build test test-go lint fmt bench bench-density clean

run: build
	$(BIN) $(ARGS)

# A throwaway run: nothing is written to disk.
run-memory: build
	$(BIN) --in-memory $(ARGS)

# Real Kafka and ZooKeeper on 127.0.0.1 (test/infra scripts), then Hermes-Go
# against them with docs/examples/distributed.yaml.
run-distributed: build
	bash test/infra/kafka.sh start
	bash test/infra/zookeeper.sh start
	$(BIN) --config docs/examples/distributed.yaml $(ARGS)

build:
	$(GO) build -o $(BIN) ./cmd/hermes

# Starts the real backing services the adapter tests need (test/infra),
# runs every test, stops the services again.
test:
	bash test/run-tests.sh

# Go tests only, against whatever HERMES_TEST_* services are already up.
test-go:
	$(GO) test -count=1 ./...

lint:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

fmt:
	gofmt -w $(GOFILES)

# Hermes-Go against bare baselines in one run, about 5 minutes; the table
# is printed, the JSON lands in test/bench/results/ (docs/benchmarks.md).
# Flags go in BENCH_ARGS, e.g. BENCH_ARGS="-scenarios publish -rounds 5".
bench:
	$(GO) run ./test/bench/cmd/hermes-bench $(BENCH_ARGS)
	@echo "JSON to Avro conversion (Hermes's converter) vs encoding/json + hamba encode and hamba encode alone:"
	$(GO) test -run '^$$' -bench 'JSONToAvro' -benchmem ./adapters/avro/

# Issue 13's density targets (docs/benchmarks.md, "Consumers at density"):
# 0, 1 000 and 10 000 idle subscriptions per consumer kind, and 1 000 active
# subscriptions on one topic against one, 300 messages each a round (fewer
# measure their waking up more than their delivering); about 15 minutes.
bench-density:
	$(GO) run ./test/bench/cmd/hermes-bench -scenarios fanout,density -fanout 1,1000 -fanout-messages 300000 -rounds 2 -timeout 5m \
		-density 0,1000,10000 -consumers group,shared $(BENCH_ARGS)

clean:
	rm -rf bin
