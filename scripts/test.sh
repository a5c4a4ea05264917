#!/usr/bin/env bash
# The test command: install what is missing, start a fresh project-local RabbitMQ on 127.0.0.1, lint, build with
# warnings as errors, run every test (the hostile-input suite through the real executables; the timed shutdown test
# alone; the suites that stop the broker or raise an alarm last, alone, one after the other; each fuzz target
# briefly), and stop the broker again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The node also listens for TLS (AMQP port + 1000, a test CA made in KVITT_TLS_DIR), for TLSTests.
export KVITT_AMQPS_PORT="${KVITT_AMQPS_PORT:-$((${KVITT_AMQP_PORT:-5672} + 1000))}"
export KVITT_TLS_DIR="${KVITT_TLS_DIR:-$PWD/.run/test-tls}"
# A fresh node each run: hundreds of quorum queues left by an interrupted run would slow every test.
scripts/broker.sh reset
trap 'scripts/broker.sh stop' EXIT
export AMQP_URL="amqp://guest:guest@127.0.0.1:${KVITT_AMQP_PORT:-5672}/"

echo "== lint"
swift format lint --strict --recursive Package.swift Shared Services Tests

echo "== build (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "== tests"
# Swift Testing starts every test at once unless told otherwise: hundreds of broker connections and child processes
# in the first seconds, on two cores, and a connection then waits longer than any test should. Eight at a time
# finished the suite sooner here (151 s against 166 s unbounded), with a fraction of the peak load.
export SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-8}"
# BoundedShutdownTests measure how long a child process takes to stop; they run alone below, since a machine busy
# with the whole suite stretches that by seconds.
swift test --skip-build --skip 'BrokerOutage|BoundedShutdownTests'
# An outside client (pika) against the four real executables, on the node the Swift tests leave behind.
echo "== hostile-input suite"
scripts/hostile-suite.sh
echo "== bounded shutdown (timed, alone)"
swift test --skip-build --filter BoundedShutdownTests
# Each of these stops and starts the shared broker or raises an alarm on it, so they run alone, one after the other.
echo "== broker outage tests"
swift test --skip-build --filter BrokerOutageTests
echo "== resource alarm"
swift test --skip-build --filter BrokerOutageAlarmTests
echo "== fault injection"
swift test --skip-build --filter BrokerOutageFaultInjectionTests
# Every fuzz target briefly from its seed corpus (make fuzz runs the million executions FUZZING.md records).
echo "== fuzz smoke"
scripts/fuzz.sh --runs 20000 --seconds 10
