#!/usr/bin/env bash
# The test command: install what is missing, start a project-local RabbitMQ on 127.0.0.1, lint, build with
# warnings as errors, run every test (the broker-outage suite last, alone, because it stops the broker), and
# stop the broker again.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
trap 'scripts/broker.sh stop' EXIT
export AMQP_URL="amqp://guest:guest@127.0.0.1:${KVITT_AMQP_PORT:-5672}/"

echo "== lint"
swift format lint --strict --recursive Package.swift Shared Services Tests

echo "== build (warnings are errors)"
swift build --build-tests -Xswiftc -warnings-as-errors

echo "== tests"
swift test --skip-build --skip BrokerOutage
echo "== broker outage tests"
swift test --skip-build --filter BrokerOutage
