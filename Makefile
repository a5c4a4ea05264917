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
