.PHONY: test run bench broker-start broker-stop format lint

## Run every test against a project-local RabbitMQ (installs apt packages when missing).
test:
	scripts/test.sh

## Start the broker and the services that exist so far, with the demo workload.
run:
	scripts/run.sh

## Raw broker round trip through KvittAMQP (the denominator of every throughput goal).
bench:
	scripts/bench.sh

broker-start:
	scripts/broker.sh start

broker-stop:
	scripts/broker.sh stop

format:
	swift format --in-place --recursive Package.swift Shared Services Tests

lint:
	swift format lint --strict --recursive Package.swift Shared Services Tests

.PHONY: fuzz fuzz-smoke

## Every fuzz target for 1,000,000 executions from the committed seed corpus (FUZZING.md).
fuzz:
	scripts/fuzz.sh --runs 1000000

## Every fuzz target briefly (20,000 executions or 10 seconds), as CI does.
fuzz-smoke:
	scripts/fuzz.sh --runs 20000 --seconds 10
