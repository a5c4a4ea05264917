#!/usr/bin/env bash
# The benchmark command (not a test): release build, local broker, then the raw broker round trip through
# KvittAMQP and the messaging runtime measured in the same run, with their ratio, then the system benchmarks.
# Usage: scripts/bench.sh [kvitt-bench options], e.g. --messages 20000 --payments 5000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
# The benchmark drives the real executables (the four services and the kvitt CLI), built next to it.
swift build -c release
# Without arguments: the raw round trip, the runtime, 20,000 payments through payment-matching, matching cost at
# 10,000 versus 1,000,000 open receivables, latency and memory of the four services under a steady 200 payments/s,
# and the long fault-injection run (3,000 invoices, 12 kills, 2 broker restarts, 40 poison messages).
[ $# -gt 0 ] || set -- --payments 20000 --large-receivables 1000000 --latency-payments 6000 --latency-rate 200 \
    --fault-invoices 3000
.build/release/kvitt-bench "$@"
