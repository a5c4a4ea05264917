#!/usr/bin/env bash
# The hostile-input suite: an outside AMQP client (pika) publishes hostile and edge-value messages through the real
# broker to the four real services (built in .build/debug) and checks that every one is parked with a reason or
# rejected with field errors, and that every service is still ready and fast afterwards (Tests/Hostile).
# Env: AMQP_URL (default amqp://guest:guest@127.0.0.1:$KVITT_AMQP_PORT/), KVITT_BROKER_NODE naming the node behind
# it for rabbitmqctl (see scripts/broker.sh), KVITT_BIN_DIR (default .build/debug). Extra arguments go to pytest,
# e.g. `-k user-id` to send only the matching cases.
set -euo pipefail
cd "$(dirname "$0")/.."
export AMQP_URL="${AMQP_URL:-amqp://guest:guest@127.0.0.1:${KVITT_AMQP_PORT:-5672}/}"
status=0
python3 -m pytest -q Tests/Hostile "$@" || status=$?
exit "$status"
