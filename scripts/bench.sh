#!/usr/bin/env bash
# The benchmark command (not a test): release build, local broker, then the raw broker round trip through
# KvittAMQP and the messaging runtime measured in the same run, with their ratio.
# Usage: scripts/bench.sh [kvitt-bench options], e.g. --messages 20000 --payments 5000
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/broker.sh start
swift build -c release --product kvitt-bench
swift build -c release --product payment-matching
# Without arguments: the raw round trip, the runtime, 20,000 payments through payment-matching, and matching cost
# at 10,000 versus 1,000,000 open receivables.
[ $# -gt 0 ] || set -- --payments 20000 --large-receivables 1000000
.build/release/kvitt-bench "$@"
